/* Depthwise conv with AVX2: 8 channels per ymm. Input widened to int32 lanes
 * (high int16 zero) and weight sign-extended to int32, so vpmaddwd gives
 * exactly x*w per lane. Same structure as the AVX-512 path: weights widened
 * once per channel block, runs of 8 (else 4) interior pixels share the taps
 * (independent accumulator chains), border pixels test each tap. Channel
 * tails (C % 8) run the scalar formula. */
#include <immintrin.h>

#include "kernels_internal.h"

#define MAX_TAPS 49

static int32_t tap_scalar(const uint8_t *x, int H, int W, int C, const int8_t *w, int kh, int kw,
                          int iy0, int ix0, int c, uint8_t pad_value)
{
    uint32_t s = 0;
    for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++) {
            int iy = iy0 + ky, ix = ix0 + kx;
            int32_t xv = (iy < 0 || iy >= H || ix < 0 || ix >= W)
                             ? pad_value
                             : x[((size_t)iy * W + ix) * C + c];
            s += (uint32_t)(xv * (int32_t)w[(ky * kw + kx) * C + c]);
        }
    return (int32_t)s;
}

static inline __m256i load8_u8(const uint8_t *p)
{
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p));
}

void fm_dwconv_avx2(const uint8_t *x, int H, int W, int C, const int8_t *w, int kh, int kw, int sh,
                    int sw, int pad_t, int pad_l, int OH, int OW, uint8_t pad_value, int32_t *y)
{
    const int taps = kh * kw, cv = C & ~7;
    if (taps > MAX_TAPS) {
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++)
                for (int c = 0; c < C; c++)
                    y[((size_t)oh * OW + ow) * C + c] = tap_scalar(
                        x, H, W, C, w, kh, kw, oh * sh - pad_t, ow * sw - pad_l, c, pad_value);
        return;
    }
    const __m256i padv = _mm256_set1_epi32(pad_value);
    __m256i wv[MAX_TAPS];
    for (int c = 0; c < cv; c += 8) {
        for (int t = 0; t < taps; t++)
            wv[t] = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(w + (size_t)t * C + c)));
        for (int oh = 0; oh < OH; oh++) {
            const int iy0 = oh * sh - pad_t;
            const int rows_in = iy0 >= 0 && iy0 + kh <= H;
            for (int ow = 0; ow < OW;) {
                const int ix0 = ow * sw - pad_l;
                int32_t *yp = y + ((size_t)oh * OW + ow) * C + c;
                const int nb = !rows_in || ix0 < 0                          ? 0
                               : ow + 8 <= OW && ix0 + 7 * sw + kw <= W ? 8
                               : ow + 4 <= OW && ix0 + 3 * sw + kw <= W ? 4
                                                                        : 0;
                if (nb) {
                    const uint8_t *xp = x + ((size_t)iy0 * W + ix0) * C + c;
                    const size_t step = (size_t)sw * C;
                    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0,
                            a5 = a0, a6 = a0, a7 = a0;
#define DW_TAP(a, j) a = _mm256_add_epi32(a, _mm256_madd_epi16(load8_u8(p + (j) * step), wt));
                    if (nb == 8) {
                        for (int ky = 0; ky < kh; ky++, xp += (size_t)W * C)
                            for (int kx = 0; kx < kw; kx++) {
                                const __m256i wt = wv[ky * kw + kx];
                                const uint8_t *p = xp + (size_t)kx * C;
                                DW_TAP(a0, 0) DW_TAP(a1, 1) DW_TAP(a2, 2) DW_TAP(a3, 3)
                                DW_TAP(a4, 4) DW_TAP(a5, 5) DW_TAP(a6, 6) DW_TAP(a7, 7)
                            }
                    } else {
                        for (int ky = 0; ky < kh; ky++, xp += (size_t)W * C)
                            for (int kx = 0; kx < kw; kx++) {
                                const __m256i wt = wv[ky * kw + kx];
                                const uint8_t *p = xp + (size_t)kx * C;
                                DW_TAP(a0, 0) DW_TAP(a1, 1) DW_TAP(a2, 2) DW_TAP(a3, 3)
                            }
                    }
#undef DW_TAP
                    _mm256_storeu_si256((__m256i *)yp, a0);
                    _mm256_storeu_si256((__m256i *)(yp + (size_t)C), a1);
                    _mm256_storeu_si256((__m256i *)(yp + (size_t)2 * C), a2);
                    _mm256_storeu_si256((__m256i *)(yp + (size_t)3 * C), a3);
                    if (nb == 8) {
                        _mm256_storeu_si256((__m256i *)(yp + (size_t)4 * C), a4);
                        _mm256_storeu_si256((__m256i *)(yp + (size_t)5 * C), a5);
                        _mm256_storeu_si256((__m256i *)(yp + (size_t)6 * C), a6);
                        _mm256_storeu_si256((__m256i *)(yp + (size_t)7 * C), a7);
                    }
                    ow += nb;
                    continue;
                }
                __m256i acc = _mm256_setzero_si256();
                for (int ky = 0; ky < kh; ky++) {
                    const int iy = iy0 + ky;
                    for (int kx = 0; kx < kw; kx++) {
                        const int ix = ix0 + kx;
                        __m256i xv = padv;
                        if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                            xv = load8_u8(x + ((size_t)iy * W + ix) * C + c);
                        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(xv, wv[ky * kw + kx]));
                    }
                }
                _mm256_storeu_si256((__m256i *)yp, acc);
                ow++;
            }
        }
    }
    for (int c = cv; c < C; c++)
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++)
                y[((size_t)oh * OW + ow) * C + c] = tap_scalar(
                    x, H, W, C, w, kh, kw, oh * sh - pad_t, ow * sw - pad_l, c, pad_value);
}
