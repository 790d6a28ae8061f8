/* ONNX importer on small models built in the test: operator attributes,
 * constant folding, BatchNorm folding and error reporting. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "import/onnx_test_builder.h"

static const int64_t IN4[4] = {-1, 4, 8, 8}; /* symbolic batch, 4x8x8 */

/* Loads b (freeing it), asserting success, and returns the graph. */
static fm_graph *load_ok(tb *b)
{
    fm_graph *g = NULL;
    fm_error err = {0};
    fm_status st = tb_load(b, &g, &err);
    tb_free(b);
    if (st != FM_OK)
        fail_msg("import failed: %s", err.msg);
    return g;
}

/* Loads b (freeing it), asserting the status and that msg contains each of
 * the NULL-terminated fragments. */
static void load_fails(tb *b, fm_status want, ...)
{
    fm_graph *g = (fm_graph *)0x1;
    fm_error err = {0};
    fm_status st = tb_load(b, &g, &err);
    tb_free(b);
    assert_null(g);
    if (st != want)
        fail_msg("status %s, want %s: %s", fm_status_name(st), fm_status_name(want), err.msg);
    va_list ap;
    va_start(ap, want);
    for (const char *frag; (frag = va_arg(ap, const char *));)
        if (!strstr(err.msg, frag))
            fail_msg("message \"%s\" lacks \"%s\"", err.msg, frag);
    va_end(ap);
}

static const fm_node *only_node(const fm_graph *g, fm_op op)
{
    const fm_node *found = NULL;
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == op) {
            assert_null(found);
            found = &g->nodes[i];
        }
    assert_non_null(found);
    return found;
}

static void assert_shape(const fm_tensor *t, int ndim, const int64_t *want)
{
    char a[64], b[64];
    if (t->ndim != ndim || memcmp(t->shape, want, (size_t)ndim * sizeof *want) != 0)
        fail_msg("tensor '%s' is %s, want %s", t->name, fm_shape_str(t->ndim, t->shape, a, 64),
                 fm_shape_str(ndim, want, b, 64));
}

static const fm_tensor *out_of(const fm_graph *g, const fm_node *n) { return &g->tensors[n->out[0]]; }

/* ------------------------------------------------------------------ conv */

static void test_conv_attrs(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    float w[8 * 2 * 3 * 3], bias[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (int i = 0; i < 144; i++)
        w[i] = (float)i;
    int64_t wd[4] = {8, 2, 3, 3}, bd[1] = {8};
    tb_init(b, tb_tensor_f(b, "W", 4, wd, w, 0)); /* float_data, not raw */
    tb_init_f(b, "B", 1, bd, bias);
    Onnx__NodeProto *n = tb_node(b, "Conv", "conv", "x,W,B", "y");
    tb_attr_i(b, n, "group", 2);
    tb_attr_ints(b, n, "strides", 2, (int64_t[]){2, 1});
    tb_attr_ints(b, n, "dilations", 2, (int64_t[]){2, 1});
    tb_attr_ints(b, n, "pads", 4, (int64_t[]){1, 0, 2, 1});
    tb_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){3, 3});
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    const fm_node *c = only_node(g, FM_OP_CONV);
    const fm_conv_attr *a = &c->a.conv;
    assert_int_equal(a->group, 2);
    assert_int_equal(a->sh, 2);
    assert_int_equal(a->sw, 1);
    assert_int_equal(a->dh, 2);
    assert_int_equal(a->dw, 1);
    assert_int_equal(a->pad_t, 1);
    assert_int_equal(a->pad_l, 0);
    assert_int_equal(a->pad_b, 2);
    assert_int_equal(a->pad_r, 1);
    assert_int_equal(c->n_in, 3);
    const float *wd_ = g->tensors[c->in[1]].data;
    assert_true(wd_[143] == 143.0f);
    /* H: (8+1+2-2*2-1)/2+1 = 4; W: (8+0+1-3)/1+1 = 7 */
    assert_shape(out_of(g, c), 4, (int64_t[]){1, 8, 4, 7});
    assert_shape(&g->tensors[g->input], 4, (int64_t[]){1, 4, 8, 8});
    fm_graph_free(g);
}

static fm_graph *conv_auto_pad(const char *mode, int depthwise)
{
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    int64_t wd[4] = {4, depthwise ? 1 : 4, 3, 3};
    float w[144] = {0};
    tb_init_f(b, "W", 4, wd, w);
    Onnx__NodeProto *n = tb_node(b, "Conv", "conv", "x,W", "y");
    tb_attr_s(b, n, "auto_pad", mode);
    tb_attr_ints(b, n, "strides", 2, (int64_t[]){2, 2});
    if (depthwise)
        tb_attr_i(b, n, "group", 4);
    tb_output(b, "y");
    return load_ok(b);
}

static void test_conv_auto_pad(void **s)
{
    (void)s;
    /* 8 / stride 2 -> 4 outputs; total pad (4-1)*2+3-8 = 1 */
    fm_graph *g = conv_auto_pad("SAME_UPPER", 0);
    const fm_conv_attr *a = &only_node(g, FM_OP_CONV)->a.conv;
    assert_true(a->pad_t == 0 && a->pad_b == 1 && a->pad_l == 0 && a->pad_r == 1);
    assert_shape(&g->tensors[g->output], 4, (int64_t[]){1, 4, 4, 4});
    assert_int_equal(only_node(g, FM_OP_CONV)->n_in, 2); /* no bias */
    fm_graph_free(g);
    g = conv_auto_pad("SAME_LOWER", 1);
    a = &only_node(g, FM_OP_CONV)->a.conv;
    assert_true(a->pad_t == 1 && a->pad_b == 0 && a->pad_l == 1 && a->pad_r == 0);
    assert_int_equal(a->group, 4);
    assert_shape(&g->tensors[g->output], 4, (int64_t[]){1, 4, 4, 4});
    fm_graph_free(g);
    g = conv_auto_pad("VALID", 0);
    a = &only_node(g, FM_OP_CONV)->a.conv;
    assert_true(a->pad_t == 0 && a->pad_b == 0 && a->pad_l == 0 && a->pad_r == 0);
    assert_shape(&g->tensors[g->output], 4, (int64_t[]){1, 4, 3, 3});
    fm_graph_free(g);
}

static void test_conv_unsupported_attr(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    float w[144] = {0};
    tb_init_f(b, "W", 4, (int64_t[]){4, 4, 3, 3}, w);
    Onnx__NodeProto *n = tb_node(b, "Conv", "c1", "x,W", "y");
    tb_attr_s(b, n, "auto_pad", "SAME_SIDEWAYS");
    tb_output(b, "y");
    load_fails(b, FM_ERR_UNSUPPORTED, "test.onnx", "node 'c1' (Conv)", "auto_pad", NULL);

    b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    tb_init_f(b, "W", 4, (int64_t[]){4, 4, 3, 3}, w);
    n = tb_node(b, "Conv", "c2", "x,W", "y");
    tb_attr_ints(b, n, "kernel_shape", 3, (int64_t[]){3, 3, 3});
    tb_output(b, "y");
    load_fails(b, FM_ERR_UNSUPPORTED, "node 'c2' (Conv)", "kernel_shape", NULL);
}

/* ----------------------------------------------------------------- pools */

static void test_pools(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, (int64_t[]){1, 2, 5, 5});
    Onnx__NodeProto *n = tb_node(b, "MaxPool", "mp", "x", "m");
    tb_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){2, 2});
    tb_attr_ints(b, n, "strides", 2, (int64_t[]){2, 2});
    tb_attr_i(b, n, "ceil_mode", 1);
    n = tb_node(b, "AveragePool", "ap", "m", "a");
    tb_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){3, 3});
    tb_attr_ints(b, n, "pads", 4, (int64_t[]){1, 1, 1, 1});
    tb_attr_i(b, n, "count_include_pad", 1);
    tb_node(b, "GlobalAveragePool", "gap", "a", "y");
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    const fm_node *mp = only_node(g, FM_OP_MAXPOOL), *ap = only_node(g, FM_OP_AVGPOOL);
    assert_int_equal(mp->a.pool.ceil_mode, 1);
    assert_int_equal(mp->a.pool.kh, 2);
    assert_int_equal(mp->a.pool.sh, 2);
    assert_shape(out_of(g, mp), 4, (int64_t[]){1, 2, 3, 3}); /* ceil(3/2)+1 */
    assert_int_equal(ap->a.pool.count_include_pad, 1);
    assert_int_equal(ap->a.pool.ceil_mode, 0);
    assert_int_equal(ap->a.pool.pad_t + ap->a.pool.pad_r, 2);
    assert_shape(out_of(g, ap), 4, (int64_t[]){1, 2, 3, 3});
    assert_shape(&g->tensors[g->output], 4, (int64_t[]){1, 2, 1, 1});
    fm_graph_free(g);
}

static void test_reduce_mean(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    Onnx__NodeProto *n = tb_node(b, "ReduceMean", "rm", "x", "m");
    tb_attr_ints(b, n, "axes", 2, (int64_t[]){-2, -1});
    n = tb_node(b, "ReduceMean", "rm2", "m", "y");
    tb_attr_ints(b, n, "axes", 1, (int64_t[]){1});
    tb_attr_i(b, n, "keepdims", 0);
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    only_node(g, FM_OP_GLOBALAVGPOOL); /* spatial mean with keepdims */
    const fm_node *m = only_node(g, FM_OP_MEAN);
    assert_int_equal(m->a.reduce.axes_mask, 2);
    assert_int_equal(m->a.reduce.keepdims, 0);
    assert_shape(&g->tensors[g->output], 3, (int64_t[]){1, 1, 1});
    fm_graph_free(g);
}

/* ------------------------------------------------------------ gemm/matmul */

static void test_gemm_trans_b0_alpha_beta(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 2, (int64_t[]){-1, 3});
    float bm[6] = {1, 2, 3, 4, 5, 6}; /* B (K=3, N=2) */
    float cv[2] = {10, 20};
    tb_init_f(b, "B", 2, (int64_t[]){3, 2}, bm);
    tb_init_f(b, "C", 1, (int64_t[]){2}, cv);
    Onnx__NodeProto *n = tb_node(b, "Gemm", "fc", "x,B,C", "y");
    tb_attr_f(b, n, "alpha", 2.0f);
    tb_attr_f(b, n, "beta", 0.5f);
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    const fm_node *fc = only_node(g, FM_OP_GEMM);
    assert_int_equal(fc->a.gemm.trans_b, 1);
    assert_int_equal(fc->a.gemm.trans_a, 0);
    assert_true(fc->a.gemm.alpha == 1.0f && fc->a.gemm.beta == 1.0f);
    const fm_tensor *w = &g->tensors[fc->in[1]];
    assert_shape(w, 2, (int64_t[]){2, 3});
    /* W = alpha * B^T */
    const float want_w[6] = {2, 6, 10, 4, 8, 12};
    assert_memory_equal(w->data, want_w, sizeof want_w);
    const float *bias = g->tensors[fc->in[2]].data;
    assert_true(bias[0] == 5.0f && bias[1] == 10.0f);
    assert_shape(&g->tensors[g->output], 2, (int64_t[]){1, 2});
    fm_graph_free(g);
}

static void test_gemm_trans_a_unsupported(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 2, (int64_t[]){3, 1});
    float bm[6] = {0};
    tb_init_f(b, "B", 2, (int64_t[]){3, 2}, bm);
    Onnx__NodeProto *n = tb_node(b, "Gemm", "fc", "x,B", "y");
    tb_attr_i(b, n, "transA", 1);
    tb_output(b, "y");
    load_fails(b, FM_ERR_UNSUPPORTED, "node 'fc' (Gemm)", "transA", NULL);
}

static void test_matmul(void **s)
{
    (void)s;
    /* constant 2-D B: a GEMM with W = B^T */
    tb *b = tb_new(13);
    tb_input(b, "x", 2, (int64_t[]){-1, 3});
    float bm[6] = {1, 2, 3, 4, 5, 6};
    tb_init_f(b, "B", 2, (int64_t[]){3, 2}, bm);
    tb_node(b, "MatMul", "mm", "x,B", "y");
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    const fm_node *fc = only_node(g, FM_OP_GEMM);
    assert_int_equal(fc->n_in, 2);
    const float want_w[6] = {1, 3, 5, 2, 4, 6};
    assert_memory_equal(g->tensors[fc->in[1]].data, want_w, sizeof want_w);
    assert_int_equal(fm_node_macs(g, fc), 6);
    fm_graph_free(g);

    /* two computed operands stay a MatMul */
    b = tb_new(13);
    tb_input(b, "x", 3, (int64_t[]){-1, 4, 5});
    tb_node(b, "Transpose", "t", "x", "xt");
    tb_attr_ints(b, b->nodes[0], "perm", 3, (int64_t[]){0, 2, 1});
    tb_node(b, "MatMul", "mm", "x,xt", "y");
    tb_output(b, "y");
    g = load_ok(b);
    const fm_node *mm = only_node(g, FM_OP_MATMUL);
    assert_shape(out_of(g, mm), 3, (int64_t[]){1, 4, 4});
    assert_int_equal(only_node(g, FM_OP_TRANSPOSE)->a.transpose.perm[1], 2);
    fm_graph_free(g);
}

/* ------------------------------------------------------------ elementwise */

static void test_add_mul_sub_div_constants(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    float c4[4] = {1, 2, 4, 8};
    tb_init_f(b, "c", 3, (int64_t[]){4, 1, 1}, c4);
    tb_node(b, "Add", "add", "c,x", "a");  /* constant first */
    tb_node(b, "Mul", "mul", "a,c", "m");
    tb_node(b, "Sub", "sub", "m,c", "s");
    tb_node(b, "Div", "div", "s,c", "d");
    tb_node(b, "Add", "add2", "d,x", "y"); /* two activations */
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    int adds = 0, muls = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const fm_node *n = &g->nodes[i];
        adds += n->op == FM_OP_ADD;
        muls += n->op == FM_OP_MUL;
        assert_null(g->tensors[n->in[0]].data); /* activation first */
        assert_shape(out_of(g, n), 4, (int64_t[]){1, 4, 8, 8});
        const float *k = g->tensors[n->in[1]].data;
        if (!strcmp(n->name, "sub"))
            assert_true(n->op == FM_OP_ADD && k[3] == -8.0f);
        if (!strcmp(n->name, "div"))
            assert_true(n->op == FM_OP_MUL && k[2] == 0.25f);
    }
    assert_int_equal(adds, 3);
    assert_int_equal(muls, 2);
    fm_graph_free(g);
}

static void test_broadcast_mismatch(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    float c5[5] = {0};
    tb_init_f(b, "c", 1, (int64_t[]){5}, c5);
    tb_node(b, "Add", "bad_add", "x,c", "y");
    tb_output(b, "y");
    load_fails(b, FM_ERR_SHAPE, "test.onnx", "bad_add", "broadcast", NULL);
}

static void test_clip(void **s)
{
    (void)s;
    /* opset 13: min/max inputs, max absent */
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    float lo = -1.5f;
    tb_init_f(b, "lo", 0, NULL, &lo);
    tb_node(b, "Clip", "clip", "x,lo,", "y");
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    const fm_node *c = only_node(g, FM_OP_CLIP);
    assert_true(c->a.clip.min == -1.5f && c->a.clip.max == FLT_MAX);
    fm_graph_free(g);
    /* opset 6: attributes */
    b = tb_new(6);
    tb_input(b, "x", 4, IN4);
    Onnx__NodeProto *n = tb_node(b, "Clip", "clip", "x", "y");
    tb_attr_f(b, n, "min", 0.0f);
    tb_attr_f(b, n, "max", 6.0f);
    tb_output(b, "y");
    g = load_ok(b);
    c = only_node(g, FM_OP_CLIP);
    assert_true(c->a.clip.min == 0.0f && c->a.clip.max == 6.0f);
    fm_graph_free(g);
}

/* ---------------------------------------------------------- batch norm */

static tb *conv_bn_model(int extra_consumer)
{
    tb *b = tb_new(13);
    tb_input(b, "x", 4, (int64_t[]){1, 1, 4, 4});
    float w[2] = {2.0f, -3.0f}, cb[2] = {0.5f, 1.0f};
    float sc[2] = {1.5f, 0.5f}, be[2] = {0.25f, -1.0f}, mu[2] = {1.0f, -2.0f}, var[2] = {4.0f, 0.25f};
    tb_init_f(b, "W", 4, (int64_t[]){2, 1, 1, 1}, w);
    tb_init_f(b, "cb", 1, (int64_t[]){2}, cb);
    tb_init_f(b, "sc", 1, (int64_t[]){2}, sc);
    tb_init_f(b, "be", 1, (int64_t[]){2}, be);
    tb_init_f(b, "mu", 1, (int64_t[]){2}, mu);
    tb_init_f(b, "var", 1, (int64_t[]){2}, var);
    tb_node(b, "Conv", "conv", "x,W,cb", "c");
    Onnx__NodeProto *n = tb_node(b, "BatchNormalization", "bn", "c,sc,be,mu,var", "y0");
    tb_attr_f(b, n, "epsilon", 0.0f); /* exact hand values below */
    if (extra_consumer) {
        tb_node(b, "Relu", "relu", "c", "r");
        tb_node(b, "Add", "add", "y0,r", "y");
    } else {
        tb_node(b, "Relu", "relu", "y0", "y");
    }
    tb_output(b, "y");
    return b;
}

static void test_batchnorm_folded(void **s)
{
    (void)s;
    fm_graph *g = load_ok(conv_bn_model(0));
    assert_int_equal(g->n_nodes, 2); /* Conv, Relu */
    const fm_node *c = only_node(g, FM_OP_CONV);
    const float *w = g->tensors[c->in[1]].data, *bias = g->tensors[c->in[2]].data;
    /* k = scale / sqrt(var + eps): k0 = 1.5/2 = 0.75, k1 = 0.5/0.5 = 1
     * W' = W*k; b' = (b - mean)*k + beta */
    assert_true(w[0] == 1.5f && w[1] == -3.0f);
    assert_true(bias[0] == (0.5f - 1.0f) * 0.75f + 0.25f);
    assert_true(bias[1] == (1.0f + 2.0f) * 1.0f - 1.0f);
    /* the conv now writes the BN's output; unused BN params are gone */
    assert_string_equal(out_of(g, c)->name, "y0");
    assert_int_equal(fm_graph_find_tensor(g, "mu"), -1);
    assert_int_equal(fm_graph_find_tensor(g, "c"), -1);
    fm_graph_free(g);
}

static void test_batchnorm_kept_when_shared(void **s)
{
    (void)s;
    fm_graph *g = load_ok(conv_bn_model(1));
    const fm_node *bn = only_node(g, FM_OP_BATCHNORM);
    assert_true(bn->a.bn.eps == 0.0f);
    assert_int_equal(bn->n_in, 5);
    const float *w = g->tensors[only_node(g, FM_OP_CONV)->in[1]].data;
    assert_true(w[0] == 2.0f); /* untouched */
    fm_graph_free(g);
}

/* ----------------------------------------------------- shape operators */

static void test_reshape_flatten_squeeze(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    tb_init_ints(b, "shape", 3, (int64_t[]){0, -1, 16});
    tb_node(b, "Reshape", "rs", "x,shape", "r"); /* 1x16x16 */
    tb_init_ints(b, "ax", 1, (int64_t[]){1});
    tb_node(b, "Unsqueeze", "us", "r,ax", "u"); /* 1x1x16x16 */
    tb_node(b, "Squeeze", "sq", "u,ax", "q");   /* 1x16x16 */
    Onnx__NodeProto *n = tb_node(b, "Flatten", "fl", "q", "y");
    tb_attr_i(b, n, "axis", -1);
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    assert_int_equal(g->n_nodes, 4);
    assert_shape(out_of(g, &g->nodes[0]), 3, (int64_t[]){1, 16, 16});
    assert_shape(out_of(g, &g->nodes[1]), 4, (int64_t[]){1, 1, 16, 16});
    assert_shape(out_of(g, &g->nodes[2]), 3, (int64_t[]){1, 16, 16});
    assert_int_equal(g->nodes[3].a.axis.axis, 2);
    assert_shape(&g->tensors[g->output], 2, (int64_t[]){16, 16});
    fm_graph_free(g);
}

static void test_pad(void **s)
{
    (void)s;
    /* opset 13: pads and value as inputs */
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    tb_init_ints(b, "pads", 8, (int64_t[]){0, 1, 2, 0, 0, 3, 0, 4});
    float v = -1.0f;
    tb_init_f(b, "v", 0, NULL, &v);
    tb_node(b, "Pad", "pad", "x,pads,v", "y");
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    const fm_node *p = only_node(g, FM_OP_PAD);
    const int64_t wb[4] = {0, 1, 2, 0}, we[4] = {0, 3, 0, 4};
    assert_memory_equal(p->a.pad.begin, wb, sizeof wb);
    assert_memory_equal(p->a.pad.end, we, sizeof we);
    assert_true(p->a.pad.value == -1.0f);
    assert_shape(&g->tensors[g->output], 4, (int64_t[]){1, 8, 10, 12});
    fm_graph_free(g);
    /* opset 2: attributes */
    b = tb_new(2);
    tb_input(b, "x", 4, IN4);
    Onnx__NodeProto *n = tb_node(b, "Pad", "pad", "x", "y");
    tb_attr_ints(b, n, "pads", 8, (int64_t[]){0, 0, 1, 1, 0, 0, 1, 1});
    tb_attr_f(b, n, "value", 2.0f);
    tb_output(b, "y");
    g = load_ok(b);
    p = only_node(g, FM_OP_PAD);
    assert_true(p->a.pad.begin[2] == 1 && p->a.pad.end[3] == 1 && p->a.pad.value == 2.0f);
    fm_graph_free(g);
    /* reflect mode is not supported */
    b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    tb_init_ints(b, "pads", 8, (int64_t[]){0, 0, 1, 1, 0, 0, 1, 1});
    n = tb_node(b, "Pad", "rpad", "x,pads", "y");
    tb_attr_s(b, n, "mode", "reflect");
    tb_output(b, "y");
    load_fails(b, FM_ERR_UNSUPPORTED, "node 'rpad' (Pad)", "mode", "reflect", NULL);
}

static void test_slice_normalized(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, (int64_t[]){1, 6, 8, 8});
    /* axis -1: [-3 : INT64_MAX]; axis 2: [0 : INT64_MAX : 2]; axis 1 reversed */
    tb_init_ints(b, "st", 3, (int64_t[]){-3, 0, -1});
    tb_init_ints(b, "en", 3, (int64_t[]){INT64_MAX, INT64_MAX, -INT64_MAX});
    tb_init_ints(b, "ax", 3, (int64_t[]){-1, 2, 1});
    tb_init_ints(b, "sp", 3, (int64_t[]){1, 2, -2});
    tb_node(b, "Slice", "sl", "x,st,en,ax,sp", "y");
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    const fm_node *n = only_node(g, FM_OP_SLICE);
    const int64_t ws[4] = {0, 5, 0, 5}, we[4] = {1, -1, 8, 8}, wp[4] = {1, -2, 2, 1};
    assert_memory_equal(n->a.slice.start, ws, sizeof ws);
    assert_memory_equal(n->a.slice.end, we, sizeof we);
    assert_memory_equal(n->a.slice.step, wp, sizeof wp);
    assert_shape(&g->tensors[g->output], 4, (int64_t[]){1, 3, 4, 3});
    fm_graph_free(g);
}

static void test_concat_transpose_softmax_lrn(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    float k[64] = {0};
    tb_init_f(b, "k", 4, (int64_t[]){1, 1, 8, 8}, k);
    Onnx__NodeProto *n = tb_node(b, "Concat", "cat", "x,k,x", "c");
    tb_attr_i(b, n, "axis", -3);
    n = tb_node(b, "LRN", "lrn", "c", "l");
    tb_attr_i(b, n, "size", 5);
    n = tb_node(b, "Transpose", "tr", "l", "t");
    tb_attr_ints(b, n, "perm", 4, (int64_t[]){0, 2, 3, 1});
    tb_node(b, "Softmax", "sm", "t", "y");
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    const fm_node *c = only_node(g, FM_OP_CONCAT);
    assert_int_equal(c->a.axis.axis, 1);
    assert_int_equal(c->n_in, 3);
    assert_shape(out_of(g, c), 4, (int64_t[]){1, 9, 8, 8});
    const fm_node *l = only_node(g, FM_OP_LRN);
    assert_int_equal(l->a.lrn.size, 5);
    assert_true(fabsf(l->a.lrn.alpha - 1e-4f) < 1e-9f && l->a.lrn.beta == 0.75f && l->a.lrn.bias == 1.0f);
    assert_shape(&g->tensors[g->output], 4, (int64_t[]){1, 8, 8, 9});
    assert_int_equal(only_node(g, FM_OP_SOFTMAX)->a.axis.axis, 3);
    fm_graph_free(g);
}

static void test_identity_dropout_eliminated(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    tb_node(b, "Relu", "r1", "x", "a");
    tb_node(b, "Dropout", "drop", "a", "d,mask");
    tb_node(b, "Identity", "id", "d", "i");
    tb_node(b, "Relu", "r2", "i", "r");
    tb_node(b, "Identity", "id_out", "r", "y");
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    assert_int_equal(g->n_nodes, 2);
    assert_int_equal(g->nodes[0].op, FM_OP_RELU);
    assert_int_equal(g->nodes[1].op, FM_OP_RELU);
    assert_int_equal(g->nodes[1].in[0], g->nodes[0].out[0]);
    assert_string_equal(g->tensors[g->output].name, "y"); /* output keeps its name */
    fm_graph_free(g);
}

/* ----------------------------------------------------- constant folding */

/* The PyTorch option-A shortcut's pad subgraph, as in resnet20.onnx:
 * pads = Cast(Reshape(Transpose(Slice(Reshape(Concat(c, ConstantOfShape)))))) */
static void test_fold_pytorch_pad_subgraph(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, (int64_t[]){-1, 16, 8, 8});
    tb_const_ints(b, "c9", 6, (int64_t[]){0, 0, 0, 0, 8, 8});
    tb_const_ints(b, "c8", 1, (int64_t[]){2});
    Onnx__NodeProto *n = tb_node(b, "ConstantOfShape", "cos", "c8", "zeros");
    tb_attr_t(b, n, "value", tb_tensor_i64(b, "", 1, (int64_t[]){1}, (int64_t[]){0}));
    n = tb_node(b, "Concat", "cat", "c9,zeros", "p8");
    tb_attr_i(b, n, "axis", 0);
    tb_const_ints(b, "c10", 2, (int64_t[]){-1, 2});
    tb_node(b, "Reshape", "rs", "p8,c10", "p42");
    tb_const_ints(b, "s0", 1, (int64_t[]){-1});
    tb_const_ints(b, "s1", 1, (int64_t[]){-INT64_MAX});
    tb_const_ints(b, "s2", 1, (int64_t[]){0});
    tb_const_ints(b, "s3", 1, (int64_t[]){-1});
    tb_node(b, "Slice", "rev", "p42,s0,s1,s2,s3", "prev");
    n = tb_node(b, "Transpose", "tr", "prev", "pt");
    tb_attr_ints(b, n, "perm", 2, (int64_t[]){1, 0});
    tb_const_ints(b, "m1", 1, (int64_t[]){-1});
    tb_node(b, "Reshape", "rs1", "pt,m1", "pflat");
    n = tb_node(b, "Cast", "cast", "pflat", "pads");
    tb_attr_i(b, n, "to", 7);
    tb_node(b, "Pad", "pad", "x,pads,", "y");
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    assert_int_equal(g->n_nodes, 1);
    const fm_node *p = only_node(g, FM_OP_PAD);
    const int64_t want[4] = {0, 8, 0, 0};
    assert_memory_equal(p->a.pad.begin, want, sizeof want);
    assert_memory_equal(p->a.pad.end, want, sizeof want);
    assert_int_equal(g->n_tensors, 2); /* x and y: all shape constants dropped */
    assert_shape(&g->tensors[g->output], 4, (int64_t[]){1, 32, 8, 8});
    fm_graph_free(g);
}

/* Reshape target computed from Shape(x): Shape, Gather, Unsqueeze, Concat,
 * plus Range/Equal/Where/Cast/Mul that compute the constant 4*8*8. */
static void test_fold_shape_of_activation(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    tb_node(b, "Shape", "shape", "x", "sh");
    tb_const_ints(b, "zero", 1, (int64_t[]){0});
    Onnx__NodeProto *n = tb_node(b, "Gather", "g0", "sh,zero", "n0");
    tb_attr_i(b, n, "axis", 0);
    tb_node(b, "Squeeze", "sq", "n0,zero", "n");       /* scalar batch */
    tb_node(b, "Unsqueeze", "us", "n,zero", "n1");     /* back to [1] */
    tb_const_ints(b, "idx", 3, (int64_t[]){1, 2, 3});
    tb_node(b, "Gather", "g1", "sh,idx", "chw");        /* [4, 8, 8] */
    tb_const_ints(b, "r0", 1, (int64_t[]){0});
    tb_node(b, "Squeeze", "r0s", "r0,zero", "r0sc");
    tb_const_ints(b, "r1", 1, (int64_t[]){3});
    tb_node(b, "Squeeze", "r1s", "r1,zero", "r1sc");
    tb_const_ints(b, "r2", 1, (int64_t[]){1});
    tb_node(b, "Squeeze", "r2s", "r2,zero", "r2sc");
    tb_node(b, "Range", "range", "r0sc,r1sc,r2sc", "rg");  /* [0, 1, 2] */
    tb_const_ints(b, "one", 1, (int64_t[]){1});
    tb_node(b, "Equal", "eq", "rg,zero", "is0");           /* [1, 0, 0] */
    tb_node(b, "Where", "where", "is0,chw,one", "sel");    /* [4, 1, 1] */
    tb_node(b, "Mul", "mul", "sel,chw", "prod");           /* [16, 8, 8] */
    n = tb_node(b, "Cast", "castf", "prod", "prodf");
    tb_attr_i(b, n, "to", 1);
    n = tb_node(b, "Cast", "casti", "prodf", "prodi");
    tb_attr_i(b, n, "to", 7);
    tb_const_ints(b, "g2i", 1, (int64_t[]){0});
    tb_node(b, "Gather", "g2", "prodi,g2i", "first");      /* [16] */
    tb_const_ints(b, "m1", 1, (int64_t[]){-1});
    n = tb_node(b, "Concat", "cat", "n1,first,m1", "target");
    tb_attr_i(b, n, "axis", 0);
    tb_node(b, "Reshape", "rs", "x,target", "y");
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    assert_int_equal(g->n_nodes, 1);
    only_node(g, FM_OP_RESHAPE);
    assert_shape(&g->tensors[g->output], 3, (int64_t[]){1, 16, 16});
    fm_graph_free(g);
}

static void test_fold_float_constants_into_weights(void **s)
{
    (void)s;
    /* W = Transpose(Wt) * 2 + 1, all folded before the conv reads it */
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    float wt[16];
    for (int i = 0; i < 16; i++)
        wt[i] = (float)i;
    tb_init_f(b, "Wt", 4, (int64_t[]){4, 4, 1, 1}, wt);
    Onnx__NodeProto *n = tb_node(b, "Transpose", "tw", "Wt", "W0");
    tb_attr_ints(b, n, "perm", 4, (int64_t[]){1, 0, 2, 3});
    n = tb_node(b, "Constant", "two", "", "two");
    tb_attr_f(b, n, "value_float", 2.0f);
    tb_node(b, "Mul", "mw", "W0,two", "W1");
    n = tb_node(b, "Constant", "one", "", "one");
    tb_attr_t(b, n, "value", tb_tensor_f(b, "", 0, NULL, (float[]){1.0f}, 0));
    tb_node(b, "Add", "aw", "W1,one", "W");
    tb_node(b, "Conv", "conv", "x,W", "y");
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    assert_int_equal(g->n_nodes, 1);
    const float *w = g->tensors[only_node(g, FM_OP_CONV)->in[1]].data;
    /* W[o][i] = Wt[i][o] * 2 + 1 */
    assert_true(w[0 * 4 + 1] == 4.0f * 2 + 1 && w[2 * 4 + 3] == 14.0f * 2 + 1);
    fm_graph_free(g);
}

/* --------------------------------------------------------- graph input */

static void test_graph_input_and_unsorted_nodes(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    float w[16] = {0};
    /* an initializer listed as a graph input comes first (old exporters) */
    tb_input(b, "W", 4, (int64_t[]){4, 4, 1, 1});
    tb_input(b, "x", 4, (int64_t[]){8, 4, 8, 8}); /* batch 8 -> stored 1 */
    tb_init_f(b, "W", 4, (int64_t[]){4, 4, 1, 1}, w);
    tb_node(b, "Relu", "second", "c", "y"); /* before its producer */
    tb_node(b, "Conv", "first", "x,W", "c");
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    assert_string_equal(g->tensors[g->input].name, "x");
    assert_int_equal(g->tensors[g->input].shape[0], 1);
    assert_int_equal(g->nodes[0].op, FM_OP_CONV);
    assert_int_equal(g->nodes[1].op, FM_OP_RELU);
    assert_string_equal(g->nodes[1].name, "second");
    fm_graph_free(g);
}

static void test_unnamed_node_gets_a_name(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    tb_node(b, "Relu", "", "x", "y");
    tb_output(b, "y");
    fm_graph *g = load_ok(b);
    assert_string_equal(g->nodes[0].name, "Relu_0");
    fm_graph_free(g);
}

/* ---------------------------------------------------------------- errors */

static void test_unsupported_operator(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    tb_node(b, "Relu", "r", "x", "a");
    tb_node(b, "HardSwish", "my_node", "a", "y");
    tb_output(b, "y");
    load_fails(b, FM_ERR_UNSUPPORTED, "test.onnx: node 'my_node' (HardSwish): unsupported operator",
               NULL);
}

static void test_unsupported_dtype(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    Onnx__TensorProto *t = tb_tensor(b, "half", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16, 1, (int64_t[]){1});
    t->n_int32_data = 1;
    t->int32_data = tb_alloc(b, sizeof(int32_t));
    tb_init(b, t);
    tb_node(b, "Add", "add", "x,half", "y");
    tb_output(b, "y");
    load_fails(b, FM_ERR_UNSUPPORTED, "test.onnx", "half", "data type 10", NULL);

    /* Cast to string in a folded subgraph names node and attribute */
    b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    tb_const_ints(b, "k", 1, (int64_t[]){1});
    Onnx__NodeProto *n = tb_node(b, "Cast", "tostr", "k", "ks");
    tb_attr_i(b, n, "to", 8);
    tb_node(b, "Reshape", "rs", "x,ks", "y");
    tb_output(b, "y");
    load_fails(b, FM_ERR_UNSUPPORTED, "node 'tostr' (Cast)", "'to'", NULL);
}

static void test_external_data(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    Onnx__TensorProto *t = tb_tensor(b, "big", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, (int64_t[]){4});
    t->has_data_location = 1;
    t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    Onnx__StringStringEntryProto *e = tb_alloc(b, sizeof *e);
    Onnx__StringStringEntryProto e0 = ONNX__STRING_STRING_ENTRY_PROTO__INIT;
    *e = e0;
    e->key = tb_str(b, "location");
    e->value = tb_str(b, "weights.bin");
    t->n_external_data = 1;
    t->external_data = tb_alloc(b, sizeof *t->external_data);
    t->external_data[0] = e;
    tb_init(b, t);
    tb_node(b, "Add", "add", "x,big", "y");
    tb_output(b, "y");
    load_fails(b, FM_ERR_UNSUPPORTED, "test.onnx", "'big'", "external data", NULL);
}

static void test_bad_tensor_data(void **s)
{
    (void)s;
    /* raw_data shorter than the dims say */
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    Onnx__TensorProto *t = tb_tensor_f(b, "w", 1, (int64_t[]){4}, (float[]){1, 2, 3, 4}, 1);
    t->raw_data.len = 12;
    tb_init(b, t);
    tb_node(b, "Add", "add", "x,w", "y");
    tb_output(b, "y");
    load_fails(b, FM_ERR_FORMAT, "test.onnx", "'w'", "raw_data", NULL);
    /* negative dim */
    b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    t = tb_tensor_f(b, "w", 1, (int64_t[]){1}, (float[]){1}, 0);
    t->dims[0] = -5;
    tb_init(b, t);
    tb_node(b, "Add", "add", "x,w", "y");
    tb_output(b, "y");
    load_fails(b, FM_ERR_FORMAT, "'w'", "dim", NULL);
}

static void test_dangling_reference(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    tb_node(b, "Add", "adder", "x,ghost", "y");
    tb_output(b, "y");
    load_fails(b, FM_ERR_FORMAT, "node 'adder' (Add)", "'ghost'", NULL);
    /* graph output nobody produces */
    b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    tb_node(b, "Relu", "r", "x", "y");
    tb_output(b, "z");
    load_fails(b, FM_ERR_FORMAT, "'z'", NULL);
    /* a cycle */
    b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    tb_node(b, "Add", "a1", "x,b", "a");
    tb_node(b, "Relu", "a2", "a", "b");
    tb_output(b, "b");
    load_fails(b, FM_ERR_FORMAT, "cycle", NULL);
}

static void test_shape_errors_name_node(void **s)
{
    (void)s;
    /* conv weights expect 3 input channels, x has 4 */
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    float w[27] = {0};
    tb_init_f(b, "W", 4, (int64_t[]){1, 3, 3, 3}, w);
    tb_node(b, "Conv", "conv_bad", "x,W", "y");
    tb_output(b, "y");
    load_fails(b, FM_ERR_SHAPE, "test.onnx", "node 'conv_bad' (Conv)", NULL);
    /* reshape to a wrong element count */
    b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    tb_init_ints(b, "shape", 2, (int64_t[]){1, 255});
    tb_node(b, "Reshape", "rs_bad", "x,shape", "y");
    tb_output(b, "y");
    load_fails(b, FM_ERR_SHAPE, "node 'rs_bad' (Reshape)", NULL);
    /* concat of mismatched tensors */
    b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    float k[16] = {0};
    tb_init_f(b, "k", 4, (int64_t[]){1, 1, 4, 4}, k);
    tb_node(b, "Concat", "cat_bad", "x,k", "y");
    tb_attr_i(b, b->nodes[0], "axis", 1);
    tb_output(b, "y");
    load_fails(b, FM_ERR_SHAPE, "cat_bad", NULL);
}

static void test_non_float_input_and_symbolic_dims(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, (int64_t[]){1, -1, 8, 8}); /* symbolic channel count */
    tb_node(b, "Relu", "r", "x", "y");
    tb_output(b, "y");
    load_fails(b, FM_ERR_UNSUPPORTED, "'x'", "dim 1", NULL);

    b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    b->inputs[0]->type->tensor_type->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__UINT8;
    tb_node(b, "Relu", "r", "x", "y");
    tb_output(b, "y");
    load_fails(b, FM_ERR_UNSUPPORTED, "'x'", "data type", NULL);
}

static void test_foreign_domain_and_wrong_attr_type(void **s)
{
    (void)s;
    tb *b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    Onnx__NodeProto *n = tb_node(b, "Relu", "msrelu", "x", "y");
    n->domain = tb_str(b, "com.microsoft");
    tb_output(b, "y");
    load_fails(b, FM_ERR_UNSUPPORTED, "node 'msrelu' (Relu)", "com.microsoft", NULL);

    b = tb_new(13);
    tb_input(b, "x", 4, IN4);
    n = tb_node(b, "Flatten", "fl", "x", "y");
    tb_attr_f(b, n, "axis", 1.0f);
    tb_output(b, "y");
    load_fails(b, FM_ERR_FORMAT, "node 'fl' (Flatten)", "'axis'", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_attrs),
        cmocka_unit_test(test_conv_auto_pad),
        cmocka_unit_test(test_conv_unsupported_attr),
        cmocka_unit_test(test_pools),
        cmocka_unit_test(test_reduce_mean),
        cmocka_unit_test(test_gemm_trans_b0_alpha_beta),
        cmocka_unit_test(test_gemm_trans_a_unsupported),
        cmocka_unit_test(test_matmul),
        cmocka_unit_test(test_add_mul_sub_div_constants),
        cmocka_unit_test(test_broadcast_mismatch),
        cmocka_unit_test(test_clip),
        cmocka_unit_test(test_batchnorm_folded),
        cmocka_unit_test(test_batchnorm_kept_when_shared),
        cmocka_unit_test(test_reshape_flatten_squeeze),
        cmocka_unit_test(test_pad),
        cmocka_unit_test(test_slice_normalized),
        cmocka_unit_test(test_concat_transpose_softmax_lrn),
        cmocka_unit_test(test_identity_dropout_eliminated),
        cmocka_unit_test(test_fold_pytorch_pad_subgraph),
        cmocka_unit_test(test_fold_shape_of_activation),
        cmocka_unit_test(test_fold_float_constants_into_weights),
        cmocka_unit_test(test_graph_input_and_unsorted_nodes),
        cmocka_unit_test(test_unnamed_node_gets_a_name),
        cmocka_unit_test(test_unsupported_operator),
        cmocka_unit_test(test_unsupported_dtype),
        cmocka_unit_test(test_external_data),
        cmocka_unit_test(test_bad_tensor_data),
        cmocka_unit_test(test_dangling_reference),
        cmocka_unit_test(test_shape_errors_name_node),
        cmocka_unit_test(test_non_float_input_and_symbolic_dims),
        cmocka_unit_test(test_foreign_domain_and_wrong_attr_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
