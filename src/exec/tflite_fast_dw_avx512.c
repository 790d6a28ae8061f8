/* Depthwise convolution for the fast TFLite path, AVX-512: the 16-bit
 * one-pass kernel of tflite_fast_dw_avx2.c on 16 channels at a time (see
 * there for why it is exact). */
#include <immintrin.h>

#include "exec/tflite_fast_internal.h"

void tfast_dw_avx512(const uint8_t *x, int H, int W, int C, const int16_t *wpair, int kh, int kw, int sh, int sw,
                     int pad_t, int pad_l, int OH, int OW, uint8_t zx, int32_t *y)
{
    int T = kh * kw, npairs = (T + 1) / 2, c16 = C & ~15;
    int64_t offs[32]; /* kh * kw <= 32 (checked by the caller) */
    const __m256i z16 = _mm256_set1_epi16(zx);
    /* (a0, b0, a1, b1, ..., a15, b15) from a (elements 0..15) and b (16..31) */
    static const int16_t inter_idx[32] = {0, 16, 1, 17, 2,  18, 3,  19, 4,  20, 5,  21, 6,  22, 7,  23,
                                          8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    const __m512i inter = _mm512_loadu_si512((const void *)inter_idx);
    for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++) {
            for (int t = 0; t < 2 * npairs; t++) {
                int iy = oh * sh - pad_t + t / kw, ix = ow * sw - pad_l + t % kw;
                offs[t] = t < T && iy >= 0 && iy < H && ix >= 0 && ix < W ? ((int64_t)iy * W + ix) * C : -1;
            }
            int32_t *yp = y + ((size_t)oh * OW + ow) * C;
            for (int c = 0; c < c16; c += 16) {
                __m512i acc = _mm512_setzero_si512();
                for (int p = 0; p < npairs; p++) {
                    int64_t o0 = offs[2 * p], o1 = offs[2 * p + 1];
                    if (o0 < 0 && o1 < 0)
                        continue;
                    __m256i x0 = o0 < 0 ? _mm256_setzero_si256()
                                        : _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(x + o0 + c))), z16);
                    __m256i x1 = o1 < 0 ? _mm256_setzero_si256()
                                        : _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(x + o1 + c))), z16);
                    __m512i xv = _mm512_permutexvar_epi16(inter, _mm512_inserti64x4(_mm512_castsi256_si512(x0), x1, 1));
                    __m512i wv = _mm512_loadu_si512((const void *)(wpair + ((size_t)p * C + c) * 2));
                    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(xv, wv));
                }
                _mm512_storeu_si512((void *)(yp + c), acc);
            }
            for (int c = c16; c < C; c++) {
                uint32_t s = 0;
                for (int t = 0; t < T; t++)
                    if (offs[t] >= 0)
                        s += (uint32_t)(((int32_t)x[offs[t] + c] - zx) * wpair[((size_t)(t / 2) * C + c) * 2 + t % 2]);
                yp[c] = (int32_t)s;
            }
        }
}
