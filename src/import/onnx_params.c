/* Operator parameters that ONNX passes either as attributes (old opsets) or
 * as constant inputs (new opsets): Slice ranges, Pad amounts, Squeeze axes,
 * Reshape targets. Shared by the constant folder and the operator mapper so
 * a folded and a mapped node read their parameters identically. */
#include <stdint.h>
#include <string.h>

#include "import/onnx_internal.h"

static int64_t norm_axis(int64_t a, int rank) { return a < 0 ? a + rank : a; }

static int64_t clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Axes of Squeeze/Unsqueeze: attribute before opset 13, input after. */
static fm_status axes_list(ox_ctx *c, const ox_node *n, int64_t *axes, int *na)
{
    if (c->opset >= 13) {
        if (!ox_input(c, n, 1)) {
            *na = -1;
            return FM_OK;
        }
        return ox_const_ints(c, n, 1, "axes", axes, FM_MAX_DIMS, na);
    }
    return ox_attr_ints(c, n, "axes", axes, FM_MAX_DIMS, na);
}

/* Output shape of Squeeze/Unsqueeze of a tensor of shape in[rank]; shared
 * with the operator mapping, where they become Reshape. */
fm_status ox_squeeze_shape(ox_ctx *c, const ox_node *n, int rank, const int64_t *in, int unsqueeze,
                           int *nd, int64_t *out)
{
    int64_t axes[FM_MAX_DIMS];
    int na;
    fm_status st = axes_list(c, n, axes, &na);
    if (st != FM_OK)
        return st;
    if (unsqueeze) {
        int orank = rank + (na > 0 ? na : 0);
        if (na < 1 || orank > FM_MAX_DIMS)
            return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "needs 1..%d axes", FM_MAX_DIMS - rank);
        int mask = 0;
        for (int i = 0; i < na; i++) {
            int64_t a = norm_axis(axes[i], orank);
            if (a < 0 || a >= orank || (mask & (1 << a)))
                return ox_node_error(c, n, FM_ERR_FORMAT, "axis %lld invalid", (long long)axes[i]);
            mask |= 1 << a;
        }
        for (int i = 0, k = 0; i < orank; i++)
            out[i] = (mask & (1 << i)) ? 1 : in[k++];
        *nd = orank;
        return FM_OK;
    }
    int mask = 0;
    for (int i = 0; i < na; i++) {
        int64_t a = norm_axis(axes[i], rank);
        if (a < 0 || a >= rank || in[a] != 1)
            return ox_node_error(c, n, FM_ERR_SHAPE, "cannot squeeze axis %lld", (long long)axes[i]);
        mask |= 1 << a;
    }
    *nd = 0;
    for (int i = 0; i < rank; i++)
        if (na < 0 ? in[i] != 1 : !(mask & (1 << i)))
            out[(*nd)++] = in[i];
    return FM_OK;
}

/* Reshape's target: 0 copies the input dim (unless allowzero), one -1 takes
 * what is left. Shared with the operator mapping. */
fm_status ox_reshape_target(ox_ctx *c, const ox_node *n, int rank, const int64_t *in, int *nd,
                            int64_t *out)
{
    int64_t allowzero;
    fm_status st = ox_attr_int(c, n, "allowzero", 0, &allowzero);
    if (st == FM_OK)
        st = ox_const_ints(c, n, 1, "shape", out, FM_MAX_DIMS, nd);
    if (st != FM_OK)
        return st;
    int minus = -1;
    int64_t known = 1, total = fm_shape_numel(rank, in);
    for (int i = 0; i < *nd; i++) {
        if (out[i] == 0 && !allowzero) {
            if (i >= rank)
                return ox_node_error(c, n, FM_ERR_SHAPE, "shape[%d] = 0 copies a missing dim", i);
            out[i] = in[i];
        }
        if (out[i] == -1) {
            if (minus >= 0)
                return ox_node_error(c, n, FM_ERR_SHAPE, "shape has two -1 entries");
            minus = i;
        } else if (out[i] < 0) {
            return ox_node_error(c, n, FM_ERR_SHAPE, "shape[%d] = %lld", i, (long long)out[i]);
        } else {
            known *= out[i];
        }
    }
    if (minus >= 0) {
        if (known == 0 || total % known)
            return ox_node_error(c, n, FM_ERR_SHAPE, "cannot infer -1: %lld elements over %lld",
                                 (long long)total, (long long)known);
        out[minus] = total / known;
    } else if (known != total) {
        return ox_node_error(c, n, FM_ERR_SHAPE, "cannot reshape %lld elements to %lld",
                             (long long)total, (long long)known);
    }
    return FM_OK;
}

fm_status ox_slice_params(ox_ctx *c, const ox_node *n, int rank, const int64_t *dims, int64_t *start,
                          int64_t *end, int64_t *step)
{
    int64_t st[FM_MAX_DIMS], en[FM_MAX_DIMS], ax[FM_MAX_DIMS], sp[FM_MAX_DIMS];
    int ns, ne, na = -1, np = -1;
    fm_status s;
    if (c->opset >= 10) {
        s = ox_const_ints(c, n, 1, "starts", st, FM_MAX_DIMS, &ns);
        if (s == FM_OK)
            s = ox_const_ints(c, n, 2, "ends", en, FM_MAX_DIMS, &ne);
        if (s == FM_OK && ox_input(c, n, 3))
            s = ox_const_ints(c, n, 3, "axes", ax, FM_MAX_DIMS, &na);
        if (s == FM_OK && ox_input(c, n, 4))
            s = ox_const_ints(c, n, 4, "steps", sp, FM_MAX_DIMS, &np);
    } else {
        s = ox_attr_ints(c, n, "starts", st, FM_MAX_DIMS, &ns);
        if (s == FM_OK)
            s = ox_attr_ints(c, n, "ends", en, FM_MAX_DIMS, &ne);
        if (s == FM_OK)
            s = ox_attr_ints(c, n, "axes", ax, FM_MAX_DIMS, &na);
    }
    if (s != FM_OK)
        return s;
    if (ns < 0 || ns != ne || (na >= 0 && na != ns) || (np >= 0 && np != ns))
        return ox_node_error(c, n, FM_ERR_FORMAT, "starts, ends, axes and steps differ in length");
    /* every axis gets explicit values, the untouched ones the full range */
    for (int d = 0; d < rank; d++) {
        start[d] = 0;
        end[d] = dims[d];
        step[d] = 1;
    }
    int seen = 0;
    for (int i = 0; i < ns; i++) {
        int64_t a = na >= 0 ? norm_axis(ax[i], rank) : i;
        if (a < 0 || a >= rank || (seen & (1 << a)))
            return ox_node_error(c, n, FM_ERR_FORMAT, "axis %lld is out of range or repeated",
                                 (long long)(na >= 0 ? ax[i] : i));
        seen |= 1 << a;
        int64_t p = np >= 0 ? sp[i] : 1, d = dims[a];
        if (p == 0)
            return ox_node_error(c, n, FM_ERR_FORMAT, "step 0 on axis %lld", (long long)a);
        /* negative indices count from the end; INT64_MAX/MIN mean "to the
         * end"; both are clamped as the ONNX spec says */
        int64_t s0 = st[i] < 0 ? st[i] + d : st[i];
        int64_t e0 = en[i] < 0 ? en[i] + d : en[i];
        if (p > 0) {
            start[a] = clamp(s0, 0, d);
            end[a] = clamp(e0, 0, d);
        } else {
            start[a] = clamp(s0, 0, d - 1);
            end[a] = clamp(e0, -1, d - 1);
        }
        step[a] = p;
    }
    return FM_OK;
}

fm_status ox_pad_params(ox_ctx *c, const ox_node *n, int rank, int64_t *begin, int64_t *end,
                        float *value)
{
    char mode[32];
    fm_status s = ox_attr_string(c, n, "mode", "constant", mode, sizeof mode);
    if (s != FM_OK)
        return s;
    if (strcmp(mode, "constant") != 0)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "attribute 'mode' = '%s' is not supported (only constant)",
                             mode);
    int64_t pads[2 * FM_MAX_DIMS], axes[FM_MAX_DIMS];
    int np, na = -1;
    *value = 0.0f;
    if (c->opset >= 11) {
        s = ox_const_ints(c, n, 1, "pads", pads, 2 * FM_MAX_DIMS, &np);
        if (s != FM_OK)
            return s;
        const ox_value *cv = ox_input(c, n, 2);
        if (cv) {
            if (!cv->is_const || fm_shape_numel(cv->ndim, cv->shape) != 1)
                return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "constant_value must be a constant scalar");
            *value = cv->dtype == FM_F32 ? ((const float *)cv->data)[0]
                                         : (float)((const int64_t *)cv->data)[0];
        }
        if (ox_input(c, n, 3) && (s = ox_const_ints(c, n, 3, "axes", axes, FM_MAX_DIMS, &na)) != FM_OK)
            return s;
    } else {
        s = ox_attr_ints(c, n, "pads", pads, 2 * FM_MAX_DIMS, &np);
        if (s == FM_OK)
            s = ox_attr_float(c, n, "value", 0.0f, value);
        if (s != FM_OK)
            return s;
    }
    int count = na >= 0 ? na : rank;
    if (np != 2 * count)
        return ox_node_error(c, n, FM_ERR_FORMAT, "pads has %d values for %d axes", np, count);
    for (int d = 0; d < rank; d++)
        begin[d] = end[d] = 0;
    for (int i = 0; i < count; i++) {
        int64_t a = na >= 0 ? norm_axis(axes[i], rank) : i;
        if (a < 0 || a >= rank)
            return ox_node_error(c, n, FM_ERR_FORMAT, "axis %lld out of range", (long long)axes[i]);
        begin[a] = pads[i];
        end[a] = pads[i + count];
        if (begin[a] < 0 || end[a] < 0)
            return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "negative pads (cropping) are not supported");
    }
    return FM_OK;
}
