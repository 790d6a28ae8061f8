/* TFLite reference executor: fixed-point primitives (known values and a
 * property test against an independent formulation) and every operator on
 * tiny hand-made models whose expected outputs are worked out by hand in
 * the comments. */
#include "common/fm_test.h"

#include <math.h>
#include <string.h>

#include "exec/tflite_ref_util.h"

enum { OP_ADD = 0, OP_AVG = 1, OP_CONCAT = 2, OP_CONV = 3, OP_DEQUANTIZE = 6, OP_MAX = 17,
       OP_RESHAPE = 22, OP_SOFTMAX = 25, OP_PAD = 34, OP_MEAN = 40, OP_QUANTIZE = 114 };

static void test_quantize_multiplier(void **s)
{
    (void)s;
    int32_t m;
    int e;
    fm_tfl_quantize_multiplier(0.5, &m, &e);
    assert_int_equal(m, 1 << 30);
    assert_int_equal(e, 0);
    fm_tfl_quantize_multiplier(1.0, &m, &e);
    assert_int_equal(m, 1 << 30);
    assert_int_equal(e, 1);
    fm_tfl_quantize_multiplier(0.75, &m, &e);
    assert_int_equal(m, 0x60000000);
    assert_int_equal(e, 0);
    fm_tfl_quantize_multiplier(0.125, &m, &e);
    assert_int_equal(m, 1 << 30);
    assert_int_equal(e, -2);
    /* 1 - 2^-33 rounds up to 2^31 in Q31: halved, exponent + 1 */
    fm_tfl_quantize_multiplier(1.0 - ldexp(1.0, -33), &m, &e);
    assert_int_equal(m, 1 << 30);
    assert_int_equal(e, 1);
    fm_tfl_quantize_multiplier(0.0, &m, &e);
    assert_int_equal(m, 0);
    assert_int_equal(e, 0);
    /* below 2^-32 everything would shift out: TFLite returns 0, 0 */
    fm_tfl_quantize_multiplier(1e-12, &m, &e);
    assert_int_equal(m, 0);
    assert_int_equal(e, 0);
    /* property: mult in [2^30, 2^31), and mult * 2^(e-31) within half a Q31 ulp */
    uint64_t rng = 42;
    for (int i = 0; i < 10000; i++) {
        double real = ldexp(1.0 + (double)(fm_test_rand(&rng) % 1000000) / 1000000.0, (int)(fm_test_rand(&rng) % 40) - 30);
        fm_tfl_quantize_multiplier(real, &m, &e);
        assert_true(m >= (1 << 30));
        double back = ldexp((double)m, e - 31);
        assert_true(fabs(back - real) <= ldexp(1.0, e - 32) * 1.0000001);
    }
}

static void test_fixedpoint_known(void **s)
{
    (void)s;
    assert_int_equal(fm_tfl_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
    assert_int_equal(fm_tfl_srdhm(3, 1 << 30), 2);   /* 1.5 -> 2 */
    assert_int_equal(fm_tfl_srdhm(-3, 1 << 30), -1); /* -1.5 -> -1: gemmlowp's nudge rounds ties up */
    assert_int_equal(fm_tfl_srdhm(1 << 30, 1 << 30), 1 << 29);
    assert_int_equal(fm_tfl_srdhm(INT32_MAX, INT32_MAX), 2147483646);
    assert_int_equal(fm_tfl_srdhm(0, INT32_MIN), 0);
    assert_int_equal(fm_tfl_rounding_divide_by_pot(5, 1), 3);
    assert_int_equal(fm_tfl_rounding_divide_by_pot(-5, 1), -3);
    assert_int_equal(fm_tfl_rounding_divide_by_pot(3, 1), 2);
    assert_int_equal(fm_tfl_rounding_divide_by_pot(-3, 1), -2);
    assert_int_equal(fm_tfl_rounding_divide_by_pot(7, 2), 2);
    assert_int_equal(fm_tfl_rounding_divide_by_pot(-7, 2), -2);
    assert_int_equal(fm_tfl_rounding_divide_by_pot(6, 2), 2);
    assert_int_equal(fm_tfl_rounding_divide_by_pot(-6, 2), -2);
    assert_int_equal(fm_tfl_rounding_divide_by_pot(5, 0), 5);
    assert_int_equal(fm_tfl_rounding_divide_by_pot(INT32_MIN, 31), -1);
    assert_int_equal(fm_tfl_rounding_divide_by_pot(INT32_MAX, 31), 1);
    /* double rounding: 3 * 0.125 is 0.375, but TFLite rounds 3/2 -> 2 first, then 2/4 -> 1 */
    assert_int_equal(fm_tfl_mul_by_quantized_multiplier(3, 1 << 30, -2), 1);
    /* positive shift: 100 * 0.75 * 2 = 150 */
    assert_int_equal(fm_tfl_mul_by_quantized_multiplier(100, 0x60000000, 1), 150);
}

static int32_t edge_or_random(uint64_t *rng)
{
    static const int32_t edges[] = {0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MIN + 1, 1 << 30,
                                    -(1 << 30), (1 << 30) + 1, 255, -255, 12345, -12345};
    uint64_t r = fm_test_rand(rng);
    if (r % 4 == 0)
        return edges[(r >> 8) % (sizeof edges / sizeof edges[0])];
    if (r % 4 == 1)
        return (int32_t)(int16_t)(r >> 16); /* small values */
    return (int32_t)(uint32_t)(r >> 16);
}

static void test_fixedpoint_property(void **s)
{
    (void)s;
    uint64_t rng = 7;
    for (int i = 0; i < 200000; i++) {
        int32_t a = edge_or_random(&rng), b = edge_or_random(&rng);
        assert_int_equal(fm_tfl_srdhm(a, b), ind_srdhm(a, b));
        int e = (int)(fm_test_rand(&rng) % 32);
        assert_int_equal(fm_tfl_rounding_divide_by_pot(a, e), ind_rdbpot(a, e));
        /* multipliers as QuantizeMultiplier makes them: [2^30, 2^31) */
        int32_t m = (int32_t)((1u << 30) + (uint32_t)(fm_test_rand(&rng) % (1u << 30)));
        int sh = (int)(fm_test_rand(&rng) % 40) - 31;
        if (sh > 0 && (a > (INT32_MAX >> sh) || a < (INT32_MIN >> sh)))
            a >>= sh; /* TFLite's x * 2^shift must not overflow */
        assert_int_equal(fm_tfl_mul_by_quantized_multiplier(a, m, sh), ind_mbqm(a, m, sh));
    }
}

static void io(tb_model *m, int out)
{
    m->n_inputs = m->n_outputs = 1;
    m->inputs[0] = 0;
    m->outputs[0] = out;
}

/* Conv 1x1, input [1,2,2,2] (s 0.5, zp 10), filter [1,1,1,2] = (5,2) (s 0.25,
 * zp 3, so w - zp = (2,-1)), bias 1, output s 1 zp 5. Multiplier
 * 0.5*0.25/1 = 0.125 = 2^30 * 2^-33: SRDHM halves, RDBPOT divides by 4.
 *  pixel (0,0): x=(11,12): 1*2 + 2*(-1) + 1 = 1  -> 1/2=0.5->1,  1/4=0.25->0  -> 5
 *  pixel (0,1): x=(11,10): 2 + 0 + 1 = 3         -> 1.5->2,      2/4=0.5->1   -> 6 (exact 0.375 would give 5)
 *  pixel (1,0): x=(0,10): -20 + 0 + 1 = -19      -> -9.5->-9,    -9/4=-2.25->-2 -> 3
 *  pixel (1,1): x=(30,2): 40 + 8 + 1 = 49        -> 24.5->25,    25/4=6.25->6 -> 11 */
static void conv1x1_model(tb_model *m, int act, float out_scale, int out_zp)
{
    static const uint8_t w[2] = {5, 2};
    static const int32_t b[1] = {1};
    memset(m, 0, sizeof *m);
    tb_q(tb_t(m, 0, "x", T_U8, 4, (int32_t[]){1, 2, 2, 2}), 0.5f, 10);
    tb_tensor *wt = tb_t(m, 1, "w", T_U8, 4, (int32_t[]){1, 1, 1, 2});
    tb_q(wt, 0.25f, 3);
    wt->data = w;
    wt->data_len = 2;
    tb_tensor *bt = tb_t(m, 2, "b", T_I32, 1, (int32_t[]){1});
    tb_q(bt, 0.125f, 0);
    bt->data = b;
    bt->data_len = 4;
    tb_q(tb_t(m, 3, "y", T_U8, 4, (int32_t[]){1, 2, 2, 1}), out_scale, out_zp);
    m->n_ops = 1;
    m->op[0] = (tb_op){.code = OP_CONV, .n_in = 3, .in = {0, 1, 2}, .n_out = 1, .out = {3}, .opt_type = 1,
                       .n_opt = 4, .opt = {{0, 1, 1}, {1, 4, 1}, {2, 4, 1}, {3, 1, (uint64_t)act}}};
    io(m, 3);
}

static void test_conv_1x1_by_hand(void **s)
{
    (void)s;
    tb_model m;
    conv1x1_model(&m, 0, 1.0f, 5);
    /* NCHW: channel 0 plane then channel 1 plane */
    const uint8_t x[8] = {11, 11, 0, 30, 12, 10, 10, 2};
    uint8_t y[4];
    float yf[4];
    fm_error e = {0};
    assert_int_equal(run_model(&m, x, 8, y, 4, yf, &e), FM_OK);
    const uint8_t want[4] = {5, 6, 3, 11};
    assert_memory_equal(y, want, 4);
    assert_true(yf[3] == 6.0f); /* dequantized: 1 * (11 - 5) */

    /* fused ReLU6 with output s 0.5 zp 1: multiplier 0.25 (2^30 * 2^-32):
     * accs 1, 3, -19, 49 -> 0.5->1 then 1/2->1 | 1.5->2, 2/2=1 | -9.5->-9, -4.5->-5 | 24.5->25, 12.5->13
     * + zp 1 -> 2, 2, -4, 14; clamp to [1 + 0/0.5, 1 + 6/0.5] = [1, 13] -> 2, 2, 1, 13 */
    conv1x1_model(&m, 3, 0.5f, 1);
    assert_int_equal(run_model(&m, x, 8, y, 4, NULL, &e), FM_OK);
    const uint8_t want6[4] = {2, 2, 1, 13};
    assert_memory_equal(y, want6, 4);

    /* ReLU_N1_TO_1 with s 0.5 zp 1: clamp to [1 - 2, 1 + 2] = [0 (qmin), 3] */
    conv1x1_model(&m, 2, 0.5f, 1);
    assert_int_equal(run_model(&m, x, 8, y, 4, NULL, &e), FM_OK);
    const uint8_t want1[4] = {2, 2, 0, 3};
    assert_memory_equal(y, want1, 4);
}

/* ADD with a scale 0.5, b scale 0.25, output scale 1 (zero points 0):
 * twice_max = 1, a multiplier 0.5, b 0.25, output 2^-20.
 *  3*0.5 + 2*0.25 = 2     -> 2
 *  1*0.5 + 1*0.25 = 0.75  -> 1
 *  1*0.5 + 0      = 0.5   -> 1 (half away from zero)
 *  0 + 1*0.25     = 0.25  -> 0
 *  200*0.5 + 255*0.25 = 163.75 -> 164 */
static void test_add_by_hand(void **s)
{
    (void)s;
    tb_model m = {0};
    static const uint8_t bconst[5] = {2, 1, 0, 1, 255};
    tb_q(tb_t(&m, 0, "a", T_U8, 2, (int32_t[]){1, 5}), 0.5f, 0);
    tb_tensor *b = tb_t(&m, 1, "b", T_U8, 2, (int32_t[]){1, 5});
    tb_q(b, 0.25f, 0);
    b->data = bconst;
    b->data_len = 5;
    tb_q(tb_t(&m, 2, "y", T_U8, 2, (int32_t[]){1, 5}), 1.0f, 0);
    m.n_ops = 1;
    m.op[0] = (tb_op){.code = OP_ADD, .n_in = 2, .in = {0, 1}, .n_out = 1, .out = {2}};
    io(&m, 2);
    const uint8_t a[5] = {3, 1, 1, 0, 200};
    uint8_t y[5];
    fm_error e = {0};
    assert_int_equal(run_model(&m, a, 5, y, 5, NULL, &e), FM_OK);
    const uint8_t want[5] = {2, 1, 1, 0, 164};
    assert_memory_equal(y, want, 5);
    /* with zero points a 10, b 4, y 100 and fused ReLU (clamp below at 100):
     * (13-10)*0.5 + (6-4)*0.25 = 2 -> 102;  (0-10)*0.5 + 0 = -5 -> 95 -> 100;
     * 0 + 0 -> 100 (twice);  (200-10)*0.5 + (0-4)*0.25 = 94 -> 194 */
    m.t[0].zp[0] = 10;
    m.t[1].zp[0] = 4;
    m.t[2].zp[0] = 100;
    static const uint8_t b2[5] = {6, 4, 4, 4, 0};
    m.t[1].data = b2;
    m.op[0].opt_type = 11;
    m.op[0].n_opt = 1;
    m.op[0].opt[0] = (fbf){0, 1, 1};
    const uint8_t a2[5] = {13, 0, 10, 10, 200};
    assert_int_equal(run_model(&m, a2, 5, y, 5, NULL, &e), FM_OK);
    const uint8_t want2[5] = {102, 100, 100, 100, 194};
    assert_memory_equal(y, want2, 5);
}

/* 2x2 pools on a 1x4x4x1 image, VALID stride 2. Average rounds half up:
 * (1,2,2,2) 7/4=1.75 -> 2; (1,1,1,2) 5/4 -> 1; (1,1,2,2) 6/4=1.5 -> 2; (9,9,9,9) -> 9.
 * SAME 3x3 stride 1 at the corner averages the 4 in-image taps only. */
static void pool_model(tb_model *m, int code, int padding, int k, int stride, int out_hw)
{
    memset(m, 0, sizeof *m);
    tb_q(tb_t(m, 0, "x", T_U8, 4, (int32_t[]){1, 4, 4, 1}), 1.0f, 0);
    tb_q(tb_t(m, 1, "y", T_U8, 4, (int32_t[]){1, out_hw, out_hw, 1}), 1.0f, 0);
    m->n_ops = 1;
    m->op[0] = (tb_op){.code = code, .n_in = 1, .in = {0}, .n_out = 1, .out = {1}, .opt_type = 5, .n_opt = 5,
                       .opt = {{0, 1, (uint64_t)padding}, {1, 4, (uint64_t)stride}, {2, 4, (uint64_t)stride},
                               {3, 4, (uint64_t)k}, {4, 4, (uint64_t)k}}};
    io(m, 1);
}

static void test_pools_by_hand(void **s)
{
    (void)s;
    const uint8_t x[16] = {1, 2, 1, 1, /**/ 2, 2, 1, 2, /**/ 1, 1, 9, 9, /**/ 2, 2, 9, 9};
    uint8_t y[16];
    tb_model m;
    fm_error e = {0};
    pool_model(&m, OP_AVG, 1, 2, 2, 2);
    assert_int_equal(run_model(&m, x, 16, y, 4, NULL, &e), FM_OK);
    assert_memory_equal(y, ((uint8_t[]){2, 1, 2, 9}), 4);
    pool_model(&m, OP_MAX, 1, 2, 2, 2);
    assert_int_equal(run_model(&m, x, 16, y, 4, NULL, &e), FM_OK);
    assert_memory_equal(y, ((uint8_t[]){2, 2, 2, 9}), 4);
    /* SAME 3x3 stride 1: corner (0,0) averages 1,2,2,2 = 7/4 -> 2; (3,3) averages 9,9,9,9 -> 9;
     * (0,1): 1,2,1,2,2,1 = 9/6 = 1.5 -> 2 */
    pool_model(&m, OP_AVG, 0, 3, 1, 4);
    assert_int_equal(run_model(&m, x, 16, y, 16, NULL, &e), FM_OK);
    assert_int_equal(y[0], 2);
    assert_int_equal(y[1], 2);
    assert_int_equal(y[15], 9);
}

static void test_softmax(void **s)
{
    (void)s;
    tb_model m = {0};
    tb_q(tb_t(&m, 0, "x", T_U8, 2, (int32_t[]){1, 3}), 0.5f, 100);
    tb_q(tb_t(&m, 1, "y", T_U8, 2, (int32_t[]){1, 3}), 1.0f / 256.0f, 0);
    float one = 1.0f;
    uint32_t bits;
    memcpy(&bits, &one, 4);
    m.n_ops = 1;
    m.op[0] = (tb_op){.code = OP_SOFTMAX, .n_in = 1, .in = {0}, .n_out = 1, .out = {1}, .opt_type = 9,
                      .n_opt = 1, .opt = {{0, 4, bits}}};
    io(&m, 1);
    uint8_t y[3];
    fm_error e = {0};
    /* equal logits: 1/3 each = 85.33/256 -> 85 */
    assert_int_equal(run_model(&m, (uint8_t[]){7, 7, 7}, 3, y, 3, NULL, &e), FM_OK);
    assert_memory_equal(y, ((uint8_t[]){85, 85, 85}), 3);
    /* logits 0, 0, ln(2)*k: with scale 0.5, q difference 2 is a logit gap of 1:
     * p = e/(2+e) = 0.5761 -> 147.5 -> 147 or 148; the two others 0.2119 -> 54.2 -> 54 */
    assert_int_equal(run_model(&m, (uint8_t[]){100, 100, 102}, 3, y, 3, NULL, &e), FM_OK);
    assert_int_equal(y[0], 54);
    assert_int_equal(y[1], 54);
    assert_int_equal(y[2], (int)lround(256.0 * exp(1.0) / (2.0 + exp(1.0))));
    /* one dominant logit saturates at 255 (1.0 is not representable) */
    assert_int_equal(run_model(&m, (uint8_t[]){0, 0, 255}, 3, y, 3, NULL, &e), FM_OK);
    assert_int_equal(y[2], 255);
    assert_int_equal(y[0], 0);
}

/* The fixed-point kernel against exact softmax: random rows of 1001 logits
 * at several input scales stay within one output step (1/256), and an
 * output quantization other than TFLite's 1/256 uses the float fallback. */
static void test_softmax_fixed_vs_exact(void **s)
{
    (void)s;
    enum { N = 1001 };
    static uint8_t x[N], y[N];
    uint64_t rng = 5;
    float one = 1.0f;
    uint32_t bits;
    memcpy(&bits, &one, 4);
    int diffs = 0;
    for (int trial = 0; trial < 20; trial++) {
        float sx = 0.02f + 0.02f * (float)trial;
        tb_model m = {0};
        tb_q(tb_t(&m, 0, "x", T_U8, 2, (int32_t[]){1, N}), sx, 77);
        tb_q(tb_t(&m, 1, "y", T_U8, 2, (int32_t[]){1, N}), 1.0f / 256.0f, 0);
        m.n_ops = 1;
        m.op[0] = (tb_op){.code = OP_SOFTMAX, .n_in = 1, .in = {0}, .n_out = 1, .out = {1}, .opt_type = 9,
                          .n_opt = 1, .opt = {{0, 4, bits}}};
        io(&m, 1);
        for (int i = 0; i < N; i++)
            x[i] = (uint8_t)(fm_test_rand(&rng) % 256);
        fm_error e = {0};
        assert_int_equal(run_model(&m, x, N, y, N, NULL, &e), FM_OK);
        int mx = 0;
        for (int i = 0; i < N; i++)
            mx = x[i] > mx ? x[i] : mx;
        double sum = 0.0;
        for (int i = 0; i < N; i++)
            sum += exp((double)sx * (x[i] - mx));
        for (int i = 0; i < N; i++) {
            double want = 256.0 * exp((double)sx * (x[i] - mx)) / sum;
            assert_true(fabs((double)y[i] - want) <= 1.0);
            diffs += (double)y[i] != round(want > 255.0 ? 255.0 : want);
        }
        /* another output quantization: float fallback, exact rounding */
        m.t[1].scale[0] = 1.0f / 128.0f;
        assert_int_equal(run_model(&m, x, N, y, N, NULL, &e), FM_OK);
        for (int i = 0; i < N; i++) {
            double want = 128.0 * exp((double)sx * (x[i] - mx)) / sum;
            assert_int_equal(y[i], (int)round(want > 255.0 ? 255.0 : want));
        }
    }
    fprintf(stderr, "fixed-point softmax: %d of %d outputs differ from exact rounding (all by one step)\n", diffs,
            20 * N);
}

/* Concat of a (s 1, zp 0, equal to the output: copied) and b (s 0.5, zp 2:
 * requantized round(q*0.5 - 1)): b = 5 -> 1.5 -> 2; 2 -> 0; 0 -> -1 -> clamp 0; 255 -> 126.5 -> 127 */
static void test_concat_requant(void **s)
{
    (void)s;
    tb_model m = {0};
    static const uint8_t bv[4] = {5, 2, 0, 255};
    tb_q(tb_t(&m, 0, "a", T_U8, 2, (int32_t[]){1, 2}), 1.0f, 0);
    tb_tensor *b = tb_t(&m, 1, "b", T_U8, 2, (int32_t[]){1, 4});
    tb_q(b, 0.5f, 2);
    b->data = bv;
    b->data_len = 4;
    tb_q(tb_t(&m, 2, "y", T_U8, 2, (int32_t[]){1, 6}), 1.0f, 0);
    m.n_ops = 1;
    m.op[0] = (tb_op){.code = OP_CONCAT, .n_in = 2, .in = {0, 1}, .n_out = 1, .out = {2}, .opt_type = 10,
                      .n_opt = 1, .opt = {{0, 4, 1}}};
    io(&m, 2);
    uint8_t y[6];
    fm_error e = {0};
    assert_int_equal(run_model(&m, (uint8_t[]){9, 250}, 2, y, 6, NULL, &e), FM_OK);
    assert_memory_equal(y, ((uint8_t[]){9, 250, 2, 0, 0, 127}), 6);
}

/* PAD fills with the zero point (7); MEAN over H, W. */
static void test_pad_and_mean(void **s)
{
    (void)s;
    tb_model m = {0};
    static const int32_t pads[8] = {0, 0, 1, 0, 0, 1, 0, 0};
    tb_q(tb_t(&m, 0, "x", T_U8, 4, (int32_t[]){1, 1, 2, 1}), 1.0f, 7);
    tb_tensor *p = tb_t(&m, 1, "pads", T_I32, 2, (int32_t[]){4, 2});
    p->data = pads;
    p->data_len = sizeof pads;
    tb_q(tb_t(&m, 2, "y", T_U8, 4, (int32_t[]){1, 2, 3, 1}), 1.0f, 7);
    m.n_ops = 1;
    m.op[0] = (tb_op){.code = OP_PAD, .n_in = 2, .in = {0, 1}, .n_out = 1, .out = {2}};
    io(&m, 2);
    uint8_t y[8];
    fm_error e = {0};
    assert_int_equal(run_model(&m, (uint8_t[]){1, 2}, 2, y, 6, NULL, &e), FM_OK);
    assert_memory_equal(y, ((uint8_t[]){7, 7, 7, 1, 2, 7}), 6);

    /* MEAN per channel, in = out quantization: multiplier 1/4 = 2^30 * 2^-32,
     * so SRDHM halves and RDBPOT halves again (two roundings); bias 0 */
    memset(&m, 0, sizeof m);
    static const int32_t axes[2] = {1, 2};
    tb_q(tb_t(&m, 0, "x", T_U8, 4, (int32_t[]){1, 2, 2, 2}), 1.0f, 0);
    tb_tensor *ax = tb_t(&m, 1, "axes", T_I32, 1, (int32_t[]){2});
    ax->data = axes;
    ax->data_len = sizeof axes;
    tb_q(tb_t(&m, 2, "y", T_U8, 4, (int32_t[]){1, 1, 1, 2}), 1.0f, 0);
    m.n_ops = 1;
    m.op[0] = (tb_op){.code = OP_MEAN, .n_in = 2, .in = {0, 1}, .n_out = 1, .out = {2}, .opt_type = 27,
                      .n_opt = 1, .opt = {{0, 1, 1}}};
    io(&m, 2);
    /* channel 0 = 1,2,3,4: sum 10 -> 5 -> 2.5 -> 3;
     * channel 1 = 10,10,10,11: sum 41 -> 20.5 -> 21 -> 10.5 -> 11 (exact 10.25 would give 10) */
    assert_int_equal(run_model(&m, (uint8_t[]){1, 2, 3, 4, 10, 10, 10, 11}, 8, y, 2, NULL, &e), FM_OK);
    assert_memory_equal(y, ((uint8_t[]){3, 11}), 2);
}

/* QUANTIZE float -> uint8 (round(x / 0.5) + 10), then uint8 -> uint8
 * requantize to s 1 zp 0 (multiplier 0.5), then DEQUANTIZE to float. */
static void test_quantize_dequantize(void **s)
{
    (void)s;
    tb_model m = {0};
    tb_t(&m, 0, "f", T_F32, 2, (int32_t[]){1, 4});
    tb_q(tb_t(&m, 1, "q", T_U8, 2, (int32_t[]){1, 4}), 0.5f, 10);
    tb_q(tb_t(&m, 2, "r", T_U8, 2, (int32_t[]){1, 4}), 1.0f, 0);
    tb_t(&m, 3, "d", T_F32, 2, (int32_t[]){1, 4});
    m.n_ops = 3;
    m.op[0] = (tb_op){.code = OP_QUANTIZE, .n_in = 1, .in = {0}, .n_out = 1, .out = {1}};
    m.op[1] = (tb_op){.code = OP_QUANTIZE, .n_in = 1, .in = {1}, .n_out = 1, .out = {2}};
    m.op[2] = (tb_op){.code = OP_DEQUANTIZE, .n_in = 1, .in = {2}, .n_out = 1, .out = {3}};
    io(&m, 3);
    /* 1.25 -> 2.5 -> 3 -> 13 -> (13-10)*0.5 = 1.5 -> 2 -> 2.0
     * -1.0 -> -2 -> 8 -> (8-10)*0.5 = -1 -> 0 (clamped) -> 0.0
     * 200 -> 400 -> 410 -> 255 (clamped) -> 122.5 -> 123 -> 123.0
     * 0.74 -> 1.48 -> 1 -> 11 -> 0.5 -> 1 -> 1.0 */
    const float x[4] = {1.25f, -1.0f, 200.0f, 0.74f};
    float y[4];
    fm_error e = {0};
    assert_int_equal(run_model(&m, x, sizeof x, y, sizeof y, NULL, &e), FM_OK);
    assert_true(y[0] == 2.0f && y[1] == 0.0f && y[2] == 123.0f && y[3] == 1.0f);
}

typedef struct seen {
    int calls, node;
    int32_t q[4];
} seen;

static void observe(const fm_graph *g, int node, const int32_t *q, const float *f, int64_t n, void *user)
{
    (void)g;
    seen *sn = user;
    sn->calls++;
    sn->node = node;
    assert_null(f);
    assert_int_equal(n, 4);
    memcpy(sn->q, q, sizeof sn->q);
}

static void test_observer(void **s)
{
    (void)s;
    tb_model m;
    conv1x1_model(&m, 0, 1.0f, 5);
    size_t len;
    uint8_t *buf = tb_build(&m, &len);
    fm_graph *g;
    fm_error e = {0};
    assert_int_equal(fm_tflite_load_buffer(buf, len, "obs.tflite", &g, &e), FM_OK);
    free(buf);
    const uint8_t x[8] = {11, 11, 0, 30, 12, 10, 10, 2};
    uint8_t y[4];
    seen sn = {0};
    assert_int_equal(fm_tflite_ref_run_observed(g, x, 8, y, 4, NULL, observe, &sn, &e), FM_OK);
    assert_int_equal(sn.calls, 1);
    assert_int_equal(sn.node, 0);
    assert_int_equal(sn.q[0], 5);
    assert_int_equal(sn.q[1], 6);
    assert_int_equal(sn.q[2], 3);
    assert_int_equal(sn.q[3], 11);
    fm_graph_free(g);
}

static void test_run_errors(void **s)
{
    (void)s;
    tb_model m;
    conv1x1_model(&m, 0, 1.0f, 5);
    uint8_t x[8] = {0}, y[4];
    fm_error e = {0};
    assert_int_equal(run_model(&m, x, 7, y, 4, NULL, &e), FM_ERR_INVALID);
    assert_int_equal(run_model(&m, x, 8, y, 5, NULL, &e), FM_ERR_INVALID);
    /* a float convolution is outside the integer executor */
    m.t[0].type = T_F32;
    m.t[0].nq = 0;
    float xf[8] = {0};
    assert_int_equal(run_model(&m, xf, sizeof xf, y, 4, NULL, &e), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "Conv"));
    assert_int_equal(fm_tflite_ref_run(NULL, x, 8, y, 4, NULL, &e), FM_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantize_multiplier),
        cmocka_unit_test(test_fixedpoint_known),
        cmocka_unit_test(test_fixedpoint_property),
        cmocka_unit_test(test_conv_1x1_by_hand),
        cmocka_unit_test(test_add_by_hand),
        cmocka_unit_test(test_pools_by_hand),
        cmocka_unit_test(test_softmax),
        cmocka_unit_test(test_softmax_fixed_vs_exact),
        cmocka_unit_test(test_concat_requant),
        cmocka_unit_test(test_pad_and_mean),
        cmocka_unit_test(test_quantize_dequantize),
        cmocka_unit_test(test_observer),
        cmocka_unit_test(test_run_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
