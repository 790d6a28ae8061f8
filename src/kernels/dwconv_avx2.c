/* Depthwise conv with AVX2: 8 channels per ymm. Input widened to int32 lanes
 * (high int16 zero) and weight to int32, so vpmaddwd gives exactly x*w per
 * lane. Channel tails (C % 8) run the scalar formula. */
#include <immintrin.h>

#include "kernels_internal.h"

void fm_dwconv_avx2(const uint8_t *x, int H, int W, int C, const int8_t *w, int kh, int kw, int sh,
                    int sw, int pad_t, int pad_l, int OH, int OW, uint8_t pad_value, int32_t *y)
{
    const __m256i padv = _mm256_set1_epi32(pad_value);
    const int cv = C & ~7;
    for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++) {
            int32_t *yp = y + ((size_t)oh * OW + ow) * C;
            const int iy0 = oh * sh - pad_t, ix0 = ow * sw - pad_l;
            for (int c = 0; c < cv; c += 8) {
                __m256i acc = _mm256_setzero_si256();
                for (int ky = 0; ky < kh; ky++) {
                    const int iy = iy0 + ky;
                    for (int kx = 0; kx < kw; kx++) {
                        const int ix = ix0 + kx;
                        const __m256i wv = _mm256_cvtepi8_epi32(
                            _mm_loadl_epi64((const __m128i *)(w + (size_t)(ky * kw + kx) * C + c)));
                        __m256i xv;
                        if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                            xv = padv;
                        else
                            xv = _mm256_cvtepu8_epi32(_mm_loadl_epi64(
                                (const __m128i *)(x + ((size_t)iy * W + ix) * C + c)));
                        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(xv, wv));
                    }
                }
                _mm256_storeu_si256((__m256i *)(yp + c), acc);
            }
            for (int c = cv; c < C; c++) {
                uint32_t s = 0;
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++) {
                        int iy = iy0 + ky, ix = ix0 + kx;
                        int32_t xv = (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                         ? pad_value
                                         : x[((size_t)iy * W + ix) * C + c];
                        s += (uint32_t)(xv * (int32_t)w[(ky * kw + kx) * C + c]);
                    }
                yp[c] = (int32_t)s;
            }
        }
}
