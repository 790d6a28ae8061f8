/* Configuration parser (inline and JSON), validation, writer and labels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fm_test.h"
#include "flexmac/arith.h"

static fm_net_arith parse_ok(const char *spec)
{
    fm_net_arith n;
    fm_error e;
    fm_error_clear(&e);
    fm_status st = fm_net_arith_parse(spec, &n, &e);
    if (st)
        fail_msg("'%s': %s", spec, e.msg);
    return n;
}

static void expect_err(const char *spec, const char *needle)
{
    fm_net_arith n;
    fm_error e;
    fm_error_clear(&e);
    fm_status st = fm_net_arith_parse(spec, &n, &e);
    if (st == FM_OK) {
        fm_net_arith_free(&n);
        fail_msg("'%s' parsed but should fail with '%s'", spec, needle);
    }
    if (!strstr(e.msg, needle))
        fail_msg("'%s': message '%s' lacks '%s'", spec, e.msg, needle);
    assert_null(n.rules);
    assert_null(n.name);
}

static void expect_label(const char *spec, const char *label)
{
    fm_net_arith n = parse_ok(spec);
    char buf[128];
    fm_layer_arith_label(&n.deflt, buf, sizeof buf);
    if (strcmp(buf, label))
        fail_msg("'%s': label '%s', want '%s'", spec, buf, label);
    fm_net_arith_free(&n);
}

static void test_inline_forms(void **state)
{
    (void)state;
    fm_net_arith n = parse_ok("fp32");
    assert_true(n.deflt.is_float);
    fm_net_arith_free(&n);
    n = parse_ok(" float ");
    assert_true(n.deflt.is_float);
    fm_net_arith_free(&n);

    n = parse_ok("fxp4");
    assert_int_equal(n.deflt.w.bits, 4);
    assert_int_equal(n.deflt.x.bits, 4);
    assert_int_equal(n.deflt.w.K, 0);
    fm_net_arith_free(&n);

    n = parse_ok("fxp:w=6,x=8");
    assert_int_equal(n.deflt.w.bits, 6);
    assert_int_equal(n.deflt.x.bits, 8);
    assert_string_equal(n.name, "fxp w6 x8");
    fm_net_arith_free(&n);

    n = parse_ok("axbxp:K=2,Lx=2,Lw=3,select=dynamic");
    assert_int_equal(n.deflt.x.K, 2);
    assert_int_equal(n.deflt.w.K, 2);
    assert_int_equal(n.deflt.x.L, 2);
    assert_int_equal(n.deflt.w.L, 3);
    assert_int_equal(n.deflt.x.select, FM_SEL_DYNAMIC);
    assert_int_equal(n.deflt.w.select, FM_SEL_DYNAMIC);
    for (int r = 0; r < FM_MAX_BLOCKS; r++)
        assert_int_equal(n.deflt.pset[r], 0xFFFF);
    fm_net_arith_free(&n);

    n = parse_ok("axbxp: Kx=3, Kw=2, select_x=round, select_w=static, w=6, x=7, P=r+s<2");
    assert_int_equal(n.deflt.x.K, 3);
    assert_int_equal(n.deflt.w.K, 2);
    assert_int_equal(n.deflt.x.L, 3); /* L defaults to N = ceil(7/3) */
    assert_int_equal(n.deflt.w.L, 3); /* signed 6 bits: 5 magnitude bits, K=2 */
    assert_int_equal(n.deflt.x.select, FM_SEL_ROUND);
    assert_int_equal(n.deflt.w.select, FM_SEL_STATIC);
    assert_int_equal(n.deflt.w.bits, 6);
    assert_int_equal(n.deflt.x.bits, 7);
    assert_int_equal(n.deflt.pset[0], 0x3); /* (0,0),(0,1) */
    assert_int_equal(n.deflt.pset[1], 0x1); /* (1,0) */
    assert_int_equal(n.deflt.pset[2], 0x0);
    fm_net_arith_free(&n);

    n = parse_ok("axbxp:K=2,L=2,P={(0,0),(0,1),(1,0)}");
    assert_int_equal(n.deflt.pset[0], 0x3);
    assert_int_equal(n.deflt.pset[1], 0x1);
    fm_net_arith_free(&n);
    n = parse_ok("axbxp:K=2,L=3,P=r+s<=1");
    assert_int_equal(n.deflt.pset[0], 0x3);
    assert_int_equal(n.deflt.pset[1], 0x1);
    fm_net_arith_free(&n);
    n = parse_ok("axbxp:Kw=2,Lw=2");
    assert_int_equal(n.deflt.x.K, 0); /* activations stay exact */
    fm_net_arith_free(&n);

    n = parse_ok("asm:w={1,3}");
    assert_int_equal(n.deflt.w.alphabet, (1 << 1) | (1 << 3));
    assert_int_equal(n.deflt.x.alphabet, 0);
    assert_int_equal(n.deflt.w.quartet, 4);
    fm_net_arith_free(&n);
    n = parse_ok("asm:w={1},x={1,3,5,7},Q=4,proj=quartet,bits_w=12,bits_x=8");
    assert_int_equal(n.deflt.w.alphabet, 2);
    assert_int_equal(n.deflt.x.alphabet, 0xAA);
    assert_int_equal(n.deflt.w.proj, FM_ASM_QUARTET);
    assert_int_equal(n.deflt.w.bits, 12);
    fm_net_arith_free(&n);
    n = parse_ok("asm:w=all,Q=3");
    assert_int_equal(n.deflt.w.alphabet, 0xAA);
    fm_net_arith_free(&n);
}

static void test_labels(void **state)
{
    (void)state;
    expect_label("fp32", "fp32");
    expect_label("fxp8", "fxp8");
    expect_label("fxp:w=6,x=8", "fxp w6 x8");
    expect_label("axbxp:K=2,Lx=2,Lw=2,select=dynamic,P={(0,0),(0,1),(1,0)}",
                 "axbxp K2 L2/2 dyn |P|=3");
    expect_label("axbxp:K=2,L=2", "axbxp K2 L2/2 st |P|=4");
    expect_label("axbxp:Kx=1,Kw=2,select_x=round,w=6", "axbxp K1/2 L8/3 rnd/st |P|=24 w6b x8b");
    expect_label("asm:w={1,3}", "asm w{1,3}");
    expect_label("asm:w={1},x={1,3},Q=3,proj=quartet", "asm w{1} x{1,3} Q3 quartet");
    fm_net_arith n = parse_ok("fxp8;@conv*=fxp4");
    char buf[64];
    free(n.name);
    n.name = NULL;
    fm_net_arith_label(&n, buf, sizeof buf);
    assert_string_equal(buf, "fxp8 +1 rule");
    fm_net_arith_free(&n);
    /* A short buffer is truncated, never overrun. */
    fm_layer_arith a;
    fm_layer_arith_fxp(&a, 6, 8);
    fm_layer_arith_label(&a, buf, 5);
    assert_string_equal(buf, "fxp ");
}

static void test_inline_rules(void **state)
{
    (void)state;
    fm_net_arith n = parse_ok("axbxp:K=2,L=2 ; @conv*=fxp4 ; @#0=fp32; @fc=asm:w={1}");
    assert_int_equal(n.n_rules, 3);
    assert_int_equal(fm_net_arith_for(&n, "conv3", 2)->w.bits, 4);
    assert_true(fm_net_arith_for(&n, "conv1", 0)->is_float); /* the later rule wins */
    assert_int_equal(fm_net_arith_for(&n, "fc", 5)->w.alphabet, 2);
    assert_int_equal(fm_net_arith_for(&n, "other", 7)->w.K, 2);
    fm_net_arith_free(&n);
}

static void test_inline_errors(void **state)
{
    (void)state;
    expect_err("", "empty configuration");
    expect_err("fpx8", "unknown scheme 'fpx8'");
    expect_err("fxpx", "not an integer");
    expect_err("fxp20", "weights.bits: 20 outside 2..16");
    expect_err("fxp:w=6,x=1", "activations.bits: 1 outside 2..16");
    expect_err("fxp:w=6,y=8", "unknown key 'y'");
    expect_err("fxp:w", "expected key=value");
    expect_err("axbxp:L=2", "axbxp needs a block size");
    expect_err("axbxp:K=9", "weights.K: 9 outside 0..8");
    expect_err("axbxp:K=2,Lx=5", "activations.L: 5 exceeds N=4 blocks for bits=8, K=2");
    expect_err("axbxp:K=1,Lw=8", "weights.L: 8 exceeds N=7 blocks for signed bits=8, K=1");
    expect_err("axbxp:K=2,L=0", "L: 0 below 1");
    expect_err("axbxp:K=2,select=fast", "'fast': expected static, dynamic or round");
    expect_err("axbxp:K=2,L=2,P={(0,0),(2,0)}", "activation rank 2 not below Lx=2");
    expect_err("axbxp:K=2,L=2,P={(0,0),(0,3)}", "weight rank 3 not below Lw=2");
    expect_err("axbxp:K=2,L=2,P={(0,0)(1,1)}", "expected ',' or '}'");
    expect_err("axbxp:K=2,L=2,P={(0,x)}", "not of the form (r,s)");
    expect_err("axbxp:K=2,L=2,P=r+s<0", "keeps no product");
    expect_err("axbxp:K=2,L=2,P=some", "expected all, r+s<T");
    expect_err("axbxp:K=2,L=2,P={}", "products: no pair");
    expect_err("asm:Q=4", "asm needs an alphabet");
    expect_err("asm:w={1,4}", "entry 1 (4) is even");
    expect_err("asm:w={1,17}", "outside the odd quartet values");
    expect_err("asm:w={}", "empty alphabet");
    expect_err("asm:w=1,3", "'3': expected key=value");
    expect_err("asm:w=1", "w: '1': expected an alphabet");
    expect_err("asm:w={1,9},Q=3", "weights.alphabet: 9 not below 2^quartet = 8");
    expect_err("asm:w={1},Q=5", "weights.quartet: 5 outside 2..4");
    expect_err("asm:w={1},proj=best", "expected nearest or quartet");
    expect_err("fxp8;conv=fxp4", "a rule after ';' is @glob=form");
    expect_err("fxp8;@#-1=fxp4", "rule index: -1 below 0");
    expect_err("fxp8;@conv=fxp99", "'fxp99': weights.bits: 99");
    expect_err("fxp8,lut=/nonexistent/mul.so", "is not an integer");
    expect_err("fxp:lut=/nonexistent/mul.so", "/nonexistent/mul.so: cannot open");
    expect_err("fxp:w=12,lut=" FLEXMAC_MUL8_SO, "lut: a user multiplier is 8x8");
}

static const char *json_example =
    "{\n"
    "  \"name\": \"mixed\",\n"
    "  \"default\": {\n"
    "    \"weights\": {\"bits\": 8, \"K\": 2, \"L\": 2, \"select\": \"dynamic\"},\n"
    "    \"activations\": {\"bits\": 8, \"K\": 2, \"L\": 2, \"select\": \"round\"},\n"
    "    \"products\": [[0,0],[0,1],[1,0]]\n"
    "  },\n"
    "  \"layers\": [\n"
    "    {\"index\": 0, \"float\": true},\n"
    "    {\"match\": \"fc*\", \"form\": \"asm:w={1,3}\", \"activations\": {\"bits\": 6}},\n"
    "    {\"match\": \"conv2\", \"weights\": {\"L\": 3}, \"products\": {\"max_rank_sum\": 1}},\n"
    "    {\"match\": \"conv3\", \"products\": \"r+s<2\", \"activations\": {\"K\": 4}},\n"
    "    {\"match\": \"conv4\", \"weights\": {\"K\": 0, \"alphabet\": [1, 3, 5, 7], "
    "\"quartet\": 4, \"proj\": \"quartet\"}, \"activations\": {\"K\": 0}, \"products\": \"all\"},\n"
    "    {\"match\": \"conv5\", \"weights\": {\"K\": 0}, \"activations\": {\"K\": 0}, "
    "\"products\": \"all\", \"lut\": \"LUTFILE\"},\n"
    "    {\"index\": 9, \"products\": {\"rank_sum_below\": 1}}\n"
    "  ]\n"
    "}\n";

static char *example_with_lut(const char *lut)
{
    const char *at = strstr(json_example, "LUTFILE");
    size_t n = strlen(json_example) + strlen(lut);
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%.*s%s%s", (int)(at - json_example), json_example, lut, at + 7);
    return s;
}

static void test_json_file(void **state)
{
    (void)state;
    /* A table next to the config, referred to by a relative path. */
    char lutpath[256], cfgpath[256];
    char *table = malloc(65536 * 8);
    size_t len = 0;
    for (int i = 0; i < 65536; i++)
        len += (size_t)sprintf(table + len, "%d ", (i >> 8) * (i & 255));
    assert_int_equal(fm_test_write_tmp(".txt", table, len, lutpath), 0);
    free(table);
    char *json = example_with_lut(strrchr(lutpath, '/') + 1);
    assert_int_equal(fm_test_write_tmp(".json", json, strlen(json), cfgpath), 0);
    free(json);

    fm_net_arith n = parse_ok(cfgpath);
    assert_string_equal(n.name, "mixed");
    assert_int_equal(n.n_rules, 7);
    const fm_layer_arith *a = fm_net_arith_for(&n, "conv1", 5);
    assert_int_equal(a->w.select, FM_SEL_DYNAMIC);
    assert_int_equal(a->x.select, FM_SEL_ROUND);
    assert_int_equal(a->pset[0], 3);
    assert_int_equal(a->pset[1], 1);
    assert_true(fm_net_arith_for(&n, "conv1", 0)->is_float);
    a = fm_net_arith_for(&n, "fc1", 3); /* form replaces, fields then override */
    assert_int_equal(a->w.alphabet, 0x0A);
    assert_int_equal(a->w.K, 0);
    assert_int_equal(a->x.bits, 6);
    a = fm_net_arith_for(&n, "conv2", 1); /* inherits, overrides */
    assert_int_equal(a->w.L, 3);
    assert_int_equal(a->w.K, 2);
    assert_int_equal(a->x.select, FM_SEL_ROUND);
    assert_int_equal(a->pset[0], 3); /* r + s <= 1 */
    assert_int_equal(a->pset[1], 1);
    assert_int_equal(a->pset[2], 0);
    a = fm_net_arith_for(&n, "conv3", 2);
    assert_int_equal(a->x.K, 4);
    assert_int_equal(a->x.L, 2); /* a new K without L: all N blocks */
    a = fm_net_arith_for(&n, "conv4", 2);
    assert_int_equal(a->w.alphabet, 0xAA);
    assert_int_equal(a->w.proj, FM_ASM_QUARTET);
    a = fm_net_arith_for(&n, "conv5", 2);
    assert_non_null(a->lut);
    assert_int_equal(fm_lut_mul(a->lut, 200, 100), 20000);
    a = fm_net_arith_for(&n, "x", 9);
    assert_int_equal(a->pset[0], 1);
    assert_int_equal(n.n_luts, 1);
    fm_net_arith_free(&n);
    unlink(cfgpath);
    unlink(lutpath);
}

/* Writing and reading back gives the same configuration. */
static void test_roundtrip(void **state)
{
    (void)state;
    const char *specs[] = {
        "fp32",
        "fxp:w=6,x=8",
        "axbxp:K=2,Lx=2,Lw=3,select=round,P={(0,0),(0,2),(1,1)};@conv*=fxp4;@#3=asm:w={1,3}",
        "asm:w={1},x={1,3,5,7},proj=quartet,Q=4,bits=12",
        "axbxp:Kx=3,Kw=1,Lw=4,select_w=dynamic,P=r+s<3",
        "fxp:lut=" FLEXMAC_MUL8_SO,
        "{\"default\": \"axbxp:K=2,L=2\", \"layers\": [{\"match\": \"a\", \"weights\": "
        "{\"bits\": 4}}]}",
    };
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        fm_net_arith n = parse_ok(specs[i]), m;
        char *j1, *j2;
        fm_error e;
        assert_int_equal(fm_net_arith_to_json(&n, &j1, &e), FM_OK);
        if (fm_net_arith_parse(j1, &m, &e))
            fail_msg("'%s' wrote JSON that does not read back: %s\n%s", specs[i], e.msg, j1);
        assert_int_equal(fm_net_arith_to_json(&m, &j2, &e), FM_OK);
        assert_string_equal(j1, j2);
        assert_int_equal(m.n_rules, n.n_rules);
        assert_memory_equal(&m.deflt.w, &n.deflt.w, sizeof n.deflt.w);
        assert_memory_equal(&m.deflt.x, &n.deflt.x, sizeof n.deflt.x);
        for (int r = 0; r < n.n_rules; r++) {
            assert_memory_equal(&m.rules[r].a.w, &n.rules[r].a.w, sizeof n.deflt.w);
            assert_int_equal(m.rules[r].index, n.rules[r].index);
        }
        char l1[128], l2[128];
        fm_layer_arith_label(&n.deflt, l1, sizeof l1);
        fm_layer_arith_label(&m.deflt, l2, sizeof l2);
        assert_string_equal(l1, l2);
        free(j1);
        free(j2);
        fm_net_arith_free(&n);
        fm_net_arith_free(&m);
    }
}

static void test_json_errors(void **state)
{
    (void)state;
    expect_err("{\"layers\": [{\"match\":\"a\"},{\"match\":\"b\"},{\"match\":\"c\","
               "\"weights\":{\"K\":2,\"L\":5}}]}",
               "layers[2].weights.L: 5 exceeds N=4 blocks for signed bits=8, K=2");
    expect_err("{\"default\": {\"weights\": {\"bits\": 8", "invalid JSON");
    expect_err("{\"defaults\": {}}", "defaults: unknown key");
    expect_err("[1,2]", "unknown scheme"); /* not JSON-shaped: an inline form */
    expect_err("{\"name\": 3}", "name: expected a string");
    expect_err("{\"default\": 3}", "default: expected an object or an inline form");
    expect_err("{\"default\": \"fxp:w=99\"}", "default: 'fxp:w=99': weights.bits: 99");
    expect_err("{\"default\": {\"weight\": {}}}", "default.weight: unknown key");
    expect_err("{\"default\": {\"weights\": {\"bit\": 8}}}", "default.weights.bit: unknown key");
    expect_err("{\"default\": {\"weights\": {\"bits\": 8.5}}}",
               "default.weights.bits: expected an integer");
    expect_err("{\"default\": {\"weights\": {\"bits\": \"8\"}}}",
               "default.weights.bits: expected an integer");
    expect_err("{\"default\": {\"weights\": []}}", "default.weights: expected an object");
    expect_err("{\"default\": {\"weights\": {\"K\": -1}}}", "default.weights.K: -1 outside 0..8");
    expect_err("{\"default\": {\"weights\": {\"K\": 2, \"L\": 0}}}",
               "default.weights.L: 0 below 1");
    expect_err("{\"default\": {\"weights\": {\"K\": 2, \"select\": 1}}}",
               "default.weights.select: expected a string");
    expect_err("{\"default\": {\"weights\": {\"alphabet\": [1, 2]}}}",
               "default.weights.alphabet[1]: 2 is even");
    expect_err("{\"default\": {\"weights\": {\"alphabet\": [1, 9], \"quartet\": 3}}}",
               "default.weights.alphabet: 9 not below 2^quartet = 8");
    expect_err("{\"default\": {\"weights\": {\"alphabet\": 3}}}",
               "default.weights.alphabet: expected a list");
    expect_err("{\"default\": {\"weights\": {\"alphabet\": [1], \"K\": 2}}}",
               "cannot be combined on one operand");
    expect_err("{\"default\": {\"weights\": {\"alphabet\": [1], \"proj\": \"x\"}}}",
               "default.weights.proj: 'x': expected nearest or quartet");
    expect_err("{\"default\": {\"weights\": {\"K\": 2}, \"activations\": {\"K\": 2}, "
               "\"products\": [[0,0],[4,0]]}}",
               "default.products[1]: [4, 0]: activation rank 4 not below Lx=4");
    expect_err("{\"default\": {\"weights\": {\"K\": 2}, \"products\": [[0]]}}",
               "default.products[0]: expected a pair");
    expect_err("{\"default\": {\"products\": {\"max_rank\": 1}}}",
               "default.products.max_rank: unknown key");
    expect_err("{\"default\": {\"products\": {\"rank_sum_below\": 0}}}", "keeps no product");
    expect_err("{\"default\": {\"products\": 7}}", "default.products: expected \"all\"");
    expect_err("{\"default\": {\"products\": []}}", "default.products: no pair");
    expect_err("{\"default\": {\"float\": 1}}", "default.float: expected true or false");
    expect_err("{\"default\": {\"lut\": 1}}", "default.lut: expected a path or null");
    expect_err("{\"default\": {\"lut\": \"/nonexistent/t.txt\"}}",
               "default.lut: /nonexistent/t.txt: cannot open");
    expect_err("{\"default\": {\"match\": \"a\"}}", "default.match: unknown key");
    expect_err("{\"layers\": {}}", "layers: expected a list");
    expect_err("{\"layers\": [3]}", "layers[0]: expected an object");
    expect_err("{\"layers\": [{\"float\": true}]}", "layers[0]: give exactly one of match");
    expect_err("{\"layers\": [{\"match\": \"a\", \"index\": 1}]}", "give exactly one");
    expect_err("{\"layers\": [{\"index\": -2}]}", "layers[0].index: -2 below 0");
    expect_err("{\"layers\": [{\"match\": \"\"}]}", "layers[0].match: expected a non-empty glob");
    expect_err("/nonexistent/config.json", "/nonexistent/config.json: cannot open");
    /* Errors in a file name the file. */
    char path[256];
    const char *bad = "{\"default\": {\"weights\": {\"bits\": 40}}}";
    assert_int_equal(fm_test_write_tmp(".json", bad, strlen(bad), path), 0);
    char want[300];
    snprintf(want, sizeof want, "%s: default.weights.bits: 40 outside 2..16", path);
    expect_err(path, want);
    unlink(path);
    assert_int_equal(fm_test_write_tmp(".json", "{\"a\0\": 1}", 9, path), 0);
    expect_err(path, "NUL byte");
    unlink(path);
}

/* The defaults built in code validate; hand-built bad ones do not. */
static void test_validate(void **state)
{
    (void)state;
    fm_layer_arith a;
    fm_error e;
    fm_layer_arith_fxp(&a, 8, 8);
    assert_int_equal(fm_layer_arith_validate(&a, "x", &e), FM_OK);
    a.w.K = 2;
    a.w.L = 0;
    assert_int_equal(fm_layer_arith_validate(&a, "layers[1]", &e), FM_ERR_INVALID);
    assert_string_equal(e.msg, "layers[1].weights.L: 0 below 1");
    a.w.L = 2;
    a.w.select = (fm_select)9;
    assert_int_equal(fm_layer_arith_validate(&a, NULL, &e), FM_ERR_INVALID);
    assert_string_equal(e.msg, "weights.select: unknown mode 9");
}

/* Truncated and corrupted specs never crash, and every failure explains
 * itself (the sanitizer build checks memory). */
static void test_mutations(void **state)
{
    (void)state;
    const char *seeds[] = {
        "axbxp:Kx=3,Kw=2,Lx=2,Lw=2,select_x=round,P={(0,0),(0,1),(1,0)};@c*=fxp4;@#2=fp32",
        "asm:w={1,3,5},x={1},Q=4,proj=quartet,bits_w=12",
        "{\"name\":\"n\",\"default\":{\"weights\":{\"bits\":8,\"K\":2,\"L\":2,"
        "\"select\":\"dynamic\"},\"products\":[[0,0],[1,0]]},\"layers\":[{\"match\":"
        "\"a*\",\"weights\":{\"alphabet\":[1,3],\"K\":0}},{\"index\":1,\"products\":"
        "{\"max_rank_sum\":1}}]}",
    };
    const char alphabet[] = "{}[](),:;=@#\"0123456789-+<KLPwx ";
    uint64_t rng = 31337;
    char buf[512];
    for (int it = 0; it < 3000; it++) {
        const char *seed = seeds[it % 3];
        size_t len = strlen(seed);
        memcpy(buf, seed, len + 1);
        int edits = 1 + (int)(fm_test_rand(&rng) % 3);
        for (int k = 0; k < edits; k++) {
            size_t at = fm_test_rand(&rng) % len;
            switch (fm_test_rand(&rng) % 3) {
            case 0: buf[at] = alphabet[fm_test_rand(&rng) % (sizeof alphabet - 1)]; break;
            case 1: buf[at] = '\0'; len = at ? at : 1; break;
            default: memmove(buf + at, buf + at + 1, len - at); len = len > 1 ? len - 1 : 1;
            }
        }
        fm_net_arith n;
        fm_error e;
        fm_error_clear(&e);
        if (fm_net_arith_parse(buf, &n, &e) == FM_OK) {
            char *j;
            assert_int_equal(fm_net_arith_to_json(&n, &j, &e), FM_OK);
            free(j);
            fm_net_arith_free(&n);
        } else {
            assert_true(e.msg[0] != '\0');
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inline_forms), cmocka_unit_test(test_labels),
        cmocka_unit_test(test_inline_rules), cmocka_unit_test(test_inline_errors),
        cmocka_unit_test(test_json_file),    cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_json_errors),  cmocka_unit_test(test_validate),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
