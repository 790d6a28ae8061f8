/* im2col (u8 and f32) against a per-element formula, over strides,
 * dilations, paddings, row ranges and channel counts. */
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/kernels.h"

typedef struct {
    int H, W, C, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
} conv_geom;

static int out_dim(int in, int k, int s, int d, int p0, int p1)
{
    return (in + p0 + p1 - d * (k - 1) - 1) / s + 1;
}

static int check_geom(const conv_geom *g, uint64_t *rs)
{
    const int OH = out_dim(g->H, g->kh, g->sh, g->dh, g->pt, g->pb);
    const int OW = out_dim(g->W, g->kw, g->sw, g->dw, g->pl, g->pr);
    if (OH < 1 || OW < 1)
        return 0;
    const int Kd = g->kh * g->kw * g->C, ldo = Kd + 5;
    const size_t nx = (size_t)g->H * g->W * g->C;
    uint8_t *x = malloc(nx);
    float *xf = malloc(sizeof(float) * nx);
    for (size_t i = 0; i < nx; i++) {
        x[i] = (uint8_t)fm_test_rand(rs);
        xf[i] = (float)x[i] * 0.5f - 3.0f;
    }
    /* a row range in the middle, and all rows */
    int bad = 0;
    const int total = OH * OW;
    const int ranges[2][2] = {{total / 3, total - total / 3 - total / 3}, {0, total}};
    for (int rg = 0; rg < 2; rg++) {
        const int row0 = ranges[rg][0], nrows = ranges[rg][1];
        if (nrows < 1)
            continue;
        uint8_t *o = malloc((size_t)nrows * ldo);
        float *of = malloc(sizeof(float) * (size_t)nrows * ldo);
        memset(o, 0xAB, (size_t)nrows * ldo);
        for (size_t i = 0; i < (size_t)nrows * ldo; i++)
            of[i] = 1234.5f;
        fm_im2col_nhwc_u8(x, g->H, g->W, g->C, g->kh, g->kw, g->sh, g->sw, g->dh, g->dw, g->pt,
                          g->pl, OH, OW, row0, nrows, 77, o, ldo);
        fm_im2col_nhwc_f32(xf, g->H, g->W, g->C, g->kh, g->kw, g->sh, g->sw, g->dh, g->dw, g->pt,
                           g->pl, OH, OW, row0, nrows, -9.25f, of, ldo);
        for (int r = 0; r < nrows; r++) {
            int oh = (row0 + r) / OW, ow = (row0 + r) % OW;
            for (int ky = 0; ky < g->kh; ky++)
                for (int kx = 0; kx < g->kw; kx++)
                    for (int c = 0; c < g->C; c++) {
                        int iy = oh * g->sh - g->pt + ky * g->dh;
                        int ix = ow * g->sw - g->pl + kx * g->dw;
                        int in = iy >= 0 && iy < g->H && ix >= 0 && ix < g->W;
                        size_t xi = ((size_t)iy * g->W + ix) * g->C + c;
                        uint8_t want = in ? x[xi] : 77;
                        float wantf = in ? xf[xi] : -9.25f;
                        size_t oi = (size_t)r * ldo + (size_t)(ky * g->kw + kx) * g->C + c;
                        if (o[oi] != want || of[oi] != wantf)
                            bad++;
                    }
            for (int k = Kd; k < ldo; k++) /* row padding untouched */
                if (o[(size_t)r * ldo + k] != 0xAB || of[(size_t)r * ldo + k] != 1234.5f)
                    bad++;
        }
        free(o);
        free(of);
    }
    free(x);
    free(xf);
    return bad;
}

static void test_im2col_geometries(void **state)
{
    (void)state;
    uint64_t rs = 5;
    const conv_geom gs[] = {
        {8, 8, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},   /* same padding, C=3 */
        {32, 32, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},
        {9, 7, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},   /* stride 2, odd sizes */
        {10, 10, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2}, /* dilation 2 */
        {6, 5, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},   /* 1x1 */
        {6, 6, 1, 5, 5, 1, 1, 1, 1, 4, 4, 4, 4},   /* padding wider than half the kernel */
        {4, 4, 7, 3, 2, 3, 1, 1, 3, 0, 2, 1, 0},   /* asymmetric everything */
        {1, 1, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},   /* single pixel: mostly padding */
        {7, 7, 8, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof gs / sizeof *gs; i++)
        bad += check_geom(&gs[i], &rs);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_im2col_geometries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
