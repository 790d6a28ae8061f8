/* Constant folding of the layout and shape operators: ConstantOfShape,
 * Shape, Gather, Reshape-like copies, Concat, Transpose, Slice, Range.
 * These make up the shape subgraphs that exporters emit. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/onnx_internal.h"

static int64_t norm_axis(int64_t a, int rank) { return a < 0 ? a + rank : a; }

fm_status ox_fold_constant_of_shape(ox_ctx *c, const ox_node *n, ox_value **in)
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
        st = ox_tensor_decode(c, n, a->t, "value", &fill);
        if (st != FM_OK)
            return st;
        if (ox_numel(&fill) != 1) {
            free(fill.data);
            return ox_node_error(c, n, FM_ERR_FORMAT, "attribute 'value' must hold one element");
        }
    }
    ox_value *o = ox_fold_out(c, n, 0, fill.dtype, nd, shape);
    if (o)
        for (int64_t i = 0; i < ox_numel(o); i++)
            ox_copy_el(o, i, &fill, 0);
    if (fill.data != &zero)
        free(fill.data);
    return o ? FM_OK : c->err->code;
}

fm_status ox_fold_shape(ox_ctx *c, const ox_node *n, ox_value **in)
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
    OX_OUT_OR_FAIL(o, ox_fold_out(c, n, 0, FM_I64, 1, &len));
    for (int64_t i = 0; i < len; i++)
        ox_put(o, i, 0, shape[start + i]);
    return FM_OK;
}

fm_status ox_fold_gather(ox_ctx *c, const ox_node *n, ox_value **in)
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
    OX_OUT_OR_FAIL(o, ox_fold_out(c, n, 0, d->dtype, nd, shape));
    int64_t outer = fm_shape_numel((int)axis, d->shape), dim = d->shape[axis];
    int64_t inner = fm_shape_numel(d->ndim - (int)axis - 1, d->shape + axis + 1), ni = ox_numel(ix);
    for (int64_t k = 0; k < ni; k++) {
        int64_t j = ox_get_i(ix, k);
        j = j < 0 ? j + dim : j;
        if (j < 0 || j >= dim)
            return ox_node_error(c, n, FM_ERR_FORMAT, "index %lld out of range for dim %lld",
                                 (long long)ox_get_i(ix, k), (long long)dim);
        for (int64_t a = 0; a < outer; a++)
            for (int64_t b = 0; b < inner; b++)
                ox_copy_el(o, (a * ni + k) * inner + b, d, (a * dim + j) * inner + b);
    }
    return FM_OK;
}

/* Copies x into a new output with another shape (Reshape, Flatten,
 * Squeeze, Unsqueeze, Identity all keep the element order). */
fm_status ox_emit_reshaped(ox_ctx *c, const ox_node *n, const ox_value *x, int nd,
                               const int64_t *shape)
{
    if (fm_shape_numel(nd, shape) != ox_numel(x))
        return ox_node_error(c, n, FM_ERR_SHAPE, "cannot reshape %lld elements to the target shape",
                             (long long)ox_numel(x));
    ox_value *o;
    OX_OUT_OR_FAIL(o, ox_fold_out(c, n, 0, x->dtype, nd, shape));
    memcpy(o->data, x->data, (size_t)ox_numel(x) * (x->dtype == FM_F32 ? 4 : 8));
    return FM_OK;
}

fm_status ox_fold_concat(ox_ctx *c, const ox_node *n, ox_value **in, int nin)
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
    OX_OUT_OR_FAIL(o, ox_fold_out(c, n, 0, x->dtype, x->ndim, shape));
    int64_t outer = fm_shape_numel((int)axis, shape), k = 0;
    for (int64_t a = 0; a < outer; a++)
        for (int j = 0; j < nin; j++) {
            int64_t chunk = fm_shape_numel(x->ndim - (int)axis, in[j]->shape + axis);
            for (int64_t b = 0; b < chunk; b++)
                ox_copy_el(o, k++, in[j], a * chunk + b);
        }
    return FM_OK;
}

fm_status ox_fold_transpose(ox_ctx *c, const ox_node *n, ox_value **in)
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
    OX_OUT_OR_FAIL(o, ox_fold_out(c, n, 0, x->dtype, x->ndim, shape));
    for (int64_t k = 0; k < ox_numel(o); k++) {
        int64_t r = k, off = 0;
        for (int d = np - 1; d >= 0; d--) {
            off += (r % shape[d]) * istride[perm[d]];
            r /= shape[d];
        }
        ox_copy_el(o, k, x, off);
    }
    return FM_OK;
}

fm_status ox_fold_slice(ox_ctx *c, const ox_node *n, ox_value **in)
{
    const ox_value *x = in[0];
    int64_t st_[FM_MAX_DIMS], en[FM_MAX_DIMS], sp[FM_MAX_DIMS], shape[FM_MAX_DIMS];
    fm_status st = ox_slice_params(c, n, x->ndim, x->shape, st_, en, sp);
    if (st != FM_OK)
        return st;
    for (int d = 0; d < x->ndim; d++) {
        /* ox_slice_params keeps |step| <= dim, so nothing overflows */
        int64_t len = sp[d] > 0 ? (en[d] > st_[d] ? 1 + (en[d] - st_[d] - 1) / sp[d] : 0)
                                : (st_[d] > en[d] ? 1 + (st_[d] - en[d] - 1) / -sp[d] : 0);
        shape[d] = len;
    }
    ox_value *o;
    OX_OUT_OR_FAIL(o, ox_fold_out(c, n, 0, x->dtype, x->ndim, shape));
    for (int64_t k = 0; k < ox_numel(o); k++) {
        int64_t r = k, off = 0, stride = 1;
        for (int d = x->ndim - 1; d >= 0; d--) {
            off += (st_[d] + (r % shape[d]) * sp[d]) * stride;
            r /= shape[d];
            stride *= x->shape[d];
        }
        ox_copy_el(o, k, x, off);
    }
    return FM_OK;
}

fm_status ox_fold_range(ox_ctx *c, const ox_node *n, ox_value **in)
{
    for (int i = 0; i < 3; i++)
        if (ox_numel(in[i]) != 1)
            return ox_node_error(c, n, FM_ERR_FORMAT, "start, limit and delta must be scalars");
    int isf = in[0]->dtype == FM_F32;
    double s = ox_get_f(in[0], 0), l = ox_get_f(in[1], 0), d = ox_get_f(in[2], 0);
    if (d == 0)
        return ox_node_error(c, n, FM_ERR_FORMAT, "delta is 0");
    double cnt = ceil((l - s) / d);
    int64_t len = cnt > 0 ? (int64_t)cnt : 0;
    if (len > ((int64_t)1 << 24))
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "range of %lld elements", (long long)len);
    ox_value *o;
    OX_OUT_OR_FAIL(o, ox_fold_out(c, n, 0, isf ? FM_F32 : FM_I64, 1, &len));
    for (int64_t i = 0; i < len; i++)
        ox_put(o, i, s + (double)i * d, ox_get_i(in[0], 0) + i * ox_get_i(in[2], 0));
    return FM_OK;
}
