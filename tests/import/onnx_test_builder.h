/* Builds small ONNX models in memory for the importer tests: fills the
 * protobuf-c Onnx__* structs and packs them, so each test states its model
 * in a few lines. Every allocation is recorded and released by tb_free.
 * Header-only (static functions) because only the ONNX tests use it. */
#ifndef ONNX_TEST_BUILDER_H
#define ONNX_TEST_BUILDER_H

#include <stdlib.h>
#include <string.h>

#include "flexmac/import.h"
#include "onnx.pb-c.h"

#define TB_MAX 512

typedef struct tb {
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__OperatorSetIdProto opset;
    Onnx__OperatorSetIdProto *opsets[1];
    Onnx__NodeProto *nodes[TB_MAX];
    Onnx__TensorProto *inits[TB_MAX];
    Onnx__ValueInfoProto *inputs[8], *outputs[8];
    void *allocs[4 * TB_MAX];
    int n_allocs;
} tb;

static void *tb_alloc(tb *b, size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (b->n_allocs < 4 * TB_MAX)
        b->allocs[b->n_allocs++] = p;
    return p;
}

static char *tb_str(tb *b, const char *s)
{
    char *d = tb_alloc(b, strlen(s) + 1);
    strcpy(d, s);
    return d;
}

static tb *tb_new(int64_t opset)
{
    tb *b = calloc(1, sizeof *b);
    Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
    Onnx__GraphProto g = ONNX__GRAPH_PROTO__INIT;
    Onnx__OperatorSetIdProto o = ONNX__OPERATOR_SET_ID_PROTO__INIT;
    b->model = m;
    b->graph = g;
    b->opset = o;
    b->opset.domain = tb_str(b, "");
    b->opset.has_version = 1;
    b->opset.version = opset;
    b->opsets[0] = &b->opset;
    b->model.has_ir_version = 1;
    b->model.ir_version = 7;
    b->model.n_opset_import = 1;
    b->model.opset_import = b->opsets;
    b->model.graph = &b->graph;
    b->graph.name = tb_str(b, "test");
    b->graph.node = b->nodes;
    b->graph.initializer = b->inits;
    b->graph.input = b->inputs;
    b->graph.output = b->outputs;
    return b;
}

static void tb_free(tb *b)
{
    for (int i = 0; i < b->n_allocs; i++)
        free(b->allocs[i]);
    free(b);
}

/* A float tensor value info; dims[i] < 0 is a symbolic dim "N". */
static Onnx__ValueInfoProto *tb_value_info(tb *b, const char *name, int ndim, const int64_t *dims)
{
    Onnx__ValueInfoProto *vi = tb_alloc(b, sizeof *vi);
    Onnx__ValueInfoProto vi0 = ONNX__VALUE_INFO_PROTO__INIT;
    *vi = vi0;
    vi->name = tb_str(b, name);
    Onnx__TypeProto *tp = tb_alloc(b, sizeof *tp);
    Onnx__TypeProto tp0 = ONNX__TYPE_PROTO__INIT;
    *tp = tp0;
    Onnx__TypeProto__Tensor *tt = tb_alloc(b, sizeof *tt);
    Onnx__TypeProto__Tensor tt0 = ONNX__TYPE_PROTO__TENSOR__INIT;
    *tt = tt0;
    tt->has_elem_type = 1;
    tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    Onnx__TensorShapeProto *sh = tb_alloc(b, sizeof *sh);
    Onnx__TensorShapeProto sh0 = ONNX__TENSOR_SHAPE_PROTO__INIT;
    *sh = sh0;
    sh->n_dim = (size_t)ndim;
    sh->dim = tb_alloc(b, (size_t)ndim * sizeof *sh->dim);
    for (int i = 0; i < ndim; i++) {
        Onnx__TensorShapeProto__Dimension *d = tb_alloc(b, sizeof *d);
        Onnx__TensorShapeProto__Dimension d0 = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
        *d = d0;
        if (dims[i] < 0) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = tb_str(b, "N");
        } else {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = dims[i];
        }
        sh->dim[i] = d;
    }
    tt->shape = sh;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    vi->type = tp;
    return vi;
}

static void tb_input(tb *b, const char *name, int ndim, const int64_t *dims)
{
    b->inputs[b->graph.n_input++] = tb_value_info(b, name, ndim, dims);
}

static void tb_output(tb *b, const char *name)
{
    b->outputs[b->graph.n_output++] = tb_value_info(b, name, 0, NULL);
}

static Onnx__TensorProto *tb_tensor(tb *b, const char *name, int dtype, int ndim, const int64_t *dims)
{
    Onnx__TensorProto *t = tb_alloc(b, sizeof *t);
    Onnx__TensorProto t0 = ONNX__TENSOR_PROTO__INIT;
    *t = t0;
    t->name = tb_str(b, name);
    t->has_data_type = 1;
    t->data_type = dtype;
    t->n_dims = (size_t)ndim;
    t->dims = tb_alloc(b, (size_t)ndim * sizeof *t->dims);
    for (int i = 0; i < ndim; i++)
        t->dims[i] = dims[i];
    return t;
}

static int64_t tb_numel(int ndim, const int64_t *dims)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= dims[i];
    return n;
}

/* Float tensor in raw_data (raw = 1) or float_data. */
static Onnx__TensorProto *tb_tensor_f(tb *b, const char *name, int ndim, const int64_t *dims,
                                      const float *data, int raw)
{
    Onnx__TensorProto *t = tb_tensor(b, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, ndim, dims);
    size_t n = (size_t)tb_numel(ndim, dims);
    if (raw) {
        t->has_raw_data = 1;
        t->raw_data.len = n * 4;
        t->raw_data.data = tb_alloc(b, n * 4);
        memcpy(t->raw_data.data, data, n * 4);
    } else {
        t->n_float_data = n;
        t->float_data = tb_alloc(b, n * 4);
        memcpy(t->float_data, data, n * 4);
    }
    return t;
}

/* int64 tensor in raw_data (as PyTorch writes them). */
static Onnx__TensorProto *tb_tensor_i64(tb *b, const char *name, int ndim, const int64_t *dims,
                                        const int64_t *data)
{
    Onnx__TensorProto *t = tb_tensor(b, name, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, ndim, dims);
    size_t n = (size_t)tb_numel(ndim, dims);
    t->has_raw_data = 1;
    t->raw_data.len = n * 8;
    t->raw_data.data = tb_alloc(b, n * 8);
    memcpy(t->raw_data.data, data, n * 8);
    return t;
}

static void tb_init(tb *b, Onnx__TensorProto *t) { b->inits[b->graph.n_initializer++] = t; }

static void tb_init_f(tb *b, const char *name, int ndim, const int64_t *dims, const float *data)
{
    tb_init(b, tb_tensor_f(b, name, ndim, dims, data, 1));
}

/* 1-D int64 initializer. */
static void tb_init_ints(tb *b, const char *name, int n, const int64_t *data)
{
    int64_t d = n;
    tb_init(b, tb_tensor_i64(b, name, 1, &d, data));
}

/* Splits "a,b,,c" into strings; empty entries are absent optional inputs. */
static size_t tb_list(tb *b, const char *spec, char ***out)
{
    size_t n = spec[0] ? 1 : 0;
    for (const char *p = spec; *p; p++)
        n += *p == ',';
    char **v = tb_alloc(b, n * sizeof *v);
    const char *s = spec;
    for (size_t i = 0; i < n; i++) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        v[i] = tb_alloc(b, len + 1);
        memcpy(v[i], s, len);
        s = e ? e + 1 : s + len;
    }
    *out = v;
    return n;
}

static Onnx__NodeProto *tb_node(tb *b, const char *op, const char *name, const char *ins,
                                const char *outs)
{
    Onnx__NodeProto *n = tb_alloc(b, sizeof *n);
    Onnx__NodeProto n0 = ONNX__NODE_PROTO__INIT;
    *n = n0;
    n->op_type = tb_str(b, op);
    n->name = tb_str(b, name);
    n->n_input = tb_list(b, ins, &n->input);
    n->n_output = tb_list(b, outs, &n->output);
    n->attribute = tb_alloc(b, 16 * sizeof *n->attribute);
    b->nodes[b->graph.n_node++] = n;
    return n;
}

static Onnx__AttributeProto *tb_attr(tb *b, Onnx__NodeProto *n, const char *name,
                                     Onnx__AttributeProto__AttributeType type)
{
    Onnx__AttributeProto *a = tb_alloc(b, sizeof *a);
    Onnx__AttributeProto a0 = ONNX__ATTRIBUTE_PROTO__INIT;
    *a = a0;
    a->name = tb_str(b, name);
    a->has_type = 1;
    a->type = type;
    n->attribute[n->n_attribute++] = a;
    return a;
}

static void tb_attr_i(tb *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = tb_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    a->has_i = 1;
    a->i = v;
}

static void tb_attr_f(tb *b, Onnx__NodeProto *n, const char *name, float v)
{
    Onnx__AttributeProto *a = tb_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    a->has_f = 1;
    a->f = v;
}

static void tb_attr_ints(tb *b, Onnx__NodeProto *n, const char *name, int cnt, const int64_t *v)
{
    Onnx__AttributeProto *a = tb_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    a->n_ints = (size_t)cnt;
    a->ints = tb_alloc(b, (size_t)cnt * sizeof *a->ints);
    memcpy(a->ints, v, (size_t)cnt * sizeof *a->ints);
}

static void tb_attr_s(tb *b, Onnx__NodeProto *n, const char *name, const char *s)
{
    Onnx__AttributeProto *a = tb_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
    a->has_s = 1;
    a->s.len = strlen(s);
    a->s.data = (uint8_t *)tb_str(b, s);
}

static void tb_attr_t(tb *b, Onnx__NodeProto *n, const char *name, Onnx__TensorProto *t)
{
    Onnx__AttributeProto *a = tb_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
    a->t = t;
}

/* A Constant node producing a 1-D int64 tensor. */
static void tb_const_ints(tb *b, const char *out, int n, const int64_t *v)
{
    int64_t d = n;
    Onnx__NodeProto *c = tb_node(b, "Constant", out, "", out);
    tb_attr_t(b, c, "value", tb_tensor_i64(b, "", 1, &d, v));
}

/* Packs the model into a malloc'd buffer. */
static uint8_t *tb_pack(tb *b, size_t *len)
{
    *len = onnx__model_proto__get_packed_size(&b->model);
    uint8_t *buf = malloc(*len ? *len : 1);
    onnx__model_proto__pack(&b->model, buf);
    return buf;
}

/* Packs and imports; returns the importer's status. */
static fm_status tb_load(tb *b, fm_graph **g, fm_error *err)
{
    size_t len;
    uint8_t *buf = tb_pack(b, &len);
    fm_status st = fm_onnx_load_buffer(buf, len, "test.onnx", g, err);
    free(buf);
    return st;
}

#endif
