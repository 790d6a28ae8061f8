/* Depthwise conv: every ISA path against the scalar reference and the
 * reference against a direct formula, bit for bit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/kernels.h"

typedef struct {
    int H, W, C, kh, kw, sh, sw, pt, pl, OH, OW;
    int xfill, wfill; /* 0 random, 1 max (x 255, w -128), 2 max (x 255, w 127) */
} dw_case;

static int check(const dw_case *t, uint64_t *rs)
{
    const size_t nx = (size_t)t->H * t->W * t->C, nw = (size_t)t->kh * t->kw * t->C;
    const size_t ny = (size_t)t->OH * t->OW * t->C;
    uint8_t *x = malloc(nx);
    int8_t *w = malloc(nw);
    int32_t *ref = malloc(sizeof(int32_t) * ny), *got = malloc(sizeof(int32_t) * ny);
    for (size_t i = 0; i < nx; i++)
        x[i] = t->xfill ? 255 : (uint8_t)fm_test_rand(rs);
    for (size_t i = 0; i < nw; i++)
        w[i] = t->wfill == 1 ? -128 : t->wfill == 2 ? 127 : (int8_t)fm_test_rand(rs);
    const uint8_t pad = t->xfill ? 255 : 3;
    fm_dwconv_nhwc_u8s8s32_ref(x, t->H, t->W, t->C, w, t->kh, t->kw, t->sh, t->sw, t->pt, t->pl,
                               t->OH, t->OW, pad, ref);
    int bad = 0;
    /* spot-check the reference against the formula */
    for (int oh = 0; oh < t->OH; oh++)
        for (int ow = 0; ow < t->OW; ow++) {
            int c = (oh * 7 + ow) % t->C;
            int64_t s = 0;
            for (int ky = 0; ky < t->kh; ky++)
                for (int kx = 0; kx < t->kw; kx++) {
                    int iy = oh * t->sh - t->pt + ky, ix = ow * t->sw - t->pl + kx;
                    int xv = (iy < 0 || iy >= t->H || ix < 0 || ix >= t->W)
                                 ? pad
                                 : x[((size_t)iy * t->W + ix) * t->C + c];
                    s += (int64_t)xv * w[(ky * t->kw + kx) * t->C + c];
                }
            if (ref[((size_t)oh * t->OW + ow) * t->C + c] != (int32_t)s)
                bad++;
        }
    for (int isa = FM_ISA_SCALAR; isa <= (int)fm_cpu_best_isa(); isa++) {
        memset(got, 0x5A, sizeof(int32_t) * ny);
        fm_dwconv_nhwc_u8s8s32((fm_isa)isa, x, t->H, t->W, t->C, w, t->kh, t->kw, t->sh, t->sw,
                               t->pt, t->pl, t->OH, t->OW, pad, got);
        if (memcmp(ref, got, sizeof(int32_t) * ny) != 0) {
            fprintf(stderr, "dwconv mismatch isa=%s H=%d W=%d C=%d k=%dx%d s=%d\n",
                    fm_isa_name((fm_isa)isa), t->H, t->W, t->C, t->kh, t->kw, t->sh);
            bad++;
        }
    }
    free(x);
    free(w);
    free(ref);
    free(got);
    return bad;
}

static void test_dwconv_paths(void **state)
{
    (void)state;
    uint64_t rs = 11;
    const dw_case cs[] = {
        {8, 8, 32, 3, 3, 1, 1, 1, 1, 8, 8, 0, 0},
        {9, 9, 17, 3, 3, 2, 2, 1, 1, 5, 5, 0, 0},  /* channel tail, stride 2 */
        {7, 6, 1, 3, 3, 1, 1, 1, 1, 7, 6, 0, 0},   /* one channel */
        {5, 5, 40, 5, 5, 1, 1, 2, 2, 5, 5, 0, 0},
        {6, 6, 24, 3, 3, 1, 1, 0, 0, 4, 4, 1, 1},  /* extremes */
        {6, 6, 24, 3, 3, 1, 1, 1, 1, 6, 6, 1, 2},
        {4, 4, 7, 3, 3, 2, 1, 3, 0, 4, 2, 0, 0},   /* asymmetric, pad only above */
        {1, 1, 16, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0},  /* mostly padding */
        {14, 14, 96, 3, 3, 2, 2, 0, 0, 6, 6, 0, 0},
        /* wide rows: runs of 8 interior pixels take the blocked path */
        {20, 21, 24, 3, 3, 1, 1, 1, 1, 20, 21, 0, 0},
        {33, 33, 17, 3, 3, 2, 2, 1, 1, 17, 17, 0, 0},
        {12, 30, 48, 5, 5, 1, 1, 2, 2, 12, 30, 0, 0},
        {10, 40, 16, 3, 3, 1, 1, 1, 1, 10, 40, 1, 1},
        {10, 40, 16, 3, 3, 1, 1, 1, 1, 10, 40, 1, 2},
        {9, 30, 3, 7, 7, 1, 2, 3, 3, 9, 15, 0, 0},
        {9, 30, 5, 8, 8, 1, 1, 0, 0, 2, 23, 0, 0}, /* 64 taps: generic loop */
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cs / sizeof *cs; i++)
        bad += check(&cs[i], &rs);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dwconv_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
