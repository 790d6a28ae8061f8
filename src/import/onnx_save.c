/* ONNX export of a float graph (opset 13) with protobuf-c.
 *
 * Every protobuf message is allocated from a pool freed in one go after
 * packing, so no error path leaks. Constants become initializers with
 * little-endian raw_data; operator parameters that opset 13 takes as inputs
 * (Clip min/max, Pad pads, Slice starts/ends/axes/steps, Reshape shape) become
 * extra initializers named after the node. The batch dimension of the graph
 * input and output is the symbolic "N". */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/import.h"
#include "onnx.pb-c.h"

#define OPSET 13
#define IR_VERSION 7 /* the IR version that introduced opset 13 */

typedef struct pool {
    void **ptr;
    size_t n, cap;
    int failed;
} pool;

static void *pool_alloc(pool *p, size_t size)
{
    if (p->failed)
        return NULL;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 256;
        void **np = realloc(p->ptr, cap * sizeof *np);
        if (!np) {
            p->failed = 1;
            return NULL;
        }
        p->ptr = np;
        p->cap = cap;
    }
    void *m = calloc(1, size ? size : 1);
    if (!m) {
        p->failed = 1;
        return NULL;
    }
    return p->ptr[p->n++] = m;
}

static void pool_free(pool *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->ptr[i]);
    free(p->ptr);
}

static char *pool_str(pool *p, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = pool_alloc(p, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Growable array of message pointers kept in the pool (old arrays are left
 * in the pool; they are small). */
typedef struct ptr_list {
    void **v;
    size_t n, cap;
} ptr_list;

static int list_push(pool *p, ptr_list *l, void *m)
{
    if (!m)
        return -1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        void **nv = pool_alloc(p, cap * sizeof *nv);
        if (!nv)
            return -1;
        if (l->n)
            memcpy(nv, l->v, l->n * sizeof *nv);
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = m;
    return 0;
}

typedef struct exporter {
    pool p;
    const fm_graph *g;
    const char *path;
    ptr_list nodes, inits;
    char *done;  /* per tensor: already an initializer */
    fm_error *err;
} exporter;

static int onnx_dtype(fm_dtype t)
{
    switch (t) {
    case FM_F32: return ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    case FM_U8: return ONNX__TENSOR_PROTO__DATA_TYPE__UINT8;
    case FM_I8: return ONNX__TENSOR_PROTO__DATA_TYPE__INT8;
    case FM_I16: return ONNX__TENSOR_PROTO__DATA_TYPE__INT16;
    case FM_I32: return ONNX__TENSOR_PROTO__DATA_TYPE__INT32;
    case FM_I64: return ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    default: return -1;
    }
}

/* Copies n elements of `size` bytes into little-endian order whatever the
 * host's byte order. */
static void put_le(uint8_t *dst, const void *src, size_t n, size_t size)
{
    const uint8_t *s = src;
    const uint16_t one = 1;
    if (*(const uint8_t *)&one || size == 1) {
        memcpy(dst, src, n * size);
        return;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < size; b++)
            dst[i * size + b] = s[i * size + size - 1 - b];
}

static Onnx__TensorProto *make_tensor(exporter *x, const char *name, fm_dtype dtype, int ndim,
                                      const int64_t *shape, const void *data)
{
    pool *p = &x->p;
    Onnx__TensorProto *t = pool_alloc(p, sizeof *t);
    if (!t)
        return NULL;
    onnx__tensor_proto__init(t);
    t->name = pool_str(p, name);
    t->has_data_type = 1;
    t->data_type = onnx_dtype(dtype);
    t->n_dims = (size_t)ndim;
    t->dims = pool_alloc(p, (size_t)(ndim ? ndim : 1) * sizeof *t->dims);
    if (!t->name || !t->dims)
        return NULL;
    for (int i = 0; i < ndim; i++)
        t->dims[i] = shape[i];
    size_t n = (size_t)fm_shape_numel(ndim, shape), size = fm_dtype_size(dtype);
    uint8_t *raw = pool_alloc(p, n * size);
    if (!raw)
        return NULL;
    put_le(raw, data, n, size);
    t->has_raw_data = 1;
    t->raw_data.data = raw;
    t->raw_data.len = n * size;
    return t;
}

/* Adds an int64 1-D initializer named "<node>_<what>"; returns its name. */
static char *add_i64_init(exporter *x, const fm_node *nd, const char *what, const int64_t *v,
                          int n)
{
    char name[512];
    snprintf(name, sizeof name, "%s_%s", nd->name, what);
    int64_t shape[1] = {n};
    Onnx__TensorProto *t = make_tensor(x, name, FM_I64, 1, shape, v);
    return t && list_push(&x->p, &x->inits, t) == 0 ? t->name : NULL;
}

/* Scalar float initializer "<node>_<what>". */
static char *add_f32_scalar(exporter *x, const fm_node *nd, const char *what, float v)
{
    char name[512];
    snprintf(name, sizeof name, "%s_%s", nd->name, what);
    Onnx__TensorProto *t = make_tensor(x, name, FM_F32, 0, NULL, &v);
    return t && list_push(&x->p, &x->inits, t) == 0 ? t->name : NULL;
}

static Onnx__AttributeProto *attr_new(exporter *x, const char *name,
                                      Onnx__AttributeProto__AttributeType type)
{
    Onnx__AttributeProto *a = pool_alloc(&x->p, sizeof *a);
    if (!a)
        return NULL;
    onnx__attribute_proto__init(a);
    a->name = pool_str(&x->p, name);
    a->has_type = 1;
    a->type = type;
    return a->name ? a : NULL;
}

static Onnx__AttributeProto *attr_int(exporter *x, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = attr_new(x, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    if (a) {
        a->has_i = 1;
        a->i = v;
    }
    return a;
}

static Onnx__AttributeProto *attr_float(exporter *x, const char *name, float v)
{
    Onnx__AttributeProto *a = attr_new(x, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    if (a) {
        a->has_f = 1;
        a->f = v;
    }
    return a;
}

static Onnx__AttributeProto *attr_ints(exporter *x, const char *name, const int64_t *v, int n)
{
    Onnx__AttributeProto *a = attr_new(x, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    if (!a)
        return NULL;
    a->ints = pool_alloc(&x->p, (size_t)(n ? n : 1) * sizeof *a->ints);
    if (!a->ints)
        return NULL;
    memcpy(a->ints, v, (size_t)n * sizeof *v);
    a->n_ints = (size_t)n;
    return a;
}

static Onnx__AttributeProto *attr_string(exporter *x, const char *name, const char *s)
{
    Onnx__AttributeProto *a = attr_new(x, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
    if (!a || !(a->s.data = (uint8_t *)pool_str(&x->p, s)))
        return NULL;
    a->has_s = 1;
    a->s.len = strlen(s);
    return a;
}

/* A node under construction: ONNX inputs/outputs as names plus attributes. */
typedef struct onode {
    Onnx__NodeProto *n;
    ptr_list in, out, attrs;
    int failed;
} onode;

static void on_attr(exporter *x, onode *o, Onnx__AttributeProto *a)
{
    if (list_push(&x->p, &o->attrs, a))
        o->failed = 1;
}

static void on_input(exporter *x, onode *o, char *name)
{
    if (list_push(&x->p, &o->in, name))
        o->failed = 1;
}

static int on_begin(exporter *x, onode *o, const char *op_type, const char *name)
{
    memset(o, 0, sizeof *o);
    o->n = pool_alloc(&x->p, sizeof *o->n);
    if (!o->n)
        return -1;
    onnx__node_proto__init(o->n);
    o->n->op_type = pool_str(&x->p, op_type);
    o->n->name = pool_str(&x->p, name);
    return o->n->op_type && o->n->name ? 0 : -1;
}

/* Finishes the node with `output` as its first output (any others were
 * pushed before). */
static int on_end(exporter *x, onode *o, char *output)
{
    if (o->failed || list_push(&x->p, &o->out, output))
        return -1;
    memmove(o->out.v + 1, o->out.v, (o->out.n - 1) * sizeof *o->out.v);
    o->out.v[0] = output;
    o->n->n_input = o->in.n;
    o->n->input = (char **)o->in.v;
    o->n->n_output = o->out.n;
    o->n->output = (char **)o->out.v;
    o->n->n_attribute = o->attrs.n;
    o->n->attribute = (Onnx__AttributeProto **)o->attrs.v;
    return list_push(&x->p, &x->nodes, o->n);
}

static const char *onnx_op_type(fm_op op)
{
    switch (op) {
    case FM_OP_CONV: return "Conv";
    case FM_OP_GEMM: return "Gemm";
    case FM_OP_MATMUL: return "MatMul";
    case FM_OP_ADD: return "Add";
    case FM_OP_MUL: return "Mul";
    case FM_OP_RELU: return "Relu";
    case FM_OP_CLIP: return "Clip";
    case FM_OP_BATCHNORM: return "BatchNormalization";
    case FM_OP_MAXPOOL: return "MaxPool";
    case FM_OP_AVGPOOL: return "AveragePool";
    case FM_OP_GLOBALAVGPOOL: return "GlobalAveragePool";
    case FM_OP_MEAN: return "ReduceMean";
    case FM_OP_FLATTEN: return "Flatten";
    case FM_OP_RESHAPE: return "Reshape";
    case FM_OP_PAD: return "Pad";
    case FM_OP_SLICE: return "Slice";
    case FM_OP_CONCAT: return "Concat";
    case FM_OP_TRANSPOSE: return "Transpose";
    case FM_OP_SOFTMAX: return "Softmax";
    case FM_OP_LRN: return "LRN";
    case FM_OP_IDENTITY: return "Identity";
    default: return NULL; /* QUANTIZE/DEQUANTIZE: not in a float graph */
    }
}

static void pool_attrs(exporter *x, onode *o, const fm_pool_attr *a, int avg)
{
    int64_t k[2] = {a->kh, a->kw}, s[2] = {a->sh, a->sw};
    int64_t pads[4] = {a->pad_t, a->pad_l, a->pad_b, a->pad_r};
    on_attr(x, o, attr_ints(x, "kernel_shape", k, 2));
    on_attr(x, o, attr_ints(x, "strides", s, 2));
    on_attr(x, o, attr_ints(x, "pads", pads, 4));
    if (a->ceil_mode)
        on_attr(x, o, attr_int(x, "ceil_mode", 1));
    if (avg)
        on_attr(x, o, attr_int(x, "count_include_pad", a->count_include_pad));
}

/* Operator-specific attributes and extra (initializer) inputs. */
static void node_attrs(exporter *x, onode *o, const fm_node *nd)
{
    const fm_graph *g = x->g;
    const fm_tensor *in0 = nd->n_in > 0 && nd->in[0] >= 0 ? &g->tensors[nd->in[0]] : NULL;
    const fm_tensor *out0 = &g->tensors[nd->out[0]];
    switch (nd->op) {
    case FM_OP_CONV: {
        const fm_conv_attr *c = &nd->a.conv;
        int64_t k[2] = {c->kh, c->kw}, s[2] = {c->sh, c->sw}, d[2] = {c->dh, c->dw};
        int64_t pads[4] = {c->pad_t, c->pad_l, c->pad_b, c->pad_r};
        on_attr(x, o, attr_ints(x, "kernel_shape", k, 2));
        on_attr(x, o, attr_ints(x, "strides", s, 2));
        on_attr(x, o, attr_ints(x, "dilations", d, 2));
        on_attr(x, o, attr_ints(x, "pads", pads, 4));
        on_attr(x, o, attr_int(x, "group", c->group > 0 ? c->group : 1));
        break;
    }
    case FM_OP_GEMM:
        on_attr(x, o, attr_float(x, "alpha", nd->a.gemm.alpha));
        on_attr(x, o, attr_float(x, "beta", nd->a.gemm.beta));
        on_attr(x, o, attr_int(x, "transA", nd->a.gemm.trans_a));
        on_attr(x, o, attr_int(x, "transB", nd->a.gemm.trans_b));
        break;
    case FM_OP_CLIP:
        on_input(x, o, add_f32_scalar(x, nd, "min", nd->a.clip.min));
        on_input(x, o, add_f32_scalar(x, nd, "max", nd->a.clip.max));
        break;
    case FM_OP_BATCHNORM:
        on_attr(x, o, attr_float(x, "epsilon", nd->a.bn.eps));
        break;
    case FM_OP_MAXPOOL:
    case FM_OP_AVGPOOL:
        pool_attrs(x, o, &nd->a.pool, nd->op == FM_OP_AVGPOOL);
        break;
    case FM_OP_MEAN: {
        int64_t axes[FM_MAX_DIMS];
        int n = 0;
        for (int a = 0; a < FM_MAX_DIMS; a++)
            if (nd->a.reduce.axes_mask & (1 << a))
                axes[n++] = a;
        on_attr(x, o, attr_ints(x, "axes", axes, n));
        on_attr(x, o, attr_int(x, "keepdims", nd->a.reduce.keepdims));
        break;
    }
    case FM_OP_FLATTEN:
    case FM_OP_CONCAT:
    case FM_OP_SOFTMAX:
        on_attr(x, o, attr_int(x, "axis", nd->a.axis.axis));
        break;
    case FM_OP_RESHAPE: {
        /* the IR's shapes carry batch 1: a leading 1 is exported as -1 so
         * the model runs at any batch size */
        int64_t shape[FM_MAX_DIMS];
        for (int i = 0; i < out0->ndim; i++)
            shape[i] = out0->shape[i];
        if (out0->ndim >= 2 && shape[0] == 1)
            shape[0] = -1;
        on_input(x, o, add_i64_init(x, nd, "shape", shape, out0->ndim));
        break;
    }
    case FM_OP_PAD: {
        int nd_in = in0 ? in0->ndim : 0;
        int64_t pads[2 * FM_MAX_DIMS];
        for (int i = 0; i < nd_in; i++) {
            pads[i] = nd->a.pad.begin[i];
            pads[nd_in + i] = nd->a.pad.end[i];
        }
        on_attr(x, o, attr_string(x, "mode", "constant"));
        on_input(x, o, add_i64_init(x, nd, "pads", pads, 2 * nd_in));
        on_input(x, o, add_f32_scalar(x, nd, "value", nd->a.pad.value));
        break;
    }
    case FM_OP_SLICE: {
        int64_t st[FM_MAX_DIMS], en[FM_MAX_DIMS], ax[FM_MAX_DIMS], sp[FM_MAX_DIMS];
        int n = 0;
        for (int a = 0; in0 && a < in0->ndim; a++) {
            int64_t s = nd->a.slice.start[a], e = nd->a.slice.end[a];
            int64_t step = nd->a.slice.step[a] ? nd->a.slice.step[a] : 1;
            if (s == 0 && step == 1 && e >= in0->shape[a])
                continue; /* whole axis (the batch axis among them) */
            st[n] = s;
            /* a clamped end of -1 with a negative step means "through index 0" */
            en[n] = (step < 0 && e < 0) ? INT64_MIN : e;
            ax[n] = a;
            sp[n++] = step;
        }
        if (n == 0) { /* a no-op slice: keep every element of axis 0 */
            st[0] = 0;
            en[0] = INT64_MAX;
            ax[0] = 0;
            sp[0] = 1;
            n = 1;
        }
        on_input(x, o, add_i64_init(x, nd, "starts", st, n));
        on_input(x, o, add_i64_init(x, nd, "ends", en, n));
        on_input(x, o, add_i64_init(x, nd, "axes", ax, n));
        on_input(x, o, add_i64_init(x, nd, "steps", sp, n));
        break;
    }
    case FM_OP_TRANSPOSE: {
        int64_t perm[FM_MAX_DIMS];
        int n = in0 ? in0->ndim : 0;
        for (int i = 0; i < n; i++)
            perm[i] = nd->a.transpose.perm[i];
        on_attr(x, o, attr_ints(x, "perm", perm, n));
        break;
    }
    case FM_OP_LRN:
        on_attr(x, o, attr_int(x, "size", nd->a.lrn.size));
        on_attr(x, o, attr_float(x, "alpha", nd->a.lrn.alpha));
        on_attr(x, o, attr_float(x, "beta", nd->a.lrn.beta));
        on_attr(x, o, attr_float(x, "bias", nd->a.lrn.bias));
        break;
    default:
        break;
    }
}

static fm_status nomem(exporter *x)
{
    return fm_error_set(x->err, FM_ERR_NOMEM, "%s: out of memory while exporting", x->path);
}

/* Makes tensor t an initializer once (constants), and returns its name. */
static char *use_tensor(exporter *x, int t)
{
    const fm_tensor *ts = &x->g->tensors[t];
    if (ts->data && !x->done[t]) {
        Onnx__TensorProto *tp = make_tensor(x, ts->name, ts->dtype, ts->ndim, ts->shape, ts->data);
        if (!tp || list_push(&x->p, &x->inits, tp))
            return NULL;
        x->done[t] = 1;
    }
    return pool_str(&x->p, ts->name);
}

static fm_status export_node(exporter *x, const fm_node *nd)
{
    const fm_graph *g = x->g;
    const char *type = onnx_op_type(nd->op);
    if (!type)
        return fm_error_set(x->err, FM_ERR_UNSUPPORTED,
                            "%s: node '%s' (%s): not exportable to a float ONNX model", x->path,
                            nd->name, fm_op_name(nd->op));
    if (nd->n_out < 1 || nd->n_out > FM_MAX_IO || nd->n_in < 0 || nd->n_in > FM_MAX_IO)
        return fm_error_set(x->err, FM_ERR_INVALID, "%s: node '%s' (%s): %d inputs, %d outputs",
                            x->path, nd->name, type, nd->n_in, nd->n_out);
    for (int i = 0; i < nd->n_in; i++)
        if (nd->in[i] < -1 || nd->in[i] >= g->n_tensors)
            return fm_error_set(x->err, FM_ERR_INVALID, "%s: node '%s' (%s): input %d refers to "
                                "tensor %d of %d", x->path, nd->name, type, i, nd->in[i],
                                g->n_tensors);
    if (nd->out[0] < 0 || nd->out[0] >= g->n_tensors)
        return fm_error_set(x->err, FM_ERR_INVALID, "%s: node '%s' (%s): output refers to tensor %d",
                            x->path, nd->name, type, nd->out[0]);
    for (int i = 0; i < nd->n_in; i++)
        if (nd->in[i] >= 0 && g->tensors[nd->in[i]].q.n > 0)
            return fm_error_set(x->err, FM_ERR_UNSUPPORTED,
                                "%s: node '%s' (%s): tensor '%s' is quantized; only float graphs "
                                "are exported", x->path, nd->name, type,
                                g->tensors[nd->in[i]].name);
    onode o;
    if (on_begin(x, &o, type, nd->name))
        return nomem(x);
    /* trailing absent optionals are dropped; inner ones become "" */
    int last = nd->n_in - 1;
    while (last >= 0 && nd->in[last] < 0)
        last--;
    for (int i = 0; i <= last; i++)
        on_input(x, &o, nd->in[i] >= 0 ? use_tensor(x, nd->in[i]) : pool_str(&x->p, ""));
    node_attrs(x, &o, nd);
    const char *out_name = g->tensors[nd->out[0]].name;
    char buf[600];
    if (nd->act != FM_ACT_NONE) /* fused activation: a separate node after */
        snprintf(buf, sizeof buf, "%s_preact", out_name);
    /* outputs after the first (none for the ops flexmac produces today) */
    for (int i = 1; i < nd->n_out; i++) {
        if (nd->out[i] < 0 || nd->out[i] >= g->n_tensors)
            return fm_error_set(x->err, FM_ERR_INVALID, "%s: node '%s' (%s): output %d refers "
                                "to tensor %d", x->path, nd->name, type, i, nd->out[i]);
        if (list_push(&x->p, &o.out, pool_str(&x->p, g->tensors[nd->out[i]].name)))
            return nomem(x);
    }
    if (on_end(x, &o, pool_str(&x->p, nd->act != FM_ACT_NONE ? buf : out_name)))
        return nomem(x);
    if (nd->act == FM_ACT_NONE)
        return FM_OK;
    char name[600];
    snprintf(name, sizeof name, "%s_act", nd->name);
    int relu = nd->act == FM_ACT_RELU;
    if (on_begin(x, &o, relu ? "Relu" : "Clip", name))
        return nomem(x);
    on_input(x, &o, pool_str(&x->p, buf));
    if (!relu) {
        fm_node tmp = *nd;
        tmp.name = name;
        on_input(x, &o, add_f32_scalar(x, &tmp, "min", nd->act == FM_ACT_RELU6 ? 0.0f : nd->act_min));
        on_input(x, &o, add_f32_scalar(x, &tmp, "max", nd->act == FM_ACT_RELU6 ? 6.0f : nd->act_max));
    }
    return on_end(x, &o, pool_str(&x->p, out_name)) ? nomem(x) : FM_OK;
}

/* ValueInfo of a graph input/output: float, dim 0 the symbolic batch "N". */
static Onnx__ValueInfoProto *value_info(exporter *x, const fm_tensor *t)
{
    pool *p = &x->p;
    Onnx__ValueInfoProto *v = pool_alloc(p, sizeof *v);
    Onnx__TypeProto *tp = pool_alloc(p, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = pool_alloc(p, sizeof *tt);
    Onnx__TensorShapeProto *sh = pool_alloc(p, sizeof *sh);
    Onnx__TensorShapeProto__Dimension **dims =
        pool_alloc(p, (size_t)(t->ndim ? t->ndim : 1) * sizeof *dims);
    if (!v || !tp || !tt || !sh || !dims)
        return NULL;
    onnx__value_info_proto__init(v);
    onnx__type_proto__init(tp);
    onnx__type_proto__tensor__init(tt);
    onnx__tensor_shape_proto__init(sh);
    for (int i = 0; i < t->ndim; i++) {
        Onnx__TensorShapeProto__Dimension *d = pool_alloc(p, sizeof *d);
        if (!d)
            return NULL;
        onnx__tensor_shape_proto__dimension__init(d);
        if (i == 0) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            if (!(d->dim_param = pool_str(p, "N")))
                return NULL;
        } else {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = t->shape[i];
        }
        dims[i] = d;
    }
    sh->n_dim = (size_t)t->ndim;
    sh->dim = dims;
    tt->has_elem_type = 1;
    tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    tt->shape = sh;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    v->type = tp;
    v->name = pool_str(p, t->name);
    return v->name ? v : NULL;
}

static fm_status write_file(const char *path, const uint8_t *buf, size_t len, fm_error *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return fm_error_set(err, FM_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    size_t w = fwrite(buf, 1, len, f);
    int e = errno;
    if (fclose(f) != 0 || w != len) {
        if (w == len)
            e = errno;
        remove(path);
        return fm_error_set(err, FM_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    return FM_OK;
}

static fm_status build_and_write(exporter *x)
{
    const fm_graph *g = x->g;
    for (int i = 0; i < g->n_nodes; i++) {
        fm_status st = export_node(x, &g->nodes[i]);
        if (st != FM_OK)
            return st;
    }
    pool *p = &x->p;
    Onnx__GraphProto *gp = pool_alloc(p, sizeof *gp);
    Onnx__ModelProto *m = pool_alloc(p, sizeof *m);
    Onnx__OperatorSetIdProto *ops = pool_alloc(p, sizeof *ops);
    Onnx__OperatorSetIdProto **opsv = pool_alloc(p, sizeof *opsv);
    Onnx__ValueInfoProto **in = pool_alloc(p, sizeof *in), **out = pool_alloc(p, sizeof *out);
    if (!gp || !m || !ops || !opsv || !in || !out)
        return nomem(x);
    onnx__graph_proto__init(gp);
    onnx__model_proto__init(m);
    onnx__operator_set_id_proto__init(ops);
    in[0] = value_info(x, &g->tensors[g->input]);
    out[0] = value_info(x, &g->tensors[g->output]);
    gp->name = pool_str(p, "flexmac");
    m->producer_name = pool_str(p, "flexmac");
    m->producer_version = pool_str(p, "0.1.0");
    ops->domain = pool_str(p, "");
    if (!in[0] || !out[0] || !gp->name || !m->producer_name || !m->producer_version ||
        !ops->domain)
        return nomem(x);
    gp->n_node = x->nodes.n;
    gp->node = (Onnx__NodeProto **)x->nodes.v;
    gp->n_initializer = x->inits.n;
    gp->initializer = (Onnx__TensorProto **)x->inits.v;
    gp->n_input = 1;
    gp->input = in;
    gp->n_output = 1;
    gp->output = out;
    ops->has_version = 1;
    ops->version = OPSET;
    opsv[0] = ops;
    m->has_ir_version = 1;
    m->ir_version = IR_VERSION;
    m->n_opset_import = 1;
    m->opset_import = opsv;
    m->graph = gp;
    size_t len = onnx__model_proto__get_packed_size(m);
    uint8_t *buf = pool_alloc(p, len);
    if (!buf)
        return nomem(x);
    if (onnx__model_proto__pack(m, buf) != len)
        return fm_error_set(x->err, FM_ERR_INTERNAL, "%s: protobuf packing size mismatch",
                            x->path);
    return write_file(x->path, buf, len, x->err);
}

fm_status fm_onnx_save(const fm_graph *g, const char *path, fm_error *err)
{
    if (!path)
        return fm_error_set(err, FM_ERR_INVALID, "ONNX export: no output path");
    if (!g || g->input < 0 || g->input >= g->n_tensors || g->output < 0 ||
        g->output >= g->n_tensors)
        return fm_error_set(err, FM_ERR_INVALID, "%s: graph has no valid input/output tensor",
                            path);
    if (g->tensors[g->input].dtype != FM_F32 || g->tensors[g->output].dtype != FM_F32)
        return fm_error_set(err, FM_ERR_UNSUPPORTED,
                            "%s: input '%s' / output '%s' must be float to export", path,
                            g->tensors[g->input].name, g->tensors[g->output].name);
    for (int i = 0; i < g->n_tensors; i++)
        if (g->tensors[i].data && onnx_dtype(g->tensors[i].dtype) < 0)
            return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: tensor '%s': dtype %d not exportable",
                                path, g->tensors[i].name, (int)g->tensors[i].dtype);
    exporter x;
    memset(&x, 0, sizeof x);
    x.g = g;
    x.path = path;
    x.err = err;
    x.done = calloc((size_t)g->n_tensors + 1, 1);
    if (!x.done)
        return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory while exporting", path);
    fm_status st = build_and_write(&x);
    if (st == FM_OK && x.p.failed)
        st = nomem(&x);
    free(x.done);
    pool_free(&x.p);
    return st;
}
