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

/* 1 when t[u] == (u & mask) for every u, i.e. the table is an AND mask:
 * every plane of unsigned codes under static Ax-BxP selection (fixed block
 * positions), and under any selection when all blocks are kept. */
static inline VBMI int is_and_mask(const table4 *t, uint8_t mask)
{
    const __m512i iota = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50,
                                         49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35,
                                         34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20,
                                         19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3,
                                         2, 1, 0);
    const __m512i m = _mm512_set1_epi8((char)mask);
    const __m512i step = _mm512_set1_epi8(64);
    const __m512i i1 = _mm512_add_epi8(iota, step), i2 = _mm512_add_epi8(i1, step);
    const __m512i i3 = _mm512_add_epi8(i2, step);
    __mmask64 ne = _mm512_cmpneq_epi8_mask(t->t0, _mm512_and_si512(iota, m)) |
                   _mm512_cmpneq_epi8_mask(t->t1, _mm512_and_si512(i1, m)) |
                   _mm512_cmpneq_epi8_mask(t->t2, _mm512_and_si512(i2, m)) |
                   _mm512_cmpneq_epi8_mask(t->t3, _mm512_and_si512(i3, m));
    return ne == 0;
}

/* Plane by plane (one table in registers at a time), row by row: each row
 * is full 64-byte chunks plus one masked tail, so nothing past a source
 * row is read nor past a destination segment written. The source rows are
 * read once per plane; they sit in L1/L2 (an im2col tile). A table that is
 * an AND mask (a copy is the mask 0xFF) costs one vpandd per 64 bytes
 * instead of the two vpermi2b of a look-up, which bound this loop. */
VBMI void fm_map_planes_u8_vbmi(const uint8_t *const tables[], int G, const uint8_t *src,
                                int rows, int K, int lds, uint8_t *dst, int ldd)
{
    const int full = K / 64 * 64;
    const __mmask64 tm = K % 64 ? (1ull << (K % 64)) - 1 : 0;
    for (int p = 0; p < G; p++) {
        uint8_t *dp = dst + (size_t)p * K;
        table4 t;
        uint8_t mask = 0xFF;
        int and_only = 1;
        if (tables[p]) {
            t = load_table(tables[p]);
            mask = tables[p][255]; /* 255 & mask */
            and_only = is_and_mask(&t, mask);
        }
        if (and_only) {
            const __m512i m = _mm512_set1_epi8((char)mask);
            for (int r = 0; r < rows; r++) {
                const uint8_t *s = src + (size_t)r * lds;
                uint8_t *d = dp + (size_t)r * ldd;
                int k = 0;
                for (; k < full; k += 64)
                    _mm512_storeu_si512(d + k, _mm512_and_si512(m, _mm512_loadu_si512(s + k)));
                if (tm)
                    _mm512_mask_storeu_epi8(d + k, tm,
                                            _mm512_and_si512(m, _mm512_maskz_loadu_epi8(tm, s + k)));
            }
            continue;
        }
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
