/* ONNX importer on the real CIFAR-10 ResNets and on bad files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fm_test.h"
#include "flexmac/import.h"

/* Operators a folded option-A ResNet may contain. */
static int allowed_resnet_op(fm_op op)
{
    switch (op) {
    case FM_OP_CONV:
    case FM_OP_RELU:
    case FM_OP_ADD:
    case FM_OP_SLICE:
    case FM_OP_PAD:
    case FM_OP_GLOBALAVGPOOL:
    case FM_OP_MEAN:
    case FM_OP_AVGPOOL:
    case FM_OP_FLATTEN:
    case FM_OP_GEMM: return 1;
    default: return 0;
    }
}

static void check_resnet(const char *rel, int want_convs, int64_t want_macs)
{
    char path[512];
    if (!fm_test_shared(rel, path, sizeof path)) {
        fprintf(stderr, "SKIP: ../shared/%s not found; test skipped\n", rel);
        skip();
    }
    fm_graph *g = NULL;
    fm_error err = {0};
    fm_status st = fm_onnx_load(path, &g, &err);
    if (st != FM_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(g->source, FM_SRC_ONNX);
    assert_string_equal(g->path, path);
    int convs = 0, gemms = 0;
    int64_t macs = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const fm_node *n = &g->nodes[i];
        if (!allowed_resnet_op(n->op))
            fail_msg("node '%s' has op %s after folding", n->name, fm_op_name(n->op));
        convs += n->op == FM_OP_CONV;
        gemms += n->op == FM_OP_GEMM;
        macs += fm_node_macs(g, n);
        if (n->op == FM_OP_GEMM) {
            /* IR convention: W is (out, in), alpha = beta = 1 */
            assert_int_equal(n->a.gemm.trans_b, 1);
            assert_true(n->a.gemm.alpha == 1.0f && n->a.gemm.beta == 1.0f);
            assert_int_equal(g->tensors[n->in[1]].shape[0], 10);
            assert_int_equal(g->tensors[n->in[1]].shape[1], 64);
        }
        /* the option-A shortcut pads channels only: the IR pad is per axis */
        if (n->op == FM_OP_PAD) {
            assert_int_equal(n->a.pad.begin[0], 0);
            assert_true(n->a.pad.begin[1] > 0 && n->a.pad.begin[1] == n->a.pad.end[1]);
            assert_int_equal(n->a.pad.begin[2] + n->a.pad.end[2] + n->a.pad.begin[3] + n->a.pad.end[3], 0);
        }
        if (n->op == FM_OP_SLICE)
            for (int d = 0; d < 4; d++)
                assert_true(n->a.slice.step[d] == 1 || n->a.slice.step[d] == 2);
    }
    assert_int_equal(convs, want_convs);
    assert_int_equal(gemms, 1);
    const fm_tensor *in = &g->tensors[g->input], *out = &g->tensors[g->output];
    int64_t in_shape[4] = {1, 3, 32, 32};
    assert_int_equal(in->ndim, 4);
    assert_memory_equal(in->shape, in_shape, sizeof in_shape);
    assert_int_equal(out->ndim, 2);
    assert_int_equal(out->shape[0], 1);
    assert_int_equal(out->shape[1], 10);
    /* no leftover shape constants: every tensor is read or written by a node */
    for (int t = 0; t < g->n_tensors; t++)
        assert_true(t == g->input || fm_graph_consumers(g, t) > 0 || fm_graph_producer(g, t) >= 0);
    if (want_macs > 0) {
        double rel_err = (double)(macs - want_macs) / (double)want_macs;
        if (rel_err < -0.02 || rel_err > 0.02)
            fail_msg("%s: %lld MACs, want about %lld", rel, (long long)macs, (long long)want_macs);
    }
    fm_graph_free(g);
}

static void test_resnet20(void **s)
{
    (void)s;
    /* 40.55 M is the published count for ResNet-20 on CIFAR-10 */
    check_resnet("models/resnet20.onnx", 19, 40550000);
}

static void test_resnet32(void **s)
{
    (void)s;
    check_resnet("models/resnet32.onnx", 31, 0);
}

static void test_resnet44(void **s)
{
    (void)s;
    check_resnet("models/resnet44.onnx", 43, 0);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    unsigned char *buf = malloc(*len);
    assert_int_equal(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

static void expect_format_error(const void *data, size_t len)
{
    char tmp[256];
    assert_int_equal(fm_test_write_tmp(".onnx", data, len, tmp), 0);
    fm_graph *g = (fm_graph *)0x1;
    fm_error err = {0};
    assert_int_equal(fm_onnx_load(tmp, &g, &err), FM_ERR_FORMAT);
    assert_null(g);
    assert_non_null(strstr(err.msg, tmp)); /* the message names the file */
    unlink(tmp);
}

static void test_truncated_file(void **s)
{
    (void)s;
    char path[512];
    FM_REQUIRE_SHARED(path, "models/resnet20.onnx");
    size_t len;
    unsigned char *buf = read_all(path, &len);
    expect_format_error(buf, len / 2);
    expect_format_error(buf, 1000);
    free(buf);
}

static void test_garbage_bytes(void **s)
{
    (void)s;
    uint64_t rng = 12345;
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)fm_test_rand(&rng);
    expect_format_error(junk, sizeof junk);
    expect_format_error("hello, this is not a model", 26);
}

static void test_empty_file(void **s)
{
    (void)s;
    expect_format_error("", 0);
}

static void test_missing_file(void **s)
{
    (void)s;
    fm_graph *g = NULL;
    fm_error err = {0};
    assert_int_equal(fm_onnx_load("/nonexistent/dir/model.onnx", &g, &err), FM_ERR_IO);
    assert_null(g);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/model.onnx"));
}

static void test_directory_is_io_error(void **s)
{
    (void)s;
    fm_graph *g = NULL;
    fm_error err = {0};
    fm_status st = fm_onnx_load("/tmp", &g, &err);
    assert_true(st == FM_ERR_IO || st == FM_ERR_FORMAT);
    assert_null(g);
    assert_non_null(strstr(err.msg, "/tmp"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resnet20),       cmocka_unit_test(test_resnet32),
        cmocka_unit_test(test_resnet44),       cmocka_unit_test(test_truncated_file),
        cmocka_unit_test(test_garbage_bytes),  cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_missing_file),   cmocka_unit_test(test_directory_is_io_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
