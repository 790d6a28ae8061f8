/* Scheme planes through real convolutions: padding, stride, dilation,
 * groups and the 1x1 path, for Ax-BxP plans of 1 to 4 GEMM groups and ASM
 * with restricted activations (non-identity planes, whose im2col rows the
 * executor maps through each plane's table), every ISA. Scales are
 * pinned to 1 (integer inputs whose calibrated range is exactly [0, 255]
 * or [-127, 127], integer weights with a +-127 in every output channel, no
 * bias), so each output is the integer sum the datapath computes; it is
 * compared with a direct loop over fm_layer_mul_ref. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/exec.h"

typedef struct conv_case {
    int C, H, OC, k, s, d, pad, group;
} conv_case;

typedef struct conv_net {
    fm_graph *g;
    const conv_case *cc;
    int OH, N, x_signed;
    float *x, *w;  /* x: N x C x H x H (NCHW), w: OC x C/group x k x k */
    fm_calib *calib;
} conv_net;

static void net_init(conv_net *t, const conv_case *cc, int x_signed, uint64_t *rs)
{
    memset(t, 0, sizeof *t);
    t->cc = cc;
    t->x_signed = x_signed;
    t->N = 3;
    t->OH = (cc->H + 2 * cc->pad - cc->d * (cc->k - 1) - 1) / cc->s + 1;
    int cg = cc->C / cc->group, kk = cg * cc->k * cc->k;
    size_t nx = (size_t)t->N * cc->C * cc->H * cc->H, nw = (size_t)cc->OC * kk;
    t->x = malloc(nx * sizeof *t->x);
    float *w = malloc(nw * sizeof *w);
    t->w = malloc(nw * sizeof *t->w);
    assert_non_null(t->x);
    assert_non_null(w);
    for (size_t i = 0; i < nx; i++)
        t->x[i] = x_signed ? (float)((int)(fm_test_rand(rs) % 255) - 127) : (float)(fm_test_rand(rs) % 256);
    /* pin the calibrated range: [0, 255] or [-127, 127] */
    t->x[0] = x_signed ? -127.0f : 0.0f;
    t->x[1] = x_signed ? 127.0f : 255.0f;
    for (size_t i = 0; i < nw; i++)
        w[i] = (float)((int)(fm_test_rand(rs) % 255) - 127);
    for (int o = 0; o < cc->OC; o++) /* pins each channel's weight scale to 1 */
        w[(size_t)o * kk + (size_t)(o % kk)] = o % 2 ? -127.0f : 127.0f;
    memcpy(t->w, w, nw * sizeof *w);

    fm_graph *g = fm_graph_new();
    int64_t xs[4] = {1, cc->C, cc->H, cc->H}, ys[4] = {1, cc->OC, t->OH, t->OH};
    int64_t ws[4] = {cc->OC, cg, cc->k, cc->k};
    int xt = fm_graph_add_tensor(g, "x", FM_F32, 4, xs, NULL);
    int wt = fm_graph_add_tensor(g, "w", FM_F32, 4, ws, w);
    int yt = fm_graph_add_tensor(g, "y", FM_F32, 4, ys, NULL);
    fm_node *nd = fm_graph_add_node(g, FM_OP_CONV, "conv");
    nd->n_in = 2, nd->in[0] = xt, nd->in[1] = wt, nd->in[2] = -1;
    nd->n_out = 1, nd->out[0] = yt;
    fm_conv_attr a = {cc->k, cc->k, cc->s, cc->s, cc->d, cc->d, cc->pad, cc->pad, cc->pad, cc->pad, cc->group};
    nd->a.conv = a;
    g->input = xt;
    g->output = yt;
    fm_error err;
    assert_int_equal(fm_graph_infer_shapes(g, &err), FM_OK);
    t->g = g;

    t->calib = fm_calib_new(g, FM_CALIB_MINMAX, 0);
    fm_exec_opts o;
    fm_exec *e;
    fm_exec_opts_default(&o);
    o.observe = t->calib;
    float *y = malloc(sizeof(float) * t->N * cc->OC * t->OH * t->OH);
    assert_int_equal(fm_exec_create(g, &o, &e, &err), FM_OK);
    assert_int_equal(fm_exec_run(e, t->x, t->N, y, &err), FM_OK);
    fm_exec_free(e);
    free(y);
}

static void net_free(conv_net *t)
{
    fm_calib_free(t->calib);
    fm_graph_free(t->g);
    free(t->x);
    free(t->w);
}

static void check(const conv_net *t, const char *spec, fm_isa isa)
{
    const conv_case *cc = t->cc;
    fm_net_arith net;
    fm_error err;
    assert_int_equal(fm_net_arith_parse(spec, &net, &err), FM_OK);
    const fm_layer_arith *a = &net.deflt;
    fm_asm_set *xs = NULL, *ws = NULL;
    if (a->x.alphabet)
        assert_int_equal(fm_asm_set_from_operand(&a->x, t->x_signed, &xs, &err), FM_OK);
    if (a->w.alphabet)
        assert_int_equal(fm_asm_set_from_operand(&a->w, 1, &ws, &err), FM_OK);
    fm_exec_opts o;
    fm_exec *e;
    fm_exec_opts_default(&o);
    o.arith = &net;
    o.calib = t->calib;
    o.threads = 1;
    o.isa_cap = isa;
    size_t ny = (size_t)t->N * cc->OC * t->OH * t->OH;
    float *y = malloc(ny * sizeof *y);
    assert_int_equal(fm_exec_create(t->g, &o, &e, &err), FM_OK);
    assert_int_equal(fm_exec_run(e, t->x, t->N, y, &err), FM_OK);
    fm_exec_free(e);
    int cg = cc->C / cc->group, ocg = cc->OC / cc->group, H = cc->H, OH = t->OH;
    for (int n = 0; n < t->N; n++)
        for (int oc = 0; oc < cc->OC; oc++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OH; ox++) {
                    int64_t s = 0;
                    int gi = oc / ocg;
                    for (int c = 0; c < cg; c++)
                        for (int ky = 0; ky < cc->k; ky++)
                            for (int kx = 0; kx < cc->k; kx++) {
                                int iy = oy * cc->s - cc->pad + ky * cc->d, ix = ox * cc->s - cc->pad + kx * cc->d;
                                if (iy < 0 || ix < 0 || iy >= H || ix >= H)
                                    continue;
                                int32_t xv = (int32_t)t->x[(((size_t)n * cc->C + gi * cg + c) * H + iy) * H + ix];
                                int32_t wv = (int32_t)t->w[(((size_t)oc * cg + c) * cc->k + ky) * cc->k + kx];
                                s += fm_layer_mul_ref(a, xs, ws, t->x_signed, xv, 1, wv);
                            }
                    float got = y[(((size_t)n * cc->OC + oc) * OH + oy) * OH + ox];
                    if (got != (float)s) {
                        fprintf(stderr, "%s isa=%s C=%d k=%d s=%d d=%d pad=%d group=%d signed=%d: "
                                        "n=%d oc=%d (%d,%d) got %.0f want %lld\n",
                                spec, fm_isa_name(isa), cc->C, cc->k, cc->s, cc->d, cc->pad, cc->group,
                                t->x_signed, n, oc, oy, ox, got, (long long)s);
                        fail();
                    }
                }
    free(y);
    fm_asm_set_free(xs);
    fm_asm_set_free(ws);
    fm_net_arith_free(&net);
}

static void test_scheme_convs(void **state)
{
    (void)state;
    static const conv_case cases[] = {
        {5, 7, 6, 3, 1, 1, 1, 1},  /* 3x3 pad 1 */
        {4, 8, 5, 3, 2, 1, 1, 1},  /* stride 2 */
        {3, 9, 4, 3, 1, 2, 2, 1},  /* dilation 2 */
        {6, 6, 6, 3, 1, 1, 1, 6},  /* depthwise (depthwise kernel path) */
        {40, 9, 40, 3, 2, 1, 1, 40}, /* depthwise, stride 2, wider than a vector */
        {6, 6, 4, 3, 1, 1, 1, 2},  /* 2 groups */
        {7, 5, 9, 1, 1, 1, 0, 1},  /* 1x1: no im2col */
        /* K = 432: the concatenated planes (K' = G*K) cut the 300 rows of the
         * batch into tiles of 16-32 rows, whose edges fall inside samples */
        {48, 10, 3, 3, 1, 1, 1, 1},
        {600, 10, 2, 1, 1, 1, 0, 1}, /* the same for a 1x1 layer's input rows */
    };
    static const char *specs[] = {
        "fxp8",
        "axbxp:K=2,L=2,select=dynamic,P=r+s<2",          /* 2 groups */
        "axbxp:K=2,L=4,P={(0,0),(1,1),(2,2),(3,3)}",     /* 4 groups */
        "axbxp:K=2,L=3,select=round,P=r+s<3",            /* 3 groups */
        "axbxp:K=4,L=1,select=round",
        "axbxp:K=3,L=2,select=static",
        "asm:w={1,3},x={1}",
        "asm:x={1,3,5,7}",
    };
    uint64_t rs = 2024;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int sg = 0; sg < 2; sg++) {
            conv_net t;
            net_init(&t, &cases[c], sg, &rs);
            for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++)
                for (int isa = 0; isa <= (int)fm_cpu_best_isa(); isa++)
                    check(&t, specs[s], (fm_isa)isa);
            net_free(&t);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scheme_convs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
