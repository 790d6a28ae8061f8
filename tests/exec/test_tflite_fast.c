/* The fast TFLite path against the scalar reference fm_tflite_ref_run, bit
 * for bit: random conv / depthwise / fully connected / ADD layers (uint8
 * per-tensor and int8 per-channel, edge-case zero points and weights that
 * span the whole byte range), the three shared MobileNets on real ImageNet
 * images, on every ISA up to the CPU's best and with 1 and 2 threads; the
 * requantization kernels against their scalar reference; fm_evaluate /
 * fm_exec on a TFLite graph (the model's own integer semantics, accuracy
 * bands on a subset, and the float view used by other schemes). */
#include "common/fm_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/tflite_fast_internal.h"
#include "flexmac/import.h"
#include "flexmac/tflite_ref.h"
#include "import/tflite_build.h"
#include "flexmac/data.h"
#include "flexmac/eval.h"
#include "flexmac/tflite_fast.h"

enum { T_I32 = 2, T_U8 = 3, T_I8 = 9 };
enum { OP_ADD = 0, OP_CONV = 3, OP_DW = 4, OP_FC = 9 };

static int rnd(uint64_t *s, int lo, int hi) /* inclusive */
{
    return lo + (int)(fm_test_rand(s) % (uint64_t)(hi - lo + 1));
}

static float rndf(uint64_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)(fm_test_rand(s) % 100000) / 100000.0f;
}

static int out_size(int padding, int in, int k, int stride, int dil)
{
    int eff = (k - 1) * dil + 1;
    return padding == 0 ? (in + stride - 1) / stride : (in - eff + stride) / stride;
}

/* Runs g with the reference (per sample) and the fast path on every ISA and
 * 1 and 2 threads, n samples of x (NCHW bytes); all outputs must match. */
static void check_fast(const fm_graph *g, const uint8_t *x, int n, const char *what)
{
    const fm_tensor *in = &g->tensors[g->input], *out = &g->tensors[g->output];
    size_t ib = fm_tensor_bytes(in), ob = fm_tensor_bytes(out);
    int64_t on = fm_tensor_numel(out);
    uint8_t *want = malloc(ob * (size_t)n), *got = malloc(ob * (size_t)n);
    float *want_f = malloc(sizeof(float) * (size_t)(on * n)), *got_f = malloc(sizeof(float) * (size_t)(on * n));
    assert_non_null(want);
    assert_non_null(got);
    assert_non_null(want_f);
    assert_non_null(got_f);
    fm_error e = {0};
    for (int i = 0; i < n; i++) {
        fm_status st = fm_tflite_ref_run(g, x + ib * i, ib, want + ob * i, ob, want_f + on * i, &e);
        if (st != FM_OK)
            fprintf(stderr, "%s: %s\n", what, e.msg);
        assert_int_equal(st, FM_OK);
    }
    for (int isa = FM_ISA_SCALAR; isa <= (int)fm_cpu_best_isa(); isa++)
        for (int threads = 1; threads <= 2; threads++) {
            fm_tflite_fast *f;
            fm_status st = fm_tflite_fast_create(g, threads, (fm_isa)isa, &f, &e);
            if (st != FM_OK)
                fprintf(stderr, "%s: %s\n", what, e.msg);
            assert_int_equal(st, FM_OK);
            assert_int_equal(fm_tflite_fast_isa(f), isa);
            memset(got, 0xA5, ob * (size_t)n);
            assert_int_equal(fm_tflite_fast_run(f, x, n, got, got_f, &e), FM_OK);
            if (memcmp(want, got, ob * (size_t)n) != 0 || memcmp(want_f, got_f, sizeof(float) * (size_t)(on * n)))
                fprintf(stderr, "%s: differs on %s with %d threads\n", what, fm_isa_name((fm_isa)isa), threads);
            assert_memory_equal(want, got, ob * (size_t)n);
            assert_memory_equal(want_f, got_f, sizeof(float) * (size_t)(on * n));
            fm_tflite_fast_free(f);
        }
    free(want);
    free(got);
    free(want_f);
    free(got_f);
}

static fm_graph *build(const tb_model *m)
{
    size_t len;
    uint8_t *buf = tb_build(m, &len);
    fm_graph *g = NULL;
    fm_error e = {0};
    fm_status st = fm_tflite_load_buffer(buf, len, "rand.tflite", &g, &e);
    free(buf);
    if (st != FM_OK)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(st, FM_OK);
    return g;
}

/* Weights of one layer: uniform, full byte range (forcing the per-channel
 * offset d != 0), or a narrow band around the zero point (d = 0). */
static void fill_weights(uint64_t *rng, uint8_t *w, int n, int i8, int zw)
{
    int mode = rnd(rng, 0, 2);
    for (int i = 0; i < n; i++) {
        int v;
        if (mode == 0)
            v = rnd(rng, i8 ? -127 : 0, i8 ? 127 : 255);
        else if (mode == 1)
            v = rnd(rng, 0, 1) ? (i8 ? 127 : 255) : (i8 ? -128 : 0); /* extremes only */
        else
            v = zw + rnd(rng, -100, 100);
        int lo = i8 ? -128 : 0, hi = i8 ? 127 : 255;
        w[i] = (uint8_t)(v < lo ? lo : v > hi ? hi : v);
    }
}

static int edge_zp(uint64_t *rng, int qmin, int qmax)
{
    int k = rnd(rng, 0, 3);
    return k == 0 ? qmin : k == 1 ? qmax : rnd(rng, qmin, qmax);
}

static void test_random_conv(void **s)
{
    (void)s;
    uint64_t rng = 77;
    int trials = (int)fm_test_samples(400, 120);
    for (int trial = 0; trial < trials; trial++) {
        int kind = trial % 3; /* 0 conv, 1 depthwise, 2 conv with many channels (GEMM tiles) */
        int i8 = rnd(&rng, 0, 1);
        int H = rnd(&rng, 1, kind == 2 ? 24 : 9), W = rnd(&rng, 1, kind == 2 ? 24 : 9);
        int C = kind == 2 ? rnd(&rng, 8, 40) : rnd(&rng, 1, 17);
        int mult = kind == 1 ? (rnd(&rng, 0, 3) == 0 ? 2 : 1) : 1;
        int O = kind == 1 ? C * mult : rnd(&rng, 1, kind == 2 ? 70 : 9);
        int KH = rnd(&rng, 1, 3), KW = rnd(&rng, 1, 3), S = rnd(&rng, 1, 2);
        int D = rnd(&rng, 0, 4) == 0 ? 2 : 1;
        int padding = rnd(&rng, 0, 1), act = rnd(&rng, 0, 3);
        int OH = out_size(padding, H, KH, S, D), OW = out_size(padding, W, KW, S, D);
        if (OH < 1 || OW < 1)
            continue;
        if (O > 16)
            i8 = 0; /* the test model writer holds at most 16 per-channel scales */
        int qmin = i8 ? -128 : 0, qmax = i8 ? 127 : 255;
        int nw = kind == 1 ? KH * KW * O : O * KH * KW * C, n = 3;
        uint8_t *x = malloc((size_t)(H * W * C * n)), *wt = malloc((size_t)nw);
        int32_t *bias = malloc(sizeof(int32_t) * (size_t)O);
        float *sw = malloc(sizeof(float) * (size_t)O);
        int zw = i8 ? 0 : edge_zp(&rng, 0, 255);
        fill_weights(&rng, wt, nw, i8, zw);
        for (int i = 0; i < H * W * C * n; i++)
            x[i] = (uint8_t)rnd(&rng, 0, 255);
        for (int i = 0; i < O; i++)
            bias[i] = rnd(&rng, -30000, 30000);
        for (int i = 0; i < O; i++)
            sw[i] = rndf(&rng, 0.0005f, 0.05f);
        float sx = rndf(&rng, 0.01f, 0.1f), sy = rndf(&rng, 0.02f, 0.5f);
        int zx = edge_zp(&rng, qmin, qmax), zy = edge_zp(&rng, qmin, qmax);
        tb_model m = {0};
        tb_q(tb_t(&m, 0, "x", i8 ? T_I8 : T_U8, 4, (int32_t[]){1, H, W, C}), sx, zx);
        tb_tensor *w = kind == 1 ? tb_t(&m, 1, "w", i8 ? T_I8 : T_U8, 4, (int32_t[]){1, KH, KW, O})
                                 : tb_t(&m, 1, "w", i8 ? T_I8 : T_U8, 4, (int32_t[]){O, KH, KW, C});
        w->data = wt;
        w->data_len = (size_t)nw;
        w->nq = i8 ? O : 1;
        w->qdim = kind == 1 ? 3 : 0;
        for (int i = 0; i < w->nq; i++) {
            w->scale[i] = sw[i];
            w->zp[i] = zw;
        }
        tb_tensor *b = tb_t(&m, 2, "b", T_I32, 1, (int32_t[]){O});
        b->data = bias;
        b->data_len = sizeof(int32_t) * (size_t)O;
        tb_q(tb_t(&m, 3, "y", i8 ? T_I8 : T_U8, 4, (int32_t[]){1, OH, OW, O}), sy, zy);
        m.n_ops = 1;
        if (kind == 1)
            m.op[0] = (tb_op){.code = OP_DW, .n_in = 3, .in = {0, 1, 2}, .n_out = 1, .out = {3}, .opt_type = 2,
                              .n_opt = 7,
                              .opt = {{0, 1, (uint64_t)padding}, {1, 4, (uint64_t)S}, {2, 4, (uint64_t)S},
                                      {3, 4, (uint64_t)mult}, {4, 1, (uint64_t)act}, {5, 4, (uint64_t)D},
                                      {6, 4, (uint64_t)D}}};
        else
            m.op[0] = (tb_op){.code = OP_CONV, .n_in = 3, .in = {0, 1, 2}, .n_out = 1, .out = {3}, .opt_type = 1,
                              .n_opt = 6,
                              .opt = {{0, 1, (uint64_t)padding}, {1, 4, (uint64_t)S}, {2, 4, (uint64_t)S},
                                      {3, 1, (uint64_t)act}, {4, 4, (uint64_t)D}, {5, 4, (uint64_t)D}}};
        m.n_inputs = m.n_outputs = 1;
        m.outputs[0] = 3;
        fm_graph *g = build(&m);
        char what[160];
        snprintf(what, sizeof what, "trial %d kind %d i8 %d H %d W %d C %d O %d k %dx%d s %d d %d pad %d act %d", trial,
                 kind, i8, H, W, C, O, KH, KW, S, D, padding, act);
        check_fast(g, x, n, what);
        fm_graph_free(g);
        free(x);
        free(wt);
        free(bias);
        free(sw);
    }
}

/* FULLY_CONNECTED followed by ADD of the input with itself rescaled. */
static void test_random_fc_add(void **s)
{
    (void)s;
    uint64_t rng = 5;
    for (int trial = 0; trial < 100; trial++) {
        int i8 = rnd(&rng, 0, 1), K = rnd(&rng, 1, 300), N = rnd(&rng, 1, 40), act = rnd(&rng, 0, 3), n = 3;
        if (i8 && N > 16)
            N = 16;
        int qmin = i8 ? -128 : 0, qmax = i8 ? 127 : 255;
        uint8_t *x = malloc((size_t)(K * n)), *w = malloc((size_t)(N * K));
        int32_t *bias = malloc(sizeof(int32_t) * (size_t)N);
        int zw = i8 ? 0 : edge_zp(&rng, 0, 255);
        fill_weights(&rng, w, N * K, i8, zw);
        for (int i = 0; i < K * n; i++)
            x[i] = (uint8_t)rnd(&rng, 0, 255);
        for (int i = 0; i < N; i++)
            bias[i] = rnd(&rng, -50000, 50000);
        tb_model m = {0};
        tb_q(tb_t(&m, 0, "x", i8 ? T_I8 : T_U8, 2, (int32_t[]){1, K}), rndf(&rng, 0.01f, 0.1f),
             edge_zp(&rng, qmin, qmax));
        tb_tensor *wt = tb_t(&m, 1, "w", i8 ? T_I8 : T_U8, 2, (int32_t[]){N, K});
        wt->data = w;
        wt->data_len = (size_t)(N * K);
        wt->nq = i8 ? N : 1;
        for (int i = 0; i < wt->nq; i++) {
            wt->scale[i] = rndf(&rng, 0.0005f, 0.02f);
            wt->zp[i] = zw;
        }
        tb_tensor *b = tb_t(&m, 2, "b", T_I32, 1, (int32_t[]){N});
        b->data = bias;
        b->data_len = sizeof(int32_t) * (size_t)N;
        tb_q(tb_t(&m, 3, "y", i8 ? T_I8 : T_U8, 2, (int32_t[]){1, N}), rndf(&rng, 0.05f, 0.5f),
             edge_zp(&rng, qmin, qmax));
        tb_q(tb_t(&m, 4, "z", i8 ? T_I8 : T_U8, 2, (int32_t[]){1, N}), rndf(&rng, 0.05f, 1.0f),
             edge_zp(&rng, qmin, qmax));
        m.n_ops = 2;
        m.op[0] = (tb_op){.code = OP_FC, .n_in = 3, .in = {0, 1, 2}, .n_out = 1, .out = {3}, .opt_type = 8,
                          .n_opt = 1, .opt = {{0, 1, (uint64_t)act}}};
        m.op[1] = (tb_op){.code = OP_ADD, .n_in = 2, .in = {3, 3}, .n_out = 1, .out = {4}, .opt_type = 11,
                          .n_opt = 1, .opt = {{0, 1, (uint64_t)rnd(&rng, 0, 3)}}};
        m.n_inputs = m.n_outputs = 1;
        m.outputs[0] = 4;
        fm_graph *g = build(&m);
        char what[96];
        snprintf(what, sizeof what, "fc trial %d i8 %d K %d N %d", trial, i8, K, N);
        check_fast(g, x, n, what);
        fm_graph_free(g);
        free(x);
        free(w);
        free(bias);
    }
}

/* ---- requantization kernels against the scalar reference ---- */

static void test_requant_kernels(void **s)
{
    (void)s;
    uint64_t rng = 11;
    static const int32_t edges[] = {0, 1, -1, INT32_MAX, INT32_MIN, INT32_MIN + 1, 1 << 30, -(1 << 30), 12345678};
    for (int trial = 0; trial < 400; trial++) {
        int rows = rnd(&rng, 1, 9), n = rnd(&rng, 1, 70), lda = n + rnd(&rng, 0, 3), ldy = n + rnd(&rng, 0, 2);
        int withR = rnd(&rng, 0, 2), cs = withR == 2 ? 1 : 0, rs = withR == 2 ? lda : 1;
        int32_t *acc = malloc(sizeof(int32_t) * (size_t)(rows * lda)), *R = malloc(sizeof(int32_t) * (size_t)(rows * lda));
        tfast_requant q;
        q.d = malloc(sizeof(int32_t) * (size_t)n);
        q.corr = malloc(sizeof(int32_t) * (size_t)n);
        q.mult = malloc(sizeof(int32_t) * (size_t)n);
        q.shift = malloc(sizeof(int32_t) * (size_t)n);
        for (int i = 0; i < rows * lda; i++) {
            acc[i] = rnd(&rng, 0, 4) == 0 ? edges[rnd(&rng, 0, 8)] : (int32_t)(fm_test_rand(&rng) >> rnd(&rng, 32, 60));
            R[i] = rnd(&rng, 0, 255 * 9 * 4);
        }
        for (int c = 0; c < n; c++) {
            q.d[c] = rnd(&rng, 0, 1) ? 0 : rnd(&rng, -255, 255);
            q.corr[c] = (int32_t)(fm_test_rand(&rng) >> rnd(&rng, 33, 63));
            int sh;
            double real = rnd(&rng, 0, 5) == 0 ? rndf(&rng, 1.0f, 300.0f) : exp(-rndf(&rng, 0.0f, 30.0f));
            fm_tfl_quantize_multiplier(real, &q.mult[c], &sh);
            if (rnd(&rng, 0, 20) == 0)
                q.mult[c] = rnd(&rng, 0, 1) ? INT32_MAX : 0;
            q.shift[c] = sh;
        }
        q.zy = rnd(&rng, 0, 255);
        q.lo = rnd(&rng, 0, 100);
        q.hi = rnd(&rng, q.lo, 255);
        uint8_t *want = calloc((size_t)(rows * ldy), 1), *got = calloc((size_t)(rows * ldy), 1);
        tfast_requant_rows_ref(acc, lda, rows, n, withR ? R : NULL, rs, cs, &q, 0, want, ldy);
        for (int isa = FM_ISA_SCALAR; isa <= (int)fm_cpu_best_isa(); isa++) {
            memset(got, 0, (size_t)(rows * ldy));
            tfast_requant_rows((fm_isa)isa, acc, lda, rows, n, withR ? R : NULL, rs, cs, &q, 0, got, ldy);
            if (memcmp(want, got, (size_t)(rows * ldy)))
                fprintf(stderr, "requant trial %d isa %s\n", trial, fm_isa_name((fm_isa)isa));
            assert_memory_equal(want, got, (size_t)(rows * ldy));
        }
        free(acc);
        free(R);
        free(q.d);
        free(q.corr);
        free(q.mult);
        free(q.shift);
        free(want);
        free(got);
    }
}

/* ---- the shared MobileNets ---- */

/* Preprocessing of DATA.md, as the CLI picks it (cli_preprocess_for). */
static void mobilenet_pp(const fm_graph *g, fm_preprocess *p)
{
    const fm_tensor *in = &g->tensors[g->input];
    fm_preprocess_preset("raw", p);
    p->channels = 3;
    p->crop_h = (int)in->shape[2];
    p->crop_w = (int)in->shape[3];
    if (in->shape[2] < 200)
        p->resize = (int)(in->shape[2] / 0.875 + 0.5);
}

static void check_mobilenet(const char *model, int n)
{
    char mpath[512], dpath[512];
    if (!fm_test_shared(model, mpath, sizeof mpath) ||
        !fm_test_shared("data/imagenet-val/labels.txt", dpath, sizeof dpath)) {
        fprintf(stderr, "SKIP: ../shared/%s or the ImageNet list not found; test skipped\n", model);
        skip();
    }
    fm_graph *g;
    fm_error e = {0};
    assert_int_equal(fm_tflite_load(mpath, &g, &e), FM_OK);
    fm_preprocess pp;
    mobilenet_pp(g, &pp);
    fm_dataset *ds;
    assert_int_equal(fm_dataset_open(dpath, &pp, &ds, &e), FM_OK);
    int64_t per = fm_tensor_numel(&g->tensors[g->input]);
    float *xf = malloc(sizeof(float) * (size_t)(per * n));
    uint8_t *x = malloc((size_t)(per * n));
    /* spread over the list: images 0, 97, 194, ... */
    for (int i = 0; i < n; i++)
        assert_int_equal(fm_dataset_read_range(ds, (int64_t)i * 97, 1, xf + per * i, NULL, &e), FM_OK);
    for (int64_t i = 0; i < per * n; i++)
        x[i] = (uint8_t)(xf[i] >= 255.0f ? 255 : xf[i] > 0.0f ? lroundf(xf[i]) : 0);
    check_fast(g, x, n, model);
    free(xf);
    free(x);
    fm_dataset_close(ds);
    fm_graph_free(g);
}

static void test_mobilenet_v2(void **s)
{
    (void)s;
    check_mobilenet("models/mobilenet_v2_1.0_224_quant.tflite", (int)fm_test_samples(6, 3));
}

static void test_mobilenet_v1(void **s)
{
    (void)s;
    check_mobilenet("models/mobilenet_v1_0.5_160_quant.tflite", (int)fm_test_samples(8, 3));
    check_mobilenet("models/mobilenet_v1_0.25_128_quant.tflite", (int)fm_test_samples(8, 3));
}

/* fm_evaluate on a TFLite graph: its own integer semantics (logits equal
 * the reference's dequantized outputs) and top-1 / top-5 within a band
 * around what the CLI measured (docs/tflite.md). */
static void eval_band(const char *model, double t1_lo, double t1_hi, double t5_lo)
{
    char mpath[512], dpath[512];
    if (!fm_test_shared(model, mpath, sizeof mpath) ||
        !fm_test_shared("data/imagenet-val/labels.txt", dpath, sizeof dpath)) {
        fprintf(stderr, "SKIP: ../shared/%s or the ImageNet list not found; test skipped\n", model);
        skip();
    }
    fm_graph *g;
    fm_error e = {0};
    assert_int_equal(fm_tflite_load(mpath, &g, &e), FM_OK);
    fm_preprocess pp;
    mobilenet_pp(g, &pp);
    fm_dataset *ds;
    assert_int_equal(fm_dataset_open(dpath, &pp, &ds, &e), FM_OK);
    int64_t n = fm_test_samples(fm_dataset_count(ds), 200);
    assert_int_equal(fm_exec_tflite_native(g, NULL), 1);
    fm_eval_opts o;
    fm_eval_opts_default(&o);
    o.limit = n;
    o.batch = 64;
    o.label_offset = 1;
    o.logits = malloc(sizeof(float) * (size_t)n * 1001);
    fm_eval_result r;
    fm_status st = fm_evaluate(g, ds, &o, &r, &e);
    if (st != FM_OK)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(st, FM_OK);
    double t1 = 100.0 * (double)r.top1 / (double)r.n, t5 = 100.0 * (double)r.top5 / (double)r.n;
    fprintf(stderr, "%s: %lld images, top-1 %.2f %%, top-5 %.2f %%\n", model, (long long)r.n, t1, t5);
    assert_true(t1 >= t1_lo && t1 <= t1_hi && t5 >= t5_lo);
    /* the first two images' logits are the reference's dequantized outputs */
    int64_t per = fm_tensor_numel(&g->tensors[g->input]);
    float *xf = malloc(sizeof(float) * (size_t)per), want[1001];
    uint8_t *x = malloc((size_t)per), q[1001];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(fm_dataset_read_range(ds, i, 1, xf, NULL, &e), FM_OK);
        for (int64_t k = 0; k < per; k++)
            x[k] = (uint8_t)(xf[k] >= 255.0f ? 255 : xf[k] > 0.0f ? lroundf(xf[k]) : 0);
        assert_int_equal(fm_tflite_ref_run(g, x, (size_t)per, q, sizeof q, want, &e), FM_OK);
        assert_memory_equal(want, o.logits + (size_t)i * 1001, sizeof want);
    }
    free(xf);
    free(x);
    free(o.logits);
    fm_dataset_close(ds);
    fm_graph_free(g);
}

static void test_eval_mobilenets(void **s)
{
    (void)s;
    eval_band("models/mobilenet_v2_1.0_224_quant.tflite", 65.0, 90.0, 85.0);
    eval_band("models/mobilenet_v1_0.5_160_quant.tflite", 50.0, 80.0, 75.0);
    eval_band("models/mobilenet_v1_0.25_128_quant.tflite", 30.0, 62.0, 55.0);
}

/* Other schemes run the float view with the model's own ranges (no
 * calibration data): FxP-6 and the float view itself still classify. */
static void test_float_view_schemes(void **s)
{
    (void)s;
    char mpath[512], dpath[512];
    const char *model = "models/mobilenet_v1_0.25_128_quant.tflite";
    if (!fm_test_shared(model, mpath, sizeof mpath) ||
        !fm_test_shared("data/imagenet-val/labels.txt", dpath, sizeof dpath)) {
        fprintf(stderr, "SKIP: ../shared/%s or the ImageNet list not found; test skipped\n", model);
        skip();
    }
    fm_graph *g;
    fm_error e = {0};
    assert_int_equal(fm_tflite_load(mpath, &g, &e), FM_OK);
    fm_preprocess pp;
    mobilenet_pp(g, &pp);
    fm_dataset *ds;
    assert_int_equal(fm_dataset_open(dpath, &pp, &ds, &e), FM_OK);
    static const char *specs[] = {"fp32", "fxp6", "fxp8"};
    for (int k = 0; k < 3; k++) {
        fm_net_arith a;
        assert_int_equal(fm_net_arith_parse(specs[k], &a, &e), FM_OK);
        fm_exec_opts xo;
        fm_exec_opts_default(&xo);
        xo.arith = &a;
        /* fxp8 is the model's own arithmetic; fp32 passed explicitly and fxp6 take the float view */
        assert_int_equal(fm_exec_tflite_native(g, &xo), k == 2);
        fm_eval_opts o;
        fm_eval_opts_default(&o);
        o.limit = 40;
        o.batch = 20;
        o.label_offset = 1;
        o.arith = &a;
        fm_eval_result r;
        fm_status st = fm_evaluate(g, ds, &o, &r, &e);
        if (st != FM_OK)
            fprintf(stderr, "%s: %s\n", specs[k], e.msg);
        assert_int_equal(st, FM_OK);
        fprintf(stderr, "%s on 40 images: top-1 %lld, top-5 %lld\n", specs[k], (long long)r.top1, (long long)r.top5);
        assert_true(r.top5 >= 16); /* random guessing gives 0.2 */
        fm_net_arith_free(&a);
    }
    fm_calib *c;
    assert_int_equal(fm_calib_from_qparams(g, &c, &e), FM_OK);
    float lo, hi;
    int t = g->nodes[0].in[0];
    assert_int_equal(fm_calib_range(c, t, &lo, &hi, &e), FM_OK);
    const fm_tensor *ti = &g->tensors[t];
    assert_true(lo == ti->q.scale[0] * (float)(0 - ti->q.zero_point[0]));
    assert_true(hi == ti->q.scale[0] * (float)(255 - ti->q.zero_point[0]));
    fm_calib_free(c);
    fm_dataset_close(ds);
    fm_graph_free(g);
}

/* Graphs outside the fast path's set are refused at create time, naming
 * the tensor: float activations (QUANTIZE from a float input) and an
 * activation whose scale is not positive. Mutated MobileNet files that
 * still load either run (and then equal the reference) or fail cleanly. */
static void test_unsupported(void **s)
{
    (void)s;
    fm_error e = {0};
    fm_tflite_fast *f = NULL;
    tb_model m = {0};
    tb_t(&m, 0, "f", 0 /* float32 */, 2, (int32_t[]){1, 4});
    tb_q(tb_t(&m, 1, "q", T_U8, 2, (int32_t[]){1, 4}), 0.5f, 10);
    m.n_ops = 1;
    m.op[0] = (tb_op){.code = 114 /* QUANTIZE */, .n_in = 1, .in = {0}, .n_out = 1, .out = {1}};
    m.n_inputs = m.n_outputs = 1;
    m.outputs[0] = 1;
    fm_graph *g = build(&m);
    assert_int_equal(fm_tflite_fast_create(g, 1, FM_ISA_COUNT, &f, &e), FM_ERR_UNSUPPORTED);
    assert_null(f);
    assert_non_null(strstr(e.msg, "'f'"));
    /* and fm_exec, which would take the fast path for this graph, reports it */
    fm_exec *ex = NULL;
    assert_int_equal(fm_exec_create(g, NULL, &ex, &e), FM_ERR_UNSUPPORTED);
    assert_null(ex);
    fm_graph_free(g);

    tb_model m2 = {0};
    tb_q(tb_t(&m2, 0, "x", T_U8, 2, (int32_t[]){1, 4}), 0.5f, 10);
    tb_q(tb_t(&m2, 1, "y", T_U8, 2, (int32_t[]){1, 4}), 0.0f, 0);
    m2.n_ops = 1;
    m2.op[0] = (tb_op){.code = OP_ADD, .n_in = 2, .in = {0, 0}, .n_out = 1, .out = {1}};
    m2.n_inputs = m2.n_outputs = 1;
    m2.outputs[0] = 1;
    g = build(&m2);
    assert_int_equal(fm_tflite_fast_create(g, 1, FM_ISA_COUNT, &f, &e), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "'y'"));
    fm_graph_free(g);

    char path[512];
    FM_REQUIRE_SHARED(path, "models/mobilenet_v1_0.25_128_quant.tflite");
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *orig = malloc((size_t)len), *mut = malloc((size_t)len);
    assert_int_equal(fread(orig, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    uint64_t rng = 3;
    int ran = 0;
    uint8_t *x = malloc(3 * 128 * 128);
    for (int i = 0; i < 3 * 128 * 128; i++)
        x[i] = (uint8_t)(i * 7);
    for (int trial = 0; trial < 300 && ran < 10; trial++) {
        memcpy(mut, orig, (size_t)len);
        /* structure bytes: the first 2 KB (tables, options) and the tail (vtables) */
        for (int k = 0; k < 2; k++) {
            long pos = rnd(&rng, 0, 1) ? rnd(&rng, 0, 2047) : len - 32768 - rnd(&rng, 0, 8191);
            mut[pos] ^= (uint8_t)(1u << rnd(&rng, 0, 7));
        }
        if (fm_tflite_load_buffer(mut, (size_t)len, "mutant.tflite", &g, &e) != FM_OK)
            continue;
        fm_status st = fm_tflite_fast_create(g, 2, FM_ISA_COUNT, &f, &e);
        assert_true(st == FM_OK || st == FM_ERR_UNSUPPORTED || st == FM_ERR_SHAPE || st == FM_ERR_INVALID);
        const fm_tensor *in = &g->tensors[g->input];
        if (st == FM_OK && fm_tensor_bytes(in) == 3 * 128 * 128 && fm_tensor_numel(&g->tensors[g->output]) <= 4096) {
            uint8_t want[4096], got[4096];
            size_t ob = fm_tensor_bytes(&g->tensors[g->output]);
            fm_status rs = fm_tflite_ref_run(g, x, fm_tensor_bytes(in), want, ob, NULL, &e);
            fm_status fs = fm_tflite_fast_run(f, x, 1, got, NULL, &e);
            if (rs == FM_OK) {
                assert_int_equal(fs, FM_OK);
                assert_memory_equal(want, got, ob);
            }
            ran++;
        }
        fm_tflite_fast_free(f);
        f = NULL;
        fm_graph_free(g);
    }
    fprintf(stderr, "mutants run through both executors: %d\n", ran);
    free(x);
    free(orig);
    free(mut);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requant_kernels),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_random_conv),
        cmocka_unit_test(test_random_fc_add),
        cmocka_unit_test(test_mobilenet_v2),
        cmocka_unit_test(test_mobilenet_v1),
        cmocka_unit_test(test_eval_mobilenets),
        cmocka_unit_test(test_float_view_schemes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
