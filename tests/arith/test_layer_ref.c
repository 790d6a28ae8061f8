/* fm_layer_mul_ref: the composition of the schemes for one multiply. */
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/arith.h"

static fm_layer_arith parse_default(const char *spec, fm_net_arith *n)
{
    fm_error e;
    if (fm_net_arith_parse(spec, n, &e))
        fail_msg("%s: %s", spec, e.msg);
    return n->deflt;
}

static void test_fxp_and_axbxp(void **state)
{
    (void)state;
    fm_net_arith n;
    fm_layer_arith a = parse_default("fxp8", &n);
    for (int x = 0; x < 256; x += 5)
        for (int w = -127; w < 128; w += 3)
            assert_true(fm_layer_mul_ref(&a, NULL, NULL, 0, x, 1, w) == (int64_t)x * w);
    fm_net_arith_free(&n);
    a = parse_default("axbxp:K=2,L=2,select=round,P=r+s<2", &n);
    for (int x = 0; x < 256; x += 5)
        for (int w = -127; w < 128; w += 3)
            assert_true(fm_layer_mul_ref(&a, NULL, NULL, 0, x, 1, w) ==
                        fm_axbxp_mul_ref(&a, 0, x, 1, w));
    fm_net_arith_free(&n);
}

static void test_asm(void **state)
{
    (void)state;
    fm_net_arith n;
    fm_error e;
    fm_layer_arith a = parse_default("asm:w={1,3},x={1}", &n);
    fm_asm_set *ws, *xs;
    assert_int_equal(fm_asm_set_from_operand(&a.w, 1, &ws, &e), FM_OK);
    assert_int_equal(fm_asm_set_from_operand(&a.x, 0, &xs, &e), FM_OK);
    for (int x = 0; x < 256; x++)
        for (int w = -127; w < 128; w++) {
            int64_t want = fm_asm_mul_ref(ws, fm_asm_project(xs, x), w);
            assert_true(fm_layer_mul_ref(&a, xs, ws, 0, x, 1, w) == want);
        }
    fm_asm_set_free(ws);
    fm_asm_set_free(xs);
    fm_net_arith_free(&n);
}

static void test_lut(void **state)
{
    (void)state;
    fm_net_arith n;
    fm_layer_arith a = parse_default("fxp:lut=" FLEXMAC_MUL8_SO, &n);
    assert_int_equal(fm_layer_mul_ref(&a, NULL, NULL, 1, -100, 1, 77), -((100 * 77) & ~15));
    assert_int_equal(fm_layer_mul_ref(&a, NULL, NULL, 1, 3, 1, 5), 0);
    fm_net_arith_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fxp_and_axbxp),
        cmocka_unit_test(test_asm),
        cmocka_unit_test(test_lut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
