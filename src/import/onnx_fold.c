/* Constant folding of ONNX nodes whose inputs are all constants.
 *
 * Exporters (PyTorch in particular) emit small shape subgraphs - Shape,
 * Gather, Concat, ConstantOfShape, Reshape, Slice, Cast ... - that compute
 * the pads of a Pad or the target of a Reshape at run time. Their inputs
 * are all known at load time, so they are evaluated here and the result
 * becomes a constant; the IR never sees them. Values are float32 or int64
 * (see onnx_tensor.c); integer arithmetic stays in int64. This file holds
 * the dispatch, Constant, Cast and the arithmetic; the layout operators are
 * in onnx_fold_layout.c. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/import.h"
#include "graph/passes.h"
#include "import/onnx_internal.h"

/* Offset into v of output element o when v is broadcast to oshape. */
static int64_t bcast_offset(const ox_value *v, int nout, const int64_t *oshape, int64_t o)
{
    int64_t off = 0, stride = 1;
    for (int d = nout - 1; d >= 0; d--) {
        int64_t idx = o % oshape[d];
        o /= oshape[d];
        int vd = d - (nout - v->ndim);
        if (vd >= 0) {
            if (v->shape[vd] != 1)
                off += idx * stride;
            stride *= v->shape[vd];
        }
    }
    return off;
}

static int64_t norm_axis(int64_t a, int rank) { return a < 0 ? a + rank : a; }

/* ----------------------------------------------------------- producers */

static fm_status fold_constant(ox_ctx *c, const ox_node *n)
{
    const Onnx__AttributeProto *a;
    ox_value *v;
    if ((a = ox_attr(n, "value")) && a->t) {
        if (n->p->n_output < 1 || !n->p->output[0] || !n->p->output[0][0])
            return ox_node_error(c, n, FM_ERR_FORMAT, "has no output");
        v = ox_add_value(c, n->p->output[0]);
        if (!v)
            return fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
        return ox_tensor_decode(c, n, a->t, "value", v);
    }
    if ((a = ox_attr(n, "value_float"))) {
        if (!(v = ox_fold_out(c, n, 0, FM_F32, 0, NULL)))
            return c->err->code;
        ox_put(v, 0, a->f, 0);
    } else if ((a = ox_attr(n, "value_int"))) {
        if (!(v = ox_fold_out(c, n, 0, FM_I64, 0, NULL)))
            return c->err->code;
        ox_put(v, 0, 0, a->i);
    } else if ((a = ox_attr(n, "value_floats"))) {
        int64_t len = (int64_t)a->n_floats;
        if (!(v = ox_fold_out(c, n, 0, FM_F32, 1, &len)))
            return c->err->code;
        for (int64_t i = 0; i < len; i++)
            ox_put(v, i, a->floats[i], 0);
    } else if ((a = ox_attr(n, "value_ints"))) {
        int64_t len = (int64_t)a->n_ints;
        if (!(v = ox_fold_out(c, n, 0, FM_I64, 1, &len)))
            return c->err->code;
        for (int64_t i = 0; i < len; i++)
            ox_put(v, i, 0, a->ints[i]);
    } else {
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED,
                             "attribute 'value' is missing or of an unsupported kind (sparse/string)");
    }
    return FM_OK;
}

/* ONNX TensorProto data types that become float here. */
static int cast_to_float(int64_t to)
{
    return to == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT || to == ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE ||
           to == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16 || to == ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16;
}

static fm_status fold_cast(ox_ctx *c, const ox_node *n, ox_value **in)
{
    int64_t to;
    fm_status st = ox_attr_int(c, n, "to", 0, &to);
    if (st != FM_OK)
        return st;
    int is_bool = to == ONNX__TENSOR_PROTO__DATA_TYPE__BOOL;
    if (!cast_to_float(to) && !is_bool &&
        (to < ONNX__TENSOR_PROTO__DATA_TYPE__UINT8 || to > ONNX__TENSOR_PROTO__DATA_TYPE__INT64) &&
        to != ONNX__TENSOR_PROTO__DATA_TYPE__UINT32 && to != ONNX__TENSOR_PROTO__DATA_TYPE__UINT64)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "attribute 'to' = %lld is not supported",
                             (long long)to);
    const ox_value *x = in[0];
    ox_value *o;
    OX_OUT_OR_FAIL(o, ox_fold_out(c, n, 0, cast_to_float(to) ? FM_F32 : FM_I64, x->ndim, x->shape));
    for (int64_t i = 0; i < ox_numel(x); i++) {
        if (is_bool)
            ox_put(o, i, 0, ox_get_f(x, i) != 0.0);
        else
            ox_put(o, i, ox_get_f(x, i), ox_get_i(x, i));
    }
    return FM_OK;
}

typedef enum { B_ADD, B_SUB, B_MUL, B_DIV, B_EQ, B_LT, B_GT, B_WHERE, B_EXPAND } bin_op;

static fm_status fold_elementwise(ox_ctx *c, const ox_node *n, ox_value **in, bin_op op)
{
    int64_t shape[FM_MAX_DIMS], tmp[FM_MAX_DIMS], eshape[FM_MAX_DIMS];
    int nd, ne;
    const ox_value *a = in[0], *b = in[1];
    if (op == B_EXPAND) {
        /* Expand's second input is the target shape */
        fm_status st = ox_const_ints(c, n, 1, "shape", eshape, FM_MAX_DIMS, &ne);
        if (st != FM_OK)
            return st;
        if (fm_broadcast_shape(a->ndim, a->shape, ne, eshape, &nd, shape) != 0)
            return ox_node_error(c, n, FM_ERR_SHAPE, "shape does not broadcast");
        b = a;
    } else if (fm_broadcast_shape(a->ndim, a->shape, b->ndim, b->shape, &nd, shape) != 0) {
        return ox_node_error(c, n, FM_ERR_SHAPE, "operand shapes do not broadcast");
    }
    const ox_value *x = a, *y = b;
    if (op == B_WHERE) {
        x = in[1];
        y = in[2];
        memcpy(tmp, shape, sizeof tmp);
        int n1, n2;
        if (fm_broadcast_shape(nd, tmp, x->ndim, x->shape, &n1, shape) != 0 ||
            (memcpy(tmp, shape, sizeof tmp), fm_broadcast_shape(n1, tmp, y->ndim, y->shape, &n2, shape)) != 0)
            return ox_node_error(c, n, FM_ERR_SHAPE, "operand shapes do not broadcast");
        nd = n2;
        if (x->dtype != y->dtype)
            return ox_node_error(c, n, FM_ERR_FORMAT, "X and Y differ in type");
    }
    fm_dtype dt;
    if (op == B_EQ || op == B_LT || op == B_GT)
        dt = FM_I64;
    else if (op == B_WHERE)
        dt = x->dtype;
    else
        dt = (a->dtype == FM_F32 || b->dtype == FM_F32) ? FM_F32 : FM_I64;
    ox_value *o;
    OX_OUT_OR_FAIL(o, ox_fold_out(c, n, 0, dt, nd, shape));
    for (int64_t k = 0; k < ox_numel(o); k++) {
        int64_t ia = bcast_offset(a, nd, shape, k), ib = bcast_offset(b, nd, shape, k);
        double fa = ox_get_f(a, ia), fb = ox_get_f(b, ib);
        int64_t qa = ox_get_i(a, ia), qb = ox_get_i(b, ib);
        switch (op) {
        case B_ADD: ox_put(o, k, fa + fb, (int64_t)((uint64_t)qa + (uint64_t)qb)); break;
        case B_SUB: ox_put(o, k, fa - fb, (int64_t)((uint64_t)qa - (uint64_t)qb)); break;
        case B_MUL: ox_put(o, k, fa * fb, (int64_t)((uint64_t)qa * (uint64_t)qb)); break;
        case B_DIV:
            if (dt == FM_I64 && (qb == 0 || (qa == INT64_MIN && qb == -1)))
                return ox_node_error(c, n, FM_ERR_FORMAT, "integer division by zero or overflow");
            ox_put(o, k, fa / fb, dt == FM_I64 ? qa / qb : 0);
            break;
        case B_EQ: ox_put(o, k, 0, dt == FM_I64 && a->dtype == FM_I64 ? qa == qb : fa == fb); break;
        case B_LT: ox_put(o, k, 0, a->dtype == FM_I64 && b->dtype == FM_I64 ? qa < qb : fa < fb); break;
        case B_GT: ox_put(o, k, 0, a->dtype == FM_I64 && b->dtype == FM_I64 ? qa > qb : fa > fb); break;
        case B_WHERE: {
            const ox_value *src = ox_get_f(a, ia) != 0.0 ? x : y;
            ox_copy_el(o, k, src, bcast_offset(src, nd, shape, k));
            break;
        }
        case B_EXPAND: ox_copy_el(o, k, a, ia); break;
        }
    }
    return FM_OK;
}

static fm_status fold_unary(ox_ctx *c, const ox_node *n, ox_value **in)
{
    const ox_value *x = in[0];
    ox_value *o;
    OX_OUT_OR_FAIL(o, ox_fold_out(c, n, 0, x->dtype, x->ndim, x->shape));
    int neg = strcmp(n->op, "Neg") == 0, relu = strcmp(n->op, "Relu") == 0;
    for (int64_t i = 0; i < ox_numel(x); i++) {
        double f = ox_get_f(x, i);
        int64_t q = ox_get_i(x, i);
        if (neg)
            ox_put(o, i, -f, (int64_t)(0 - (uint64_t)q));
        else if (relu)
            ox_put(o, i, f > 0 ? f : 0, q > 0 ? q : 0);
        else if (strcmp(n->op, "Sqrt") == 0)
            ox_put(o, i, sqrt(f), (int64_t)sqrt((double)q));
        else
            ox_copy_el(o, i, x, i); /* Identity, Dropout */
    }
    return FM_OK;
}

/* ------------------------------------------------------------- dispatch */

static const char *const FOLDABLE[] = {
    "Constant", "ConstantOfShape", "Shape", "Size", "Gather", "Cast", "Unsqueeze", "Squeeze",
    "Concat", "Reshape", "Flatten", "Transpose", "Slice", "Add", "Sub", "Mul", "Div", "Range",
    "Equal", "Less", "Greater", "Where", "Expand", "Neg", "Relu", "Sqrt", "Identity", "Dropout",
    NULL};

fm_status ox_try_fold(ox_ctx *c, const ox_node *n, int *folded)
{
    *folded = 0;
    int known = 0;
    for (int i = 0; FOLDABLE[i] && !known; i++)
        known = strcmp(n->op, FOLDABLE[i]) == 0;
    if (!known)
        return FM_OK;
    int is_shape = strcmp(n->op, "Shape") == 0 || strcmp(n->op, "Size") == 0;
    ox_value *in[FM_MAX_IO * 4] = {0};
    int nin = (int)n->p->n_input;
    for (int i = 0; i < nin; i++) {
        in[i] = ox_input(c, n, i);
        /* Shape/Size only need the input's shape, known for activations */
        if (in[i] && !in[i]->is_const && !(is_shape && i == 0))
            return FM_OK;
    }
    if (strcmp(n->op, "Constant") != 0 && (nin < 1 || !in[0]))
        return FM_OK; /* let the mapper report the missing input */
    *folded = 1;
    const char *op = n->op;
    if (!strcmp(op, "Constant"))
        return fold_constant(c, n);
    if (!strcmp(op, "ConstantOfShape"))
        return ox_fold_constant_of_shape(c, n, in);
    if (!strcmp(op, "Shape"))
        return ox_fold_shape(c, n, in);
    if (!strcmp(op, "Size")) {
        const fm_tensor *t = in[0]->is_const ? NULL : &c->g->tensors[in[0]->tensor];
        ox_value *o;
        OX_OUT_OR_FAIL(o, ox_fold_out(c, n, 0, FM_I64, 0, NULL));
        ox_put(o, 0, 0, t ? fm_tensor_numel(t) : ox_numel(in[0]));
        return FM_OK;
    }
    if (nin < 2 && (!strcmp(op, "Gather") || !strcmp(op, "Add") || !strcmp(op, "Sub") ||
                    !strcmp(op, "Mul") || !strcmp(op, "Div") || !strcmp(op, "Equal") ||
                    !strcmp(op, "Less") || !strcmp(op, "Greater") || !strcmp(op, "Expand")))
        return ox_node_error(c, n, FM_ERR_FORMAT, "needs 2 inputs");
    if ((!strcmp(op, "Where") || !strcmp(op, "Range")) && (nin < 3 || !in[1] || !in[2]))
        return ox_node_error(c, n, FM_ERR_FORMAT, "needs 3 inputs");
    if (nin >= 2 && !in[1] && (!strcmp(op, "Gather") || !strcmp(op, "Add") || !strcmp(op, "Sub") ||
                               !strcmp(op, "Mul") || !strcmp(op, "Div")))
        return ox_node_error(c, n, FM_ERR_FORMAT, "input 1 is missing");
    if (!strcmp(op, "Gather"))
        return ox_fold_gather(c, n, in);
    if (!strcmp(op, "Cast"))
        return fold_cast(c, n, in);
    if (!strcmp(op, "Unsqueeze") || !strcmp(op, "Squeeze")) {
        int64_t shape[FM_MAX_DIMS];
        int nd;
        fm_status st = ox_squeeze_shape(c, n, in[0]->ndim, in[0]->shape, op[0] == 'U', &nd, shape);
        return st != FM_OK ? st : ox_emit_reshaped(c, n, in[0], nd, shape);
    }
    if (!strcmp(op, "Reshape")) {
        int64_t shape[FM_MAX_DIMS];
        int nd;
        fm_status st = ox_reshape_target(c, n, in[0]->ndim, in[0]->shape, &nd, shape);
        return st != FM_OK ? st : ox_emit_reshaped(c, n, in[0], nd, shape);
    }
    if (!strcmp(op, "Flatten")) {
        int64_t axis;
        fm_status st = ox_attr_int(c, n, "axis", 1, &axis);
        if (st != FM_OK)
            return st;
        axis = norm_axis(axis, in[0]->ndim);
        if (axis < 0 || axis > in[0]->ndim)
            return ox_node_error(c, n, FM_ERR_FORMAT, "attribute 'axis' out of range");
        int64_t shape[2] = {fm_shape_numel((int)axis, in[0]->shape),
                            fm_shape_numel(in[0]->ndim - (int)axis, in[0]->shape + axis)};
        return ox_emit_reshaped(c, n, in[0], 2, shape);
    }
    if (!strcmp(op, "Concat"))
        return ox_fold_concat(c, n, in, nin);
    if (!strcmp(op, "Transpose"))
        return ox_fold_transpose(c, n, in);
    if (!strcmp(op, "Slice"))
        return ox_fold_slice(c, n, in);
    if (!strcmp(op, "Range"))
        return ox_fold_range(c, n, in);
    if (!strcmp(op, "Add"))
        return fold_elementwise(c, n, in, B_ADD);
    if (!strcmp(op, "Sub"))
        return fold_elementwise(c, n, in, B_SUB);
    if (!strcmp(op, "Mul"))
        return fold_elementwise(c, n, in, B_MUL);
    if (!strcmp(op, "Div"))
        return fold_elementwise(c, n, in, B_DIV);
    if (!strcmp(op, "Equal"))
        return fold_elementwise(c, n, in, B_EQ);
    if (!strcmp(op, "Less"))
        return fold_elementwise(c, n, in, B_LT);
    if (!strcmp(op, "Greater"))
        return fold_elementwise(c, n, in, B_GT);
    if (!strcmp(op, "Where"))
        return fold_elementwise(c, n, in, B_WHERE);
    if (!strcmp(op, "Expand"))
        return fold_elementwise(c, n, in, B_EXPAND);
    return fold_unary(c, n, in); /* Neg, Relu, Sqrt, Identity, Dropout */
}
