/* User-defined multipliers: tables (text, binary) and shared objects. */
#define _GNU_SOURCE /* dladdr, to find a shared object without the symbol */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fm_test.h"
#include "flexmac/arith.h"

/* Text table of f(a, b) for the given range, with an optional header. */
static char *text_table(const char *header, int lo, int32_t (*f)(int, int), size_t *len)
{
    size_t cap = 1 << 20, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    if (header)
        n += (size_t)snprintf(s + n, cap - n, "%s\n# a comment line\n", header);
    for (int i = 0; i < 256; i++) {
        for (int j = 0; j < 256; j++)
            n += (size_t)snprintf(s + n, cap - n, "%d%c", f(lo + i, lo + j), j == 255 ? '\n' : ' ');
    }
    *len = n;
    return s;
}

static int32_t exact(int a, int b)
{
    return a * b;
}

static int32_t odd_fn(int a, int b)
{
    return a * b - (a ^ b) - 1000000;
}

static void test_exact_builtin(void **state)
{
    (void)state;
    fm_lut *l;
    fm_error e;
    for (int sg = 0; sg <= 1; sg++) {
        assert_int_equal(fm_lut_exact(sg, &l, &e), FM_OK);
        int lo = sg ? -128 : 0;
        for (int a = lo; a < lo + 256; a++)
            for (int b = lo; b < lo + 256; b++)
                assert_int_equal(fm_lut_mul(l, a, b), a * b);
        /* saturation of out-of-range operands */
        assert_int_equal(fm_lut_mul(l, lo - 5, lo + 255 + 9), lo * (lo + 255));
        fm_lut_free(l);
    }
}

static void test_text_tables(void **state)
{
    (void)state;
    char path[256];
    size_t len;
    fm_lut *l;
    fm_error e;
    /* no header: unsigned */
    char *t = text_table(NULL, 0, exact, &len);
    assert_int_equal(fm_test_write_tmp(".txt", t, len, path), 0);
    assert_int_equal(fm_lut_load(path, &l, &e), FM_OK);
    assert_false(fm_lut_is_signed(l));
    assert_string_equal(fm_lut_path(l), path);
    for (int a = 0; a < 256; a++)
        for (int b = 0; b < 256; b++)
            assert_int_equal(fm_lut_mul(l, a, b), a * b);
    fm_lut_free(l);
    unlink(path);
    free(t);
    /* signed header, an arbitrary function with negative entries */
    t = text_table("signed", -128, odd_fn, &len);
    assert_int_equal(fm_test_write_tmp(".txt", t, len, path), 0);
    assert_int_equal(fm_lut_load(path, &l, &e), FM_OK);
    assert_true(fm_lut_is_signed(l));
    for (int a = -128; a < 128; a += 3)
        for (int b = -128; b < 128; b++)
            assert_int_equal(fm_lut_mul(l, a, b), odd_fn(a, b));
    fm_lut_free(l);
    unlink(path);
    free(t);
}

static void test_binary_table(void **state)
{
    (void)state;
    char path[256];
    const char hdr[] = "signed\n";
    size_t n = sizeof hdr - 1 + 256 * 256 * 4;
    unsigned char *b = malloc(n);
    assert_non_null(b);
    memcpy(b, hdr, sizeof hdr - 1);
    unsigned char *p = b + sizeof hdr - 1;
    for (int i = 0; i < 65536; i++) {
        uint32_t v = (uint32_t)odd_fn(i / 256 - 128, i % 256 - 128);
        for (int k = 0; k < 4; k++)
            p[4 * i + k] = (unsigned char)(v >> (8 * k));
    }
    assert_int_equal(fm_test_write_tmp(".bin", b, n, path), 0);
    fm_lut *l;
    fm_error e;
    assert_int_equal(fm_lut_load(path, &l, &e), FM_OK);
    assert_true(fm_lut_is_signed(l));
    for (int a = -128; a < 128; a++)
        for (int c = -128; c < 128; c += 5)
            assert_int_equal(fm_lut_mul(l, a, c), odd_fn(a, c));
    fm_lut_free(l);
    unlink(path);
    /* Without the header: unsigned, same bits. */
    assert_int_equal(fm_test_write_tmp(".bin", p, 256 * 256 * 4, path), 0);
    assert_int_equal(fm_lut_load(path, &l, &e), FM_OK);
    assert_false(fm_lut_is_signed(l));
    assert_int_equal(fm_lut_mul(l, 0, 0), odd_fn(-128, -128));
    fm_lut_free(l);
    unlink(path);
    /* Truncated binary: wrong size. */
    assert_int_equal(fm_test_write_tmp(".bin", p, 256 * 256 * 4 - 4, path), 0);
    assert_int_equal(fm_lut_load(path, &l, &e), FM_ERR_FORMAT);
    assert_null(l);
    assert_non_null(strstr(e.msg, path));
    assert_non_null(strstr(e.msg, "262144"));
    unlink(path);
    free(b);
}

static void test_shared_object(void **state)
{
    (void)state;
    fm_lut *l;
    fm_error e;
    assert_int_equal(fm_lut_load(FLEXMAC_MUL8_SO, &l, &e), FM_OK);
    assert_true(fm_lut_is_signed(l));
    for (int a = -128; a < 128; a++)
        for (int b = -128; b < 128; b++) {
            int p = a * b, want = p >= 0 ? (p & ~15) : -((-p) & ~15);
            assert_int_equal(fm_lut_mul(l, a, b), want);
        }
    fm_lut_free(l);
    /* A real shared object that lacks the symbol: the cmocka library. */
    Dl_info info;
    assert_true(dladdr((void *)&_cmocka_run_group_tests, &info) != 0);
    assert_non_null(info.dli_fname);
    if (strstr(info.dli_fname, ".so")) {
        assert_int_equal(fm_lut_load(info.dli_fname, &l, &e), FM_ERR_FORMAT);
        assert_non_null(strstr(e.msg, info.dli_fname));
        assert_non_null(strstr(e.msg, "flexmac_mul8"));
    } else {
        fprintf(stderr, "note: cmocka is linked statically; missing-symbol case not run\n");
    }
}

static void expect_bad(const char *suffix, const char *body, size_t len, fm_status code,
                       const char *needle)
{
    char path[256];
    fm_lut *l = (fm_lut *)1;
    fm_error e;
    assert_int_equal(fm_test_write_tmp(suffix, body, len, path), 0);
    assert_int_equal(fm_lut_load(path, &l, &e), code);
    assert_null(l);
    assert_non_null(strstr(e.msg, path));
    if (!strstr(e.msg, needle))
        fail_msg("message '%s' lacks '%s'", e.msg, needle);
    unlink(path);
}

static void test_bad_files(void **state)
{
    (void)state;
    size_t len;
    char *t = text_table(NULL, 0, exact, &len);
    /* one value short */
    char *last = strrchr(t, ' ');
    expect_bad(".txt", t, (size_t)(last - t), FM_ERR_FORMAT, "65535 values");
    /* one value too many */
    char *more = malloc(len + 8);
    memcpy(more, t, len);
    memcpy(more + len, " 7\n", 3);
    expect_bad(".txt", more, len + 3, FM_ERR_FORMAT, "more than 65536");
    free(more);
    /* a non-numeric token on line 3 */
    char *nl = strchr(strchr(t, '\n') + 1, '\n') + 1;
    memcpy(nl, "x1", 2);
    expect_bad(".txt", t, len, FM_ERR_FORMAT, ":3: 'x1");
    free(t);
    expect_bad(".txt", "99999999999 1 2", 15, FM_ERR_FORMAT, "does not fit int32");
    expect_bad(".txt", "", 0, FM_ERR_FORMAT, "0 values");
    expect_bad(".txt", "signed\n", 7, FM_ERR_FORMAT, "0 values");
    expect_bad(".txt", "bogus\n1 2", 9, FM_ERR_FORMAT, "'bogus' is not an integer");
    expect_bad(".bin", "\0\1\2", 3, FM_ERR_FORMAT, "binary table");
    expect_bad(".so", "\177ELF garbage", 12, FM_ERR_FORMAT, "cannot load shared object");
    fm_lut *l;
    fm_error e;
    assert_int_equal(fm_lut_load("/nonexistent/mul.so", &l, &e), FM_ERR_IO);
    assert_non_null(strstr(e.msg, "/nonexistent/mul.so"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_builtin), cmocka_unit_test(test_text_tables),
        cmocka_unit_test(test_binary_table),  cmocka_unit_test(test_shared_object),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
