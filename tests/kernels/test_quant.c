/* Quantize and dequantize kernels: every ISA gives the scalar bytes, on
 * random values and on edge cases (halves, +-0, NaN, inf, saturation). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/kernels.h"

static void test_quantize_one(void **state)
{
    (void)state;
    assert_int_equal(fm_quantize_one(2.5f, 1.0f, -127, 127), 3);
    assert_int_equal(fm_quantize_one(-2.5f, 1.0f, -127, 127), -3);
    assert_int_equal(fm_quantize_one(0.49999997f, 1.0f, -127, 127), 0);
    assert_int_equal(fm_quantize_one(-0.5f, 1.0f, -127, 127), -1);
    assert_int_equal(fm_quantize_one(1e9f, 1.0f, 0, 255), 255);
    assert_int_equal(fm_quantize_one(-INFINITY, 1.0f, -7, 7), -7);
    assert_int_equal(fm_quantize_one(NAN, 1.0f, 0, 255), 0);
}

static void test_quantize_isas(void **state)
{
    (void)state;
    enum { N = 4099 };
    float *x = malloc(N * sizeof *x);
    uint8_t ref[N], got[N];
    uint64_t s = 7;
    const float edge[] = {0.0f, -0.0f, 0.5f, -0.5f, 1.5f, -1.5f, 126.5f, -126.5f, 127.49998f, 1e30f,
                          -1e30f, INFINITY, -INFINITY, NAN, 0.49999997f, -0.49999997f, 254.5f, 255.5f};
    for (int i = 0; i < N; i++)
        x[i] = i < (int)(sizeof edge / sizeof edge[0]) ? edge[i]
                                                       : (float)((int64_t)(fm_test_rand(&s) % 600000) - 300000) / 1000.0f;
    const struct { int32_t lo, hi, off; float inv; } cfg[] = {
        {0, 255, 0, 1.0f}, {-127, 127, 128, 1.0f}, {0, 15, 0, 0.37f}, {-7, 7, 128, 3.1f}, {0, 255, 0, 0.1f}};
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        fm_quantize_u8_ref(x, N, cfg[c].inv, cfg[c].lo, cfg[c].hi, cfg[c].off, ref);
        for (int i = 0; i < N; i++)
            assert_int_equal(ref[i], fm_quantize_one(x[i], cfg[c].inv, cfg[c].lo, cfg[c].hi) + cfg[c].off);
        for (int isa = 0; isa <= (int)fm_cpu_best_isa(); isa++)
            for (int64_t n = N - 20; n <= N; n += 7) {
                memset(got, 0xAB, sizeof got);
                fm_quantize_u8((fm_isa)isa, x, n, cfg[c].inv, cfg[c].lo, cfg[c].hi, cfg[c].off, got);
                assert_memory_equal(ref, got, (size_t)n);
                assert_int_equal(got[n < N ? n : N - 1], n < N ? 0xAB : ref[N - 1]);
            }
    }
    free(x);
}

static void test_dequant_isas(void **state)
{
    (void)state;
    enum { R = 7, NN = 37, LD = 40 };
    int32_t acc[R * LD], corr[NN];
    float scale[NN], bias[NN], ref[R * LD], got[R * LD];
    uint64_t s = 99;
    for (int i = 0; i < R * LD; i++)
        acc[i] = (int32_t)(fm_test_rand(&s) % 4000000) - 2000000;
    acc[0] = INT32_MAX;
    acc[1] = INT32_MIN + 5;
    for (int o = 0; o < NN; o++) {
        corr[o] = (int32_t)(fm_test_rand(&s) % 1000) - 500;
        scale[o] = (float)(fm_test_rand(&s) % 1000 + 1) * 1e-6f;
        bias[o] = (float)((int)(fm_test_rand(&s) % 200) - 100) * 0.01f;
    }
    for (int relu = 0; relu < 2; relu++)
        for (int wc = 0; wc < 2; wc++) {
            memset(ref, 0, sizeof ref);
            fm_dequant_rows_ref(acc, LD, R, NN, wc ? corr : NULL, scale, bias, relu, ref, LD);
            for (int isa = 0; isa <= (int)fm_cpu_best_isa(); isa++) {
                memset(got, 0, sizeof got);
                fm_dequant_rows((fm_isa)isa, acc, LD, R, NN, wc ? corr : NULL, scale, bias, relu, got, LD);
                assert_memory_equal(ref, got, sizeof ref);
            }
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantize_one),
        cmocka_unit_test(test_quantize_isas),
        cmocka_unit_test(test_dequant_isas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
