/* Depthwise conv with AVX-512: 16 channels per zmm. A channel's input and
 * weight are widened to int32 lanes (only byte 0 of each lane non-zero), so
 * vpdpbusd adds exactly x*w per lane. Out-of-image taps use pad_value. */
#include <immintrin.h>

#include "kernels_internal.h"

void fm_dwconv_avx512(const uint8_t *x, int H, int W, int C, const int8_t *w, int kh, int kw,
                      int sh, int sw, int pad_t, int pad_l, int OH, int OW, uint8_t pad_value,
                      int32_t *y)
{
    const __m512i padv = _mm512_set1_epi32(pad_value);
    for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++) {
            int32_t *yp = y + ((size_t)oh * OW + ow) * C;
            const int iy0 = oh * sh - pad_t, ix0 = ow * sw - pad_l;
            for (int c = 0; c < C; c += 16) {
                const int nc = C - c < 16 ? C - c : 16;
                const __mmask16 mk = nc == 16 ? (__mmask16)0xffff : (__mmask16)((1u << nc) - 1);
                __m512i acc = _mm512_setzero_si512();
                for (int ky = 0; ky < kh; ky++) {
                    const int iy = iy0 + ky;
                    for (int kx = 0; kx < kw; kx++) {
                        const int ix = ix0 + kx;
                        const __m512i wv = _mm512_cvtepi8_epi32(
                            _mm_maskz_loadu_epi8(mk, w + (size_t)(ky * kw + kx) * C + c));
                        __m512i xv;
                        if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                            xv = padv;
                        else
                            xv = _mm512_cvtepu8_epi32(
                                _mm_maskz_loadu_epi8(mk, x + ((size_t)iy * W + ix) * C + c));
                        acc = _mm512_dpbusd_epi32(acc, xv, wv);
                    }
                }
                _mm512_mask_storeu_epi32(yp + c, mk, acc);
            }
        }
}
