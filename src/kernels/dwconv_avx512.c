/* Depthwise conv with AVX-512: 16 channels per zmm. A channel's input is
 * widened to an int32 lane (vpmovzxbd: only byte 0 non-zero) and its weight
 * sign-extended to int32, so vpdpbusd adds exactly x*w per lane.
 *
 * Loop order: for each block of 16 channels the widened weights of all taps
 * are built once (a stack array read as memory operands), then every output
 * pixel of the plane runs over it: one vpmovzxbd load and one vpdpbusd per
 * tap. Runs of 8 (else 4) pixels whose taps all lie inside the image go
 * together (independent accumulator chains, no bounds tests); border pixels
 * test each tap. */
#include <immintrin.h>

#include "kernels_internal.h"

#define MAX_TAPS 49 /* up to 7x7 kernels use the fast loop */

static void dwconv_generic(const uint8_t *x, int H, int W, int C, const int8_t *w, int kh, int kw,
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

void fm_dwconv_avx512(const uint8_t *x, int H, int W, int C, const int8_t *w, int kh, int kw,
                      int sh, int sw, int pad_t, int pad_l, int OH, int OW, uint8_t pad_value,
                      int32_t *y)
{
    const int taps = kh * kw;
    if (taps > MAX_TAPS) {
        dwconv_generic(x, H, W, C, w, kh, kw, sh, sw, pad_t, pad_l, OH, OW, pad_value, y);
        return;
    }
    const __m512i padv = _mm512_set1_epi32(pad_value);
    __m512i wv[MAX_TAPS];
    for (int c = 0; c < C; c += 16) {
        const int nc = C - c < 16 ? C - c : 16;
        const __mmask16 mk = nc == 16 ? (__mmask16)0xffff : (__mmask16)((1u << nc) - 1);
        for (int t = 0; t < taps; t++)
            wv[t] = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mk, w + (size_t)t * C + c));
        for (int oh = 0; oh < OH; oh++) {
            const int iy0 = oh * sh - pad_t;
            const int rows_in = iy0 >= 0 && iy0 + kh <= H;
            for (int ow = 0; ow < OW;) {
                const int ix0 = ow * sw - pad_l;
                int32_t *yp = y + ((size_t)oh * OW + ow) * C + c;
                /* 8 (or 4) interior pixels at once: independent vpdpbusd
                 * chains hide its latency (one chain per pixel would wait). */
                const int nb = !rows_in || ix0 < 0           ? 0
                               : ow + 8 <= OW && ix0 + 7 * sw + kw <= W ? 8
                               : ow + 4 <= OW && ix0 + 3 * sw + kw <= W ? 4
                                                                        : 0;
                if (nb) {
                    const uint8_t *xp = x + ((size_t)iy0 * W + ix0) * C + c;
                    const size_t step = (size_t)sw * C;
                    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0,
                            a5 = a0, a6 = a0, a7 = a0;
#define DW_TAP(a, j)                                                                           \
    a = _mm512_dpbusd_epi32(a, _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mk, p + (j) * step)), wt);
                    if (nb == 8) {
                        for (int ky = 0; ky < kh; ky++, xp += (size_t)W * C)
                            for (int kx = 0; kx < kw; kx++) {
                                const __m512i wt = wv[ky * kw + kx];
                                const uint8_t *p = xp + (size_t)kx * C;
                                DW_TAP(a0, 0) DW_TAP(a1, 1) DW_TAP(a2, 2) DW_TAP(a3, 3)
                                DW_TAP(a4, 4) DW_TAP(a5, 5) DW_TAP(a6, 6) DW_TAP(a7, 7)
                            }
                    } else {
                        for (int ky = 0; ky < kh; ky++, xp += (size_t)W * C)
                            for (int kx = 0; kx < kw; kx++) {
                                const __m512i wt = wv[ky * kw + kx];
                                const uint8_t *p = xp + (size_t)kx * C;
                                DW_TAP(a0, 0) DW_TAP(a1, 1) DW_TAP(a2, 2) DW_TAP(a3, 3)
                            }
                    }
#undef DW_TAP
                    _mm512_mask_storeu_epi32(yp, mk, a0);
                    _mm512_mask_storeu_epi32(yp + (size_t)C, mk, a1);
                    _mm512_mask_storeu_epi32(yp + (size_t)2 * C, mk, a2);
                    _mm512_mask_storeu_epi32(yp + (size_t)3 * C, mk, a3);
                    if (nb == 8) {
                        _mm512_mask_storeu_epi32(yp + (size_t)4 * C, mk, a4);
                        _mm512_mask_storeu_epi32(yp + (size_t)5 * C, mk, a5);
                        _mm512_mask_storeu_epi32(yp + (size_t)6 * C, mk, a6);
                        _mm512_mask_storeu_epi32(yp + (size_t)7 * C, mk, a7);
                    }
                    ow += nb;
                    continue;
                }
                /* border (or last few) pixel: bounds test per tap */
                __m512i acc = _mm512_setzero_si512();
                for (int ky = 0; ky < kh; ky++) {
                    const int iy = iy0 + ky;
                    for (int kx = 0; kx < kw; kx++) {
                        const int ix = ix0 + kx;
                        __m512i xv = padv;
                        if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                            xv = _mm512_cvtepu8_epi32(
                                _mm_maskz_loadu_epi8(mk, x + ((size_t)iy * W + ix) * C + c));
                        acc = _mm512_dpbusd_epi32(acc, xv, wv[ky * kw + kx]);
                    }
                }
                _mm512_mask_storeu_epi32(yp, mk, acc);
                ow++;
            }
        }
    }
}
