/* Bilinear resize with half-pixel centres (the align_corners=False
 * convention of PyTorch/TF2/OpenCV): resized pixel x maps to source
 * coordinate (x + 0.5) * in / out - 0.5, clamped to the image. No
 * antialiasing filter, so strong downscaling aliases (as cv2 INTER_LINEAR).
 * Interpolation is written a + t * (b - a) so a constant image stays exactly
 * constant. Only the window that a later centre crop keeps is computed. */
#include <math.h>
#include <stdlib.h>

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

int fm_resize_bilinear(const float *src, int c, int h, int w, int rh, int rw, int oy, int ox,
                       float *dst, int oh, int ow, fm_scratch *s)
{
    /* Column taps are the same for every row and channel: tabulate them. */
    size_t bytes = (size_t)ow * 2 * sizeof(int) + (size_t)ow * sizeof(float);
    int *x0 = s ? (fm_scratch_taps(s, bytes) ? NULL : s->taps) : malloc(bytes);
    if (!x0)
        return -1;
    int *x1 = x0 + ow;
    float *tx = (float *)(x1 + ow);
    for (int x = 0; x < ow; x++)
        src_coord(x + ox, w, rw, &x0[x], &x1[x], &tx[x]);
    for (int y = 0; y < oh; y++) {
        int y0, y1;
        float ty;
        src_coord(y + oy, h, rh, &y0, &y1, &ty);
        for (int k = 0; k < c; k++) {
            const float *plane = src + (size_t)k * h * w;
            const float *r0 = plane + (size_t)y0 * w, *r1 = plane + (size_t)y1 * w;
            float *d = dst + ((size_t)k * oh + y) * ow;
            for (int x = 0; x < ow; x++) {
                float top = lerp(r0[x0[x]], r0[x1[x]], tx[x]);
                float bot = lerp(r1[x0[x]], r1[x1[x]], tx[x]);
                d[x] = lerp(top, bot, ty);
            }
        }
    }
    if (!s)
        free(x0);
    return 0;
}
