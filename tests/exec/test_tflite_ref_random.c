/* TFLite reference executor against a straightforward NHWC implementation
 * written here from TFLite's reference-kernel definitions: random conv,
 * depthwise conv, fully connected and pooling layers (uint8 per-tensor and
 * int8 per-channel) are serialized as .tflite, imported (which transposes
 * everything to NCHW) and run; every output byte must match. Then one real
 * run of MobileNet v1 0.25 128 on a synthetic gradient image. */
#include "common/fm_test.h"

#include <math.h>
#include <string.h>

#include "exec/tflite_ref_util.h"

enum { OP_AVG = 1, OP_CONV = 3, OP_DW = 4, OP_FC = 9, OP_MAX = 17 };

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

static int pad_before(int padding, int in, int k, int stride, int dil, int out)
{
    int total = (out - 1) * stride + (k - 1) * dil + 1 - in;
    return padding == 0 && total > 0 ? total / 2 : 0;
}

/* Activation bounds: zero point + round(bound / scale), within the dtype. */
static void act_bounds(int act, float s, int zp, int qmin, int qmax, int *lo, int *hi)
{
    *lo = qmin;
    *hi = qmax;
    float a = act == 2 ? -1.0f : 0.0f, b = act == 3 ? 6.0f : 1.0f;
    if (act != 0) {
        int q = zp + (int)roundf(a / s);
        *lo = q > qmin ? q : qmin;
    }
    if (act == 2 || act == 3) {
        int q = zp + (int)roundf(b / s);
        *hi = q < qmax ? q : qmax;
    }
}

static int clampi(int64_t v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : (int)v;
}

/* NHWC [1,H,W,C] bytes -> NCHW */
static void to_nchw(const uint8_t *src, uint8_t *dst, int H, int W, int C)
{
    for (int h = 0; h < H; h++)
        for (int w = 0; w < W; w++)
            for (int c = 0; c < C; c++)
                dst[(c * H + h) * W + w] = src[(h * W + w) * C + c];
}

static int32_t qval(const uint8_t *p, int i, int is_i8)
{
    return is_i8 ? (int32_t)(int8_t)p[i] : (int32_t)p[i];
}

static void test_random_conv(void **s)
{
    (void)s;
    uint64_t rng = 2024;
    for (int trial = 0; trial < 300; trial++) {
        int dw = trial % 3 == 2;
        int i8 = trial % 2; /* int8 per-channel, else uint8 per-tensor */
        int H = rnd(&rng, 1, 7), W = rnd(&rng, 1, 7), C = rnd(&rng, 1, 5);
        int mult = dw ? rnd(&rng, 1, 3) : 1;
        int O = dw ? C * mult : rnd(&rng, 1, 6);
        int KH = rnd(&rng, 1, 3), KW = rnd(&rng, 1, 3), S = rnd(&rng, 1, 3), D = rnd(&rng, 1, 2);
        int padding = rnd(&rng, 0, 1), act = rnd(&rng, 0, 3);
        int OH = out_size(padding, H, KH, S, D), OW = out_size(padding, W, KW, S, D);
        if (OH < 1 || OW < 1)
            continue;
        int I = dw ? 1 : C;
        int qmin = i8 ? -128 : 0, qmax = i8 ? 127 : 255;
        static uint8_t x[7 * 7 * 5], wt[15 * 3 * 3 * 5], xin[7 * 7 * 5];
        static int32_t bias[16];
        int nw = dw ? KH * KW * O : O * KH * KW * C;
        for (int i = 0; i < H * W * C; i++)
            x[i] = (uint8_t)rnd(&rng, qmin, qmax);
        for (int i = 0; i < nw; i++)
            wt[i] = (uint8_t)rnd(&rng, i8 ? -127 : 0, qmax);
        for (int i = 0; i < O; i++)
            bias[i] = rnd(&rng, -5000, 5000);
        float sx = rndf(&rng, 0.01f, 0.1f), sy = rndf(&rng, 0.05f, 0.5f);
        int zx = rnd(&rng, qmin, qmax), zy = rnd(&rng, qmin, qmax);
        float sw[16];
        int zw = i8 ? 0 : rnd(&rng, 0, 255);
        for (int i = 0; i < O; i++)
            sw[i] = rndf(&rng, 0.001f, 0.05f);

        tb_model m = {0};
        tb_q(tb_t(&m, 0, "x", i8 ? T_I8 : T_U8, 4, (int32_t[]){1, H, W, C}), sx, zx);
        tb_tensor *w = dw ? tb_t(&m, 1, "w", i8 ? T_I8 : T_U8, 4, (int32_t[]){1, KH, KW, O})
                          : tb_t(&m, 1, "w", i8 ? T_I8 : T_U8, 4, (int32_t[]){O, KH, KW, C});
        w->data = wt;
        w->data_len = (size_t)nw;
        w->nq = i8 ? O : 1;
        w->qdim = dw ? 3 : 0;
        for (int i = 0; i < w->nq; i++) {
            w->scale[i] = sw[i];
            w->zp[i] = zw;
        }
        tb_tensor *b = tb_t(&m, 2, "b", T_I32, 1, (int32_t[]){O});
        b->data = bias;
        b->data_len = sizeof(int32_t) * (size_t)O;
        tb_q(tb_t(&m, 3, "y", i8 ? T_I8 : T_U8, 4, (int32_t[]){1, OH, OW, O}), sy, zy);
        m.n_ops = 1;
        if (dw)
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

        /* expected, NHWC, straight from the TFLite reference loops */
        int pt = pad_before(padding, H, KH, S, D, OH), pl = pad_before(padding, W, KW, S, D, OW);
        int lo, hi;
        act_bounds(act, sy, zy, qmin, qmax, &lo, &hi);
        static uint8_t want[7 * 7 * 15], got[7 * 7 * 15];
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++)
                for (int oc = 0; oc < O; oc++) {
                    int64_t acc = 0;
                    for (int ky = 0; ky < KH; ky++)
                        for (int kx = 0; kx < KW; kx++) {
                            int iy = oy * S - pt + ky * D, ix = ox * S - pl + kx * D;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                continue;
                            for (int i = 0; i < I; i++) {
                                int ic = dw ? oc / mult : i;
                                int wi = dw ? (ky * KW + kx) * O + oc : ((oc * KH + ky) * KW + kx) * C + i;
                                acc += (int64_t)(qval(x, (iy * W + ix) * C + ic, i8) - zx) *
                                       (qval(wt, wi, i8) - zw);
                            }
                        }
                    acc += bias[oc];
                    double real = i8 ? (double)sx * (double)sw[oc] / (double)sy : (double)(sx * sw[0]) / (double)sy;
                    int32_t mq;
                    int sh;
                    fm_tfl_quantize_multiplier(real, &mq, &sh);
                    int v = clampi((int64_t)ind_mbqm((int32_t)acc, mq, sh) + zy, lo, hi);
                    want[(oc * OH + oy) * OW + ox] = (uint8_t)v; /* stored NCHW for the comparison */
                }
        to_nchw(x, xin, H, W, C);
        fm_error e = {0};
        fm_status st = run_model(&m, xin, (size_t)(H * W * C), got, (size_t)(OH * OW * O), NULL, &e);
        if (st != FM_OK)
            fprintf(stderr, "trial %d: %s\n", trial, e.msg);
        assert_int_equal(st, FM_OK);
        if (memcmp(want, got, (size_t)(OH * OW * O)) != 0)
            fprintf(stderr, "trial %d: dw %d i8 %d H %d W %d C %d O %d k %dx%d s %d d %d pad %d act %d\n", trial,
                    dw, i8, H, W, C, O, KH, KW, S, D, padding, act);
        assert_memory_equal(want, got, (size_t)(OH * OW * O));
    }
}

static void test_random_fc_and_pool(void **s)
{
    (void)s;
    uint64_t rng = 99;
    for (int trial = 0; trial < 200; trial++) {
        fm_error e = {0};
        /* fully connected: x [1,K], W (N,K), uint8 per tensor */
        int K = rnd(&rng, 1, 40), N = rnd(&rng, 1, 12), act = rnd(&rng, 0, 3);
        static uint8_t x[40], w[12 * 40], want[6 * 6 * 3], got[6 * 6 * 3];
        static int32_t bias[12];
        for (int i = 0; i < K; i++)
            x[i] = (uint8_t)rnd(&rng, 0, 255);
        for (int i = 0; i < N * K; i++)
            w[i] = (uint8_t)rnd(&rng, 0, 255);
        for (int i = 0; i < N; i++)
            bias[i] = rnd(&rng, -20000, 20000);
        float sx = rndf(&rng, 0.01f, 0.1f), sw = rndf(&rng, 0.001f, 0.02f), sy = rndf(&rng, 0.05f, 0.5f);
        int zx = rnd(&rng, 0, 255), zw = rnd(&rng, 0, 255), zy = rnd(&rng, 0, 255);
        tb_model m = {0};
        tb_q(tb_t(&m, 0, "x", T_U8, 2, (int32_t[]){1, K}), sx, zx);
        tb_tensor *wt = tb_t(&m, 1, "w", T_U8, 2, (int32_t[]){N, K});
        tb_q(wt, sw, zw);
        wt->data = w;
        wt->data_len = (size_t)(N * K);
        tb_tensor *bt = tb_t(&m, 2, "b", T_I32, 1, (int32_t[]){N});
        bt->data = bias;
        bt->data_len = sizeof(int32_t) * (size_t)N;
        tb_q(tb_t(&m, 3, "y", T_U8, 2, (int32_t[]){1, N}), sy, zy);
        m.n_ops = 1;
        m.op[0] = (tb_op){.code = OP_FC, .n_in = 3, .in = {0, 1, 2}, .n_out = 1, .out = {3}, .opt_type = 8,
                          .n_opt = 1, .opt = {{0, 1, (uint64_t)act}}};
        m.n_inputs = m.n_outputs = 1;
        m.outputs[0] = 3;
        int lo, hi;
        act_bounds(act, sy, zy, 0, 255, &lo, &hi);
        int32_t mq;
        int sh;
        fm_tfl_quantize_multiplier((double)(sx * sw) / (double)sy, &mq, &sh);
        for (int j = 0; j < N; j++) {
            int64_t acc = bias[j];
            for (int k = 0; k < K; k++)
                acc += (int64_t)(x[k] - zx) * (w[j * K + k] - zw);
            want[j] = (uint8_t)clampi((int64_t)ind_mbqm((int32_t)acc, mq, sh) + zy, lo, hi);
        }
        assert_int_equal(run_model(&m, x, (size_t)K, got, (size_t)N, NULL, &e), FM_OK);
        assert_memory_equal(want, got, (size_t)N);

        /* pooling: [1,H,W,C] uint8, same quantization in and out */
        int H = rnd(&rng, 1, 6), W = rnd(&rng, 1, 6), C = rnd(&rng, 1, 3);
        int KH = rnd(&rng, 1, 3), KW = rnd(&rng, 1, 3), S = rnd(&rng, 1, 2), padding = rnd(&rng, 0, 1);
        int is_max = rnd(&rng, 0, 1);
        int OH = out_size(padding, H, KH, S, 1), OW = out_size(padding, W, KW, S, 1);
        if (OH < 1 || OW < 1)
            continue;
        static uint8_t px[6 * 6 * 3], pin[6 * 6 * 3];
        for (int i = 0; i < H * W * C; i++)
            px[i] = (uint8_t)rnd(&rng, 0, 255);
        memset(&m, 0, sizeof m);
        tb_q(tb_t(&m, 0, "x", T_U8, 4, (int32_t[]){1, H, W, C}), 0.1f, 3);
        tb_q(tb_t(&m, 1, "y", T_U8, 4, (int32_t[]){1, OH, OW, C}), 0.1f, 3);
        m.n_ops = 1;
        m.op[0] = (tb_op){.code = is_max ? OP_MAX : OP_AVG, .n_in = 1, .in = {0}, .n_out = 1, .out = {1},
                          .opt_type = 5, .n_opt = 6,
                          .opt = {{0, 1, (uint64_t)padding}, {1, 4, (uint64_t)S}, {2, 4, (uint64_t)S},
                                  {3, 4, (uint64_t)KW}, {4, 4, (uint64_t)KH}, {5, 1, (uint64_t)act}}};
        m.n_inputs = m.n_outputs = 1;
        m.outputs[0] = 1;
        act_bounds(act, 0.1f, 3, 0, 255, &lo, &hi);
        int pt = pad_before(padding, H, KH, S, 1, OH), pl = pad_before(padding, W, KW, S, 1, OW);
        for (int c = 0; c < C; c++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    int sum = 0, cnt = 0, mx = 0;
                    for (int ky = 0; ky < KH; ky++)
                        for (int kx = 0; kx < KW; kx++) {
                            int iy = oy * S - pt + ky, ix = ox * S - pl + kx;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                continue;
                            int v = px[(iy * W + ix) * C + c];
                            sum += v;
                            cnt++;
                            mx = v > mx ? v : mx;
                        }
                    int v = is_max ? mx : (sum + cnt / 2) / cnt;
                    want[(c * OH + oy) * OW + ox] = (uint8_t)clampi(v, lo, hi);
                }
        to_nchw(px, pin, H, W, C);
        assert_int_equal(run_model(&m, pin, (size_t)(H * W * C), got, (size_t)(OH * OW * C), NULL, &e), FM_OK);
        if (memcmp(want, got, (size_t)(OH * OW * C)) != 0)
            fprintf(stderr, "pool trial %d: max %d H %d W %d C %d k %dx%d s %d pad %d act %d\n", trial, is_max, H, W, C, KH, KW, S, padding, act);
        assert_memory_equal(want, got, (size_t)(OH * OW * C));
    }
}

/* MobileNet v1 0.25 128 on a synthetic image (R: vertical gradient, G:
 * horizontal, B: diagonal): 1001 probabilities from the uint8 softmax
 * (scale 1/256), deterministic, and the same top class when one pixel
 * changes by one step. The lead runs the ImageNet evaluation separately. */
static void test_mobilenet_v1_gradient(void **s)
{
    (void)s;
    char path[512];
    FM_REQUIRE_SHARED(path, "models/mobilenet_v1_0.25_128_quant.tflite");
    fm_graph *g;
    fm_error e = {0};
    assert_int_equal(fm_tflite_load(path, &g, &e), FM_OK);
    const int S = 128;
    static uint8_t x[3 * 128 * 128];
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++) {
            x[(0 * S + i) * S + j] = (uint8_t)(i * 255 / (S - 1));
            x[(1 * S + i) * S + j] = (uint8_t)(j * 255 / (S - 1));
            x[(2 * S + i) * S + j] = (uint8_t)((i + j) * 255 / (2 * S - 2));
        }
    uint8_t y[1001], y2[1001];
    float p[1001];
    assert_int_equal(fm_tflite_ref_run(g, x, sizeof x, y, sizeof y, p, &e), FM_OK);
    double sum = 0.0;
    int top = 0, second = -1;
    for (int i = 0; i < 1001; i++) {
        assert_true(p[i] >= 0.0f && p[i] <= 1.0f);
        assert_true(fabsf(p[i] - (float)y[i] / 256.0f) < 1e-7f);
        sum += p[i];
        if (y[i] > y[top])
            top = i;
    }
    for (int i = 0; i < 1001; i++)
        if (i != top && (second < 0 || y[i] > y[second]))
            second = i;
    fprintf(stderr, "gradient image: top class %d (q %d), second %d (q %d), sum of probabilities %.4f\n", top,
            y[top], second, y[second], sum);
    /* each of 1001 values is rounded to 1/256: the sum is 1 within 1001/512 */
    assert_true(sum > 0.5 && sum < 1.0 + 1001.0 / 512.0);
    assert_true(y[top] > y[second]);
    assert_int_equal(fm_tflite_ref_run(g, x, sizeof x, y2, sizeof y2, NULL, &e), FM_OK);
    assert_memory_equal(y, y2, sizeof y);
    x[64 * S + 64] ^= 1;
    assert_int_equal(fm_tflite_ref_run(g, x, sizeof x, y2, sizeof y2, NULL, &e), FM_OK);
    int top2 = 0;
    for (int i = 0; i < 1001; i++)
        if (y2[i] > y2[top2])
            top2 = i;
    assert_int_equal(top2, top);
    fm_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_conv),
        cmocka_unit_test(test_random_fc_and_pool),
        cmocka_unit_test(test_mobilenet_v1_gradient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
