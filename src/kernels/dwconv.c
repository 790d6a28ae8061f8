/* Depthwise convolution NHWC u8 x s8 -> s32: scalar reference and dispatch. */
#include "kernels_internal.h"

void fm_dwconv_nhwc_u8s8s32_ref(const uint8_t *x, int H, int W, int C, const int8_t *w, int kh,
                                int kw, int sh, int sw, int pad_t, int pad_l, int OH, int OW,
                                uint8_t pad_value, int32_t *y)
{
    for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++)
            for (int c = 0; c < C; c++) {
                uint32_t s = 0; /* int32 modulo arithmetic, defined */
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++) {
                        int iy = oh * sh - pad_t + ky, ix = ow * sw - pad_l + kx;
                        int32_t xv = (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                         ? pad_value
                                         : x[((size_t)iy * W + ix) * C + c];
                        s += (uint32_t)(xv * (int32_t)w[(ky * kw + kx) * C + c]);
                    }
                y[((size_t)oh * OW + ow) * C + c] = (int32_t)s;
            }
}

void fm_dwconv_nhwc_u8s8s32(fm_isa isa, const uint8_t *x, int H, int W, int C, const int8_t *w,
                            int kh, int kw, int sh, int sw, int pad_t, int pad_l, int OH, int OW,
                            uint8_t pad_value, int32_t *y)
{
    fm_isa best = fm_cpu_best_isa();
    if (isa > best)
        isa = best;
    switch (isa) {
    case FM_ISA_AVX512VNNI:
        fm_dwconv_avx512(x, H, W, C, w, kh, kw, sh, sw, pad_t, pad_l, OH, OW, pad_value, y);
        break;
    case FM_ISA_AVX2:
        fm_dwconv_avx2(x, H, W, C, w, kh, kw, sh, sw, pad_t, pad_l, OH, OW, pad_value, y);
        break;
    default:
        fm_dwconv_nhwc_u8s8s32_ref(x, H, W, C, w, kh, kw, sh, sw, pad_t, pad_l, OH, OW,
                                   pad_value, y);
        break;
    }
}
