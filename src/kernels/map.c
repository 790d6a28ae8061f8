/* Byte table mapping: dst[i] = table[src[i]]. The Ax-BxP and ASM planes of
 * 8-bit activations are a function of the code byte, so every non-identity
 * plane maps its im2col tile through a 256-entry table before its GEMM
 * (src/exec/mac_int.c). Scalar reference and dispatch here; the AVX-512
 * VBMI path (map_avx512.c) looks up 64 bytes with two vpermi2b. */
#include <cpuid.h>

#include "flexmac/kernels.h"
#include "kernels/kernels_internal.h"

void fm_map_u8_ref(const uint8_t table[256], const uint8_t *src, size_t n, uint8_t *dst)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = table[src[i]];
}

/* AVX512_VBMI (cpuid 7.0 ECX bit 1) on top of the AVX-512 VNNI level, whose
 * detection already checked the OS state (XCR0). Idempotent: a race only
 * repeats it. */
static int cached_vbmi = -1;

int fm_cpu_has_vbmi(void)
{
    int v = __atomic_load_n(&cached_vbmi, __ATOMIC_ACQUIRE);
    if (v >= 0)
        return v;
    unsigned a, b, c = 0, d;
    v = 0;
    if (fm_cpu_best_isa() == FM_ISA_AVX512VNNI && __get_cpuid_max(0, NULL) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        v = (int)((c >> 1) & 1);
    }
    __atomic_store_n(&cached_vbmi, v, __ATOMIC_RELEASE);
    return v;
}

void fm_map_planes_u8_ref(const uint8_t *const tables[], int G, const uint8_t *src, int rows, int K,
                          int lds, uint8_t *dst, int ldd)
{
    for (int r = 0; r < rows; r++)
        for (int p = 0; p < G; p++) {
            const uint8_t *s = src + (size_t)r * lds;
            uint8_t *d = dst + (size_t)r * ldd + (size_t)p * K;
            for (int k = 0; k < K; k++)
                d[k] = tables[p] ? tables[p][s[k]] : s[k];
        }
}

void fm_map_planes_u8(fm_isa isa, const uint8_t *const tables[], int G, const uint8_t *src,
                      int rows, int K, int lds, uint8_t *dst, int ldd)
{
    if (isa == FM_ISA_AVX512VNNI && fm_cpu_has_vbmi())
        fm_map_planes_u8_vbmi(tables, G, src, rows, K, lds, dst, ldd);
    else
        fm_map_planes_u8_ref(tables, G, src, rows, K, lds, dst, ldd);
}

void fm_map_u8(fm_isa isa, const uint8_t table[256], const uint8_t *src, size_t n, uint8_t *dst)
{
    if (isa == FM_ISA_AVX512VNNI && fm_cpu_has_vbmi())
        fm_map_u8_vbmi(table, src, n, dst);
    else
        fm_map_u8_ref(table, src, n, dst);
}
