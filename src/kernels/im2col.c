/* im2col for NHWC activations: each output pixel's receptive field becomes
 * one contiguous row, K ordered (ky, kx, c), so a conv is one GEMM. In NHWC a
 * tap's C channels are contiguous, and with dilation 1 a whole run of kx taps
 * inside the image is one contiguous span: one memcpy per (row, ky). */
#include <string.h>

#include "flexmac/kernels.h"

/* First kx whose ix = ix0 + kx*dw is >= 0, and one past the last < W. */
static void inside_range(int ix0, int dw, int kw, int W, int *lo, int *hi)
{
    int a = 0, b = kw;
    while (a < kw && ix0 + a * dw < 0)
        a++;
    while (b > a && ix0 + (b - 1) * dw >= W)
        b--;
    *lo = a;
    *hi = b;
}

/* Runs here are a few dozen bytes (3 taps of 16-64 channels on CIFAR
 * layers), where a library memcpy/memset call costs more than the copy:
 * copy in inlined 16-byte chunks instead. */
static inline void copy_bytes(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (; n >= 16; n -= 16, d += 16, s += 16)
        memcpy(d, s, 16);
    for (; n; n--)
        *d++ = *s++;
}

static inline void fill_u8(uint8_t *d, uint8_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = v;
}

static inline void fill_f32(float *d, float v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = v;
}

#define FILL_U8(dst, v, n) fill_u8((dst), (v), (size_t)(n))
#define FILL_F32(dst, v, n) fill_f32((dst), (v), (size_t)(n))

#define DEFINE_IM2COL(name, T, FILL)                                                           \
    void name(const T *x, int H, int W, int C, int kh, int kw, int sh, int sw, int dh, int dw, \
              int pad_t, int pad_l, int OH, int OW, int row0, int nrows, T pad_value, T *out,  \
              int ldo)                                                                         \
    {                                                                                          \
        (void)OH;                                                                              \
        const size_t tapc = (size_t)C;                                                         \
        for (int r = 0; r < nrows; r++) {                                                      \
            const int row = row0 + r, oh = row / OW, ow = row % OW;                            \
            T *dst = out + (size_t)r * ldo;                                                    \
            const int iy0 = oh * sh - pad_t, ix0 = ow * sw - pad_l;                            \
            int lo, hi;                                                                        \
            inside_range(ix0, dw, kw, W, &lo, &hi);                                            \
            for (int ky = 0; ky < kh; ky++, dst += (size_t)kw * tapc) {                        \
                const int iy = iy0 + ky * dh;                                                  \
                if (iy < 0 || iy >= H || lo >= hi) {                                           \
                    FILL(dst, pad_value, (size_t)kw * tapc);                                   \
                    continue;                                                                  \
                }                                                                              \
                FILL(dst, pad_value, (size_t)lo * tapc);                                       \
                const T *src = x + ((size_t)iy * W + (size_t)(ix0 + lo * dw)) * tapc;          \
                if (dw == 1) {                                                                 \
                    copy_bytes(dst + (size_t)lo * tapc, src, (size_t)(hi - lo) * tapc * sizeof(T)); \
                } else {                                                                       \
                    for (int kx = lo; kx < hi; kx++)                                           \
                        copy_bytes(dst + (size_t)kx * tapc, src + (size_t)(kx - lo) * dw * tapc, \
                                   tapc * sizeof(T));                                          \
                }                                                                              \
                FILL(dst + (size_t)hi * tapc, pad_value, (size_t)(kw - hi) * tapc);            \
            }                                                                                  \
        }                                                                                      \
    }

DEFINE_IM2COL(fm_im2col_nhwc_u8, uint8_t, FILL_U8)
DEFINE_IM2COL(fm_im2col_nhwc_f32, float, FILL_F32)
