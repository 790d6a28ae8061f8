/* Constant folding of ONNX nodes whose inputs are all constants.
 *
 * Exporters (PyTorch in particular) emit small shape subgraphs - Shape,
 * Gather, Concat, ConstantOfShape, Reshape, Slice, Cast ... - that compute
 * the pads of a Pad or the target of a Reshape at run time. Their inputs
 * are all known at load time, so they are evaluated here and the result
 * becomes a constant; the IR never sees them. Values are float32 or int64
 * (see onnx_tensor.c); integer arithmetic stays in int64. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/import.h"
#include "graph/passes.h"
#include "import/onnx_internal.h"

static int64_t numel(const ox_value *v) { return fm_shape_numel(v->ndim, v->shape); }

static double get_f(const ox_value *v, int64_t i)
{
    return v->dtype == FM_F32 ? (double)((const float *)v->data)[i]
                              : (double)((const int64_t *)v->data)[i];
}

static int64_t get_i(const ox_value *v, int64_t i)
{
    if (v->dtype == FM_I64)
        return ((const int64_t *)v->data)[i];
    float f = ((const float *)v->data)[i];
    /* float -> int outside int64 is UB in C; saturate instead */
    if (!(f == f))
        return 0;
    if (f >= 9.2233720e18f)
        return INT64_MAX;
    if (f <= -9.2233720e18f)
        return INT64_MIN;
    return (int64_t)f;
}

/* Registers output j of n as a constant with a fresh zeroed buffer. */
static ox_value *new_out(ox_ctx *c, const ox_node *n, int j, fm_dtype dt, int ndim,
                         const int64_t *shape)
{
    if ((size_t)j >= n->p->n_output || !n->p->output[j] || !n->p->output[j][0]) {
        ox_node_error(c, n, FM_ERR_FORMAT, "output %d has no name", j);
        return NULL;
    }
    if (ndim > FM_MAX_DIMS) {
        ox_node_error(c, n, FM_ERR_UNSUPPORTED, "result has %d dims (at most %d)", ndim, FM_MAX_DIMS);
        return NULL;
    }
    int64_t ne = fm_shape_numel(ndim, shape);
    if (ne < 0 || ne > ((int64_t)1 << 28)) {
        ox_node_error(c, n, FM_ERR_UNSUPPORTED, "constant result of %lld elements", (long long)ne);
        return NULL;
    }
    ox_value *v = ox_add_value(c, n->p->output[j]);
    void *data = calloc((size_t)(ne ? ne : 1), 8);
    if (!v || !data) {
        free(data);
        fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
        return NULL;
    }
    v->is_const = 1;
    v->dtype = dt;
    v->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        v->shape[i] = shape[i];
    v->data = data;
    return v;
}

static void put(ox_value *v, int64_t i, double f, int64_t q)
{
    if (v->dtype == FM_F32)
        ((float *)v->data)[i] = (float)f;
    else
        ((int64_t *)v->data)[i] = q;
}

/* Copies element si of s into element di of d (same dtype). */
static void copy_el(ox_value *d, int64_t di, const ox_value *s, int64_t si)
{
    if (d->dtype == FM_F32)
        ((float *)d->data)[di] = ((const float *)s->data)[si];
    else
        ((int64_t *)d->data)[di] = ((const int64_t *)s->data)[si];
}

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
        if ((size_t)0 >= n->p->n_output || !n->p->output[0])
            return ox_node_error(c, n, FM_ERR_FORMAT, "has no output");
        v = ox_add_value(c, n->p->output[0]);
        if (!v)
            return fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
        fm_status st = ox_tensor_decode(c, a->t, n->p->output[0], v);
        if (st != FM_OK)
            return fm_error_prefix(c->err, "node '%s' (Constant)", n->name);
        return FM_OK;
    }
    int64_t one = 1;
    if ((a = ox_attr(n, "value_float"))) {
        if (!(v = new_out(c, n, 0, FM_F32, 0, NULL)))
            return c->err ? c->err->code : FM_ERR_NOMEM;
        put(v, 0, a->f, 0);
    } else if ((a = ox_attr(n, "value_int"))) {
        if (!(v = new_out(c, n, 0, FM_I64, 0, NULL)))
            return c->err ? c->err->code : FM_ERR_NOMEM;
        put(v, 0, 0, a->i);
    } else if ((a = ox_attr(n, "value_floats"))) {
        int64_t len = (int64_t)a->n_floats;
        if (!(v = new_out(c, n, 0, FM_F32, 1, &len)))
            return c->err ? c->err->code : FM_ERR_NOMEM;
        for (int64_t i = 0; i < len; i++)
            put(v, i, a->floats[i], 0);
    } else if ((a = ox_attr(n, "value_ints"))) {
        int64_t len = (int64_t)a->n_ints;
        if (!(v = new_out(c, n, 0, FM_I64, 1, &len)))
            return c->err ? c->err->code : FM_ERR_NOMEM;
        for (int64_t i = 0; i < len; i++)
            put(v, i, 0, a->ints[i]);
    } else {
        (void)one;
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED,
                             "attribute 'value' is missing or of an unsupported kind (sparse/string)");
    }
    return FM_OK;
}

#define OUT_OR_FAIL(v, expr)                                      \
    do {                                                          \
        if (!((v) = (expr)))                                      \
            return c->err ? c->err->code : FM_ERR_NOMEM;          \
    } while (0)

static fm_status fold_constant_of_shape(ox_ctx *c, const ox_node *n, ox_value **in)
{
    int64_t shape[FM_MAX_DIMS];
    int nd;
    fm_status st = ox_const_ints(c, n, 0, "shape", shape, FM_MAX_DIMS, &nd);
    if (st != FM_OK)
        return st;
    ox_value fill = {.dtype = FM_F32};
    float zero = 0.0f;
    fill.data = &zero;
    const Onnx__AttributeProto *a = ox_attr(n, "value");
    if (a && a->t) {
        st = ox_tensor_decode(c, a->t, "value", &fill);
        if (st != FM_OK)
            return fm_error_prefix(c->err, "node '%s' (ConstantOfShape)", n->name);
        if (numel(&fill) != 1) {
            free(fill.data);
            return ox_node_error(c, n, FM_ERR_FORMAT, "attribute 'value' must hold one element");
        }
    }
    ox_value *o = new_out(c, n, 0, fill.dtype, nd, shape);
    if (o)
        for (int64_t i = 0; i < numel(o); i++)
            copy_el(o, i, &fill, 0);
    if (fill.data != &zero)
        free(fill.data);
    return o ? FM_OK : c->err->code;
}

static fm_status fold_shape(ox_ctx *c, const ox_node *n, ox_value **in)
{
    const ox_value *x = in[0];
    const int64_t *shape = x->is_const ? x->shape : c->g->tensors[x->tensor].shape;
    int rank = x->is_const ? x->ndim : c->g->tensors[x->tensor].ndim;
    int64_t start, end;
    fm_status st = ox_attr_int(c, n, "start", 0, &start);
    if (st == FM_OK)
        st = ox_attr_int(c, n, "end", rank, &end);
    if (st != FM_OK)
        return st;
    start = norm_axis(start, rank);
    end = norm_axis(end, rank);
    start = start < 0 ? 0 : start > rank ? rank : start;
    end = end < start ? start : end > rank ? rank : end;
    int64_t len = end - start;
    ox_value *o;
    OUT_OR_FAIL(o, new_out(c, n, 0, FM_I64, 1, &len));
    for (int64_t i = 0; i < len; i++)
        put(o, i, 0, shape[start + i]);
    return FM_OK;
}

static fm_status fold_gather(ox_ctx *c, const ox_node *n, ox_value **in)
{
    const ox_value *d = in[0], *ix = in[1];
    int64_t axis;
    fm_status st = ox_attr_int(c, n, "axis", 0, &axis);
    if (st != FM_OK)
        return st;
    axis = norm_axis(axis, d->ndim);
    if (d->ndim < 1 || axis < 0 || axis >= d->ndim)
        return ox_node_error(c, n, FM_ERR_FORMAT, "attribute 'axis' out of range");
    if (ix->dtype != FM_I64)
        return ox_node_error(c, n, FM_ERR_FORMAT, "indices must be integers");
    int64_t shape[FM_MAX_DIMS * 2];
    int nd = 0;
    for (int i = 0; i < axis; i++)
        shape[nd++] = d->shape[i];
    for (int i = 0; i < ix->ndim; i++)
        shape[nd++] = ix->shape[i];
    for (int i = (int)axis + 1; i < d->ndim; i++)
        shape[nd++] = d->shape[i];
    ox_value *o;
    OUT_OR_FAIL(o, new_out(c, n, 0, d->dtype, nd, shape));
    int64_t outer = fm_shape_numel((int)axis, d->shape), dim = d->shape[axis];
    int64_t inner = fm_shape_numel(d->ndim - (int)axis - 1, d->shape + axis + 1), ni = numel(ix);
    for (int64_t k = 0; k < ni; k++) {
        int64_t j = get_i(ix, k);
        j = j < 0 ? j + dim : j;
        if (j < 0 || j >= dim)
            return ox_node_error(c, n, FM_ERR_FORMAT, "index %lld out of range for dim %lld",
                                 (long long)get_i(ix, k), (long long)dim);
        for (int64_t a = 0; a < outer; a++)
            for (int64_t b = 0; b < inner; b++)
                copy_el(o, (a * ni + k) * inner + b, d, (a * dim + j) * inner + b);
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
    OUT_OR_FAIL(o, new_out(c, n, 0, cast_to_float(to) ? FM_F32 : FM_I64, x->ndim, x->shape));
    for (int64_t i = 0; i < numel(x); i++) {
        if (is_bool)
            put(o, i, 0, get_f(x, i) != 0.0);
        else
            put(o, i, get_f(x, i), get_i(x, i));
    }
    return FM_OK;
}

/* Copies x into a new output with another shape (Reshape, Flatten,
 * Squeeze, Unsqueeze, Identity all keep the element order). */
static fm_status emit_reshaped(ox_ctx *c, const ox_node *n, const ox_value *x, int nd,
                               const int64_t *shape)
{
    if (fm_shape_numel(nd, shape) != numel(x))
        return ox_node_error(c, n, FM_ERR_SHAPE, "cannot reshape %lld elements to the target shape",
                             (long long)numel(x));
    ox_value *o;
    OUT_OR_FAIL(o, new_out(c, n, 0, x->dtype, nd, shape));
    memcpy(o->data, x->data, (size_t)numel(x) * (x->dtype == FM_F32 ? 4 : 8));
    return FM_OK;
}

static fm_status fold_concat(ox_ctx *c, const ox_node *n, ox_value **in, int nin)
{
    int64_t axis;
    fm_status st = ox_attr_int(c, n, "axis", 0, &axis);
    if (st != FM_OK)
        return st;
    const ox_value *x = in[0];
    axis = norm_axis(axis, x->ndim);
    if (axis < 0 || axis >= x->ndim)
        return ox_node_error(c, n, FM_ERR_FORMAT, "attribute 'axis' out of range");
    int64_t shape[FM_MAX_DIMS];
    memcpy(shape, x->shape, sizeof shape);
    shape[axis] = 0;
    for (int j = 0; j < nin; j++) {
        if (!in[j] || in[j]->ndim != x->ndim || in[j]->dtype != x->dtype)
            return ox_node_error(c, n, FM_ERR_SHAPE, "input %d differs in rank or type", j);
        for (int d = 0; d < x->ndim; d++)
            if (d != axis && in[j]->shape[d] != x->shape[d])
                return ox_node_error(c, n, FM_ERR_SHAPE, "input %d differs on axis %d", j, d);
        shape[axis] += in[j]->shape[axis];
    }
    ox_value *o;
    OUT_OR_FAIL(o, new_out(c, n, 0, x->dtype, x->ndim, shape));
    int64_t outer = fm_shape_numel((int)axis, shape), k = 0;
    for (int64_t a = 0; a < outer; a++)
        for (int j = 0; j < nin; j++) {
            int64_t chunk = fm_shape_numel(x->ndim - (int)axis, in[j]->shape + axis);
            for (int64_t b = 0; b < chunk; b++)
                copy_el(o, k++, in[j], a * chunk + b);
        }
    return FM_OK;
}

static fm_status fold_transpose(ox_ctx *c, const ox_node *n, ox_value **in)
{
    const ox_value *x = in[0];
    int64_t perm[FM_MAX_DIMS];
    int np;
    fm_status st = ox_attr_ints(c, n, "perm", perm, FM_MAX_DIMS, &np);
    if (st != FM_OK)
        return st;
    if (np < 0)
        for (np = 0; np < x->ndim; np++)
            perm[np] = x->ndim - 1 - np;
    int seen = 0;
    int64_t shape[FM_MAX_DIMS], istride[FM_MAX_DIMS];
    if (np != x->ndim)
        return ox_node_error(c, n, FM_ERR_FORMAT, "attribute 'perm' has %d entries for rank %d", np,
                             x->ndim);
    for (int i = 0; i < np; i++) {
        if (perm[i] < 0 || perm[i] >= x->ndim || (seen & (1 << perm[i])))
            return ox_node_error(c, n, FM_ERR_FORMAT, "attribute 'perm' is not a permutation");
        seen |= 1 << perm[i];
        shape[i] = x->shape[perm[i]];
    }
    int64_t stride = 1;
    for (int d = x->ndim - 1; d >= 0; d--) {
        istride[d] = stride;
        stride *= x->shape[d];
    }
    ox_value *o;
    OUT_OR_FAIL(o, new_out(c, n, 0, x->dtype, x->ndim, shape));
    for (int64_t k = 0; k < numel(o); k++) {
        int64_t r = k, off = 0;
        for (int d = np - 1; d >= 0; d--) {
            off += (r % shape[d]) * istride[perm[d]];
            r /= shape[d];
        }
        copy_el(o, k, x, off);
    }
    return FM_OK;
}

static fm_status fold_slice(ox_ctx *c, const ox_node *n, ox_value **in)
{
    const ox_value *x = in[0];
    int64_t st_[FM_MAX_DIMS], en[FM_MAX_DIMS], sp[FM_MAX_DIMS], shape[FM_MAX_DIMS];
    fm_status st = ox_slice_params(c, n, x->ndim, x->shape, st_, en, sp);
    if (st != FM_OK)
        return st;
    for (int d = 0; d < x->ndim; d++) {
        int64_t len = sp[d] > 0 ? (en[d] - st_[d] + sp[d] - 1) / sp[d]
                                : (st_[d] - en[d] - sp[d] - 1) / -sp[d];
        shape[d] = len > 0 ? len : 0;
    }
    ox_value *o;
    OUT_OR_FAIL(o, new_out(c, n, 0, x->dtype, x->ndim, shape));
    for (int64_t k = 0; k < numel(o); k++) {
        int64_t r = k, off = 0, stride = 1;
        for (int d = x->ndim - 1; d >= 0; d--) {
            off += (st_[d] + (r % shape[d]) * sp[d]) * stride;
            r /= shape[d];
            stride *= x->shape[d];
        }
        copy_el(o, k, x, off);
    }
    return FM_OK;
}

static fm_status fold_range(ox_ctx *c, const ox_node *n, ox_value **in)
{
    for (int i = 0; i < 3; i++)
        if (numel(in[i]) != 1)
            return ox_node_error(c, n, FM_ERR_FORMAT, "start, limit and delta must be scalars");
    int isf = in[0]->dtype == FM_F32;
    double s = get_f(in[0], 0), l = get_f(in[1], 0), d = get_f(in[2], 0);
    if (d == 0)
        return ox_node_error(c, n, FM_ERR_FORMAT, "delta is 0");
    double cnt = ceil((l - s) / d);
    int64_t len = cnt > 0 ? (int64_t)cnt : 0;
    if (len > ((int64_t)1 << 24))
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "range of %lld elements", (long long)len);
    ox_value *o;
    OUT_OR_FAIL(o, new_out(c, n, 0, isf ? FM_F32 : FM_I64, 1, &len));
    for (int64_t i = 0; i < len; i++)
        put(o, i, s + (double)i * d, get_i(in[0], 0) + i * get_i(in[2], 0));
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
    OUT_OR_FAIL(o, new_out(c, n, 0, dt, nd, shape));
    for (int64_t k = 0; k < numel(o); k++) {
        int64_t ia = bcast_offset(a, nd, shape, k), ib = bcast_offset(b, nd, shape, k);
        double fa = get_f(a, ia), fb = get_f(b, ib);
        int64_t qa = get_i(a, ia), qb = get_i(b, ib);
        switch (op) {
        case B_ADD: put(o, k, fa + fb, (int64_t)((uint64_t)qa + (uint64_t)qb)); break;
        case B_SUB: put(o, k, fa - fb, (int64_t)((uint64_t)qa - (uint64_t)qb)); break;
        case B_MUL: put(o, k, fa * fb, (int64_t)((uint64_t)qa * (uint64_t)qb)); break;
        case B_DIV:
            if (dt == FM_I64 && (qb == 0 || (qa == INT64_MIN && qb == -1)))
                return ox_node_error(c, n, FM_ERR_FORMAT, "integer division by zero or overflow");
            put(o, k, fa / fb, dt == FM_I64 ? qa / qb : 0);
            break;
        case B_EQ: put(o, k, 0, dt == FM_I64 && a->dtype == FM_I64 ? qa == qb : fa == fb); break;
        case B_LT: put(o, k, 0, a->dtype == FM_I64 && b->dtype == FM_I64 ? qa < qb : fa < fb); break;
        case B_GT: put(o, k, 0, a->dtype == FM_I64 && b->dtype == FM_I64 ? qa > qb : fa > fb); break;
        case B_WHERE: {
            const ox_value *src = get_f(a, ia) != 0.0 ? x : y;
            copy_el(o, k, src, bcast_offset(src, nd, shape, k));
            break;
        }
        case B_EXPAND: copy_el(o, k, a, ia); break;
        }
    }
    return FM_OK;
}

static fm_status fold_unary(ox_ctx *c, const ox_node *n, ox_value **in)
{
    const ox_value *x = in[0];
    ox_value *o;
    OUT_OR_FAIL(o, new_out(c, n, 0, x->dtype, x->ndim, x->shape));
    int neg = strcmp(n->op, "Neg") == 0, relu = strcmp(n->op, "Relu") == 0;
    for (int64_t i = 0; i < numel(x); i++) {
        double f = get_f(x, i);
        int64_t q = get_i(x, i);
        if (neg)
            put(o, i, -f, (int64_t)(0 - (uint64_t)q));
        else if (relu)
            put(o, i, f > 0 ? f : 0, q > 0 ? q : 0);
        else if (strcmp(n->op, "Sqrt") == 0)
            put(o, i, sqrt(f), (int64_t)sqrt((double)q));
        else
            copy_el(o, i, x, i); /* Identity, Dropout */
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
        return fold_constant_of_shape(c, n, in);
    if (!strcmp(op, "Shape"))
        return fold_shape(c, n, in);
    if (!strcmp(op, "Size")) {
        const fm_tensor *t = in[0]->is_const ? NULL : &c->g->tensors[in[0]->tensor];
        ox_value *o;
        OUT_OR_FAIL(o, new_out(c, n, 0, FM_I64, 0, NULL));
        put(o, 0, 0, t ? fm_tensor_numel(t) : numel(in[0]));
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
        return fold_gather(c, n, in);
    if (!strcmp(op, "Cast"))
        return fold_cast(c, n, in);
    if (!strcmp(op, "Unsqueeze") || !strcmp(op, "Squeeze")) {
        int64_t shape[FM_MAX_DIMS];
        int nd;
        fm_status st = ox_squeeze_shape(c, n, in[0]->ndim, in[0]->shape, op[0] == 'U', &nd, shape);
        return st != FM_OK ? st : emit_reshaped(c, n, in[0], nd, shape);
    }
    if (!strcmp(op, "Reshape")) {
        int64_t shape[FM_MAX_DIMS];
        int nd;
        fm_status st = ox_reshape_target(c, n, in[0]->ndim, in[0]->shape, &nd, shape);
        return st != FM_OK ? st : emit_reshaped(c, n, in[0], nd, shape);
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
        return emit_reshaped(c, n, in[0], 2, shape);
    }
    if (!strcmp(op, "Concat"))
        return fold_concat(c, n, in, nin);
    if (!strcmp(op, "Transpose"))
        return fold_transpose(c, n, in);
    if (!strcmp(op, "Slice"))
        return fold_slice(c, n, in);
    if (!strcmp(op, "Range"))
        return fold_range(c, n, in);
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
