/* TFLite import: the three shared MobileNets, and small hand-made models
 * (written with tests/import/tflite_build.h) for layouts, padding, axis
 * mapping, quantization parameters and every kind of error. */
#include "common/fm_test.h"

#include <stdio.h>
#include <string.h>

#include "flexmac/import.h"
#include "import/tflite_build.h"

enum { T_F32 = 0, T_F16 = 1, T_I32 = 2, T_U8 = 3, T_I8 = 9 };
enum { OP_ADD = 0, OP_AVG = 1, OP_CONCAT = 2, OP_CONV = 3, OP_DW = 4, OP_FC = 9, OP_MAX = 17,
       OP_RESHAPE = 22, OP_SOFTMAX = 25, OP_TANH = 28, OP_CUSTOM = 32, OP_PAD = 34, OP_MEAN = 40 };

static fm_status load_model(const tb_model *m, fm_graph **g, fm_error *e)
{
    size_t len;
    uint8_t *buf = tb_build(m, &len);
    fm_status st = fm_tflite_load_buffer(buf, len, "test.tflite", g, e);
    free(buf);
    return st;
}

static void check_mobilenet(const char *rel, int n_nodes, int64_t size, int ch0)
{
    char path[512];
    FM_REQUIRE_SHARED(path, rel);
    fm_graph *g = NULL;
    fm_error e = {0};
    fm_status st = fm_tflite_load(path, &g, &e);
    if (st != FM_OK)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(st, FM_OK);
    assert_int_equal(g->source, FM_SRC_TFLITE);
    assert_int_equal(g->n_nodes, n_nodes);
    const fm_tensor *in = &g->tensors[g->input], *out = &g->tensors[g->output];
    assert_int_equal(in->ndim, 4);
    assert_int_equal(in->shape[0], 1);
    assert_int_equal(in->shape[1], 3);
    assert_int_equal(in->shape[2], size);
    assert_int_equal(in->shape[3], size);
    assert_int_equal(in->dtype, FM_U8);
    assert_int_equal(in->q.n, 1);
    assert_int_equal(fm_tensor_numel(out), 1001);
    assert_int_equal(out->dtype, FM_U8);
    assert_int_equal(g->nodes[g->n_nodes - 1].op, FM_OP_SOFTMAX);
    /* first layer: 3x3 stride-2 SAME conv, uint8 OIHW weights, fused ReLU6 */
    const fm_node *c0 = &g->nodes[0];
    assert_int_equal(c0->op, FM_OP_CONV);
    assert_int_equal(c0->act, FM_ACT_RELU6);
    const fm_tensor *w = &g->tensors[c0->in[1]];
    assert_int_equal(w->dtype, FM_U8);
    assert_non_null(w->data);
    assert_int_equal(w->shape[0], ch0);
    assert_int_equal(w->shape[1], 3);
    assert_int_equal(c0->a.conv.sh, 2);
    /* TFLite SAME: total = (out-1)*2 + 3 - in = 1 for even in: before 0, after 1 */
    assert_int_equal(c0->a.conv.pad_t, 0);
    assert_int_equal(c0->a.conv.pad_b, 1);
    const fm_tensor *b = &g->tensors[c0->in[2]];
    assert_int_equal(b->dtype, FM_I32);
    assert_int_equal(b->q.n, 1);
    /* second layer: depthwise 3x3 */
    const fm_node *d1 = &g->nodes[1];
    assert_int_equal(d1->a.conv.group, ch0);
    assert_int_equal(g->tensors[d1->in[1]].shape[0], ch0);
    assert_int_equal(g->tensors[d1->in[1]].shape[1], 1);
    fm_graph_free(g);
}

static void test_mobilenet_v1_025_128(void **s)
{
    (void)s;
    check_mobilenet("models/mobilenet_v1_0.25_128_quant.tflite", 31, 128, 8);
}

static void test_mobilenet_v1_05_160(void **s)
{
    (void)s;
    check_mobilenet("models/mobilenet_v1_0.5_160_quant.tflite", 31, 160, 16);
}

static void test_mobilenet_v2_224(void **s)
{
    (void)s;
    check_mobilenet("models/mobilenet_v2_1.0_224_quant.tflite", 66, 224, 32);
    char path[512];
    FM_REQUIRE_SHARED(path, "models/mobilenet_v2_1.0_224_quant.tflite");
    fm_graph *g = NULL;
    assert_int_equal(fm_model_load(path, &g, NULL), FM_OK);
    int adds = 0;
    for (int i = 0; i < g->n_nodes; i++)
        adds += g->nodes[i].op == FM_OP_ADD;
    assert_int_equal(adds, 10); /* residual connections of MobileNetV2 */
    fm_graph_free(g);
}

/* conv: input [1,4,4,2] NHWC, filter OHWI [3,2,2,2] with distinct bytes */
static void conv_model(tb_model *m, uint8_t *wdata, int padding, int stride, int dil, int out_hw)
{
    memset(m, 0, sizeof *m);
    tb_q(tb_t(m, 0, "x", T_U8, 4, (int32_t[]){1, 4, 4, 2}), 0.5f, 10);
    tb_tensor *w = tb_t(m, 1, "w", T_U8, 4, (int32_t[]){3, 2, 2, 2});
    tb_q(w, 0.25f, 3);
    for (int i = 0; i < 24; i++)
        wdata[i] = (uint8_t)(i + 1);
    w->data = wdata;
    w->data_len = 24;
    static const int32_t bias[3] = {100, -200, 300};
    tb_tensor *b = tb_t(m, 2, "b", T_I32, 1, (int32_t[]){3});
    tb_q(b, 0.125f, 0);
    b->data = bias;
    b->data_len = sizeof bias;
    tb_q(tb_t(m, 3, "y", T_U8, 4, (int32_t[]){1, out_hw, out_hw, 3}), 1.0f, 5);
    m->n_ops = 1;
    m->op[0] = (tb_op){.code = OP_CONV, .n_in = 3, .in = {0, 1, 2}, .n_out = 1, .out = {3}, .opt_type = 1,
                       .n_opt = 6,
                       .opt = {{0, 1, (uint64_t)padding}, {1, 4, (uint64_t)stride}, {2, 4, (uint64_t)stride},
                               {3, 1, 3}, {4, 4, (uint64_t)dil}, {5, 4, (uint64_t)dil}}};
    m->n_inputs = m->n_outputs = 1;
    m->inputs[0] = 0;
    m->outputs[0] = 3;
}

static void test_conv_layout_and_qparams(void **s)
{
    (void)s;
    tb_model m;
    uint8_t wd[24];
    conv_model(&m, wd, 1 /* VALID */, 1, 1, 3);
    fm_graph *g;
    fm_error e = {0};
    assert_int_equal(load_model(&m, &g, &e), FM_OK);
    assert_int_equal(g->n_nodes, 1);
    const fm_node *n = &g->nodes[0];
    assert_int_equal(n->op, FM_OP_CONV);
    assert_int_equal(n->act, FM_ACT_RELU6);
    assert_int_equal(n->a.conv.group, 1);
    assert_int_equal(n->a.conv.pad_t + n->a.conv.pad_l + n->a.conv.pad_b + n->a.conv.pad_r, 0);
    const fm_tensor *x = &g->tensors[n->in[0]], *w = &g->tensors[n->in[1]];
    int64_t xs[4] = {1, 2, 4, 4}, ws[4] = {3, 2, 2, 2};
    assert_memory_equal(x->shape, xs, sizeof xs);
    assert_memory_equal(w->shape, ws, sizeof ws);
    /* OIHW[o][i][h][w] == OHWI[o][h][w][i] */
    const uint8_t *wi = w->data;
    for (int o = 0; o < 3; o++)
        for (int i = 0; i < 2; i++)
            for (int h = 0; h < 2; h++)
                for (int k = 0; k < 2; k++)
                    assert_int_equal(wi[((o * 2 + i) * 2 + h) * 2 + k], wd[((o * 2 + h) * 2 + k) * 2 + i]);
    assert_int_equal(w->q.n, 1);
    assert_true(w->q.scale[0] == 0.25f);
    assert_int_equal(w->q.zero_point[0], 3);
    assert_int_equal(x->q.zero_point[0], 10);
    assert_int_equal(g->tensors[n->in[2]].dtype, FM_I32);
    assert_string_equal(g->tensors[g->output].name, "y");
    fm_graph_free(g);
}

static void expect_pads(int padding, int stride, int dil, int out_hw, int pt, int pb)
{
    tb_model m;
    uint8_t wd[24];
    conv_model(&m, wd, padding, stride, dil, out_hw);
    fm_graph *g;
    fm_error e = {0};
    fm_status st = load_model(&m, &g, &e);
    if (st != FM_OK)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(st, FM_OK);
    assert_int_equal(g->nodes[0].a.conv.pad_t, pt);
    assert_int_equal(g->nodes[0].a.conv.pad_l, pt);
    assert_int_equal(g->nodes[0].a.conv.pad_b, pb);
    assert_int_equal(g->nodes[0].a.conv.pad_r, pb);
    fm_graph_free(g);
}

static void test_same_padding_rule(void **s)
{
    (void)s;
    /* in 4, k 2: stride 1 -> out 4, total (4-1)+2-4 = 1: 0 before, 1 after */
    expect_pads(0, 1, 1, 4, 0, 1);
    /* stride 2 -> out 2, total (2-1)*2+2-4 = 0 */
    expect_pads(0, 2, 1, 2, 0, 0);
    /* dilation 3: effective k 4, stride 1 -> out 4, total 3+4-4 = 3: 1 before, 2 after */
    expect_pads(0, 1, 3, 4, 1, 2);
    /* stride 3 -> out 2, total 3+2-4 = 1 */
    expect_pads(0, 3, 1, 2, 0, 1);
    /* VALID, dilation 2: effective 3, out (4-3)/1+1 = 2 */
    expect_pads(1, 1, 2, 2, 0, 0);
    /* an output size that contradicts the rule is a corrupt file */
    tb_model m;
    uint8_t wd[24];
    conv_model(&m, wd, 0, 1, 1, 3);
    fm_graph *g;
    fm_error e = {0};
    assert_int_equal(load_model(&m, &g, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "operator 0 (CONV_2D, output 'y')"));
}

static void test_depthwise_per_channel_int8(void **s)
{
    (void)s;
    tb_model m = {0};
    tb_q(tb_t(&m, 0, "x", T_I8, 4, (int32_t[]){1, 3, 3, 2}), 0.5f, -1);
    tb_tensor *w = tb_t(&m, 1, "dw", T_I8, 4, (int32_t[]){1, 2, 2, 4}); /* C = 2, multiplier 2 */
    static int8_t wd[16];
    for (int i = 0; i < 16; i++)
        wd[i] = (int8_t)(i - 8);
    w->data = wd;
    w->data_len = 16;
    w->nq = 4;
    w->qdim = 3;
    for (int i = 0; i < 4; i++) {
        w->scale[i] = 0.1f * (float)(i + 1);
        w->zp[i] = 0;
    }
    tb_q(tb_t(&m, 2, "y", T_I8, 4, (int32_t[]){1, 2, 2, 4}), 1.0f, 0);
    m.n_ops = 1;
    m.op[0] = (tb_op){.code = OP_DW, .n_in = 3, .in = {0, 1, -1}, .n_out = 1, .out = {2}, .opt_type = 2,
                      .n_opt = 4, .opt = {{0, 1, 1}, {1, 4, 1}, {2, 4, 1}, {3, 4, 2}}};
    m.n_inputs = m.n_outputs = 1;
    m.outputs[0] = 2;
    fm_graph *g;
    fm_error e = {0};
    assert_int_equal(load_model(&m, &g, &e), FM_OK);
    const fm_node *n = &g->nodes[0];
    assert_int_equal(n->a.conv.group, 2);
    assert_int_equal(n->n_in, 2); /* absent bias (-1) dropped */
    const fm_tensor *wt = &g->tensors[n->in[1]];
    int64_t ws[4] = {4, 1, 2, 2};
    assert_memory_equal(wt->shape, ws, sizeof ws);
    assert_int_equal(wt->dtype, FM_I8);
    assert_int_equal(wt->q.n, 4);
    assert_int_equal(wt->q.axis, 0); /* TFLite dim 3 -> IR output-channel axis 0 */
    assert_true(wt->q.scale[2] == 0.3f);
    const int8_t *wi = wt->data;
    for (int oc = 0; oc < 4; oc++)
        for (int h = 0; h < 2; h++)
            for (int k = 0; k < 2; k++)
                assert_int_equal(wi[(oc * 2 + h) * 2 + k], wd[(h * 2 + k) * 4 + oc]);
    fm_graph_free(g);
    /* depth_multiplier inconsistent with the filter */
    m.op[0].opt[3].v = 3;
    assert_int_equal(load_model(&m, &g, &e), FM_ERR_FORMAT);
}

/* input x (shape xs) -> op -> y (shape ys), uint8 scale 1 zp 0 throughout. */
static void unary_model(tb_model *m, int code, int ndim_x, const int32_t *xs, int ndim_y, const int32_t *ys)
{
    memset(m, 0, sizeof *m);
    tb_q(tb_t(m, 0, "x", T_U8, ndim_x, xs), 1.0f, 0);
    tb_q(tb_t(m, 1, "y", T_U8, ndim_y, ys), 1.0f, 0);
    m->n_ops = 1;
    m->op[0] = (tb_op){.code = code, .n_in = 1, .in = {0}, .n_out = 1, .out = {1}};
    m->n_inputs = m->n_outputs = 1;
    m->outputs[0] = 1;
}

static void test_reshape_layout(void **s)
{
    (void)s;
    tb_model m;
    fm_graph *g;
    fm_error e = {0};
    /* [1,1,1,10] -> [1,10]: NHWC and NCHW orders agree, a plain reshape */
    unary_model(&m, OP_RESHAPE, 4, (int32_t[]){1, 1, 1, 10}, 2, (int32_t[]){1, 10});
    assert_int_equal(load_model(&m, &g, &e), FM_OK);
    assert_int_equal(g->n_nodes, 1);
    assert_int_equal(g->nodes[0].op, FM_OP_RESHAPE);
    fm_graph_free(g);
    /* [1,2,2,3] -> [1,12] flattens in NHWC order: transpose first */
    unary_model(&m, OP_RESHAPE, 4, (int32_t[]){1, 2, 2, 3}, 2, (int32_t[]){1, 12});
    assert_int_equal(load_model(&m, &g, &e), FM_OK);
    assert_int_equal(g->n_nodes, 2);
    assert_int_equal(g->nodes[0].op, FM_OP_TRANSPOSE);
    assert_int_equal(g->nodes[0].a.transpose.perm[1], 2);
    assert_int_equal(g->nodes[0].a.transpose.perm[3], 1);
    assert_int_equal(g->nodes[1].op, FM_OP_RESHAPE);
    assert_int_equal(g->nodes[1].out[0], g->output);
    fm_graph_free(g);
    /* [1,12] -> [1,2,2,3]: reshape to NHWC, then transpose to NCHW */
    unary_model(&m, OP_RESHAPE, 2, (int32_t[]){1, 12}, 4, (int32_t[]){1, 2, 2, 3});
    assert_int_equal(load_model(&m, &g, &e), FM_OK);
    assert_int_equal(g->n_nodes, 2);
    assert_int_equal(g->nodes[1].op, FM_OP_TRANSPOSE);
    assert_int_equal(g->nodes[1].a.transpose.perm[1], 3);
    fm_graph_free(g);
    /* element counts differ */
    unary_model(&m, OP_RESHAPE, 2, (int32_t[]){1, 12}, 2, (int32_t[]){1, 11});
    assert_int_equal(load_model(&m, &g, &e), FM_ERR_FORMAT);
}

static void test_axes_mapping(void **s)
{
    (void)s;
    tb_model m;
    fm_graph *g;
    fm_error e = {0};
    /* softmax over the last NHWC axis is IR axis 1 */
    unary_model(&m, OP_SOFTMAX, 4, (int32_t[]){1, 2, 2, 5}, 4, (int32_t[]){1, 2, 2, 5});
    m.op[0].opt_type = 9;
    m.op[0].n_opt = 1;
    float one = 1.0f;
    uint32_t bits;
    memcpy(&bits, &one, 4);
    m.op[0].opt[0] = (fbf){0, 4, bits};
    assert_int_equal(load_model(&m, &g, &e), FM_OK);
    assert_int_equal(g->nodes[0].a.axis.axis, 1);
    fm_graph_free(g);
    /* beta != 1 is not supported */
    float two = 2.0f;
    memcpy(&bits, &two, 4);
    m.op[0].opt[0].v = bits;
    assert_int_equal(load_model(&m, &g, &e), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "SOFTMAX"));

    /* concatenation along NHWC axis -1 (channels) -> IR axis 1 */
    memset(&m, 0, sizeof m);
    tb_q(tb_t(&m, 0, "a", T_U8, 4, (int32_t[]){1, 2, 2, 3}), 1.0f, 0);
    tb_q(tb_t(&m, 1, "b", T_U8, 4, (int32_t[]){1, 2, 2, 4}), 1.0f, 0);
    tb_q(tb_t(&m, 2, "y", T_U8, 4, (int32_t[]){1, 2, 2, 7}), 1.0f, 0);
    m.n_ops = 1;
    m.op[0] = (tb_op){.code = OP_CONCAT, .n_in = 2, .in = {0, 1}, .n_out = 1, .out = {2}, .opt_type = 10,
                      .n_opt = 1, .opt = {{0, 4, (uint64_t)(uint32_t)-1}}};
    m.n_inputs = m.n_outputs = 1;
    m.outputs[0] = 2;
    assert_int_equal(load_model(&m, &g, &e), FM_ERR_FORMAT); /* b is never written: not a graph input */
    assert_non_null(strstr(e.msg, "'b'"));
    m.t[1].data = (uint8_t[16]){0};
    m.t[1].data_len = 16;
    assert_int_equal(load_model(&m, &g, &e), FM_OK);
    assert_int_equal(g->nodes[0].op, FM_OP_CONCAT);
    assert_int_equal(g->nodes[0].a.axis.axis, 1);
    fm_graph_free(g);

    /* MEAN over NHWC axes 1,2 without keep_dims: IR axes 2,3 */
    memset(&m, 0, sizeof m);
    static const int32_t axes[2] = {1, 2};
    tb_q(tb_t(&m, 0, "x", T_U8, 4, (int32_t[]){1, 3, 3, 4}), 1.0f, 0);
    tb_tensor *ax = tb_t(&m, 1, "axes", T_I32, 1, (int32_t[]){2});
    ax->data = axes;
    ax->data_len = sizeof axes;
    tb_q(tb_t(&m, 2, "y", T_U8, 2, (int32_t[]){1, 4}), 1.0f, 0);
    m.n_ops = 1;
    m.op[0] = (tb_op){.code = OP_MEAN, .n_in = 2, .in = {0, 1}, .n_out = 1, .out = {2}, .opt_type = 27,
                      .n_opt = 1, .opt = {{0, 1, 0}}};
    m.n_inputs = m.n_outputs = 1;
    m.outputs[0] = 2;
    assert_int_equal(load_model(&m, &g, &e), FM_OK);
    assert_int_equal(g->nodes[0].op, FM_OP_MEAN);
    assert_int_equal(g->nodes[0].a.reduce.axes_mask, 0xC);
    assert_int_equal(g->nodes[0].a.reduce.keepdims, 0);
    assert_int_equal(g->nodes[0].n_in, 1);
    fm_graph_free(g);

    /* PAD: NHWC paddings [[0,0],[1,2],[3,4],[0,0]] -> IR H 1/2, W 3/4 */
    memset(&m, 0, sizeof m);
    static const int32_t pads[8] = {0, 0, 1, 2, 3, 4, 0, 0};
    tb_q(tb_t(&m, 0, "x", T_U8, 4, (int32_t[]){1, 2, 2, 3}), 1.0f, 7);
    tb_tensor *pt = tb_t(&m, 1, "pads", T_I32, 2, (int32_t[]){4, 2});
    pt->data = pads;
    pt->data_len = sizeof pads;
    tb_q(tb_t(&m, 2, "y", T_U8, 4, (int32_t[]){1, 5, 9, 3}), 1.0f, 7);
    m.n_ops = 1;
    m.op[0] = (tb_op){.code = OP_PAD, .n_in = 2, .in = {0, 1}, .n_out = 1, .out = {2}};
    m.n_inputs = m.n_outputs = 1;
    m.outputs[0] = 2;
    assert_int_equal(load_model(&m, &g, &e), FM_OK);
    assert_int_equal(g->nodes[0].a.pad.begin[2], 1);
    assert_int_equal(g->nodes[0].a.pad.end[2], 2);
    assert_int_equal(g->nodes[0].a.pad.begin[3], 3);
    assert_int_equal(g->nodes[0].a.pad.end[3], 4);
    assert_int_equal(g->nodes[0].a.pad.begin[1], 0);
    fm_graph_free(g);
}

static void test_fully_connected(void **s)
{
    (void)s;
    tb_model m = {0};
    static uint8_t wd[6 * 4];
    tb_q(tb_t(&m, 0, "x", T_U8, 4, (int32_t[]){1, 1, 1, 4}), 1.0f, 0);
    tb_tensor *w = tb_t(&m, 1, "w", T_U8, 2, (int32_t[]){6, 4});
    tb_q(w, 1.0f, 0);
    w->data = wd;
    w->data_len = sizeof wd;
    tb_q(tb_t(&m, 2, "y", T_U8, 2, (int32_t[]){1, 6}), 1.0f, 0);
    m.n_ops = 1;
    m.op[0] = (tb_op){.code = OP_FC, .n_in = 3, .in = {0, 1, -1}, .n_out = 1, .out = {2}, .opt_type = 8,
                      .n_opt = 1, .opt = {{0, 1, 1}}};
    m.n_inputs = m.n_outputs = 1;
    m.outputs[0] = 2;
    fm_graph *g;
    fm_error e = {0};
    assert_int_equal(load_model(&m, &g, &e), FM_OK);
    assert_int_equal(g->n_nodes, 2); /* flatten [1,4,1,1] -> (1,4), then Gemm */
    assert_int_equal(g->nodes[0].op, FM_OP_RESHAPE);
    const fm_node *n = &g->nodes[1];
    assert_int_equal(n->op, FM_OP_GEMM);
    assert_int_equal(n->a.gemm.trans_b, 1);
    assert_int_equal(n->act, FM_ACT_RELU);
    assert_int_equal(g->tensors[n->in[1]].shape[0], 6);
    assert_int_equal(g->tensors[n->in[1]].shape[1], 4);
    assert_int_equal(fm_node_macs(g, n), 24);
    fm_graph_free(g);
}

static void test_unsupported(void **s)
{
    (void)s;
    tb_model m;
    fm_graph *g = (fm_graph *)1;
    fm_error e = {0};
    unary_model(&m, OP_TANH, 2, (int32_t[]){1, 4}, 2, (int32_t[]){1, 4});
    assert_int_equal(load_model(&m, &g, &e), FM_ERR_UNSUPPORTED);
    assert_null(g);
    assert_non_null(strstr(e.msg, "test.tflite: operator 0 (TANH, output 'y')"));

    unary_model(&m, OP_CUSTOM, 2, (int32_t[]){1, 4}, 2, (int32_t[]){1, 4});
    m.op[0].custom = "TFLite_Detection_PostProcess";
    assert_int_equal(load_model(&m, &g, &e), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "TFLite_Detection_PostProcess"));

    /* builtin_code beyond the deprecated byte (e.g. 150) */
    unary_model(&m, 150, 2, (int32_t[]){1, 4}, 2, (int32_t[]){1, 4});
    assert_int_equal(load_model(&m, &g, &e), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "BUILTIN_150"));

    unary_model(&m, OP_RESHAPE, 2, (int32_t[]){1, 4}, 2, (int32_t[]){1, 4});
    m.t[1].type = T_F16;
    assert_int_equal(load_model(&m, &g, &e), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "FLOAT16"));
    assert_non_null(strstr(e.msg, "'y'"));

    /* broadcasting ADD */
    memset(&m, 0, sizeof m);
    tb_q(tb_t(&m, 0, "a", T_U8, 2, (int32_t[]){1, 4}), 1.0f, 0);
    tb_q(tb_t(&m, 1, "b", T_U8, 1, (int32_t[]){4}), 1.0f, 0);
    m.t[1].data = (uint8_t[4]){0};
    m.t[1].data_len = 4;
    tb_q(tb_t(&m, 2, "y", T_U8, 2, (int32_t[]){1, 4}), 1.0f, 0);
    m.n_ops = 1;
    m.op[0] = (tb_op){.code = OP_ADD, .n_in = 2, .in = {0, 1}, .n_out = 1, .out = {2}};
    m.n_inputs = m.n_outputs = 1;
    m.outputs[0] = 2;
    assert_int_equal(load_model(&m, &g, &e), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "ADD"));
}

static void test_format_errors(void **s)
{
    (void)s;
    tb_model m;
    fm_graph *g;
    fm_error e = {0};
    size_t len;
    uint8_t *buf;

    /* wrong identifier */
    unary_model(&m, OP_RESHAPE, 2, (int32_t[]){1, 4}, 2, (int32_t[]){1, 4});
    buf = tb_build(&m, &len);
    buf[4] = 'X';
    assert_int_equal(fm_tflite_load_buffer(buf, len, "bad.tflite", &g, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "bad.tflite"));
    free(buf);
    assert_int_equal(fm_tflite_load_buffer("", 0, "empty.tflite", &g, &e), FM_ERR_FORMAT);

    /* tensor index out of range */
    m.op[0].out[0] = 7;
    assert_int_equal(load_model(&m, &g, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "tensor index 7"));

    /* constant buffer shorter than its shape */
    tb_model cm;
    uint8_t wd[24];
    conv_model(&cm, wd, 1, 1, 1, 3);
    cm.t[1].data_len = 23;
    assert_int_equal(load_model(&cm, &g, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "'w'"));

    /* options of the wrong union type for the operator */
    conv_model(&cm, wd, 1, 1, 1, 3);
    cm.op[0].opt_type = 5;
    assert_int_equal(load_model(&cm, &g, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "CONV_2D"));

    /* stride 0 */
    conv_model(&cm, wd, 1, 0, 1, 3);
    assert_int_equal(load_model(&cm, &g, &e), FM_ERR_FORMAT);

    /* per-channel scales that do not match the quantized dimension */
    conv_model(&cm, wd, 1, 1, 1, 3);
    cm.t[1].nq = 2;
    assert_int_equal(load_model(&cm, &g, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "'w'"));

    /* version other than 3 */
    unary_model(&m, OP_RESHAPE, 2, (int32_t[]){1, 4}, 2, (int32_t[]){1, 4});
    m.version = 2;
    assert_int_equal(load_model(&m, &g, &e), FM_ERR_UNSUPPORTED);

    /* missing file */
    assert_int_equal(fm_tflite_load("/nonexistent/x.tflite", &g, &e), FM_ERR_IO);
    assert_non_null(strstr(e.msg, "/nonexistent/x.tflite"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mobilenet_v1_025_128),
        cmocka_unit_test(test_mobilenet_v1_05_160),
        cmocka_unit_test(test_mobilenet_v2_224),
        cmocka_unit_test(test_conv_layout_and_qparams),
        cmocka_unit_test(test_same_padding_rule),
        cmocka_unit_test(test_depthwise_per_channel_int8),
        cmocka_unit_test(test_reshape_layout),
        cmocka_unit_test(test_axes_mapping),
        cmocka_unit_test(test_fully_connected),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_format_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
