/* AVX-512 VBMI byte table mapping (see map.c): a 256-byte table is four
 * zmm; vpermi2b picks from the low 128 bytes and from the high 128 bytes by
 * the low 7 bits of each index, the index's top bit chooses between the two.
 * The tail uses masked loads and stores, so nothing outside src[0, n) is
 * read or dst[0, n) written. */
#include <immintrin.h>

#include "kernels/kernels_internal.h"

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void
fm_map_u8_vbmi(const uint8_t table[256], const uint8_t *src, size_t n, uint8_t *dst)
{
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512i x = _mm512_loadu_si512(src + i);
        __m512i lo = _mm512_permutex2var_epi8(t0, x, t1);
        __m512i hi = _mm512_permutex2var_epi8(t2, x, t3);
        _mm512_storeu_si512(dst + i, _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi));
    }
    if (i < n) {
        __mmask64 m = (1ull << (n - i)) - 1; /* n - i < 64 */
        __m512i x = _mm512_maskz_loadu_epi8(m, src + i);
        __m512i lo = _mm512_permutex2var_epi8(t0, x, t1);
        __m512i hi = _mm512_permutex2var_epi8(t2, x, t3);
        _mm512_mask_storeu_epi8(dst + i, m, _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi));
    }
}
