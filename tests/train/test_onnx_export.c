/* ONNX export (fm_onnx_save): a graph holding every exportable operator is
 * written, unpacked again with protobuf-c, and its nodes, attributes,
 * initializer bytes and input/output value infos checked; bad graphs and
 * unwritable paths fail with messages naming the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fm_test.h"
#include "flexmac/import.h"
#include "flexmac/train.h"
#include "onnx.pb-c.h"

static int add_act(fm_graph *g, const char *name, int ndim, int64_t a, int64_t b, int64_t c,
                   int64_t d)
{
    int64_t s[4] = {a, b, c, d};
    return fm_graph_add_tensor(g, name, FM_F32, ndim, s, NULL);
}

static int add_const(fm_graph *g, const char *name, int ndim, const int64_t *shape)
{
    int64_t n = fm_shape_numel(ndim, shape);
    float *d = malloc((size_t)n * sizeof *d);
    for (int64_t i = 0; i < n; i++)
        d[i] = (float)i * 0.25f - 1.0f;
    return fm_graph_add_tensor(g, name, FM_F32, ndim, shape, d);
}

static fm_node *node(fm_graph *g, fm_op op, const char *name, int in0, int in1, int in2, int out)
{
    fm_node *n = fm_graph_add_node(g, op, name);
    n->in[0] = in0;
    n->in[1] = in1;
    n->in[2] = in2;
    n->n_in = in2 >= 0 ? 3 : in1 >= 0 ? 2 : 1;
    n->out[0] = out;
    n->n_out = 1;
    return n;
}

/* x(1,2,8,8) -> conv(+relu fused) -> maxpool -> avgpool -> bn -> lrn -> pad
 * -> slice -> transpose -> clip -> add/mul -> concat -> globalavgpool ->
 * flatten -> gemm -> reshape -> mean -> softmax */
static fm_graph *all_ops_graph(void)
{
    fm_graph *g = fm_graph_new();
    int x = add_act(g, "x", 4, 1, 2, 8, 8);
    g->input = x;
    int64_t ws[4] = {4, 2, 3, 3}, bs[1] = {4}, cs[1] = {4};
    int w = add_const(g, "conv.w", 4, ws), b = add_const(g, "conv.b", 1, bs);
    int t1 = add_act(g, "t1", 4, 1, 4, 8, 8);
    fm_node *n = node(g, FM_OP_CONV, "conv", x, w, b, t1);
    n->a.conv = (fm_conv_attr){3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    n->act = FM_ACT_RELU;
    int t2 = add_act(g, "t2", 4, 1, 4, 4, 4);
    n = node(g, FM_OP_MAXPOOL, "pool", t1, -1, -1, t2);
    n->a.pool = (fm_pool_attr){2, 2, 2, 2, 0, 0, 0, 0, 0, 0};
    int t3 = add_act(g, "t3", 4, 1, 4, 4, 4);
    n = node(g, FM_OP_AVGPOOL, "avg", t2, -1, -1, t3);
    n->a.pool = (fm_pool_attr){3, 3, 1, 1, 1, 1, 1, 1, 1, 0};
    int sc = add_const(g, "bn.scale", 1, cs), bb = add_const(g, "bn.bias", 1, cs);
    int mu = add_const(g, "bn.mean", 1, cs), va = add_const(g, "bn.var", 1, cs);
    int t4 = add_act(g, "t4", 4, 1, 4, 4, 4);
    n = node(g, FM_OP_BATCHNORM, "bn", t3, sc, bb, t4);
    n->in[3] = mu;
    n->in[4] = va;
    n->n_in = 5;
    n->a.bn.eps = 1e-5f;
    int t5 = add_act(g, "t5", 4, 1, 4, 4, 4);
    n = node(g, FM_OP_LRN, "lrn", t4, -1, -1, t5);
    n->a.lrn.size = 3;
    n->a.lrn.alpha = 1e-4f;
    n->a.lrn.beta = 0.75f;
    n->a.lrn.bias = 1.0f;
    int t6 = add_act(g, "t6", 4, 1, 4, 6, 6);
    n = node(g, FM_OP_PAD, "pad", t5, -1, -1, t6);
    n->a.pad.begin[2] = n->a.pad.begin[3] = 1;
    n->a.pad.end[2] = n->a.pad.end[3] = 1;
    n->a.pad.value = 0.5f;
    int t7 = add_act(g, "t7", 4, 1, 4, 4, 6);
    n = node(g, FM_OP_SLICE, "slice", t6, -1, -1, t7);
    for (int a = 0; a < 4; a++) {
        n->a.slice.start[a] = 0;
        n->a.slice.end[a] = a == 0 ? 1 : a == 1 ? 4 : 6;
        n->a.slice.step[a] = 1;
    }
    n->a.slice.start[2] = 1;
    n->a.slice.end[2] = 5;
    int t8 = add_act(g, "t8", 4, 1, 4, 6, 4);
    n = node(g, FM_OP_TRANSPOSE, "tr", t7, -1, -1, t8);
    int perm[4] = {0, 1, 3, 2};
    memcpy(n->a.transpose.perm, perm, sizeof perm);
    int t9 = add_act(g, "t9", 4, 1, 4, 6, 4);
    n = node(g, FM_OP_CLIP, "clip", t8, -1, -1, t9);
    n->a.clip.min = -1.0f;
    n->a.clip.max = 2.0f;
    int t10 = add_act(g, "t10", 4, 1, 4, 6, 4);
    node(g, FM_OP_ADD, "add", t9, t8, -1, t10);
    int t11 = add_act(g, "t11", 4, 1, 4, 6, 4);
    n = node(g, FM_OP_MUL, "mul", t10, t9, -1, t11);
    n->act = FM_ACT_RELU6;
    int t12 = add_act(g, "t12", 4, 1, 8, 6, 4);
    n = node(g, FM_OP_CONCAT, "cat", t11, t10, -1, t12);
    n->a.axis.axis = 1;
    int t13 = add_act(g, "t13", 4, 1, 8, 1, 1);
    node(g, FM_OP_GLOBALAVGPOOL, "gap", t12, -1, -1, t13);
    int t14 = add_act(g, "t14", 2, 1, 8, 0, 0);
    n = node(g, FM_OP_FLATTEN, "flat", t13, -1, -1, t14);
    n->a.axis.axis = 1;
    int64_t gw[2] = {6, 8}, gb[1] = {6};
    int fw = add_const(g, "fc.w", 2, gw), fb = add_const(g, "fc.b", 1, gb);
    int t15 = add_act(g, "t15", 2, 1, 6, 0, 0);
    n = node(g, FM_OP_GEMM, "fc", t14, fw, fb, t15);
    n->a.gemm.trans_b = 1;
    n->a.gemm.alpha = 1.0f;
    n->a.gemm.beta = 1.0f;
    int t16 = add_act(g, "t16", 3, 1, 2, 3, 0);
    node(g, FM_OP_RESHAPE, "reshape", t15, -1, -1, t16);
    int t17 = add_act(g, "t17", 3, 1, 2, 1, 0);
    n = node(g, FM_OP_MEAN, "mean", t16, -1, -1, t17);
    n->a.reduce.axes_mask = 1 << 2;
    n->a.reduce.keepdims = 1;
    int t18 = add_act(g, "t18", 3, 1, 2, 1, 0);
    n = node(g, FM_OP_SOFTMAX, "softmax", t17, -1, -1, t18);
    n->a.axis.axis = 1;
    int t19 = add_act(g, "probs", 3, 1, 2, 1, 0);
    node(g, FM_OP_IDENTITY, "id", t18, -1, -1, t19);
    g->output = t19;
    return g;
}

static Onnx__ModelProto *load(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)len);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, (size_t)len, buf);
    free(buf);
    assert_non_null(m);
    return m;
}

static const Onnx__NodeProto *find_node(const Onnx__GraphProto *g, const char *name)
{
    for (size_t i = 0; i < g->n_node; i++)
        if (!strcmp(g->node[i]->name, name))
            return g->node[i];
    fail_msg("node %s not exported", name);
    return NULL;
}

static const Onnx__AttributeProto *find_attr(const Onnx__NodeProto *n, const char *name)
{
    for (size_t i = 0; i < n->n_attribute; i++)
        if (!strcmp(n->attribute[i]->name, name))
            return n->attribute[i];
    fail_msg("node %s lacks attribute %s", n->name, name);
    return NULL;
}

static const Onnx__TensorProto *find_init(const Onnx__GraphProto *g, const char *name)
{
    for (size_t i = 0; i < g->n_initializer; i++)
        if (!strcmp(g->initializer[i]->name, name))
            return g->initializer[i];
    fail_msg("initializer %s not exported", name);
    return NULL;
}

static void assert_ints(const Onnx__AttributeProto *a, const int64_t *want, size_t n)
{
    assert_int_equal(a->type, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    assert_int_equal(a->n_ints, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(a->ints[i], want[i]);
}

static void assert_i64_init(const Onnx__GraphProto *g, const char *name, const int64_t *want,
                            size_t n)
{
    const Onnx__TensorProto *t = find_init(g, name);
    assert_int_equal(t->data_type, ONNX__TENSOR_PROTO__DATA_TYPE__INT64);
    assert_int_equal(t->raw_data.len, n * 8);
    for (size_t i = 0; i < n; i++) {
        int64_t v = 0;
        for (int b = 7; b >= 0; b--) /* little-endian on any host */
            v = (int64_t)((uint64_t)v << 8 | t->raw_data.data[i * 8 + (size_t)b]);
        assert_int_equal(v, want[i]);
    }
}

static void test_export_all_ops(void **state)
{
    (void)state;
    fm_graph *g = all_ops_graph();
    char path[256];
    assert_int_equal(fm_test_write_tmp(".onnx", "", 0, path), 0);
    fm_error err;
    assert_int_equal(fm_onnx_save(g, path, &err), FM_OK);
    Onnx__ModelProto *m = load(path);
    assert_int_equal(m->ir_version, 7);
    assert_int_equal(m->n_opset_import, 1);
    assert_int_equal(m->opset_import[0]->version, 13);
    assert_string_equal(m->producer_name, "flexmac");
    const Onnx__GraphProto *gp = m->graph;
    /* 19 nodes + the fused Relu after conv and Clip after mul */
    assert_int_equal(gp->n_node, 21);
    const char *types[][2] = {
        {"conv", "Conv"}, {"conv_act", "Relu"}, {"pool", "MaxPool"}, {"avg", "AveragePool"},
        {"bn", "BatchNormalization"}, {"lrn", "LRN"}, {"pad", "Pad"}, {"slice", "Slice"},
        {"tr", "Transpose"}, {"clip", "Clip"}, {"add", "Add"}, {"mul", "Mul"},
        {"mul_act", "Clip"}, {"cat", "Concat"}, {"gap", "GlobalAveragePool"},
        {"flat", "Flatten"}, {"fc", "Gemm"}, {"reshape", "Reshape"}, {"mean", "ReduceMean"},
        {"softmax", "Softmax"}, {"id", "Identity"}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        assert_string_equal(find_node(gp, types[i][0])->op_type, types[i][1]);
    /* node order is topological, as in the graph */
    assert_string_equal(gp->node[0]->name, "conv");
    assert_string_equal(gp->node[1]->name, "conv_act");

    const Onnx__NodeProto *conv = find_node(gp, "conv");
    assert_int_equal(conv->n_input, 3);
    assert_string_equal(conv->input[0], "x");
    assert_string_equal(conv->input[1], "conv.w");
    assert_string_equal(conv->output[0], "t1_preact");
    assert_string_equal(gp->node[1]->input[0], "t1_preact");
    assert_string_equal(gp->node[1]->output[0], "t1");
    const int64_t k3[2] = {3, 3}, one2[2] = {1, 1}, pads1[4] = {1, 1, 1, 1};
    assert_ints(find_attr(conv, "kernel_shape"), k3, 2);
    assert_ints(find_attr(conv, "strides"), one2, 2);
    assert_ints(find_attr(conv, "dilations"), one2, 2);
    assert_ints(find_attr(conv, "pads"), pads1, 4);
    assert_int_equal(find_attr(conv, "group")->i, 1);

    const Onnx__TensorProto *w = find_init(gp, "conv.w");
    assert_int_equal(w->data_type, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
    assert_int_equal(w->n_dims, 4);
    assert_int_equal(w->dims[0], 4);
    assert_int_equal(w->dims[3], 3);
    assert_int_equal(w->raw_data.len, 72 * 4);
    const fm_tensor *wt = &g->tensors[fm_graph_find_tensor(g, "conv.w")];
    assert_memory_equal(w->raw_data.data, wt->data, 72 * 4); /* x86: host = LE */

    const Onnx__NodeProto *avg = find_node(gp, "avg");
    assert_int_equal(find_attr(avg, "count_include_pad")->i, 1);
    assert_ints(find_attr(avg, "pads"), pads1, 4);
    assert_float_equal(find_attr(find_node(gp, "bn"), "epsilon")->f, 1e-5f, 0);
    const Onnx__NodeProto *lrn = find_node(gp, "lrn");
    assert_int_equal(find_attr(lrn, "size")->i, 3);
    assert_float_equal(find_attr(lrn, "beta")->f, 0.75f, 0);

    const Onnx__NodeProto *pad = find_node(gp, "pad");
    assert_int_equal(pad->n_input, 3);
    const Onnx__AttributeProto *mode = find_attr(pad, "mode");
    assert_int_equal(mode->s.len, 8);
    assert_memory_equal(mode->s.data, "constant", 8);
    const int64_t pads[8] = {0, 0, 1, 1, 0, 0, 1, 1};
    assert_i64_init(gp, "pad_pads", pads, 8);
    const Onnx__TensorProto *pv = find_init(gp, "pad_value");
    assert_int_equal(pv->n_dims, 0);
    float v;
    memcpy(&v, pv->raw_data.data, 4);
    assert_float_equal(v, 0.5f, 0);

    const Onnx__NodeProto *slice = find_node(gp, "slice");
    assert_int_equal(slice->n_input, 5);
    const int64_t st[1] = {1}, en[1] = {5}, ax[1] = {2}, sp[1] = {1};
    assert_i64_init(gp, "slice_starts", st, 1);
    assert_i64_init(gp, "slice_ends", en, 1);
    assert_i64_init(gp, "slice_axes", ax, 1);
    assert_i64_init(gp, "slice_steps", sp, 1);

    const int64_t perm[4] = {0, 1, 3, 2};
    assert_ints(find_attr(find_node(gp, "tr"), "perm"), perm, 4);
    const Onnx__NodeProto *clip = find_node(gp, "clip");
    assert_int_equal(clip->n_input, 3);
    assert_string_equal(clip->input[1], "clip_min");
    const Onnx__NodeProto *mact = find_node(gp, "mul_act");
    memcpy(&v, find_init(gp, mact->input[2])->raw_data.data, 4);
    assert_float_equal(v, 6.0f, 0);
    assert_int_equal(find_attr(find_node(gp, "cat"), "axis")->i, 1);
    const Onnx__NodeProto *fc = find_node(gp, "fc");
    assert_int_equal(find_attr(fc, "transB")->i, 1);
    assert_int_equal(find_attr(fc, "transA")->i, 0);
    assert_float_equal(find_attr(fc, "beta")->f, 1.0f, 0);
    const int64_t shape[3] = {-1, 2, 3};
    assert_i64_init(gp, "reshape_shape", shape, 3);
    const Onnx__NodeProto *mean = find_node(gp, "mean");
    const int64_t axes[1] = {2};
    assert_ints(find_attr(mean, "axes"), axes, 1);
    assert_int_equal(find_attr(mean, "keepdims")->i, 1);

    /* graph input/output with the symbolic batch */
    assert_int_equal(gp->n_input, 1);
    assert_string_equal(gp->input[0]->name, "x");
    const Onnx__TensorShapeProto *is = gp->input[0]->type->tensor_type->shape;
    assert_int_equal(is->n_dim, 4);
    assert_int_equal(is->dim[0]->value_case, ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM);
    assert_string_equal(is->dim[0]->dim_param, "N");
    assert_int_equal(is->dim[1]->dim_value, 2);
    assert_int_equal(is->dim[3]->dim_value, 8);
    assert_string_equal(gp->output[0]->name, "probs");
    assert_int_equal(gp->output[0]->type->tensor_type->elem_type,
                     ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
    /* each constant once */
    int count = 0;
    for (size_t i = 0; i < gp->n_initializer; i++)
        count += !strcmp(gp->initializer[i]->name, "conv.w");
    assert_int_equal(count, 1);

    onnx__model_proto__free_unpacked(m, NULL);
    fm_graph_free(g);
    unlink(path);
}

static void test_export_trained_net(void **state)
{
    (void)state;
    fm_layer_spec spec[16];
    int n = fm_lenet_layers(spec, 16);
    fm_net *net;
    fm_error err;
    assert_int_equal(fm_net_new(spec, n, 1, 28, 28, 5, &net, &err), FM_OK);
    fm_graph *g;
    assert_int_equal(fm_net_to_graph(net, &g, &err), FM_OK);
    char path[256];
    assert_int_equal(fm_test_write_tmp(".onnx", "", 0, path), 0);
    assert_int_equal(fm_onnx_save(g, path, &err), FM_OK);
    Onnx__ModelProto *m = load(path);
    const Onnx__GraphProto *gp = m->graph;
    assert_int_equal(gp->n_node, 10);
    assert_int_equal(gp->n_initializer, 8);
    const char *ops[] = {"Conv", "Relu", "MaxPool", "Conv", "Relu",
                         "MaxPool", "Flatten", "Gemm", "Relu", "Gemm"};
    for (int i = 0; i < 10; i++)
        assert_string_equal(gp->node[i]->op_type, ops[i]);
    for (int i = 1; i < 10; i++) /* a chain */
        assert_string_equal(gp->node[i]->input[0], gp->node[i - 1]->output[0]);
    assert_string_equal(gp->node[9]->output[0], "logits");
    assert_string_equal(gp->output[0]->name, "logits");
    const Onnx__TensorShapeProto *os = gp->output[0]->type->tensor_type->shape;
    assert_int_equal(os->n_dim, 2);
    assert_int_equal(os->dim[1]->dim_value, 10);
    int64_t nw;
    const float *w = fm_net_weights(net, 9, &nw);
    const Onnx__TensorProto *t = find_init(gp, gp->node[9]->input[1]);
    assert_int_equal(t->raw_data.len, (size_t)nw * 4);
    assert_memory_equal(t->raw_data.data, w, (size_t)nw * 4);
    onnx__model_proto__free_unpacked(m, NULL);
    fm_graph_free(g);
    fm_net_free(net);
    unlink(path);
}

/* Export then import with fm_onnx_load: every operator comes back with the
 * same attributes, constants and inferred shapes (fused activations come
 * back as separate nodes, Identity is folded away). */
static void test_round_trip_with_importer(void **state)
{
    (void)state;
    fm_graph *g = all_ops_graph();
    char path[256];
    assert_int_equal(fm_test_write_tmp(".onnx", "", 0, path), 0);
    fm_error err;
    assert_int_equal(fm_onnx_save(g, path, &err), FM_OK);
    fm_graph *h;
    if (fm_onnx_load(path, &h, &err) != FM_OK)
        fail_msg("%s", err.msg);
    int matched = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const fm_node *a = &g->nodes[i];
        if (a->op == FM_OP_IDENTITY)
            continue;
        const fm_node *b = NULL;
        for (int j = 0; j < h->n_nodes; j++)
            if (!strcmp(h->nodes[j].name, a->name))
                b = &h->nodes[j];
        if (!b)
            fail_msg("node %s lost in the round trip", a->name);
        matched++;
        assert_int_equal(b->op, a->op);
        const fm_tensor *ta = &g->tensors[a->out[0]];
        const fm_tensor *tb = &h->tensors[b->out[0]];
        assert_int_equal(tb->ndim, ta->ndim);
        for (int d = 0; d < ta->ndim; d++)
            assert_int_equal(tb->shape[d], ta->shape[d]);
        switch (a->op) {
        case FM_OP_CONV:
            assert_memory_equal(&b->a.conv, &a->a.conv, sizeof a->a.conv);
            for (int k = 1; k < 3; k++) {
                const fm_tensor *ca = &g->tensors[a->in[k]], *cb = &h->tensors[b->in[k]];
                assert_int_equal(fm_tensor_bytes(cb), fm_tensor_bytes(ca));
                assert_memory_equal(cb->data, ca->data, fm_tensor_bytes(ca));
            }
            break;
        case FM_OP_MAXPOOL:
        case FM_OP_AVGPOOL:
            assert_int_equal(b->a.pool.kh, a->a.pool.kh);
            assert_int_equal(b->a.pool.sw, a->a.pool.sw);
            assert_int_equal(b->a.pool.pad_b, a->a.pool.pad_b);
            if (a->op == FM_OP_AVGPOOL)
                assert_int_equal(b->a.pool.count_include_pad, a->a.pool.count_include_pad);
            break;
        case FM_OP_GEMM:
            assert_int_equal(b->a.gemm.trans_b, 1);
            assert_memory_equal(h->tensors[b->in[1]].data, g->tensors[a->in[1]].data, 48 * 4);
            break;
        case FM_OP_CLIP:
            assert_float_equal(b->a.clip.min, a->a.clip.min, 0);
            assert_float_equal(b->a.clip.max, a->a.clip.max, 0);
            break;
        case FM_OP_PAD:
            for (int d = 0; d < 4; d++) {
                assert_int_equal(b->a.pad.begin[d], a->a.pad.begin[d]);
                assert_int_equal(b->a.pad.end[d], a->a.pad.end[d]);
            }
            assert_float_equal(b->a.pad.value, a->a.pad.value, 0);
            break;
        case FM_OP_SLICE:
            for (int d = 1; d < 4; d++) {
                assert_int_equal(b->a.slice.start[d], a->a.slice.start[d]);
                assert_int_equal(b->a.slice.end[d], a->a.slice.end[d]);
                assert_int_equal(b->a.slice.step[d], a->a.slice.step[d]);
            }
            break;
        case FM_OP_TRANSPOSE:
            assert_memory_equal(b->a.transpose.perm, a->a.transpose.perm, 4 * sizeof(int));
            break;
        case FM_OP_LRN:
            assert_int_equal(b->a.lrn.size, a->a.lrn.size);
            assert_float_equal(b->a.lrn.alpha, a->a.lrn.alpha, 0);
            assert_float_equal(b->a.lrn.bias, a->a.lrn.bias, 0);
            break;
        case FM_OP_CONCAT:
        case FM_OP_FLATTEN:
        case FM_OP_SOFTMAX:
            assert_int_equal(b->a.axis.axis, a->a.axis.axis);
            break;
        case FM_OP_MEAN:
            assert_int_equal(b->a.reduce.axes_mask, a->a.reduce.axes_mask);
            assert_int_equal(b->a.reduce.keepdims, a->a.reduce.keepdims);
            break;
        case FM_OP_BATCHNORM:
            assert_float_equal(b->a.bn.eps, a->a.bn.eps, 0);
            break;
        default:
            break;
        }
    }
    assert_int_equal(matched, g->n_nodes - 1);
    fm_graph_free(h);
    fm_graph_free(g);
    unlink(path);
}

/* A node with two outputs (Dropout's output and mask as IDENTITY) keeps both,
 * in order. */
static void test_export_two_outputs(void **state)
{
    (void)state;
    fm_graph *g = fm_graph_new();
    int x = add_act(g, "x", 2, 1, 4, 0, 0);
    int y = add_act(g, "y", 2, 1, 4, 0, 0);
    int mask = add_act(g, "mask", 2, 1, 4, 0, 0);
    fm_node *n = node(g, FM_OP_IDENTITY, "drop", x, -1, -1, y);
    n->out[1] = mask;
    n->n_out = 2;
    g->input = x;
    g->output = y;
    char path[256];
    assert_int_equal(fm_test_write_tmp(".onnx", "", 0, path), 0);
    fm_error err;
    assert_int_equal(fm_onnx_save(g, path, &err), FM_OK);
    Onnx__ModelProto *m = load(path);
    assert_int_equal(m->graph->node[0]->n_output, 2);
    assert_string_equal(m->graph->node[0]->output[0], "y");
    assert_string_equal(m->graph->node[0]->output[1], "mask");
    onnx__model_proto__free_unpacked(m, NULL);
    g->nodes[0].out[1] = 77;
    assert_int_equal(fm_onnx_save(g, path, &err), FM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "node 'drop' (Identity): output 1"));
    fm_graph_free(g);
    unlink(path);
}

static void test_export_errors(void **state)
{
    (void)state;
    fm_graph *g = all_ops_graph();
    fm_error err;
    assert_int_equal(fm_onnx_save(g, "/nonexistent-dir/model.onnx", &err), FM_ERR_IO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/model.onnx: cannot write"));
    char path[256];
    assert_int_equal(fm_test_write_tmp(".onnx", "", 0, path), 0);
    /* a quantized operator cannot go into a float model */
    g->nodes[1].op = FM_OP_QUANTIZE;
    assert_int_equal(fm_onnx_save(g, path, &err), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "node 'pool'"));
    assert_non_null(strstr(err.msg, path));
    g->nodes[1].op = FM_OP_MAXPOOL;
    int keep = g->nodes[2].in[0];
    g->nodes[2].in[0] = 999;
    assert_int_equal(fm_onnx_save(g, path, &err), FM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "node 'avg'"));
    g->nodes[2].in[0] = keep;
    int out = g->output;
    g->output = -1;
    assert_int_equal(fm_onnx_save(g, path, &err), FM_ERR_INVALID);
    g->output = out;
    /* quantized weights */
    fm_tensor *w = &g->tensors[fm_graph_find_tensor(g, "conv.w")];
    w->q.n = 1;
    assert_int_equal(fm_onnx_save(g, path, &err), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "'conv.w' is quantized"));
    w->q.n = 0;
    assert_int_equal(fm_onnx_save(g, NULL, &err), FM_ERR_INVALID);
    assert_int_equal(fm_onnx_save(NULL, path, &err), FM_ERR_INVALID);
    fm_graph_free(g);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_all_ops),
        cmocka_unit_test(test_export_trained_net),
        cmocka_unit_test(test_round_trip_with_importer),
        cmocka_unit_test(test_export_two_outputs),
        cmocka_unit_test(test_export_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
