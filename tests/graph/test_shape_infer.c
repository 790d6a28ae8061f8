/* fm_graph_infer_shapes on hand-built graphs: output sizes of every window
 * op, shape ops, broadcasting, and errors that name the node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/graph.h"

/* Activation tensor (shape to be inferred: filled with a poison value). */
static int act(fm_graph *g, const char *name)
{
    int64_t poison[1] = {-7};
    return fm_graph_add_tensor(g, name, FM_F32, 1, poison, NULL);
}

static int input(fm_graph *g, int ndim, const int64_t *shape)
{
    g->input = fm_graph_add_tensor(g, "x", FM_F32, ndim, shape, NULL);
    return g->input;
}

static int weight(fm_graph *g, const char *name, int ndim, const int64_t *shape)
{
    float *d = calloc((size_t)fm_shape_numel(ndim, shape), sizeof *d);
    return fm_graph_add_tensor(g, name, FM_F32, ndim, shape, d);
}

static fm_node *node(fm_graph *g, fm_op op, const char *name, int in0, int in1, int out)
{
    fm_node *n = fm_graph_add_node(g, op, name);
    n->in[0] = in0;
    n->in[1] = in1;
    n->n_in = in1 >= 0 ? 2 : 1;
    n->out[0] = out;
    n->n_out = 1;
    g->output = out;
    return n;
}

static void expect_shape(const fm_graph *g, int t, int ndim, const int64_t *want)
{
    char a[64], b[64];
    const fm_tensor *x = &g->tensors[t];
    if (x->ndim != ndim || memcmp(x->shape, want, (size_t)ndim * sizeof *want) != 0)
        fail_msg("'%s' is %s, want %s", x->name, fm_shape_str(x->ndim, x->shape, a, 64),
                 fm_shape_str(ndim, want, b, 64));
}

static void infer_ok(fm_graph *g)
{
    fm_error err = {0};
    if (fm_graph_infer_shapes(g, &err) != FM_OK)
        fail_msg("%s", err.msg);
}

static void infer_fails(fm_graph *g, const char *node_name)
{
    fm_error err = {0};
    assert_int_equal(fm_graph_infer_shapes(g, &err), FM_ERR_SHAPE);
    char want[128];
    snprintf(want, sizeof want, "node '%s'", node_name);
    if (!strstr(err.msg, want))
        fail_msg("message \"%s\" does not name %s", err.msg, want);
}

static void test_conv_stride_pad_dilation_groups(void **s)
{
    (void)s;
    fm_graph *g = fm_graph_new();
    int x = input(g, 4, (int64_t[]){1, 6, 17, 13});
    int w = weight(g, "w", 4, (int64_t[]){9, 2, 3, 5}); /* group 3 */
    int y = act(g, "y");
    fm_node *n = node(g, FM_OP_CONV, "conv", x, w, y);
    n->a.conv = (fm_conv_attr){.kh = 3, .kw = 5, .sh = 2, .sw = 3, .dh = 2, .dw = 1,
                               .pad_t = 1, .pad_b = 2, .pad_l = 0, .pad_r = 4, .group = 3};
    infer_ok(g);
    /* H: (17+3 - 2*2 - 1)/2 + 1 = 8; W: (13+4 - 4 - 1)/3 + 1 = 5 */
    expect_shape(g, y, 4, (int64_t[]){1, 9, 8, 5});
    assert_int_equal(fm_node_macs(g, &g->nodes[0]), 9 * 8 * 5 * 2 * 3 * 5);
    /* 4 groups do not divide 6 channels into the weights' 2 */
    g->nodes[0].a.conv.group = 4;
    infer_fails(g, "conv");
    fm_graph_free(g);
}

static void test_depthwise_and_recompute_from_new_input(void **s)
{
    (void)s;
    fm_graph *g = fm_graph_new();
    int x = input(g, 4, (int64_t[]){1, 8, 32, 32});
    int w = weight(g, "w", 4, (int64_t[]){8, 1, 3, 3});
    int c = act(g, "c"), r = act(g, "r");
    node(g, FM_OP_CONV, "dw", x, w, c)->a.conv =
        (fm_conv_attr){.kh = 3, .kw = 3, .sh = 2, .sw = 2, .dh = 1, .dw = 1,
                       .pad_t = 1, .pad_l = 1, .pad_b = 1, .pad_r = 1, .group = 8};
    node(g, FM_OP_RELU, "relu", c, -1, r);
    infer_ok(g);
    expect_shape(g, r, 4, (int64_t[]){1, 8, 16, 16});
    /* a new input size flows through every node */
    g->tensors[x].shape[2] = 64;
    g->tensors[x].shape[3] = 10;
    infer_ok(g);
    expect_shape(g, r, 4, (int64_t[]){1, 8, 32, 5});
    fm_graph_free(g);
}

static int64_t pool_out(int64_t h, int k, int st, int pad, int ceil_mode)
{
    fm_graph *g = fm_graph_new();
    int x = input(g, 4, (int64_t[]){1, 1, h, h});
    int y = act(g, "y");
    node(g, FM_OP_MAXPOOL, "pool", x, -1, y)->a.pool =
        (fm_pool_attr){.kh = k, .kw = k, .sh = st, .sw = st, .pad_t = pad, .pad_l = pad,
                       .pad_b = pad, .pad_r = pad, .ceil_mode = ceil_mode};
    fm_error err = {0};
    int64_t out = fm_graph_infer_shapes(g, &err) == FM_OK ? g->tensors[y].shape[2] : -1;
    fm_graph_free(g);
    return out;
}

static void test_pool_ceil_mode(void **s)
{
    (void)s;
    assert_int_equal(pool_out(6, 3, 2, 0, 0), 2);
    assert_int_equal(pool_out(6, 3, 2, 0, 1), 3);
    assert_int_equal(pool_out(112, 3, 2, 1, 0), 56);
    /* ceil would add a window starting in the right padding: dropped */
    assert_int_equal(pool_out(5, 2, 2, 1, 1), 3);
    assert_int_equal(pool_out(5, 2, 2, 1, 0), 3);
    assert_int_equal(pool_out(2, 3, 1, 0, 0), -1); /* window larger than input */
    assert_int_equal(pool_out(8, 2, 2, 2, 0), -1); /* pad as wide as the window */
}

static void test_global_pool_flatten_gemm(void **s)
{
    (void)s;
    fm_graph *g = fm_graph_new();
    int x = input(g, 4, (int64_t[]){1, 64, 8, 8});
    int p = act(g, "p"), f = act(g, "f"), y = act(g, "y");
    int w = weight(g, "w", 2, (int64_t[]){10, 64}), b = weight(g, "b", 1, (int64_t[]){10});
    node(g, FM_OP_GLOBALAVGPOOL, "gap", x, -1, p);
    node(g, FM_OP_FLATTEN, "flat", p, -1, f)->a.axis.axis = 1;
    fm_node *fc = node(g, FM_OP_GEMM, "fc", f, w, y);
    fc->in[2] = b;
    fc->n_in = 3;
    fc->a.gemm.trans_b = 1;
    infer_ok(g);
    expect_shape(g, p, 4, (int64_t[]){1, 64, 1, 1});
    expect_shape(g, f, 2, (int64_t[]){1, 64});
    expect_shape(g, y, 2, (int64_t[]){1, 10});
    g->nodes[2].a.gemm.trans_b = 0; /* W (10, 64) then needs K = 10 */
    infer_fails(g, "fc");
    fm_graph_free(g);
}

static void test_slice_with_steps(void **s)
{
    (void)s;
    fm_graph *g = fm_graph_new();
    int x = input(g, 4, (int64_t[]){1, 16, 32, 32});
    int y = act(g, "y");
    fm_node *n = node(g, FM_OP_SLICE, "sl", x, -1, y);
    const int64_t st[4] = {0, 15, 0, 1}, en[4] = {1, -1, 32, 32}, sp[4] = {1, -3, 2, 2};
    memcpy(n->a.slice.start, st, sizeof st);
    memcpy(n->a.slice.end, en, sizeof en);
    memcpy(n->a.slice.step, sp, sizeof sp);
    infer_ok(g);
    /* axis 1: 15,12,9,6,3,0 -> 6; axis 2: 0..30 step 2 -> 16; axis 3: 1..31 -> 16 */
    expect_shape(g, y, 4, (int64_t[]){1, 6, 16, 16});
    g->nodes[0].a.slice.end[2] = 33; /* past the dim: not normalized */
    infer_fails(g, "sl");
    g->nodes[0].a.slice.end[2] = 32;
    g->nodes[0].a.slice.step[0] = 0;
    infer_fails(g, "sl");
    fm_graph_free(g);
}

static void test_pad_concat_transpose(void **s)
{
    (void)s;
    fm_graph *g = fm_graph_new();
    int x = input(g, 4, (int64_t[]){1, 16, 8, 8});
    int p = act(g, "p"), c = act(g, "c"), t = act(g, "t");
    fm_node *n = node(g, FM_OP_PAD, "pad", x, -1, p);
    n->a.pad.begin[1] = 8;
    n->a.pad.end[1] = 8;
    n->a.pad.begin[3] = 1;
    node(g, FM_OP_CONCAT, "cat", p, x, c)->a.axis.axis = 1; /* 32+16 channels, W 9 vs 8 */
    infer_fails(g, "cat");
    g->nodes[0].a.pad.begin[3] = 0;
    fm_node *tr = node(g, FM_OP_TRANSPOSE, "tr", c, -1, t);
    const int perm[4] = {0, 2, 3, 1};
    memcpy(tr->a.transpose.perm, perm, sizeof perm);
    infer_ok(g);
    expect_shape(g, p, 4, (int64_t[]){1, 32, 8, 8});
    expect_shape(g, c, 4, (int64_t[]){1, 48, 8, 8});
    expect_shape(g, t, 4, (int64_t[]){1, 8, 8, 48});
    g->nodes[2].a.transpose.perm[3] = 2; /* not a permutation */
    infer_fails(g, "tr");
    g->nodes[2].a.transpose.perm[3] = 1;
    g->nodes[0].a.pad.end[2] = -1;
    infer_fails(g, "pad");
    fm_graph_free(g);
}

static void test_broadcast_matmul_mean_reshape(void **s)
{
    (void)s;
    fm_graph *g = fm_graph_new();
    int x = input(g, 4, (int64_t[]){1, 3, 4, 5});
    int k = weight(g, "k", 3, (int64_t[]){3, 1, 1});
    int bm = weight(g, "bm", 2, (int64_t[]){5, 7});
    int a = act(g, "a"), m = act(g, "m"), r = act(g, "r"), y = act(g, "y");
    node(g, FM_OP_MUL, "mul", x, k, a);
    node(g, FM_OP_MATMUL, "mm", a, bm, m);
    fm_node *mean = node(g, FM_OP_MEAN, "mean", m, -1, r);
    mean->a.reduce.axes_mask = (1 << 2) | (1 << 3);
    mean->a.reduce.keepdims = 0;
    node(g, FM_OP_RESHAPE, "rs", r, -1, y);
    g->tensors[y].ndim = 1;
    g->tensors[y].shape[0] = 3;
    infer_ok(g);
    expect_shape(g, a, 4, (int64_t[]){1, 3, 4, 5});
    expect_shape(g, m, 4, (int64_t[]){1, 3, 4, 7});
    expect_shape(g, r, 2, (int64_t[]){1, 3});
    expect_shape(g, y, 1, (int64_t[]){3}); /* reshape keeps its stored shape */
    g->tensors[y].shape[0] = 4;
    infer_fails(g, "rs");
    g->tensors[y].shape[0] = 3;
    g->tensors[k].shape[0] = 2; /* (2,1,1) does not broadcast with 3 channels */
    infer_fails(g, "mul");
    fm_graph_free(g);
}

static void test_order_dtype_and_structure_errors(void **s)
{
    (void)s;
    /* a node reading a tensor computed only later */
    fm_graph *g = fm_graph_new();
    int x = input(g, 4, (int64_t[]){1, 2, 4, 4});
    int a = act(g, "a"), b = act(g, "b");
    node(g, FM_OP_RELU, "late_reader", a, -1, b);
    node(g, FM_OP_RELU, "writer", x, -1, a);
    g->output = b;
    infer_fails(g, "late_reader");
    fm_graph_free(g);

    /* integer activations without quantization parameters */
    g = fm_graph_new();
    x = input(g, 4, (int64_t[]){1, 2, 4, 4});
    a = act(g, "a");
    g->tensors[a].dtype = FM_I32;
    node(g, FM_OP_RELU, "int_relu", x, -1, a);
    infer_fails(g, "int_relu");
    fm_graph_free(g);

    /* a conv without its weights */
    g = fm_graph_new();
    x = input(g, 4, (int64_t[]){1, 2, 4, 4});
    a = act(g, "a");
    node(g, FM_OP_CONV, "no_weights", x, -1, a);
    infer_fails(g, "no_weights");
    fm_graph_free(g);

    /* no input at all */
    g = fm_graph_new();
    fm_error err = {0};
    assert_int_equal(fm_graph_infer_shapes(g, &err), FM_ERR_SHAPE);
    fm_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_stride_pad_dilation_groups),
        cmocka_unit_test(test_depthwise_and_recompute_from_new_input),
        cmocka_unit_test(test_pool_ceil_mode),
        cmocka_unit_test(test_global_pool_flatten_gemm),
        cmocka_unit_test(test_slice_with_steps),
        cmocka_unit_test(test_pad_concat_transpose),
        cmocka_unit_test(test_broadcast_matmul_mean_reshape),
        cmocka_unit_test(test_order_dtype_and_structure_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
