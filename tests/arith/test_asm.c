/* ASM reference model: representable sets, projection, select/shift/add. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/arith.h"

#define A(...) alpha((const int[]){__VA_ARGS__, 0})
static uint16_t alpha(const int *a)
{
    uint16_t m = 0;
    for (; *a; a++)
        m |= (uint16_t)(1u << *a);
    return m;
}

static fm_asm_set *make(int bits, int sg, uint16_t al, int Q, fm_asm_proj p)
{
    fm_asm_set *s = NULL;
    fm_error e;
    assert_int_equal(fm_asm_set_new(bits, sg, al, Q, p, &s, &e), FM_OK);
    return s;
}

static void expect_quartets(uint16_t al, const int *want, int n)
{
    int got[16], k = 0;
    for (int v = 0; v < 16; v++)
        if (fm_asm_quartet_ok(al, 4, v))
            got[k++] = v;
    assert_int_equal(k, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(got[i], want[i]);
}

/* The examples of ../shared/ARITHMETIC.md section 3. */
static void test_contract_examples(void **state)
{
    (void)state;
    expect_quartets(A(1), (const int[]){0, 1, 2, 4, 8}, 5);
    expect_quartets(A(1, 3), (const int[]){0, 1, 2, 3, 4, 6, 8, 12}, 8);
    expect_quartets(A(1, 3, 5, 7), (const int[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14}, 12);
    for (int v = 0; v < 16; v++)
        assert_true(fm_asm_quartet_ok(fm_asm_alphabet_all(4), 4, v));
    assert_int_equal(fm_asm_alphabet_all(4), A(1, 3, 5, 7, 9, 11, 13, 15));
    /* Whole words: unsigned 8 bits with {1} = 5 x 5 quartet pairs. */
    fm_asm_set *s = make(8, 0, A(1), 4, FM_ASM_NEAREST_WORD);
    assert_int_equal(fm_asm_count(s), 25);
    assert_true(fm_asm_representable(s, 0x84));
    assert_false(fm_asm_representable(s, 0x83));
    fm_asm_set_free(s);
    /* Signed 8 bits: magnitude 7 bits, top quartet 3 bits: {0,1,2,4} x 5. */
    s = make(8, 1, A(1), 4, FM_ASM_NEAREST_WORD);
    assert_int_equal(fm_asm_count(s), 20);
    assert_int_equal(fm_asm_values(s)[19], 0x48);
    fm_asm_set_free(s);
    s = make(8, 1, 0, 4, FM_ASM_NEAREST_WORD); /* 0 = all odd = exact */
    assert_int_equal(fm_asm_count(s), 128);
    fm_asm_set_free(s);
}

/* Brute force nearest over every representable value, ties to smaller. */
static int32_t nearest_brute(const fm_asm_set *s, int32_t m)
{
    const int32_t *v = fm_asm_values(s);
    int32_t best = v[0];
    for (int i = 0; i < fm_asm_count(s); i++)
        if (llabs((long long)v[i] - m) < llabs((long long)best - m))
            best = v[i];
    return best;
}

static void test_projection(void **state)
{
    (void)state;
    fm_asm_set *s = make(8, 0, A(1), 4, FM_ASM_NEAREST_WORD);
    assert_int_equal(fm_asm_project(s, 3), 2);     /* tie 2|4 -> 2 */
    assert_int_equal(fm_asm_project(s, 0x0F), 0x10); /* whole word: 15 -> 16, not 8 */
    assert_int_equal(fm_asm_project(s, -0x0F), -0x10);
    assert_int_equal(fm_asm_project(s, 255), 0x88);
    assert_int_equal(fm_asm_project(s, 1000), 0x88); /* saturates first */
    fm_asm_set_free(s);
    s = make(8, 0, A(1), 4, FM_ASM_QUARTET);
    assert_int_equal(fm_asm_project(s, 0x0F), 0x08); /* quartet-wise: 15 -> 8 */
    assert_int_equal(fm_asm_project(s, 0x3B), 0x28); /* 3 -> 2 (tie), 11 -> 8 */
    fm_asm_set_free(s);

    const uint16_t alphas[] = {A(1), A(1, 3), A(1, 3, 5, 7), A(3), A(1, 5, 9, 13)};
    const int bitss[] = {4, 7, 8, 12, 16};
    for (size_t ai = 0; ai < sizeof alphas / sizeof *alphas; ai++)
        for (size_t bi = 0; bi < sizeof bitss / sizeof *bitss; bi++)
            for (int sg = 0; sg <= 1; sg++) {
                int bits = bitss[bi];
                fm_asm_set *w = make(bits, sg, alphas[ai], 4, FM_ASM_NEAREST_WORD);
                fm_asm_set *q = make(bits, sg, alphas[ai], 4, FM_ASM_QUARTET);
                int Bm = fm_axbxp_mag_bits(bits, sg);
                int step = Bm > 12 ? 331 : 1; /* all magnitudes up to 12 bits */
                for (int32_t m = 0; m < (1 << Bm); m += step) {
                    int32_t p = fm_asm_project(w, m);
                    if (p != nearest_brute(w, m))
                        fail_msg("bits=%d sg=%d alpha=%04x m=%d: %d", bits, sg, alphas[ai], m,
                                 p);
                    assert_int_equal(fm_asm_project(w, -m), -p);
                    int32_t pq = fm_asm_project(q, m);
                    assert_true(fm_asm_representable(q, pq));
                    assert_true(llabs((long long)pq - m) >= llabs((long long)p - m));
                }
                fm_asm_set_free(w);
                fm_asm_set_free(q);
            }
}

/* The select/shift/add MAC equals x * w_projected exactly, for all x and
 * all representable w (and every w through the projection). */
static void check_mac(int bits, uint16_t al)
{
    for (int sg = 0; sg <= 1; sg++) {
        fm_asm_set *s = make(bits, sg, al, 4, FM_ASM_NEAREST_WORD);
        const int32_t *v = fm_asm_values(s);
        int xstep = bits > 12 ? 997 : bits > 8 ? 97 : 1;
        for (int32_t x = -(1 << (bits - 1)); x < (1 << bits); x += xstep) {
            int64_t mult[16];
            fm_asm_multiples(s, x, mult); /* once per input */
            for (int i = 0; i < fm_asm_count(s); i++) {
                for (int sgn = -1; sgn <= 1; sgn += 2) {
                    int32_t w = sgn * v[i];
                    if (fm_asm_select_shift_add(s, mult, w) != (int64_t)x * w)
                        fail_msg("bits=%d alpha=%04x x=%d w=%d", bits, al, x, w);
                }
            }
        }
        /* And every weight through the projection. */
        for (int32_t w = -(1 << (bits - 1)); w < (1 << (bits - 1)); w += bits > 8 ? 13 : 1)
            for (int32_t x = -255; x <= 255; x += 17)
                assert_true(fm_asm_mul_ref(s, x, w) == (int64_t)x * fm_asm_project(s, w));
        fm_asm_set_free(s);
    }
}

static void test_mac_8bit(void **state)
{
    (void)state;
    check_mac(8, A(1));
    check_mac(8, A(1, 3));
    check_mac(8, A(1, 3, 5, 7));
    check_mac(8, fm_asm_alphabet_all(4));
}

static void test_mac_wide(void **state)
{
    (void)state;
    check_mac(12, A(1, 3));
    check_mac(16, A(1));
    check_mac(16, fm_asm_alphabet_all(4));
    /* The exact alphabet is the identity projection. */
    fm_asm_set *s = make(16, 1, 0, 4, FM_ASM_NEAREST_WORD);
    for (int32_t w = -32767; w <= 32767; w += 7)
        assert_int_equal(fm_asm_project(s, w), w);
    fm_asm_set_free(s);
}

static void test_other_quartets(void **state)
{
    (void)state;
    fm_asm_set *s = make(6, 0, A(1), 2, FM_ASM_NEAREST_WORD); /* Q=2: 0,1,2 per pair */
    assert_int_equal(fm_asm_count(s), 27);
    assert_int_equal(fm_asm_project(s, 3), 2);
    int64_t mult[16];
    fm_asm_multiples(s, -9, mult);
    for (int i = 0; i < fm_asm_count(s); i++)
        assert_true(fm_asm_select_shift_add(s, mult, fm_asm_values(s)[i]) ==
                    -9 * (int64_t)fm_asm_values(s)[i]);
    fm_asm_set_free(s);
}

static void test_bad_args(void **state)
{
    (void)state;
    fm_asm_set *s = (fm_asm_set *)1;
    fm_error e;
    assert_int_equal(fm_asm_set_new(8, 1, A(2), 4, FM_ASM_NEAREST_WORD, &s, &e), FM_ERR_INVALID);
    assert_null(s);
    assert_non_null(strstr(e.msg, "alphabet"));
    assert_int_equal(fm_asm_set_new(8, 1, A(9), 3, FM_ASM_NEAREST_WORD, &s, &e), FM_ERR_INVALID);
    assert_int_equal(fm_asm_set_new(17, 1, A(1), 4, FM_ASM_NEAREST_WORD, &s, &e), FM_ERR_INVALID);
    assert_int_equal(fm_asm_set_new(8, 1, A(1), 5, FM_ASM_NEAREST_WORD, &s, &e), FM_ERR_INVALID);
    assert_int_equal(fm_asm_set_new(8, 1, A(1), 4, (fm_asm_proj)7, &s, &e), FM_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract_examples),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_mac_8bit),
        cmocka_unit_test(test_mac_wide),
        cmocka_unit_test(test_other_quartets),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
