/* AVX-512 VBMI byte table mapping (see map.c; the 64-byte look-up is in
 * vbmi_lookup.h). Tails use masked loads and stores, so nothing outside
 * the source bytes is read nor outside the destination bytes written. */
#include <immintrin.h>

#include "kernels/kernels_internal.h"
#include "kernels/vbmi_lookup.h"

VBMI void fm_map_u8_vbmi(const uint8_t table[256], const uint8_t *src, size_t n, uint8_t *dst)
{
    const table4 t = load_table(table);
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        _mm512_storeu_si512(dst + i, lookup(&t, _mm512_loadu_si512(src + i)));
    if (i < n) {
        __mmask64 m = (1ull << (n - i)) - 1; /* n - i < 64 */
        _mm512_mask_storeu_epi8(dst + i, m, lookup(&t, _mm512_maskz_loadu_epi8(m, src + i)));
    }
}

/* Plane by plane (one table in registers at a time), row by row: each row
 * is full 64-byte chunks plus one masked tail, so nothing past a source
 * row is read nor past a destination segment written. The source rows are
 * read once per plane; they sit in L1/L2 (an im2col tile). */
VBMI void fm_map_planes_u8_vbmi(const uint8_t *const tables[], int G, const uint8_t *src,
                                int rows, int K, int lds, uint8_t *dst, int ldd)
{
    const int full = K / 64 * 64;
    const __mmask64 tm = K % 64 ? (1ull << (K % 64)) - 1 : 0;
    for (int p = 0; p < G; p++) {
        uint8_t *dp = dst + (size_t)p * K;
        if (!tables[p]) {
            for (int r = 0; r < rows; r++) {
                const uint8_t *s = src + (size_t)r * lds;
                uint8_t *d = dp + (size_t)r * ldd;
                int k = 0;
                for (; k < full; k += 64)
                    _mm512_storeu_si512(d + k, _mm512_loadu_si512(s + k));
                if (tm)
                    _mm512_mask_storeu_epi8(d + k, tm, _mm512_maskz_loadu_epi8(tm, s + k));
            }
            continue;
        }
        const table4 t = load_table(tables[p]);
        for (int r = 0; r < rows; r++) {
            const uint8_t *s = src + (size_t)r * lds;
            uint8_t *d = dp + (size_t)r * ldd;
            int k = 0;
            for (; k < full; k += 64)
                _mm512_storeu_si512(d + k, lookup(&t, _mm512_loadu_si512(s + k)));
            if (tm)
                _mm512_mask_storeu_epi8(d + k, tm, lookup(&t, _mm512_maskz_loadu_epi8(tm, s + k)));
        }
    }
}
