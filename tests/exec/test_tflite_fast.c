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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requant_kernels),
        cmocka_unit_test(test_random_conv),
        cmocka_unit_test(test_random_fc_add),
        cmocka_unit_test(test_mobilenet_v2),
        cmocka_unit_test(test_mobilenet_v1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
