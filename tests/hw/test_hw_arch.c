/* Architecture files: the shipped defaults load, node scaling, and every
 * kind of malformed or inconsistent file is rejected naming the field. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/hw.h"

static const char *GOOD =
    "{\"name\":\"t\",\"array\":{\"rows\":16,\"cols\":16,\"dataflow\":\"ws\"},"
    "\"pe\":{\"type\":\"fxp\",\"mult_bits\":8},"
    "\"buffers\":{\"inputs\":{\"bytes\":32768,\"word_bits\":64,\"read_pj\":20,\"write_pj\":20},"
    "\"weights\":{\"bytes\":32768,\"word_bits\":64,\"read_pj\":20,\"write_pj\":20},"
    "\"outputs\":{\"bytes\":32768,\"word_bits\":64,\"read_pj\":20,\"write_pj\":20}},"
    "\"psum_bits\":32,\"dram\":{\"bytes_per_cycle\":16},\"clock_mhz\":1000,"
    "\"energy\":{\"node_nm\":45,\"mult8_pj\":0.2,\"add32_pj\":0.1,\"mux2_pj_per_bit\":0.00078125,"
    "\"dram_pj_per_byte\":162.5,\"leakage_pj_per_cycle\":10}}";

/* GOOD with the first occurrence of `from` replaced by `to`. */
static char *edit(const char *from, const char *to)
{
    const char *p = strstr(GOOD, from);
    assert_non_null(p);
    size_t n = strlen(GOOD) - strlen(from) + strlen(to) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%.*s%s%s", (int)(p - GOOD), GOOD, to, p + strlen(from));
    return s;
}

static void expect_reject(const char *from, const char *to, const char *field)
{
    char *s = edit(from, to);
    fm_hw_arch a;
    fm_error err = {0};
    fm_status st = fm_hw_arch_parse(s, "bad.json", &a, &err);
    if (st == FM_OK || !strstr(err.msg, field) || !strstr(err.msg, "bad.json"))
        fprintf(stderr, "edit '%s' -> '%s': status %d, message '%s', want field '%s'\n", from, to,
                (int)st, err.msg, field);
    assert_int_not_equal(st, FM_OK);
    assert_non_null(strstr(err.msg, field));
    assert_non_null(strstr(err.msg, "bad.json"));
    free(s);
}

static void test_good_parses_like_default(void **state)
{
    (void)state;
    fm_hw_arch a, d;
    fm_error err = {0};
    assert_int_equal(fm_hw_arch_parse(GOOD, "good.json", &a, &err), FM_OK);
    fm_hw_arch_default(&d);
    assert_int_equal(a.rows, d.rows);
    assert_int_equal(a.dataflow, d.dataflow);
    assert_int_equal(a.pe.type, FM_PE_FXP);
    assert_true(a.e.mult8_pj == d.e.mult8_pj);
    assert_true(a.e.mux2_pj_per_bit == d.e.mux2_pj_per_bit);
    assert_true(a.e.dram_pj_per_byte == d.e.dram_pj_per_byte);
    assert_true(a.buf[FM_DS_W].read_pj == d.buf[FM_DS_W].read_pj);
    assert_int_equal(a.buf[FM_DS_OUT].bytes, d.buf[FM_DS_OUT].bytes);
}

/* Every file shipped in hw/ loads; fxp8_16x16.json equals the default. */
static void test_shipped_files_load(void **state)
{
    (void)state;
    static const char *files[] = {"fxp8_16x16", "fxp8_16x16_os", "fxp8_16x16_is",
                                  "bitserial_16x16", "bitfusion_16x16", "axbxp_16x16",
                                  "asm_nearmem", "asm_inmem"};
    static const fm_hw_pe_type types[] = {FM_PE_FXP, FM_PE_FXP, FM_PE_FXP, FM_PE_BITSERIAL,
                                          FM_PE_BITFUSION, FM_PE_AXBXP, FM_PE_ASM_NEARMEM,
                                          FM_PE_ASM_INMEM};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/hw/%s.json", FLEXMAC_SOURCE_DIR, files[i]);
        fm_hw_arch a;
        fm_error err = {0};
        fm_status st = fm_hw_arch_load(path, &a, &err);
        if (st)
            fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(st, FM_OK);
        assert_int_equal(a.pe.type, types[i]);
        assert_string_equal(a.name, files[i]);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/hw/fxp8_16x16.json", FLEXMAC_SOURCE_DIR);
    fm_hw_arch a, d;
    fm_error err = {0};
    assert_int_equal(fm_hw_arch_load(path, &a, &err), FM_OK);
    fm_hw_arch_default(&d);
    assert_memory_equal(&a.e, &d.e, sizeof a.e);
    assert_memory_equal(&a.buf, &d.buf, sizeof a.buf);
    assert_memory_equal(&a.pe, &d.pe, sizeof a.pe);
}

static void test_node_scaling(void **state)
{
    (void)state;
    char *s = edit("\"psum_bits\":32", "\"psum_bits\":32,\"node_nm\":22");
    fm_hw_arch a;
    fm_error err = {0};
    assert_int_equal(fm_hw_arch_parse(s, "n.json", &a, &err), FM_OK);
    free(s);
    double k = 22.0 / 45.0;
    assert_true(fabs(a.e.mult8_pj - 0.2 * k) < 1e-12);
    assert_true(fabs(a.e.add32_pj - 0.1 * k) < 1e-12);
    assert_true(fabs(a.buf[FM_DS_IN].read_pj - 20 * k) < 1e-12);
    assert_true(fabs(a.e.leakage_pj_per_cycle - 10 * k) < 1e-12);
    assert_true(a.e.dram_pj_per_byte == 162.5); /* off-chip: not scaled */
    assert_int_equal(a.e.node_nm, 22);
}

static void test_bad_files_name_the_field(void **state)
{
    (void)state;
    /* negative sizes */
    expect_reject("\"rows\":16", "\"rows\":-4", "array.rows");
    expect_reject("\"cols\":16", "\"cols\":0", "array.cols");
    expect_reject("\"weights\":{\"bytes\":32768", "\"weights\":{\"bytes\":-5",
                  "buffers.weights.bytes");
    expect_reject("\"word_bits\":64", "\"word_bits\":-64", "buffers.inputs.word_bits");
    expect_reject("\"bytes_per_cycle\":16", "\"bytes_per_cycle\":-1", "dram.bytes_per_cycle");
    expect_reject("\"mult8_pj\":0.2", "\"mult8_pj\":-0.2", "energy.mult8_pj");
    expect_reject("\"read_pj\":20", "\"read_pj\":-20", "buffers.inputs.read_pj");
    /* unknown PE type and dataflow */
    expect_reject("\"type\":\"fxp\"", "\"type\":\"quantum\"", "pe.type");
    expect_reject("\"dataflow\":\"ws\"", "\"dataflow\":\"rs\"", "array.dataflow");
    /* buffer too small for one 16x16 tile (256 B of 8-bit operands, 1 KB of psums) */
    expect_reject("\"inputs\":{\"bytes\":32768", "\"inputs\":{\"bytes\":100",
                  "buffers.inputs.bytes");
    expect_reject("\"outputs\":{\"bytes\":32768", "\"outputs\":{\"bytes\":512",
                  "buffers.outputs.bytes");
    /* missing fields */
    expect_reject("\"rows\":16,", "", "array.rows");
    expect_reject("\"clock_mhz\":1000,", "", "clock_mhz");
    expect_reject("\"leakage_pj_per_cycle\":10", "\"leak\":10", "energy.leakage_pj_per_cycle");
    /* wrong types */
    expect_reject("\"rows\":16", "\"rows\":\"16\"", "array.rows");
    expect_reject("\"rows\":16", "\"rows\":16.5", "array.rows");
    expect_reject("\"type\":\"fxp\"", "\"type\":3", "pe.type");
    expect_reject("\"dram\":{\"bytes_per_cycle\":16}", "\"dram\":16", "dram");
    /* PE parameters */
    expect_reject("\"mult_bits\":8", "\"mult_bits\":0", "pe.mult_bits");
    expect_reject("\"type\":\"fxp\",\"mult_bits\":8", "\"type\":\"axbxp\",\"multipliers\":-1",
                  "pe.multipliers");
    expect_reject("\"type\":\"fxp\",\"mult_bits\":8", "\"type\":\"bitserial\",\"lanes\":0",
                  "pe.lanes");
    expect_reject("\"type\":\"fxp\",\"mult_bits\":8", "\"type\":\"asm_inmem\",\"quartet\":0",
                  "pe.quartet");
}

static void test_malformed_json_and_io(void **state)
{
    (void)state;
    fm_hw_arch a;
    fm_error err = {0};
    assert_int_equal(fm_hw_arch_parse("{\"array\": {\"rows\": 16,", "m.json", &a, &err),
                     FM_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "m.json"));
    assert_non_null(strstr(err.msg, "malformed JSON"));
    assert_int_equal(fm_hw_arch_parse("[1,2,3]", "arr.json", &a, &err), FM_ERR_FORMAT);
    assert_int_equal(fm_hw_arch_parse("", "empty.json", &a, &err), FM_ERR_FORMAT);
    assert_int_equal(fm_hw_arch_load("/nonexistent/arch.json", &a, &err), FM_ERR_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/arch.json"));
    /* a truncated copy of a good file */
    char path[256];
    assert_int_equal(fm_test_write_tmp(".json", GOOD, strlen(GOOD) / 2, path), 0);
    assert_int_equal(fm_hw_arch_load(path, &a, &err), FM_ERR_FORMAT);
    assert_non_null(strstr(err.msg, path));
    remove(path);
}

static void test_validate_programmatic(void **state)
{
    (void)state;
    fm_hw_arch a;
    fm_error err = {0};
    fm_hw_arch_default(&a);
    assert_int_equal(fm_hw_arch_validate(&a, "x", &err), FM_OK);
    a.pe.type = (fm_hw_pe_type)42;
    assert_int_equal(fm_hw_arch_validate(&a, "x", &err), FM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "pe.type"));
    fm_hw_arch_default(&a);
    a.buf[FM_DS_W].bytes = 255; /* one 16x16 tile is 256 bytes */
    assert_int_equal(fm_hw_arch_validate(&a, "x", &err), FM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "buffers.weights.bytes"));
    assert_non_null(strstr(err.msg, "tile"));
    /* the baseline keeps the array but swaps in the FxP 8x8 PE */
    fm_hw_arch_default(&a);
    a.pe.type = FM_PE_AXBXP;
    a.rows = 8;
    fm_hw_arch b;
    fm_hw_arch_baseline(&a, &b);
    assert_int_equal(b.pe.type, FM_PE_FXP);
    assert_int_equal(b.pe.mult_bits, 8);
    assert_int_equal(b.rows, 8);
    assert_string_equal(fm_hw_pe_type_name(FM_PE_ASM_INMEM), "asm_inmem");
    assert_string_equal(fm_hw_dataflow_name(FM_DF_OS), "os");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_parses_like_default),
        cmocka_unit_test(test_shipped_files_load),
        cmocka_unit_test(test_node_scaling),
        cmocka_unit_test(test_bad_files_name_the_field),
        cmocka_unit_test(test_malformed_json_and_io),
        cmocka_unit_test(test_validate_programmatic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
