/* AVX2 quantize: the same IEEE operations as quant.c, 8 lanes at a time. */
#include <immintrin.h>

#include "flexmac/kernels.h"
#include "kernels/kernels_internal.h"

void fm_quantize_u8_avx2(const float *x, int64_t n, float inv, int32_t lo, int32_t hi, int32_t off,
                         uint8_t *q)
{
    const __m256 vinv = _mm256_set1_ps(inv), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    const __m256 vlo = _mm256_set1_ps((float)lo), vhi = _mm256_set1_ps((float)hi);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256i voff = _mm256_set1_epi32(off);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 s = _mm256_mul_ps(_mm256_loadu_ps(x + i), vinv);
        __m256 t = _mm256_round_ps(s, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        __m256 frac = _mm256_andnot_ps(sign, _mm256_sub_ps(s, t));
        __m256 up = _mm256_cmp_ps(frac, half, _CMP_GE_OQ);
        __m256 step = _mm256_or_ps(one, _mm256_and_ps(s, sign));
        t = _mm256_add_ps(t, _mm256_and_ps(up, step));
        __m256 ok = _mm256_cmp_ps(t, vlo, _CMP_GE_OQ);
        t = _mm256_blendv_ps(vlo, t, ok);
        t = _mm256_min_ps(t, vhi);
        __m256i c = _mm256_add_epi32(_mm256_cvttps_epi32(t), voff);
        /* 8 int32 in 0..255 -> 8 bytes */
        __m128i lo16 = _mm_packus_epi32(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1));
        _mm_storel_epi64((__m128i *)(q + i), _mm_packus_epi16(lo16, lo16));
    }
    fm_quantize_u8_ref(x + i, n - i, inv, lo, hi, off, q + i);
}
