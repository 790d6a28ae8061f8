/* Executor tests on hand-built graphs. References are written the plain way
 * (NCHW, direct loops) so that the executor's channels-last layout, im2col
 * tiling, fusion and integer kernels are all checked against them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "exec/exec_internal.h"
#include "flexmac/exec.h"

static uint64_t rng = 12345;

static float frand(void) { return (float)((double)(fm_test_rand(&rng) >> 11) / 9007199254740992.0) * 2.0f - 1.0f; }

static float *rand_buf(int64_t n)
{
    float *p = malloc((size_t)n * sizeof *p);
    for (int64_t i = 0; i < n; i++)
        p[i] = frand();
    return p;
}

static int add_act(fm_graph *g, const char *name, int c, int h, int w)
{
    int64_t s[4] = {1, c, h, w};
    return fm_graph_add_tensor(g, name, FM_F32, 4, s, NULL);
}

static int add_const(fm_graph *g, const char *name, int ndim, const int64_t *s, float *data)
{
    return fm_graph_add_tensor(g, name, FM_F32, ndim, s, data);
}

static fm_node *node(fm_graph *g, fm_op op, const char *name, int in0, int in1, int in2, int out)
{
    fm_node *n = fm_graph_add_node(g, op, name);
    n->in[0] = in0;
    n->in[1] = in1;
    n->in[2] = in2;
    n->n_in = in2 >= 0 ? 3 : in1 >= 0 ? 2 : 1;
    n->out[0] = out;
    n->n_out = 1;
    return n;
}

/* naive NCHW convolution */
static void ref_conv(const float *x, int N, int C, int H, int W, const float *wt, const float *b, int OC,
                     const fm_conv_attr *a, int OH, int OW, float *y)
{
    int cg = C / a->group, ocg = OC / a->group;
    for (int n = 0; n < N; n++)
        for (int o = 0; o < OC; o++)
            for (int oh = 0; oh < OH; oh++)
                for (int ow = 0; ow < OW; ow++) {
                    double s = b ? b[o] : 0;
                    int g = o / ocg;
                    for (int c = 0; c < cg; c++)
                        for (int ky = 0; ky < a->kh; ky++)
                            for (int kx = 0; kx < a->kw; kx++) {
                                int ih = oh * a->sh - a->pad_t + ky * a->dh;
                                int iw = ow * a->sw - a->pad_l + kx * a->dw;
                                if (ih < 0 || iw < 0 || ih >= H || iw >= W)
                                    continue;
                                s += (double)x[((n * C + g * cg + c) * H + ih) * W + iw] *
                                     wt[((o * cg + c) * a->kh + ky) * a->kw + kx];
                            }
                    y[((n * OC + o) * OH + oh) * OW + ow] = (float)s;
                }
}

/* the same on integer codes with exact int64 sums */
static void ref_conv_i64(const float *x, int N, int C, int H, int W, const float *wt, int OC,
                         const fm_conv_attr *a, int OH, int OW, int64_t *y)
{
    int cg = C / a->group, ocg = OC / a->group;
    for (int n = 0; n < N; n++)
        for (int o = 0; o < OC; o++)
            for (int oh = 0; oh < OH; oh++)
                for (int ow = 0; ow < OW; ow++) {
                    int64_t s = 0;
                    int g = o / ocg;
                    for (int c = 0; c < cg; c++)
                        for (int ky = 0; ky < a->kh; ky++)
                            for (int kx = 0; kx < a->kw; kx++) {
                                int ih = oh * a->sh - a->pad_t + ky * a->dh;
                                int iw = ow * a->sw - a->pad_l + kx * a->dw;
                                if (ih < 0 || iw < 0 || ih >= H || iw >= W)
                                    continue;
                                s += (int64_t)x[((n * C + g * cg + c) * H + ih) * W + iw] *
                                     (int64_t)wt[((o * cg + c) * a->kh + ky) * a->kw + kx];
                            }
                    y[((n * OC + o) * OH + oh) * OW + ow] = s;
                }
}

typedef struct conv_case {
    int C, H, W, OC, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, group;
} conv_case;

static fm_graph *conv_graph(const conv_case *k, int *OH, int *OW, int relu)
{
    fm_graph *g = fm_graph_new();
    *OH = (k->H + k->pt + k->pb - k->dh * (k->kh - 1) - 1) / k->sh + 1;
    *OW = (k->W + k->pl + k->pr - k->dw * (k->kw - 1) - 1) / k->sw + 1;
    int x = add_act(g, "x", k->C, k->H, k->W);
    int64_t ws[4] = {k->OC, k->C / k->group, k->kh, k->kw}, bs[1] = {k->OC};
    int w = add_const(g, "w", 4, ws, rand_buf(fm_shape_numel(4, ws)));
    int b = add_const(g, "b", 1, bs, rand_buf(k->OC));
    int y = add_act(g, "y", k->OC, *OH, *OW);
    fm_node *n = node(g, FM_OP_CONV, "conv", x, w, b, y);
    fm_conv_attr a = {k->kh, k->kw, k->sh, k->sw, k->dh, k->dw, k->pt, k->pl, k->pb, k->pr, k->group};
    n->a.conv = a;
    g->input = x;
    g->output = y;
    if (relu) {
        int r = add_act(g, "r", k->OC, *OH, *OW);
        node(g, FM_OP_RELU, "relu", y, -1, -1, r);
        g->output = r;
    }
    return g;
}

static void test_conv_float(void **state)
{
    (void)state;
    const conv_case cases[] = {
        {3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
        {4, 9, 7, 6, 3, 3, 2, 2, 1, 1, 1, 0, 1, 1, 1},
        {4, 9, 9, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 2},
        {6, 5, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6}, /* depthwise */
        {8, 6, 6, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1}, /* pointwise fast path */
        {2, 40, 40, 3, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1}, /* several row tiles */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const conv_case *k = &cases[i];
        int OH, OW, N = 3;
        fm_graph *g = conv_graph(k, &OH, &OW, 1);
        fm_exec *e;
        fm_error err;
        fm_exec_opts o;
        fm_exec_opts_default(&o);
        o.max_batch = 2; /* forces several chunks */
        assert_int_equal(fm_exec_create(g, &o, &e, &err), FM_OK);
        float *x = rand_buf((int64_t)N * k->C * k->H * k->W);
        float *y = malloc((size_t)N * k->OC * OH * OW * sizeof *y);
        float *r = malloc((size_t)N * k->OC * OH * OW * sizeof *r);
        assert_int_equal(fm_exec_run(e, x, N, y, &err), FM_OK);
        fm_conv_attr a = g->nodes[0].a.conv;
        ref_conv(x, N, k->C, k->H, k->W, g->tensors[1].data, g->tensors[2].data, k->OC, &a, OH, OW, r);
        for (int j = 0; j < N * k->OC * OH * OW; j++)
            assert_true(fabsf(y[j] - fmaxf(r[j], 0.0f)) < 1e-4f);
        free(x);
        free(y);
        free(r);
        fm_exec_free(e);
        fm_graph_free(g);
    }
}

/* Integer conv against a plain integer reference using the documented
 * quantization: per-tensor activation scale, per-channel weight scale. */
static void check_int_conv(const conv_case *k, int bits, int signed_input, fm_isa isa)
{
    int OH, OW, N = 3;
    fm_graph *g = conv_graph(k, &OH, &OW, 0);
    int64_t nx = (int64_t)N * k->C * k->H * k->W;
    float *x = rand_buf(nx);
    if (!signed_input)
        for (int64_t i = 0; i < nx; i++)
            x[i] = fabsf(x[i]);
    fm_error err;
    fm_exec_opts o;
    fm_exec *e;
    fm_calib *c = fm_calib_new(g, FM_CALIB_MINMAX, 0);
    float *y = malloc((size_t)N * k->OC * OH * OW * sizeof *y);
    fm_exec_opts_default(&o);
    o.observe = c;
    assert_int_equal(fm_exec_create(g, &o, &e, &err), FM_OK);
    assert_int_equal(fm_exec_run(e, x, N, y, &err), FM_OK);
    fm_exec_free(e);

    fm_net_arith na;
    memset(&na, 0, sizeof na);
    fm_layer_arith_fxp(&na.deflt, bits, bits);
    fm_exec_opts_default(&o);
    o.arith = &na;
    o.calib = c;
    o.isa_cap = isa;
    assert_int_equal(fm_exec_create(g, &o, &e, &err), FM_OK);
    assert_int_equal(fm_exec_run(e, x, N, y, &err), FM_OK);

    /* reference */
    float lo, hi;
    assert_int_equal(fm_calib_range(c, g->input, &lo, &hi, &err), FM_OK);
    assert_int_equal(lo < 0, signed_input);
    int32_t xmax = signed_input ? (1 << (bits - 1)) - 1 : (1 << bits) - 1, wmax = (1 << (bits - 1)) - 1;
    float sx = (signed_input ? fmaxf(-lo, hi) : hi) / (float)xmax;
    float *xq = malloc((size_t)nx * sizeof *xq);
    for (int64_t i = 0; i < nx; i++)
        xq[i] = (float)fm_quantize_code(x[i], 1.0f / sx, signed_input ? -xmax : 0, xmax);
    const float *W = g->tensors[1].data, *B = g->tensors[2].data;
    int per = k->C / k->group * k->kh * k->kw;
    float *wq = malloc((size_t)k->OC * per * sizeof *wq), *sw = malloc((size_t)k->OC * sizeof *sw);
    for (int oc = 0; oc < k->OC; oc++) {
        float mx = 0;
        for (int j = 0; j < per; j++)
            mx = fmaxf(mx, fabsf(W[oc * per + j]));
        sw[oc] = mx / (float)wmax;
        for (int j = 0; j < per; j++)
            wq[oc * per + j] = (float)fm_quantize_code(W[oc * per + j], 1.0f / sw[oc], -wmax, wmax);
    }
    int64_t *acc = malloc((size_t)N * k->OC * OH * OW * sizeof *acc);
    fm_conv_attr a = g->nodes[0].a.conv;
    ref_conv_i64(xq, N, k->C, k->H, k->W, wq, k->OC, &a, OH, OW, acc);
    for (int n = 0; n < N; n++)
        for (int oc = 0; oc < k->OC; oc++)
            for (int p = 0; p < OH * OW; p++) {
                size_t i = ((size_t)n * k->OC + oc) * OH * OW + p;
                float want = (float)((double)acc[i] * (sx * sw[oc])) + B[oc];
                assert_true(y[i] == want);
            }
    free(acc);
    free(wq);
    free(sw);
    free(xq);
    free(x);
    free(y);
    fm_exec_free(e);
    fm_calib_free(c);
    fm_graph_free(g);
}

static void test_conv_int(void **state)
{
    (void)state;
    const conv_case cases[] = {
        {3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
        {4, 9, 7, 6, 3, 3, 2, 2, 1, 1, 1, 0, 1, 1, 1},
        {4, 9, 9, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 2},
        {8, 6, 6, 40, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},
        {37, 9, 8, 37, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 37}, /* depthwise kernel path */
    };
    const int bits[] = {8, 6, 4, 2, 12, 16};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++)
            for (int s = 0; s < 2; s++)
                for (int isa = 0; isa <= (int)fm_cpu_best_isa(); isa++)
                    check_int_conv(&cases[i], bits[b], s, (fm_isa)isa);
}

/* A small residual network: every ISA and thread count gives the same
 * bits, for float and for integer execution. */
static fm_graph *resnet_like(void)
{
    fm_graph *g = fm_graph_new();
    int x = add_act(g, "x", 3, 12, 12);
    int64_t w1s[4] = {8, 3, 3, 3}, w2s[4] = {8, 8, 3, 3}, b8[1] = {8};
    int w1 = add_const(g, "w1", 4, w1s, rand_buf(8 * 27)), b1 = add_const(g, "b1", 1, b8, rand_buf(8));
    int w2 = add_const(g, "w2", 4, w2s, rand_buf(8 * 72)), b2 = add_const(g, "b2", 1, b8, rand_buf(8));
    int y1 = add_act(g, "y1", 8, 12, 12), r1 = add_act(g, "r1", 8, 12, 12);
    int y2 = add_act(g, "y2", 8, 12, 12), s = add_act(g, "s", 8, 12, 12), rs = add_act(g, "rs", 8, 12, 12);
    fm_conv_attr a = {3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    node(g, FM_OP_CONV, "c1", x, w1, b1, y1)->a.conv = a;
    node(g, FM_OP_RELU, "r1", y1, -1, -1, r1);
    node(g, FM_OP_CONV, "c2", r1, w2, b2, y2)->a.conv = a;
    node(g, FM_OP_ADD, "add", y2, r1, -1, s);
    node(g, FM_OP_RELU, "r2", s, -1, -1, rs);
    /* option-A shortcut style: stride-2 slice and channel pad */
    int sl = add_act(g, "sl", 8, 6, 6), pd = add_act(g, "pd", 16, 6, 6);
    fm_node *n = node(g, FM_OP_SLICE, "slice", rs, -1, -1, sl);
    for (int i = 0; i < 4; i++) {
        n->a.slice.start[i] = 0;
        n->a.slice.end[i] = i < 2 ? (i ? 8 : 1) : 12;
        n->a.slice.step[i] = i < 2 ? 1 : 2;
    }
    n = node(g, FM_OP_PAD, "pad", sl, -1, -1, pd);
    n->a.pad.begin[1] = 4;
    n->a.pad.end[1] = 4;
    int gp = add_act(g, "gp", 16, 1, 1);
    node(g, FM_OP_GLOBALAVGPOOL, "gap", pd, -1, -1, gp);
    int64_t fs[2] = {1, 16}, ws[2] = {10, 16}, bs[1] = {10}, os[2] = {1, 10};
    int f = fm_graph_add_tensor(g, "f", FM_F32, 2, fs, NULL);
    node(g, FM_OP_FLATTEN, "flat", gp, -1, -1, f)->a.axis.axis = 1;
    int wf = add_const(g, "wf", 2, ws, rand_buf(160)), bf = add_const(g, "bf", 1, bs, rand_buf(10));
    int out = fm_graph_add_tensor(g, "out", FM_F32, 2, os, NULL);
    n = node(g, FM_OP_GEMM, "fc", f, wf, bf, out);
    n->a.gemm.trans_b = 1;
    n->a.gemm.alpha = n->a.gemm.beta = 1;
    g->input = x;
    g->output = out;
    return g;
}

static void test_bitexact_isa_threads(void **state)
{
    (void)state;
    fm_graph *g = resnet_like();
    int N = 7;
    float *x = rand_buf((int64_t)N * 3 * 144);
    fm_error err;
    fm_exec_opts o;
    fm_exec *e;
    fm_calib *c = fm_calib_new(g, FM_CALIB_PERCENTILE, 99.9);
    float ref[70], y[70];
    fm_exec_opts_default(&o);
    o.observe = c;
    assert_int_equal(fm_exec_create(g, &o, &e, &err), FM_OK);
    assert_int_equal(fm_exec_run(e, x, N, ref, &err), FM_OK);
    fm_exec_free(e);
    assert_int_equal(fm_calib_samples(c), N);
    const int bits[] = {8, 5, 10};
    for (size_t b = 0; b < 3; b++) {
        fm_net_arith na;
        memset(&na, 0, sizeof na);
        fm_layer_arith_fxp(&na.deflt, bits[b], bits[b]);
        float first[70];
        int have = 0;
        for (int isa = 0; isa <= (int)fm_cpu_best_isa(); isa++)
            for (int th = 1; th <= 2; th++) {
                fm_exec_opts_default(&o);
                o.arith = &na;
                o.calib = c;
                o.isa_cap = (fm_isa)isa;
                o.threads = th;
                o.max_batch = 3;
                assert_int_equal(fm_exec_create(g, &o, &e, &err), FM_OK);
                assert_int_equal(fm_exec_run(e, x, N, y, &err), FM_OK);
                fm_exec_free(e);
                if (!have)
                    memcpy(first, y, sizeof y), have = 1;
                assert_memory_equal(first, y, sizeof y);
            }
        /* 8-bit results stay close to float */
        if (bits[b] == 8)
            for (int i = 0; i < N * 10; i++)
                assert_true(fabsf(first[i] - ref[i]) < 0.15f);
    }
    free(x);
    fm_calib_free(c);
    fm_graph_free(g);
}

static void test_shape_ops(void **state)
{
    (void)state;
    /* Transpose + Concat + Flatten through channels-last storage */
    fm_graph *g = fm_graph_new();
    int x = add_act(g, "x", 2, 3, 4);
    int t = add_act(g, "t", 2, 4, 3);
    fm_node *n = node(g, FM_OP_TRANSPOSE, "tr", x, -1, -1, t);
    int perm[4] = {0, 1, 3, 2};
    memcpy(n->a.transpose.perm, perm, sizeof perm);
    int c = add_act(g, "c", 4, 4, 3);
    n = node(g, FM_OP_CONCAT, "cat", t, t, -1, c);
    n->a.axis.axis = 1;
    int64_t fs[2] = {1, 48};
    int f = fm_graph_add_tensor(g, "f", FM_F32, 2, fs, NULL);
    node(g, FM_OP_FLATTEN, "flat", c, -1, -1, f)->a.axis.axis = 1;
    g->input = x;
    g->output = f;
    fm_exec *e;
    fm_error err;
    assert_int_equal(fm_exec_create(g, NULL, &e, &err), FM_OK);
    float xin[2 * 24], y[2 * 48];
    for (int i = 0; i < 48; i++)
        xin[i] = (float)i;
    assert_int_equal(fm_exec_run(e, xin, 2, y, &err), FM_OK);
    for (int b = 0; b < 2; b++)
        for (int cc = 0; cc < 4; cc++)
            for (int h = 0; h < 4; h++)
                for (int w = 0; w < 3; w++)
                    assert_true(y[b * 48 + (cc * 4 + h) * 3 + w] == xin[b * 24 + ((cc % 2) * 3 + w) * 4 + h]);
    fm_exec_free(e);
    fm_graph_free(g);
}

static void test_pool_and_broadcast(void **state)
{
    (void)state;
    fm_graph *g = fm_graph_new();
    int x = add_act(g, "x", 3, 5, 5);
    int64_t cs[3] = {3, 1, 1};
    float *cv = malloc(3 * sizeof *cv);
    cv[0] = 1;
    cv[1] = 2;
    cv[2] = 3;
    int k = add_const(g, "k", 3, cs, cv);
    int m = add_act(g, "m", 3, 5, 5);
    node(g, FM_OP_MUL, "mul", x, k, -1, m);
    int p = add_act(g, "p", 3, 3, 3);
    fm_node *n = node(g, FM_OP_AVGPOOL, "avg", m, -1, -1, p);
    fm_pool_attr pa = {3, 3, 2, 2, 1, 1, 1, 1, 0, 0};
    n->a.pool = pa;
    int q = add_act(g, "q", 3, 3, 3);
    n = node(g, FM_OP_MAXPOOL, "max", p, -1, -1, q);
    fm_pool_attr pm = {2, 2, 1, 1, 0, 0, 1, 1, 0, 0};
    n->a.pool = pm;
    g->input = x;
    g->output = q;
    fm_exec *e;
    fm_error err;
    assert_int_equal(fm_exec_create(g, NULL, &e, &err), FM_OK);
    float xin[75], y[27], avg[27];
    for (int i = 0; i < 75; i++)
        xin[i] = frand();
    assert_int_equal(fm_exec_run(e, xin, 1, y, &err), FM_OK);
    for (int c = 0; c < 3; c++)
        for (int oh = 0; oh < 3; oh++)
            for (int ow = 0; ow < 3; ow++) {
                float s = 0;
                int cnt = 0;
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        int ih = oh * 2 - 1 + ky, iw = ow * 2 - 1 + kx;
                        if (ih >= 0 && iw >= 0 && ih < 5 && iw < 5)
                            s += xin[(c * 5 + ih) * 5 + iw] * (float)(c + 1), cnt++;
                    }
                avg[(c * 3 + oh) * 3 + ow] = s / (float)cnt;
            }
    for (int c = 0; c < 3; c++)
        for (int oh = 0; oh < 3; oh++)
            for (int ow = 0; ow < 3; ow++) {
                float mx = -1e30f;
                for (int ky = 0; ky < 2; ky++)
                    for (int kx = 0; kx < 2; kx++)
                        if (oh + ky < 3 && ow + kx < 3)
                            mx = fmaxf(mx, avg[(c * 3 + oh + ky) * 3 + ow + kx]);
                assert_true(fabsf(y[(c * 3 + oh) * 3 + ow] - mx) < 1e-5f);
            }
    fm_exec_free(e);
    fm_graph_free(g);
}

static void test_quantize_code(void **state)
{
    (void)state;
    assert_int_equal(fm_quantize_code(2.5f, 1.0f, -127, 127), 3);
    assert_int_equal(fm_quantize_code(-2.5f, 1.0f, -127, 127), -3);
    assert_int_equal(fm_quantize_code(0.49999997f, 1.0f, -127, 127), 0);
    assert_int_equal(fm_quantize_code(1000.0f, 1.0f, -127, 127), 127);
    assert_int_equal(fm_quantize_code(-1000.0f, 1.0f, 0, 255), 0);
    assert_int_equal(fm_quantize_code(NAN, 1.0f, -7, 7), -7);
}

static void test_needs_calibration(void **state)
{
    (void)state;
    fm_graph *g = resnet_like();
    fm_net_arith na;
    memset(&na, 0, sizeof na);
    fm_layer_arith_fxp(&na.deflt, 8, 8);
    fm_exec_opts o;
    fm_exec *e;
    fm_error err;
    fm_exec_opts_default(&o);
    o.arith = &na;
    assert_int_equal(fm_exec_create(g, &o, &e, &err), FM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "calibration"));
    fm_graph_free(g);
}

/* Buffers are shared between tensors whose lifetimes do not overlap. */
static void test_memplan(void **state)
{
    (void)state;
    fm_graph *g = resnet_like();
    fm_exec *e;
    fm_error err;
    assert_int_equal(fm_exec_create(g, NULL, &e, &err), FM_OK);
    int acts = 0;
    for (int t = 0; t < g->n_tensors; t++)
        acts += !g->tensors[t].data;
    assert_true(acts == 11); /* at most 3 alive at once: the residual keeps one */
    fprintf(stderr, "activations %d, slots %d\n", acts, e->n_slots);
    assert_true(e->n_slots <= 3);
    for (int t = 0; t < g->n_tensors; t++)
        if (!g->tensors[t].data && e->xt[t].alias < 0)
            assert_true(e->slot_of[t] >= 0 && e->slot_of[t] < e->n_slots);
    fm_exec_free(e);
    fm_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantize_code),
        cmocka_unit_test(test_conv_float),
        cmocka_unit_test(test_conv_int),
        cmocka_unit_test(test_bitexact_isa_threads),
        cmocka_unit_test(test_shape_ops),
        cmocka_unit_test(test_pool_and_broadcast),
        cmocka_unit_test(test_needs_calibration),
        cmocka_unit_test(test_memplan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
