/* Depthwise convolution for the fast TFLite path, AVX2: computes TFLite's
 * accumulator sum (x - zx)(w - zw) directly with 16-bit operands. Both
 * differences lie in [-255, 255], so vpmaddwd's sum of two products (at
 * most 2 * 255^2) is exact in int32, and one pass replaces the two passes
 * (products and window sums) that u8 x s8 kernels need when the weight
 * differences do not fit int8 (see tflite_fast_mac.c). Taps outside the
 * image contribute zero, as in TFLite. Same bits as the u8 x s8 path; the
 * tests compare every ISA with the scalar reference executor. */
#include <immintrin.h>

#include "exec/tflite_fast_internal.h"

void tfast_dw_avx2(const uint8_t *x, int H, int W, int C, const int16_t *wpair, int kh, int kw, int sh, int sw,
                   int pad_t, int pad_l, int OH, int OW, uint8_t zx, int32_t *y)
{
    int T = kh * kw, npairs = (T + 1) / 2, c8 = C & ~7;
    int64_t offs[32]; /* kh * kw <= 32 (checked by the caller) */
    const __m128i z16 = _mm_set1_epi16(zx);
    for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++) {
            for (int t = 0; t < 2 * npairs; t++) {
                int iy = oh * sh - pad_t + t / kw, ix = ow * sw - pad_l + t % kw;
                offs[t] = t < T && iy >= 0 && iy < H && ix >= 0 && ix < W ? ((int64_t)iy * W + ix) * C : -1;
            }
            int32_t *yp = y + ((size_t)oh * OW + ow) * C;
            for (int c = 0; c < c8; c += 8) {
                __m256i acc = _mm256_setzero_si256();
                for (int p = 0; p < npairs; p++) {
                    int64_t o0 = offs[2 * p], o1 = offs[2 * p + 1];
                    if (o0 < 0 && o1 < 0)
                        continue;
                    __m128i x0 = o0 < 0 ? _mm_setzero_si128()
                                        : _mm_sub_epi16(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(x + o0 + c))), z16);
                    __m128i x1 = o1 < 0 ? _mm_setzero_si128()
                                        : _mm_sub_epi16(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(x + o1 + c))), z16);
                    __m256i xv = _mm256_set_m128i(_mm_unpackhi_epi16(x0, x1), _mm_unpacklo_epi16(x0, x1));
                    __m256i wv = _mm256_loadu_si256((const __m256i *)(wpair + ((size_t)p * C + c) * 2));
                    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(xv, wv));
                }
                _mm256_storeu_si256((__m256i *)(yp + c), acc);
            }
            for (int c = c8; c < C; c++) {
                uint32_t s = 0;
                for (int t = 0; t < T; t++)
                    if (offs[t] >= 0)
                        s += (uint32_t)(((int32_t)x[offs[t] + c] - zx) * wpair[((size_t)(t / 2) * C + c) * 2 + t % 2]);
                yp[c] = (int32_t)s;
            }
        }
}
