/* Data-movement operators: Flatten, Reshape, Pad, Slice, Concat, Transpose,
 * and the NCHW <-> NHWC conversions at layout boundaries. Axis-dependent ops
 * work on physical dims after mapping the node's semantic axes. */
#include <stdlib.h>
#include <string.h>

#include "exec/exec_internal.h"

void fm_nchw_to_nhwc(const float *x, float *y, int n, int C, int H, int W)
{
    for (int b = 0; b < n; b++, x += (size_t)C * H * W, y += (size_t)C * H * W)
        for (int c = 0; c < C; c++)
            for (int p = 0; p < H * W; p++)
                y[(size_t)p * C + c] = x[(size_t)c * H * W + p];
}

void fm_nhwc_to_nchw(const float *x, float *y, int n, int C, int H, int W)
{
    for (int b = 0; b < n; b++, x += (size_t)C * H * W, y += (size_t)C * H * W)
        for (int p = 0; p < H * W; p++)
            for (int c = 0; c < C; c++)
                y[(size_t)c * H * W + p] = x[(size_t)p * C + c];
}

/* Physical dims of activation t with batch n; returns the rank. */
static int phys_dims(const fm_exec *e, int t, int n, int64_t *d)
{
    const fm_xt *x = &e->xt[t];
    d[0] = n;
    for (int i = 0; i < x->phys_ndim; i++)
        d[i + 1] = x->phys[i];
    return x->phys_ndim + 1;
}

static void contiguous_strides(int r, const int64_t *d, int64_t *s)
{
    int64_t acc = 1;
    for (int i = r - 1; i >= 0; i--) {
        s[i] = acc;
        acc *= d[i];
    }
}

/* Semantic axis a of tensor t -> physical axis. */
static int paxis(const fm_exec *e, int t, int a)
{
    return e->xt[t].nhwc ? fm_phys_axis(a) : a;
}

static fm_status reshape(fm_exec *e, fm_worker *w, const fm_node *nd, int n, fm_error *err)
{
    const fm_tensor *ti = &e->g->tensors[nd->in[0]], *to = &e->g->tensors[nd->out[0]];
    const float *x = fm_exec_cbuf(e, w, nd->in[0]);
    float *y = fm_exec_buf(e, w, nd->out[0]);
    int64_t count = (int64_t)n * e->xt[nd->out[0]].per_sample;
    int in_nhwc = e->xt[nd->in[0]].nhwc, out_nhwc = e->xt[nd->out[0]].nhwc;
    /* channels-last order equals semantic order when C or H*W is 1 */
    int in_conv = in_nhwc && ti->shape[1] > 1 && ti->shape[2] * ti->shape[3] > 1;
    int out_conv = out_nhwc && to->shape[1] > 1 && to->shape[2] * to->shape[3] > 1;
    if (!in_conv && !out_conv) {
        if (x != y)
            memcpy(y, x, (size_t)count * sizeof *y);
        return FM_OK;
    }
    float *tmp = malloc((size_t)count * sizeof *tmp);
    if (!tmp)
        return fm_error_set(err, FM_ERR_NOMEM, "node '%s': out of memory", nd->name);
    if (in_conv)
        fm_nhwc_to_nchw(x, tmp, n, (int)ti->shape[1], (int)ti->shape[2], (int)ti->shape[3]);
    else
        memcpy(tmp, x, (size_t)count * sizeof *tmp);
    if (out_conv)
        fm_nchw_to_nhwc(tmp, y, n, (int)to->shape[1], (int)to->shape[2], (int)to->shape[3]);
    else
        memcpy(y, tmp, (size_t)count * sizeof *y);
    free(tmp);
    return FM_OK;
}

static fm_status pad(fm_exec *e, fm_worker *w, const fm_node *nd, int n, fm_error *err)
{
    int ti = nd->in[0], to = nd->out[0];
    int r = e->g->tensors[ti].ndim;
    int64_t di[FM_MAX_DIMS], dout[FM_MAX_DIMS], si[FM_MAX_DIMS], so[FM_MAX_DIMS], beg[FM_MAX_DIMS];
    phys_dims(e, ti, n, di);
    phys_dims(e, to, n, dout);
    for (int a = 0; a < r; a++) {
        if (nd->a.pad.begin[a] < 0 || nd->a.pad.end[a] < 0 || (a == 0 && (nd->a.pad.begin[0] || nd->a.pad.end[0])))
            return fm_error_set(err, FM_ERR_UNSUPPORTED, "node '%s' (Pad): negative or batch padding",
                                nd->name);
        beg[paxis(e, ti, a)] = nd->a.pad.begin[a];
    }
    contiguous_strides(r, di, si);
    contiguous_strides(r, dout, so);
    const float *x = fm_exec_cbuf(e, w, ti);
    float *y = fm_exec_buf(e, w, to);
    int64_t total = (int64_t)n * e->xt[to].per_sample;
    for (int64_t i = 0; i < total; i++)
        y[i] = nd->a.pad.value;
    int64_t idx[FM_MAX_DIMS] = {0}, outer = 1, inner = di[r - 1];
    for (int i = 0; i < r - 1; i++)
        outer *= di[i];
    for (int64_t o = 0; o < outer; o++) {
        int64_t off = beg[r - 1];
        for (int i = 0; i < r - 1; i++)
            off += (idx[i] + beg[i]) * so[i];
        memcpy(y + off, x + o * inner, (size_t)inner * sizeof *y);
        for (int i = r - 2; i >= 0; i--) {
            if (++idx[i] < di[i])
                break;
            idx[i] = 0;
        }
    }
    return FM_OK;
}

static fm_status slice(fm_exec *e, fm_worker *w, const fm_node *nd, int n, fm_error *err)
{
    int ti = nd->in[0], to = nd->out[0];
    int r = e->g->tensors[ti].ndim;
    int64_t di[FM_MAX_DIMS], dout[FM_MAX_DIMS], si[FM_MAX_DIMS], start[FM_MAX_DIMS], step[FM_MAX_DIMS];
    phys_dims(e, ti, n, di);
    phys_dims(e, to, n, dout);
    contiguous_strides(r, di, si);
    for (int a = 0; a < r; a++) {
        int p = paxis(e, ti, a);
        start[p] = a == 0 ? 0 : nd->a.slice.start[a];
        step[p] = a == 0 ? 1 : nd->a.slice.step[a];
        if (step[p] == 0)
            return fm_error_set(err, FM_ERR_INVALID, "node '%s' (Slice): zero step", nd->name);
    }
    const float *x = fm_exec_cbuf(e, w, ti);
    float *y = fm_exec_buf(e, w, to);
    int64_t idx[FM_MAX_DIMS] = {0}, outer = 1, inner = dout[r - 1];
    for (int i = 0; i < r - 1; i++)
        outer *= dout[i];
    for (int64_t o = 0; o < outer; o++) {
        int64_t off = start[r - 1] * si[r - 1];
        for (int i = 0; i < r - 1; i++)
            off += (start[i] + idx[i] * step[i]) * si[i];
        int64_t st = step[r - 1] * si[r - 1];
        for (int64_t k = 0; k < inner; k++)
            y[k] = x[off + k * st];
        y += inner;
        for (int i = r - 2; i >= 0; i--) {
            if (++idx[i] < dout[i])
                break;
            idx[i] = 0;
        }
    }
    return FM_OK;
}

static fm_status concat(fm_exec *e, fm_worker *w, const fm_node *nd, int n, fm_error *err)
{
    int to = nd->out[0];
    int r = e->g->tensors[to].ndim;
    int ax = nd->a.axis.axis < 0 ? nd->a.axis.axis + r : nd->a.axis.axis;
    if (ax <= 0 || ax >= r)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "node '%s' (Concat): axis %d", nd->name, ax);
    int64_t dout[FM_MAX_DIMS];
    phys_dims(e, to, n, dout);
    int p = paxis(e, to, ax);
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < p; i++)
        outer *= dout[i];
    for (int i = p + 1; i < r; i++)
        inner *= dout[i];
    float *y = fm_exec_buf(e, w, to);
    int64_t off = 0;
    for (int k = 0; k < nd->n_in; k++) {
        int t = nd->in[k];
        if (e->xt[t].is_const || e->xt[t].nhwc != e->xt[to].nhwc)
            return fm_error_set(err, FM_ERR_UNSUPPORTED, "node '%s' (Concat): constant or mixed-rank input",
                                nd->name);
        int64_t di[FM_MAX_DIMS];
        phys_dims(e, t, n, di);
        const float *x = fm_exec_cbuf(e, w, t);
        int64_t run = di[p] * inner;
        for (int64_t o = 0; o < outer; o++)
            memcpy(y + o * dout[p] * inner + off, x + o * run, (size_t)run * sizeof *y);
        off += run;
    }
    return FM_OK;
}

static fm_status transpose(fm_exec *e, fm_worker *w, const fm_node *nd, int n, fm_error *err)
{
    int ti = nd->in[0], to = nd->out[0];
    int r = e->g->tensors[ti].ndim;
    int q[FM_MAX_DIMS];
    static const int sigma[4] = {0, 2, 3, 1};
    if (nd->a.transpose.perm[0] != 0)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "node '%s' (Transpose): moves the batch axis",
                            nd->name);
    for (int j = 0; j < r; j++)
        q[j] = e->xt[ti].nhwc ? fm_phys_axis(nd->a.transpose.perm[sigma[j]]) : nd->a.transpose.perm[j];
    int64_t di[FM_MAX_DIMS], dout[FM_MAX_DIMS], si[FM_MAX_DIMS];
    phys_dims(e, ti, n, di);
    phys_dims(e, to, n, dout);
    contiguous_strides(r, di, si);
    const float *x = fm_exec_cbuf(e, w, ti);
    float *y = fm_exec_buf(e, w, to);
    int64_t idx[FM_MAX_DIMS] = {0}, total = (int64_t)n * e->xt[to].per_sample;
    for (int64_t i = 0; i < total; i++) {
        int64_t off = 0;
        for (int j = 0; j < r; j++)
            off += idx[j] * si[q[j]];
        y[i] = x[off];
        for (int j = r - 1; j >= 0; j--) {
            if (++idx[j] < dout[j])
                break;
            idx[j] = 0;
        }
    }
    return FM_OK;
}

fm_status fm_op_shape(fm_exec *e, fm_worker *w, const fm_node *nd, int n, fm_error *err)
{
    switch (nd->op) {
    case FM_OP_FLATTEN:
    case FM_OP_RESHAPE: return reshape(e, w, nd, n, err);
    case FM_OP_PAD: return pad(e, w, nd, n, err);
    case FM_OP_SLICE: return slice(e, w, nd, n, err);
    case FM_OP_CONCAT: return concat(e, w, nd, n, err);
    case FM_OP_TRANSPOSE: return transpose(e, w, nd, n, err);
    default: return fm_error_set(err, FM_ERR_INTERNAL, "node '%s': not a shape op", nd->name);
    }
}
