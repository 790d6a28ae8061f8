/* Bilinear resize of one float plane with half-pixel centres (the
 * align_corners=False convention of PyTorch/TF2/OpenCV): output pixel x maps
 * to source coordinate (x + 0.5) * in / out - 0.5, clamped to the image.
 * No antialiasing filter, so strong downscaling aliases (as cv2 INTER_LINEAR).
 * Interpolation is written a + t * (b - a) so a constant image stays exactly
 * constant. */
#include <math.h>

#include "data/dataset_internal.h"

static void src_coord(int o, int in, int out, int *i0, int *i1, float *t)
{
    double s = ((double)o + 0.5) * (double)in / (double)out - 0.5;
    if (s < 0)
        s = 0;
    int a = (int)floor(s);
    if (a > in - 1)
        a = in - 1;
    *i0 = a;
    *i1 = a + 1 < in ? a + 1 : in - 1;
    *t = (float)(s - a);
}

static inline float lerp(float a, float b, float t)
{
    return a + t * (b - a);
}

void fm_resize_bilinear(const float *src, int h, int w, float *dst, int oh, int ow)
{
    for (int y = 0; y < oh; y++) {
        int y0, y1;
        float ty;
        src_coord(y, h, oh, &y0, &y1, &ty);
        const float *r0 = src + (size_t)y0 * w, *r1 = src + (size_t)y1 * w;
        float *d = dst + (size_t)y * ow;
        for (int x = 0; x < ow; x++) {
            int x0, x1;
            float tx;
            src_coord(x, w, ow, &x0, &x1, &tx);
            float top = lerp(r0[x0], r0[x1], tx);
            float bot = lerp(r1[x0], r1[x1], tx);
            d[x] = lerp(top, bot, ty);
        }
    }
}
