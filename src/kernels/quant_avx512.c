/* AVX-512 quantize/dequantize: the same IEEE operations as quant.c, 16
 * lanes at a time, so the bytes equal the scalar path's. */
#include <immintrin.h>

#include "flexmac/kernels.h"
#include "kernels/kernels_internal.h"

void fm_quantize_u8_avx512(const float *x, int64_t n, float inv, int32_t lo, int32_t hi, int32_t off,
                           uint8_t *q)
{
    const __m512 vinv = _mm512_set1_ps(inv), half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
    const __m512 vlo = _mm512_set1_ps((float)lo), vhi = _mm512_set1_ps((float)hi);
    const __m512i voff = _mm512_set1_epi32(off);
    const __m512 sign = _mm512_set1_ps(-0.0f);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 s = _mm512_mul_ps(_mm512_loadu_ps(x + i), vinv);
        __m512 t = _mm512_roundscale_ps(s, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        __m512 frac = _mm512_andnot_ps(sign, _mm512_sub_ps(s, t));
        __mmask16 up = _mm512_cmp_ps_mask(frac, half, _CMP_GE_OQ);
        __m512 step = _mm512_or_ps(one, _mm512_and_ps(s, sign)); /* copysign(1, s) */
        t = _mm512_mask_add_ps(t, up, t, step);
        /* !(t >= lo) -> lo catches NaN; then t > hi -> hi */
        __mmask16 ok = _mm512_cmp_ps_mask(t, vlo, _CMP_GE_OQ);
        t = _mm512_mask_blend_ps(ok, vlo, t);
        t = _mm512_min_ps(t, vhi);
        __m512i c = _mm512_add_epi32(_mm512_cvttps_epi32(t), voff);
        _mm_storeu_si128((__m128i *)(q + i), _mm512_cvtepi32_epi8(c));
    }
    fm_quantize_u8_ref(x + i, n - i, inv, lo, hi, off, q + i);
}

void fm_dequant_rows_avx512(const int32_t *acc, int lda, int rows, int n, const int32_t *corr,
                            const float *scale, const float *bias, int relu, float *y, int ldy)
{
    const __m512 zero = _mm512_setzero_ps();
    for (int r = 0; r < rows; r++) {
        const int32_t *ar = acc + (size_t)r * lda;
        float *yr = y + (size_t)r * ldy;
        int o = 0;
        for (; o + 8 <= n; o += 8) {
            __m512d a = _mm512_cvtepi32_pd(_mm256_loadu_si256((const __m256i *)(ar + o)));
            if (corr)
                a = _mm512_sub_pd(a, _mm512_cvtepi32_pd(_mm256_loadu_si256((const __m256i *)(corr + o))));
            __m512d p = _mm512_mul_pd(a, _mm512_cvtps_pd(_mm256_loadu_ps(scale + o)));
            __m256 v = _mm256_add_ps(_mm512_cvtpd_ps(p), _mm256_loadu_ps(bias + o));
            if (relu) /* !(v > 0) -> 0, as the scalar path (NaN -> 0) */
                v = _mm256_and_ps(v, _mm256_cmp_ps(v, _mm512_castps512_ps256(zero), _CMP_GT_OQ));
            _mm256_storeu_ps(yr + o, v);
        }
        if (o < n)
            fm_dequant_rows_ref(ar + o, lda, 1, n - o, corr ? corr + o : NULL, scale + o, bias + o, relu,
                                yr + o, ldy);
    }
}
