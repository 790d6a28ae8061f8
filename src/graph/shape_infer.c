/* Shape inference over the graph IR.
 *
 * Every non-constant tensor's shape is recomputed from the graph input's, in
 * node order, so that a graph built by hand or by an importer is checked
 * once more before an executor trusts it: executors index buffers with these
 * shapes and must never see ones that do not fit. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"

static fm_status shape_error(const fm_node *n, fm_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static fm_status shape_error(const fm_node *n, fm_error *err, const char *fmt, ...)
{
    char msg[FM_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fm_error_set(err, FM_ERR_SHAPE, "node '%s' (%s): %s", n->name, fm_op_name(n->op), msg);
}

int fm_broadcast_shape(int na, const int64_t *a, int nb, const int64_t *b, int *nout,
                       int64_t *out)
{
    int n = na > nb ? na : nb;
    /* align trailing dims; missing leading dims act as 1 */
    for (int i = 0; i < n; i++) {
        int ia = i - (n - na), ib = i - (n - nb);
        int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return -1;
        out[i] = da == 1 ? db : da;
    }
    *nout = n;
    return 0;
}

static const char *shp(const fm_tensor *t, char *buf, size_t n)
{
    return fm_shape_str(t->ndim, t->shape, buf, n);
}

static void set_shape(fm_tensor *t, int ndim, const int64_t *shape)
{
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
}

/* One spatial output size of a window op. ceil_mode follows PyTorch (and
 * ONNX opset 19): a last window that would start entirely in the right
 * padding is dropped, so ceil never adds a window reading only padding. */
static int64_t window_out(int64_t in, int pad_begin, int pad_end, int k, int s, int d, int ceil_mode)
{
    int64_t span = (int64_t)d * (k - 1) + 1;
    int64_t avail = in + pad_begin + pad_end - span;
    if (avail < 0 || s <= 0)
        return 0;
    int64_t out = (ceil_mode ? (avail + s - 1) / s : avail / s) + 1;
    if (ceil_mode && (out - 1) * s >= in + pad_begin)
        out--;
    return out;
}

static fm_status infer_conv(fm_graph *g, fm_node *n, fm_error *err)
{
    char b1[64], b2[64];
    const fm_tensor *x = &g->tensors[n->in[0]];
    const fm_tensor *w = &g->tensors[n->in[1]];
    const fm_conv_attr *a = &n->a.conv;
    if (x->ndim != 4 || w->ndim != 4)
        return shape_error(n, err, "input %s and weights %s must both be 4-D", shp(x, b1, 64),
                           shp(w, b2, 64));
    if (a->group < 1 || a->sh < 1 || a->sw < 1 || a->dh < 1 || a->dw < 1 || a->pad_t < 0 ||
        a->pad_l < 0 || a->pad_b < 0 || a->pad_r < 0)
        return shape_error(n, err, "group, strides and dilations must be >= 1, pads >= 0");
    if (x->shape[1] != w->shape[1] * a->group || w->shape[0] % a->group != 0)
        return shape_error(n, err, "input %s does not fit weights %s with group %d",
                           shp(x, b1, 64), shp(w, b2, 64), a->group);
    if (a->kh != w->shape[2] || a->kw != w->shape[3])
        return shape_error(n, err, "kernel %dx%d differs from weights %s", a->kh, a->kw,
                           shp(w, b2, 64));
    if (n->n_in > 2 && n->in[2] >= 0 && fm_tensor_numel(&g->tensors[n->in[2]]) != w->shape[0])
        return shape_error(n, err, "bias has %lld values for %lld output channels",
                           (long long)fm_tensor_numel(&g->tensors[n->in[2]]),
                           (long long)w->shape[0]);
    int64_t oh = window_out(x->shape[2], a->pad_t, a->pad_b, a->kh, a->sh, a->dh, 0);
    int64_t ow = window_out(x->shape[3], a->pad_l, a->pad_r, a->kw, a->sw, a->dw, 0);
    if (oh < 1 || ow < 1)
        return shape_error(n, err, "kernel %dx%d does not fit input %s", a->kh, a->kw,
                           shp(x, b1, 64));
    int64_t s[4] = {x->shape[0], w->shape[0], oh, ow};
    set_shape(&g->tensors[n->out[0]], 4, s);
    return FM_OK;
}

static fm_status infer_pool(fm_graph *g, fm_node *n, fm_error *err)
{
    char b1[64];
    const fm_tensor *x = &g->tensors[n->in[0]];
    const fm_pool_attr *a = &n->a.pool;
    if (x->ndim != 4)
        return shape_error(n, err, "input %s must be 4-D", shp(x, b1, 64));
    if (a->kh < 1 || a->kw < 1 || a->sh < 1 || a->sw < 1 || a->pad_t < 0 || a->pad_l < 0 ||
        a->pad_b < 0 || a->pad_r < 0)
        return shape_error(n, err, "kernel and strides must be >= 1, pads >= 0");
    /* a pad as wide as the window would make windows of padding only */
    if (a->pad_t >= a->kh || a->pad_b >= a->kh || a->pad_l >= a->kw || a->pad_r >= a->kw)
        return shape_error(n, err, "pads must be smaller than the %dx%d window", a->kh, a->kw);
    int64_t oh = window_out(x->shape[2], a->pad_t, a->pad_b, a->kh, a->sh, 1, a->ceil_mode);
    int64_t ow = window_out(x->shape[3], a->pad_l, a->pad_r, a->kw, a->sw, 1, a->ceil_mode);
    if (oh < 1 || ow < 1)
        return shape_error(n, err, "window %dx%d does not fit input %s", a->kh, a->kw,
                           shp(x, b1, 64));
    int64_t s[4] = {x->shape[0], x->shape[1], oh, ow};
    set_shape(&g->tensors[n->out[0]], 4, s);
    return FM_OK;
}

static fm_status infer_gemm(fm_graph *g, fm_node *n, fm_error *err)
{
    char b1[64], b2[64];
    const fm_tensor *x = &g->tensors[n->in[0]];
    const fm_tensor *w = &g->tensors[n->in[1]];
    if (x->ndim != 2 || w->ndim != 2)
        return shape_error(n, err, "input %s and weights %s must both be 2-D", shp(x, b1, 64),
                           shp(w, b2, 64));
    int64_t m = n->a.gemm.trans_a ? x->shape[1] : x->shape[0];
    int64_t k = n->a.gemm.trans_a ? x->shape[0] : x->shape[1];
    int64_t wk = n->a.gemm.trans_b ? w->shape[1] : w->shape[0];
    int64_t o = n->a.gemm.trans_b ? w->shape[0] : w->shape[1];
    if (k != wk)
        return shape_error(n, err, "input %s does not fit weights %s (trans_b=%d)", shp(x, b1, 64),
                           shp(w, b2, 64), n->a.gemm.trans_b);
    if (n->n_in > 2 && n->in[2] >= 0) {
        int64_t bn = fm_tensor_numel(&g->tensors[n->in[2]]);
        if (bn != o && bn != 1)
            return shape_error(n, err, "bias has %lld values for %lld outputs", (long long)bn,
                               (long long)o);
    }
    int64_t s[2] = {m, o};
    set_shape(&g->tensors[n->out[0]], 2, s);
    return FM_OK;
}

/* numpy matmul: 1-D operands gain and then lose a unit dim; batch dims
 * broadcast. */
static fm_status infer_matmul(fm_graph *g, fm_node *n, fm_error *err)
{
    char b1[64], b2[64];
    const fm_tensor *a = &g->tensors[n->in[0]];
    const fm_tensor *b = &g->tensors[n->in[1]];
    if (a->ndim < 1 || b->ndim < 1)
        return shape_error(n, err, "operands must not be scalars");
    int64_t as[FM_MAX_DIMS], bs[FM_MAX_DIMS];
    int na = a->ndim, nb = b->ndim;
    memcpy(as, a->shape, sizeof as);
    memcpy(bs, b->shape, sizeof bs);
    if (na == 1) {
        as[1] = as[0];
        as[0] = 1;
        na = 2;
    }
    if (nb == 1) {
        bs[1] = 1;
        nb = 2;
    }
    if (as[na - 1] != bs[nb - 2])
        return shape_error(n, err, "inner dims of %s and %s differ", shp(a, b1, 64), shp(b, b2, 64));
    int64_t out[FM_MAX_DIMS];
    int no = 0;
    if (fm_broadcast_shape(na - 2, as, nb - 2, bs, &no, out) != 0)
        return shape_error(n, err, "batch dims of %s and %s do not broadcast", shp(a, b1, 64),
                           shp(b, b2, 64));
    if (a->ndim > 1)
        out[no++] = as[na - 2];
    if (b->ndim > 1)
        out[no++] = bs[nb - 1];
    if (no > FM_MAX_DIMS)
        return shape_error(n, err, "result has more than %d dims", FM_MAX_DIMS);
    set_shape(&g->tensors[n->out[0]], no, out);
    return FM_OK;
}

static fm_status infer_binary(fm_graph *g, fm_node *n, fm_error *err)
{
    char b1[64], b2[64];
    const fm_tensor *a = &g->tensors[n->in[0]];
    const fm_tensor *b = &g->tensors[n->in[1]];
    int64_t out[FM_MAX_DIMS];
    int no;
    if (fm_broadcast_shape(a->ndim, a->shape, b->ndim, b->shape, &no, out) != 0)
        return shape_error(n, err, "shapes %s and %s do not broadcast", shp(a, b1, 64),
                           shp(b, b2, 64));
    set_shape(&g->tensors[n->out[0]], no, out);
    return FM_OK;
}

static fm_status infer_batchnorm(fm_graph *g, fm_node *n, fm_error *err)
{
    const fm_tensor *x = &g->tensors[n->in[0]];
    if (x->ndim < 2)
        return shape_error(n, err, "input must have a channel axis");
    for (int i = 1; i < 5; i++)
        if (n->in[i] < 0 || fm_tensor_numel(&g->tensors[n->in[i]]) != x->shape[1])
            return shape_error(n, err, "parameter %d must have %lld values", i,
                               (long long)x->shape[1]);
    set_shape(&g->tensors[n->out[0]], x->ndim, x->shape);
    return FM_OK;
}

static fm_status infer_mean(fm_graph *g, fm_node *n, fm_error *err)
{
    const fm_tensor *x = &g->tensors[n->in[0]];
    int64_t out[FM_MAX_DIMS];
    int no = 0;
    if (n->a.reduce.axes_mask == 0 || (n->a.reduce.axes_mask >> x->ndim) != 0)
        return shape_error(n, err, "reduce axes 0x%x do not fit rank %d", n->a.reduce.axes_mask,
                           x->ndim);
    for (int i = 0; i < x->ndim; i++) {
        if (n->a.reduce.axes_mask & (1 << i)) {
            if (n->a.reduce.keepdims)
                out[no++] = 1;
        } else {
            out[no++] = x->shape[i];
        }
    }
    set_shape(&g->tensors[n->out[0]], no, out);
    return FM_OK;
}

static fm_status infer_flatten(fm_graph *g, fm_node *n, fm_error *err)
{
    const fm_tensor *x = &g->tensors[n->in[0]];
    int axis = n->a.axis.axis;
    if (axis < 0 || axis > x->ndim)
        return shape_error(n, err, "axis %d out of range for rank %d", axis, x->ndim);
    int64_t s[2] = {fm_shape_numel(axis, x->shape), fm_shape_numel(x->ndim - axis, x->shape + axis)};
    set_shape(&g->tensors[n->out[0]], 2, s);
    return FM_OK;
}

static fm_status infer_reshape(fm_graph *g, fm_node *n, fm_error *err)
{
    char b1[64], b2[64];
    const fm_tensor *x = &g->tensors[n->in[0]];
    fm_tensor *y = &g->tensors[n->out[0]];
    for (int i = 0; i < y->ndim; i++)
        if (y->shape[i] < 1)
            return shape_error(n, err, "output shape %s has a dim < 1", shp(y, b2, 64));
    if (fm_tensor_numel(x) != fm_tensor_numel(y))
        return shape_error(n, err, "cannot reshape %s to %s", shp(x, b1, 64), shp(y, b2, 64));
    return FM_OK;
}

static fm_status infer_pad(fm_graph *g, fm_node *n, fm_error *err)
{
    const fm_tensor *x = &g->tensors[n->in[0]];
    int64_t s[FM_MAX_DIMS];
    for (int i = 0; i < x->ndim; i++) {
        if (n->a.pad.begin[i] < 0 || n->a.pad.end[i] < 0)
            return shape_error(n, err, "negative padding on axis %d", i);
        s[i] = x->shape[i] + n->a.pad.begin[i] + n->a.pad.end[i];
    }
    set_shape(&g->tensors[n->out[0]], x->ndim, s);
    return FM_OK;
}

/* Slice attrs are normalized per axis: 0 <= start <= dim (start <= dim-1 for
 * negative steps), end in [-1, dim]; -1 with a negative step means "through
 * index 0". */
static fm_status infer_slice(fm_graph *g, fm_node *n, fm_error *err)
{
    const fm_tensor *x = &g->tensors[n->in[0]];
    int64_t s[FM_MAX_DIMS];
    for (int i = 0; i < x->ndim; i++) {
        int64_t st = n->a.slice.start[i], en = n->a.slice.end[i], sp = n->a.slice.step[i];
        int64_t d = x->shape[i];
        if (sp == 0)
            return shape_error(n, err, "step 0 on axis %d", i);
        if (sp > 0 ? (st < 0 || st > d || en < 0 || en > d)
                   : (st < 0 || st > d - 1 || en < -1 || en > d - 1))
            return shape_error(n, err, "start %lld / end %lld outside dim %lld on axis %d",
                               (long long)st, (long long)en, (long long)d, i);
        int64_t len = sp > 0 ? (en - st + sp - 1) / sp : (st - en + (-sp) - 1) / (-sp);
        if (len < 1)
            return shape_error(n, err, "empty slice on axis %d", i);
        s[i] = len;
    }
    set_shape(&g->tensors[n->out[0]], x->ndim, s);
    return FM_OK;
}

static fm_status infer_concat(fm_graph *g, fm_node *n, fm_error *err)
{
    char b1[64], b2[64];
    const fm_tensor *x = &g->tensors[n->in[0]];
    int axis = n->a.axis.axis;
    if (axis < 0 || axis >= x->ndim)
        return shape_error(n, err, "axis %d out of range for rank %d", axis, x->ndim);
    int64_t s[FM_MAX_DIMS];
    memcpy(s, x->shape, sizeof s);
    for (int j = 1; j < n->n_in; j++) {
        const fm_tensor *t = &g->tensors[n->in[j]];
        int fits = t->ndim == x->ndim;
        for (int i = 0; fits && i < x->ndim; i++)
            fits = i == axis || t->shape[i] == x->shape[i];
        if (!fits)
            return shape_error(n, err, "input %d %s does not fit %s on axis %d", j,
                               shp(t, b1, 64), shp(x, b2, 64), axis);
        s[axis] += t->shape[axis];
    }
    set_shape(&g->tensors[n->out[0]], x->ndim, s);
    return FM_OK;
}

static fm_status infer_transpose(fm_graph *g, fm_node *n, fm_error *err)
{
    const fm_tensor *x = &g->tensors[n->in[0]];
    int seen = 0;
    int64_t s[FM_MAX_DIMS];
    for (int i = 0; i < x->ndim; i++) {
        int p = n->a.transpose.perm[i];
        if (p < 0 || p >= x->ndim || (seen & (1 << p)))
            return shape_error(n, err, "perm is not a permutation of %d axes", x->ndim);
        seen |= 1 << p;
        s[i] = x->shape[p];
    }
    set_shape(&g->tensors[n->out[0]], x->ndim, s);
    return FM_OK;
}

static fm_status infer_same(fm_graph *g, fm_node *n, fm_error *err)
{
    const fm_tensor *x = &g->tensors[n->in[0]];
    if (n->op == FM_OP_SOFTMAX && (n->a.axis.axis < 0 || n->a.axis.axis >= x->ndim))
        return shape_error(n, err, "axis %d out of range for rank %d", n->a.axis.axis, x->ndim);
    if (n->op == FM_OP_LRN && (x->ndim < 2 || n->a.lrn.size < 1))
        return shape_error(n, err, "needs a channel axis and size >= 1");
    set_shape(&g->tensors[n->out[0]], x->ndim, x->shape);
    return FM_OK;
}

/* Operand counts each op needs (min), checked before any index is used. */
static int min_inputs(fm_op op)
{
    switch (op) {
    case FM_OP_CONV:
    case FM_OP_GEMM:
    case FM_OP_MATMUL:
    case FM_OP_ADD:
    case FM_OP_MUL: return 2;
    case FM_OP_BATCHNORM: return 5;
    default: return 1;
    }
}

fm_status fm_node_infer_shape(fm_graph *g, int idx, fm_error *err)
{
    fm_node *n = &g->nodes[idx];
    if (n->n_in < min_inputs(n->op) || n->n_in > FM_MAX_IO || n->n_out < 1 || n->n_out > FM_MAX_IO)
        return shape_error(n, err, "has %d inputs and %d outputs", n->n_in, n->n_out);
    for (int i = 0; i < n->n_in; i++) {
        int t = n->in[i];
        /* only trailing optional inputs (conv/gemm bias) may be absent */
        if (t < -1 || t >= g->n_tensors || (t == -1 && i < min_inputs(n->op)))
            return shape_error(n, err, "input %d refers to no tensor", i);
    }
    for (int i = 0; i < n->n_out; i++)
        if (n->out[i] < 0 || n->out[i] >= g->n_tensors)
            return shape_error(n, err, "output %d refers to no tensor", i);
    switch (n->op) {
    case FM_OP_CONV: return infer_conv(g, n, err);
    case FM_OP_GEMM: return infer_gemm(g, n, err);
    case FM_OP_MATMUL: return infer_matmul(g, n, err);
    case FM_OP_ADD:
    case FM_OP_MUL: return infer_binary(g, n, err);
    case FM_OP_BATCHNORM: return infer_batchnorm(g, n, err);
    case FM_OP_MAXPOOL:
    case FM_OP_AVGPOOL: return infer_pool(g, n, err);
    case FM_OP_GLOBALAVGPOOL: {
        const fm_tensor *x = &g->tensors[n->in[0]];
        if (x->ndim != 4)
            return shape_error(n, err, "input must be 4-D");
        int64_t s[4] = {x->shape[0], x->shape[1], 1, 1};
        set_shape(&g->tensors[n->out[0]], 4, s);
        return FM_OK;
    }
    case FM_OP_MEAN: return infer_mean(g, n, err);
    case FM_OP_FLATTEN: return infer_flatten(g, n, err);
    case FM_OP_RESHAPE: return infer_reshape(g, n, err);
    case FM_OP_PAD: return infer_pad(g, n, err);
    case FM_OP_SLICE: return infer_slice(g, n, err);
    case FM_OP_CONCAT: return infer_concat(g, n, err);
    case FM_OP_TRANSPOSE: return infer_transpose(g, n, err);
    case FM_OP_RELU:
    case FM_OP_CLIP:
    case FM_OP_SOFTMAX:
    case FM_OP_LRN:
    case FM_OP_IDENTITY:
    case FM_OP_QUANTIZE:
    case FM_OP_DEQUANTIZE: return infer_same(g, n, err);
    default: return shape_error(n, err, "unknown operator %d", (int)n->op);
    }
}

/* Activations are float32; only a quantized graph (TFLite) carries integer
 * activations, and those always have quantization parameters. */
static int activation_dtype_ok(const fm_tensor *t)
{
    return t->dtype == FM_F32 || t->q.n > 0;
}

fm_status fm_graph_infer_shapes(fm_graph *g, fm_error *err)
{
    if (g->input < 0 || g->input >= g->n_tensors || g->output < 0 || g->output >= g->n_tensors)
        return fm_error_set(err, FM_ERR_SHAPE, "graph has no valid input or output tensor");
    /* ready[t]: t has a shape already (input, constant or earlier output) */
    unsigned char *ready = calloc((size_t)g->n_tensors, 1);
    if (!ready)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    for (int t = 0; t < g->n_tensors; t++)
        ready[t] = g->tensors[t].data != NULL;
    ready[g->input] = 1;
    fm_status st = FM_OK;
    if (!activation_dtype_ok(&g->tensors[g->input]))
        st = fm_error_set(err, FM_ERR_SHAPE, "graph input '%s' is %s, not float32",
                          g->tensors[g->input].name, fm_dtype_name(g->tensors[g->input].dtype));
    for (int i = 0; st == FM_OK && i < g->n_nodes; i++) {
        fm_node *n = &g->nodes[i];
        for (int j = 0; st == FM_OK && j < n->n_in && j < FM_MAX_IO; j++)
            if (n->in[j] >= 0 && n->in[j] < g->n_tensors && !ready[n->in[j]])
                st = shape_error(n, err, "input '%s' is not computed by an earlier node",
                                 g->tensors[n->in[j]].name);
        if (st == FM_OK)
            st = fm_node_infer_shape(g, i, err);
        for (int j = 0; st == FM_OK && j < n->n_out; j++) {
            fm_tensor *y = &g->tensors[n->out[j]];
            if (y->data)
                st = shape_error(n, err, "writes constant '%s'", y->name);
            else if (!activation_dtype_ok(y))
                st = shape_error(n, err, "output '%s' is %s, not float32", y->name,
                                 fm_dtype_name(y->dtype));
            else
                ready[n->out[j]] = 1;
        }
    }
    if (st == FM_OK && !ready[g->output])
        st = fm_error_set(err, FM_ERR_SHAPE, "graph output '%s' is computed by no node",
                          g->tensors[g->output].name);
    free(ready);
    return st;
}
