/* AVX2 requantization for the fast TFLite path: TFLite's
 * MultiplyByQuantizedMultiplier on 8 channels at a time, the same bits as
 * the scalar tfast_requant_rows_ref (tests/exec/test_tflite_fast.c compares
 * them on random and edge operands). */
#include <immintrin.h>

#include "exec/tflite_fast_internal.h"

/* round(x * m / 2^31), gemmlowp's SaturatingRoundingDoublingHighMul: the
 * 64-bit product plus a nudge of +-2^30, divided by 2^31 truncating towards
 * zero. Only the low 32 bits of the quotient are kept, so a logical 64-bit
 * shift (floor) plus one for negative inexact values is enough. */
static inline __m256i srdhm_lanes(__m256i p)
{
    const __m256i zero = _mm256_setzero_si256();
    __m256i neg = _mm256_cmpgt_epi64(zero, p);
    __m256i nudge = _mm256_blendv_epi8(_mm256_set1_epi64x(1 << 30), _mm256_set1_epi64x(1 - (1 << 30)), neg);
    __m256i t = _mm256_add_epi64(p, nudge);
    __m256i tneg = _mm256_cmpgt_epi64(zero, t);
    __m256i rem = _mm256_and_si256(t, _mm256_set1_epi64x(0x7FFFFFFF));
    __m256i inexact = _mm256_xor_si256(_mm256_cmpeq_epi64(rem, zero), _mm256_set1_epi64x(-1));
    return _mm256_sub_epi64(_mm256_srli_epi64(t, 31), _mm256_and_si256(tneg, inexact));
}

static inline __m256i mbqm8(__m256i x, __m256i m, __m256i shift)
{
    const __m256i zero = _mm256_setzero_si256();
    __m256i left = _mm256_min_epi32(_mm256_max_epi32(shift, zero), _mm256_set1_epi32(31));
    __m256i right = _mm256_min_epi32(_mm256_max_epi32(_mm256_sub_epi32(zero, shift), zero), _mm256_set1_epi32(31));
    x = _mm256_sllv_epi32(x, left); /* wraps like the scalar int32 shift */
    __m256i pe = srdhm_lanes(_mm256_mul_epi32(x, m));
    __m256i po = srdhm_lanes(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(m, 32)));
    __m256i h = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
    const __m256i imin = _mm256_set1_epi32(INT32_MIN);
    __m256i sat = _mm256_and_si256(_mm256_cmpeq_epi32(x, imin), _mm256_cmpeq_epi32(m, imin));
    h = _mm256_blendv_epi8(h, _mm256_set1_epi32(INT32_MAX), sat);
    /* RoundingDivideByPOT(h, right) */
    __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), right), _mm256_set1_epi32(1));
    __m256i rem = _mm256_and_si256(h, mask);
    __m256i thr = _mm256_add_epi32(_mm256_srli_epi32(mask, 1), _mm256_srli_epi32(h, 31));
    return _mm256_sub_epi32(_mm256_srav_epi32(h, right), _mm256_cmpgt_epi32(rem, thr));
}

void tfast_requant_rows_avx2(const int32_t *acc, int lda, int rows, int n, const int32_t *R, int rs, int cs,
                             const tfast_requant *q, int c0, uint8_t *y, int ldy)
{
    const int32_t *d = q->d + c0, *corr = q->corr + c0, *mult = q->mult + c0, *shift = q->shift + c0;
    const __m256i lo = _mm256_set1_epi32(q->lo - q->zy), hi = _mm256_set1_epi32(q->hi - q->zy);
    const __m256i zy = _mm256_set1_epi32(q->zy);
    int n8 = n & ~7;
    for (int r = 0; r < rows; r++) {
        const int32_t *ar = acc + (size_t)r * lda;
        const int32_t *rr = R ? R + (size_t)r * rs : NULL;
        uint8_t *yr = y + (size_t)r * ldy;
        for (int c = 0; c < n8; c += 8) {
            __m256i a = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(ar + c)),
                                         _mm256_loadu_si256((const __m256i *)(corr + c)));
            if (rr) {
                __m256i rv = cs ? _mm256_loadu_si256((const __m256i *)(rr + c)) : _mm256_set1_epi32(rr[0]);
                a = _mm256_add_epi32(a, _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *)(d + c)), rv));
            }
            __m256i v = mbqm8(a, _mm256_loadu_si256((const __m256i *)(mult + c)),
                              _mm256_loadu_si256((const __m256i *)(shift + c)));
            /* clamp before adding the zero point: the sum cannot wrap */
            v = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(v, lo), hi), zy);
            __m128i p16 = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
            _mm_storel_epi64((__m128i *)(yr + c), _mm_packus_epi16(p16, p16));
        }
        if (n8 < n) {
            tfast_requant q2 = *q;
            q2.d += c0 + n8;
            q2.corr += c0 + n8;
            q2.mult += c0 + n8;
            q2.shift += c0 + n8;
            tfast_requant_rows_ref(ar + n8, lda, 1, n - n8, rr ? rr + (size_t)n8 * cs : NULL, rs, cs, &q2, 0,
                                   yr + n8, ldy);
        }
    }
}

/* TFLite ADD (tref_add_one) on 8 bytes at a time. */
void tfast_add_avx2(const tref_add_params *p, const uint8_t *a, int32_t oa, const uint8_t *b, int32_t ob,
                    uint8_t *y, int32_t oy, int64_t n)
{
    const __m256i za = _mm256_set1_epi32(p->za + oa), zb = _mm256_set1_epi32(p->zb + ob);
    const __m256i ma = _mm256_set1_epi32(p->ma), mb = _mm256_set1_epi32(p->mb), my = _mm256_set1_epi32(p->my);
    const __m256i ea = _mm256_set1_epi32(p->ea), eb = _mm256_set1_epi32(p->eb), ey = _mm256_set1_epi32(p->ey);
    const __m256i lo = _mm256_set1_epi32(p->lo - p->zy), hi = _mm256_set1_epi32(p->hi - p->zy);
    const __m256i zy = _mm256_set1_epi32(p->zy + oy);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i xa = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(a + i)));
        __m256i xb = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(b + i)));
        xa = _mm256_slli_epi32(_mm256_sub_epi32(xa, za), TREF_ADD_LEFT_SHIFT);
        xb = _mm256_slli_epi32(_mm256_sub_epi32(xb, zb), TREF_ADD_LEFT_SHIFT);
        __m256i s = _mm256_add_epi32(mbqm8(xa, ma, ea), mbqm8(xb, mb, eb));
        __m256i v = mbqm8(s, my, ey);
        v = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(v, lo), hi), zy);
        __m128i p16 = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        _mm_storel_epi64((__m128i *)(y + i), _mm_packus_epi16(p16, p16));
    }
    for (; i < n; i++)
        y[i] = (uint8_t)(tref_add_one(p, (int32_t)a[i] - oa, (int32_t)b[i] - ob) + oy);
}
