/* TFLite operators -> IR nodes. Each mapping checks arity, tensor ranks
 * and shapes, converts SAME/VALID padding into explicit pads and the fused
 * activation into node->act. Errors name the file, the operator index, its
 * builtin name and its output tensor. Shapes in the file that contradict
 * each other are FM_ERR_FORMAT (a corrupt file), operators, types and
 * attribute values flexmac does not implement are FM_ERR_UNSUPPORTED. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/tflite_internal.h"

typedef struct op_ref {
    tfl_ctx *c;
    uint32_t index;
    const char *op;  /* builtin name */
    char out[128];   /* name of the first output tensor, for messages */
} op_ref;

#define OPFAIL(r, code, ...) op_fail((r), (code), err, __VA_ARGS__)

__attribute__((format(printf, 4, 5))) static fm_status op_fail(const op_ref *r, fm_status code,
                                                                fm_error *err, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fm_error_set(err, code, "%s: operator %u (%s, output '%s'): %s", r->c->path, r->index, r->op,
                        r->out, msg);
}

static fm_status map_act(const op_ref *r, int8_t act, fm_node *n, fm_error *err)
{
    switch (act) {
    case TFL_ACT_NONE: n->act = FM_ACT_NONE; return FM_OK;
    case TFL_ACT_RELU: n->act = FM_ACT_RELU; return FM_OK;
    case TFL_ACT_RELU6: n->act = FM_ACT_RELU6; n->act_min = 0.0f; n->act_max = 6.0f; return FM_OK;
    case TFL_ACT_RELU_N1_TO_1: n->act = FM_ACT_CLIP; n->act_min = -1.0f; n->act_max = 1.0f; return FM_OK;
    default: return OPFAIL(r, FM_ERR_UNSUPPORTED, "fused activation %d not supported", act);
    }
}

/* TFLite's padding rule: SAME gives out = ceil(in / stride) and
 * total = max((out-1)*stride + (k-1)*dil + 1 - in, 0), before = total/2;
 * VALID gives out = ceil((in - eff + 1) / stride) and no padding. */
static fm_status pads(const op_ref *r, int8_t padding, int64_t in, int k, int stride, int dil,
                      int64_t out_file, int *before, int *after, const char *dim, fm_error *err)
{
    int64_t eff = (int64_t)(k - 1) * dil + 1;
    int64_t out;
    if (padding == TFL_PAD_SAME)
        out = (in + stride - 1) / stride;
    else if (padding == TFL_PAD_VALID)
        out = in >= eff ? (in - eff + stride) / stride : 0;
    else
        return OPFAIL(r, FM_ERR_FORMAT, "unknown padding %d", padding);
    if (out != out_file)
        return OPFAIL(r, FM_ERR_FORMAT, "output %s %lld, padding rule gives %lld", dim,
                      (long long)out_file, (long long)out);
    int64_t total = padding == TFL_PAD_SAME ? (out - 1) * stride + eff - in : 0;
    if (total < 0)
        total = 0;
    *before = (int)(total / 2);
    *after = (int)(total - total / 2);
    return FM_OK;
}

static const fm_tensor *T(const op_ref *r, int k) { return &r->c->g->tensors[k]; }

/* Adds an activation tensor derived from an existing one. */
static int add_derived(const op_ref *r, int like, const char *suffix, int ndim, const int64_t *shape)
{
    char name[256];
    const fm_tensor *t = T(r, like);
    snprintf(name, sizeof name, "%s%s", t->name, suffix);
    fm_dtype dt = t->dtype;
    fm_qparams q = t->q; /* copied below: the add may move the tensor array */
    int k = fm_graph_add_tensor(r->c->g, name, dt, ndim, shape, NULL);
    if (k < 0 || q.n == 0)
        return k;
    fm_qparams *d = &r->c->g->tensors[k].q;
    d->scale = malloc(sizeof(float) * (size_t)q.n);
    d->zero_point = malloc(sizeof(int32_t) * (size_t)q.n);
    if (!d->scale || !d->zero_point)
        return -1;
    memcpy(d->scale, r->c->g->tensors[like].q.scale, sizeof(float) * (size_t)q.n);
    memcpy(d->zero_point, r->c->g->tensors[like].q.zero_point, sizeof(int32_t) * (size_t)q.n);
    d->n = q.n;
    d->axis = q.axis;
    return k;
}

static fm_node *add_node(const op_ref *r, fm_op op, const char *name)
{
    return fm_graph_add_node(r->c->g, op, name);
}

/* A 4-D IR tensor [1,C,H,W] whose NHWC flatten order differs from its NCHW
 * one (both C > 1 and H*W > 1) needs a transpose around a reshape. */
static int layout_sensitive(const fm_tensor *t)
{
    return t->ndim == 4 && t->shape[1] > 1 && t->shape[2] * t->shape[3] > 1;
}

/* Emits x -> Transpose(NCHW -> NHWC) and returns the NHWC tensor, so a
 * following reshape flattens in TFLite's order. */
static fm_status to_nhwc(const op_ref *r, int x, int *xt, fm_error *err)
{
    const fm_tensor *t = T(r, x);
    int64_t s[4] = {t->shape[0], t->shape[2], t->shape[3], t->shape[1]};
    int k = add_derived(r, x, "/nhwc", 4, s);
    fm_node *n = k < 0 ? NULL : add_node(r, FM_OP_TRANSPOSE, T(r, k)->name);
    if (!n)
        return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
    static const int perm[4] = {0, 2, 3, 1};
    memcpy(n->a.transpose.perm, perm, sizeof perm);
    n->n_in = n->n_out = 1;
    n->in[0] = x;
    n->out[0] = k;
    *xt = k;
    return FM_OK;
}

/* Reshape x into y in TFLite (row-major NHWC) element order. */
static fm_status reshape_nhwc(const op_ref *r, int x, int y, fm_error *err)
{
    fm_status st;
    if (fm_tensor_numel(T(r, x)) != fm_tensor_numel(T(r, y)))
        return OPFAIL(r, FM_ERR_FORMAT, "reshape of %lld elements into %lld",
                      (long long)fm_tensor_numel(T(r, x)), (long long)fm_tensor_numel(T(r, y)));
    if (layout_sensitive(T(r, x)) && (st = to_nhwc(r, x, &x, err)) != FM_OK)
        return st;
    int target = y;
    if (layout_sensitive(T(r, y))) {
        const fm_tensor *t = T(r, y);
        int64_t s[4] = {t->shape[0], t->shape[2], t->shape[3], t->shape[1]};
        target = add_derived(r, y, "/nhwc", 4, s);
        if (target < 0)
            return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
    }
    fm_node *n = add_node(r, FM_OP_RESHAPE, T(r, target)->name);
    if (!n)
        return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
    n->n_in = n->n_out = 1;
    n->in[0] = x;
    n->out[0] = target;
    if (target != y) {
        n = add_node(r, FM_OP_TRANSPOSE, T(r, y)->name);
        if (!n)
            return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
        static const int perm[4] = {0, 3, 1, 2};
        memcpy(n->a.transpose.perm, perm, sizeof perm);
        n->n_in = n->n_out = 1;
        n->in[0] = target;
        n->out[0] = y;
    }
    return FM_OK;
}

static fm_status conv(const op_ref *r, int depthwise, const int32_t *in, int n_in, int y,
                      const tfl_options *o, fm_error *err)
{
    fm_status st;
    int x, w, b = -1;
    if (n_in < 2 || n_in > 3)
        return OPFAIL(r, FM_ERR_FORMAT, "%d inputs, want 2 or 3", n_in);
    if ((st = tfl_get_tensor(r->c, in[0], TFL_ROLE_ACT, &x, err)) != FM_OK ||
        (st = tfl_get_tensor(r->c, in[1], depthwise ? TFL_ROLE_DW_W : TFL_ROLE_CONV_W, &w, err)) != FM_OK ||
        (n_in == 3 && in[2] >= 0 && (st = tfl_get_tensor(r->c, in[2], TFL_ROLE_ACT, &b, err)) != FM_OK))
        return st;
    const fm_tensor *tx = T(r, x), *tw = T(r, w), *ty = T(r, y);
    if (tx->ndim != 4 || tw->ndim != 4 || ty->ndim != 4)
        return OPFAIL(r, FM_ERR_FORMAT, "input, filter and output must be 4-D");
    if (!tw->data)
        return OPFAIL(r, FM_ERR_UNSUPPORTED, "filter '%s' is not a constant", tw->name);
    if (o->stride_w < 1 || o->stride_h < 1 || o->dil_w < 1 || o->dil_h < 1)
        return OPFAIL(r, FM_ERR_FORMAT, "stride %dx%d / dilation %dx%d must be >= 1", o->stride_h,
                      o->stride_w, o->dil_h, o->dil_w);
    int64_t C = tx->shape[1], O = tw->shape[0];
    int64_t group;
    if (depthwise) {
        if (C < 1 || O % C != 0 || (o->depth_multiplier > 0 && O != C * o->depth_multiplier))
            return OPFAIL(r, FM_ERR_FORMAT, "%lld filter channels for %lld input channels, depth_multiplier %d",
                          (long long)O, (long long)C, o->depth_multiplier);
        group = C;
    } else {
        int64_t I = tw->shape[1];
        if (I < 1 || C % I != 0 || O % (C / I) != 0)
            return OPFAIL(r, FM_ERR_FORMAT, "filter %lld input channels for %lld input channels",
                          (long long)I, (long long)C);
        group = C / I;
    }
    if (ty->shape[1] != O || ty->shape[0] != tx->shape[0])
        return OPFAIL(r, FM_ERR_FORMAT, "output has %lld channels, filter %lld", (long long)ty->shape[1],
                      (long long)O);
    if (b >= 0 && (T(r, b)->ndim != 1 || T(r, b)->shape[0] != O))
        return OPFAIL(r, FM_ERR_FORMAT, "bias must have %lld elements", (long long)O);
    if (tw->shape[2] > 1 << 16 || tw->shape[3] > 1 << 16)
        return OPFAIL(r, FM_ERR_FORMAT, "filter too large");
    fm_conv_attr a = {0};
    a.kh = (int)tw->shape[2];
    a.kw = (int)tw->shape[3];
    a.sh = o->stride_h;
    a.sw = o->stride_w;
    a.dh = o->dil_h;
    a.dw = o->dil_w;
    a.group = (int)group;
    if ((st = pads(r, o->padding, tx->shape[2], a.kh, a.sh, a.dh, ty->shape[2], &a.pad_t, &a.pad_b, "height",
                   err)) != FM_OK ||
        (st = pads(r, o->padding, tx->shape[3], a.kw, a.sw, a.dw, ty->shape[3], &a.pad_l, &a.pad_r, "width",
                   err)) != FM_OK)
        return st;
    fm_node *n = add_node(r, FM_OP_CONV, T(r, y)->name);
    if (!n)
        return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
    n->a.conv = a;
    n->n_in = b >= 0 ? 3 : 2;
    n->in[0] = x;
    n->in[1] = w;
    n->in[2] = b;
    n->n_out = 1;
    n->out[0] = y;
    return map_act(r, o->act, n, err);
}

static fm_status fully_connected(const op_ref *r, const int32_t *in, int n_in, int y, const tfl_options *o,
                                 fm_error *err)
{
    fm_status st;
    int x, w, b = -1;
    if (n_in < 2 || n_in > 3)
        return OPFAIL(r, FM_ERR_FORMAT, "%d inputs, want 2 or 3", n_in);
    if (o->weights_format != 0)
        return OPFAIL(r, FM_ERR_UNSUPPORTED, "weights_format %d (only DEFAULT)", o->weights_format);
    if ((st = tfl_get_tensor(r->c, in[0], TFL_ROLE_ACT, &x, err)) != FM_OK ||
        (st = tfl_get_tensor(r->c, in[1], TFL_ROLE_ACT, &w, err)) != FM_OK ||
        (n_in == 3 && in[2] >= 0 && (st = tfl_get_tensor(r->c, in[2], TFL_ROLE_ACT, &b, err)) != FM_OK))
        return st;
    const fm_tensor *tw = T(r, w);
    if (tw->ndim != 2 || !tw->data || tw->shape[1] < 1)
        return OPFAIL(r, FM_ERR_UNSUPPORTED, "weights must be a constant (N,K) matrix");
    int64_t N = tw->shape[0], K = tw->shape[1];
    int64_t numel = fm_tensor_numel(T(r, x));
    if (numel % K != 0)
        return OPFAIL(r, FM_ERR_FORMAT, "input of %lld elements is not a multiple of K = %lld",
                      (long long)numel, (long long)K);
    int64_t rows = numel / K;
    if (fm_tensor_numel(T(r, y)) != rows * N || (o->keep_num_dims && T(r, x)->ndim > 2))
        return OPFAIL(r, FM_ERR_UNSUPPORTED, "output shape (keep_num_dims %d) not supported",
                      o->keep_num_dims);
    if (b >= 0 && fm_tensor_numel(T(r, b)) != N)
        return OPFAIL(r, FM_ERR_FORMAT, "bias must have %lld elements", (long long)N);
    /* TFLite flattens the input to (rows, K) in NHWC order */
    if (T(r, x)->ndim != 2 || T(r, x)->shape[1] != K) {
        int64_t s[2] = {rows, K};
        int x2 = add_derived(r, x, "/flat", 2, s);
        if (x2 < 0)
            return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
        if ((st = reshape_nhwc(r, x, x2, err)) != FM_OK)
            return st;
        x = x2;
    }
    int y2 = y;
    if (T(r, y)->ndim != 2) {
        int64_t s[2] = {rows, N};
        if ((y2 = add_derived(r, y, "/2d", 2, s)) < 0)
            return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
    }
    fm_node *n = add_node(r, FM_OP_GEMM, T(r, y2)->name);
    if (!n)
        return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
    n->a.gemm.trans_a = 0;
    n->a.gemm.trans_b = 1;
    n->a.gemm.alpha = 1.0f;
    n->a.gemm.beta = 1.0f;
    n->n_in = b >= 0 ? 3 : 2;
    n->in[0] = x;
    n->in[1] = w;
    n->in[2] = b;
    n->n_out = 1;
    n->out[0] = y2;
    if ((st = map_act(r, o->act, n, err)) != FM_OK)
        return st;
    return y2 != y ? reshape_nhwc(r, y2, y, err) : FM_OK;
}

static fm_status pool(const op_ref *r, fm_op op, int x, int y, const tfl_options *o, fm_error *err)
{
    fm_status st;
    const fm_tensor *tx = T(r, x), *ty = T(r, y);
    if (tx->ndim != 4 || ty->ndim != 4 || tx->shape[1] != ty->shape[1])
        return OPFAIL(r, FM_ERR_FORMAT, "input and output must be 4-D with equal channels");
    if (o->stride_w < 1 || o->stride_h < 1 || o->filter_w < 1 || o->filter_h < 1 || o->filter_w > 1 << 16 ||
        o->filter_h > 1 << 16)
        return OPFAIL(r, FM_ERR_FORMAT, "stride %dx%d / filter %dx%d must be >= 1", o->stride_h,
                      o->stride_w, o->filter_h, o->filter_w);
    fm_pool_attr a = {0};
    a.kh = o->filter_h;
    a.kw = o->filter_w;
    a.sh = o->stride_h;
    a.sw = o->stride_w;
    if ((st = pads(r, o->padding, tx->shape[2], a.kh, a.sh, 1, ty->shape[2], &a.pad_t, &a.pad_b, "height",
                   err)) != FM_OK ||
        (st = pads(r, o->padding, tx->shape[3], a.kw, a.sw, 1, ty->shape[3], &a.pad_l, &a.pad_r, "width",
                   err)) != FM_OK)
        return st;
    fm_node *n = add_node(r, op, ty->name);
    if (!n)
        return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
    n->a.pool = a; /* count_include_pad = 0: TFLite averages over in-image taps only */
    n->n_in = n->n_out = 1;
    n->in[0] = x;
    n->out[0] = y;
    return map_act(r, o->act, n, err);
}

/* IR axis of TFLite axis a (negative counts from the end) of an ndim tensor. */
static int map_axis(int a, int ndim)
{
    if (a < 0)
        a += ndim;
    if (a < 0 || a >= ndim)
        return -1;
    return ndim == 4 ? tfl_nhwc_axis(a) : a;
}

static fm_status simple(const op_ref *r, fm_op op, int x, int y)
{
    fm_node *n = add_node(r, op, T(r, y)->name);
    if (!n)
        return FM_ERR_NOMEM;
    n->n_in = n->n_out = 1;
    n->in[0] = x;
    n->out[0] = y;
    return FM_OK;
}

static fm_status map_op(op_ref *r, int32_t code, const int32_t *in, int n_in, int y, const tfl_options *o,
                        fm_error *err)
{
    tfl_ctx *c = r->c;
    fm_status st;
    int x = -1;
    if (code != TFL_OP_CONCATENATION && code != TFL_OP_CONV_2D && code != TFL_OP_DEPTHWISE_CONV_2D &&
        code != TFL_OP_FULLY_CONNECTED) {
        if (n_in < 1)
            return OPFAIL(r, FM_ERR_FORMAT, "no input");
        if ((st = tfl_get_tensor(c, in[0], TFL_ROLE_ACT, &x, err)) != FM_OK)
            return st;
    }
    switch (code) {
    case TFL_OP_CONV_2D:
        return conv(r, 0, in, n_in, y, o, err);
    case TFL_OP_DEPTHWISE_CONV_2D:
        return conv(r, 1, in, n_in, y, o, err);
    case TFL_OP_FULLY_CONNECTED:
        return fully_connected(r, in, n_in, y, o, err);
    case TFL_OP_AVERAGE_POOL_2D:
        return pool(r, FM_OP_AVGPOOL, x, y, o, err);
    case TFL_OP_MAX_POOL_2D:
        return pool(r, FM_OP_MAXPOOL, x, y, o, err);
    case TFL_OP_ADD: {
        int x2;
        if (n_in != 2)
            return OPFAIL(r, FM_ERR_FORMAT, "%d inputs, want 2", n_in);
        if ((st = tfl_get_tensor(c, in[1], TFL_ROLE_ACT, &x2, err)) != FM_OK)
            return st;
        const fm_tensor *a = T(r, x), *b = T(r, x2), *ty = T(r, y);
        if (a->ndim != b->ndim || a->ndim != ty->ndim ||
            memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->ndim) != 0 ||
            memcmp(a->shape, ty->shape, sizeof(int64_t) * (size_t)a->ndim) != 0)
            return OPFAIL(r, FM_ERR_UNSUPPORTED, "broadcasting ADD not supported");
        fm_node *n = add_node(r, FM_OP_ADD, ty->name);
        if (!n)
            return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
        n->n_in = 2;
        n->in[0] = x;
        n->in[1] = x2;
        n->n_out = 1;
        n->out[0] = y;
        return map_act(r, o->act, n, err);
    }
    case TFL_OP_RESHAPE:
        return reshape_nhwc(r, x, y, err);
    case TFL_OP_SOFTMAX: {
        if (o->beta != 1.0f)
            return OPFAIL(r, FM_ERR_UNSUPPORTED, "softmax beta %g (only 1)", (double)o->beta);
        if (T(r, x)->ndim < 1 || T(r, x)->ndim != T(r, y)->ndim)
            return OPFAIL(r, FM_ERR_FORMAT, "input and output ranks differ");
        if (simple(r, FM_OP_SOFTMAX, x, y) != FM_OK)
            return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
        c->g->nodes[c->g->n_nodes - 1].a.axis.axis = map_axis(-1, T(r, x)->ndim);
        return FM_OK;
    }
    case TFL_OP_CONCATENATION: {
        if (n_in < 1 || n_in > FM_MAX_IO)
            return OPFAIL(r, FM_ERR_UNSUPPORTED, "%d inputs (at most %d)", n_in, FM_MAX_IO);
        int xs[FM_MAX_IO];
        for (int i = 0; i < n_in; i++)
            if ((st = tfl_get_tensor(c, in[i], TFL_ROLE_ACT, &xs[i], err)) != FM_OK)
                return st;
        const fm_tensor *ty = T(r, y);
        int axis = map_axis(o->axis, ty->ndim);
        if (axis < 0)
            return OPFAIL(r, FM_ERR_FORMAT, "axis %d out of range for rank %d", o->axis, ty->ndim);
        int64_t sum = 0;
        for (int i = 0; i < n_in; i++) {
            const fm_tensor *t = T(r, xs[i]);
            if (t->ndim != ty->ndim)
                return OPFAIL(r, FM_ERR_FORMAT, "input %d has rank %d, output %d", i, t->ndim, ty->ndim);
            for (int d = 0; d < t->ndim; d++)
                if (d != axis && t->shape[d] != ty->shape[d])
                    return OPFAIL(r, FM_ERR_FORMAT, "input %d dimension %d differs from the output", i, d);
            sum += t->shape[axis];
        }
        if (sum != ty->shape[axis])
            return OPFAIL(r, FM_ERR_FORMAT, "inputs add up to %lld along the axis, output has %lld",
                          (long long)sum, (long long)ty->shape[axis]);
        fm_node *n = add_node(r, FM_OP_CONCAT, ty->name);
        if (!n)
            return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
        n->n_in = n_in;
        memcpy(n->in, xs, sizeof(int) * (size_t)n_in);
        n->n_out = 1;
        n->out[0] = y;
        n->a.axis.axis = axis;
        return map_act(r, o->act, n, err);
    }
    case TFL_OP_PAD: {
        int64_t p[2 * FM_MAX_DIMS];
        int np;
        if (n_in != 2)
            return OPFAIL(r, FM_ERR_FORMAT, "%d inputs, want 2", n_in);
        if ((st = tfl_const_ints(c, in[1], p, 2 * FM_MAX_DIMS, &np, err)) != FM_OK)
            return st;
        const fm_tensor *tx = T(r, x), *ty = T(r, y);
        if (np != 2 * tx->ndim || ty->ndim != tx->ndim)
            return OPFAIL(r, FM_ERR_FORMAT, "%d paddings for rank %d", np, tx->ndim);
        fm_node *n = add_node(r, FM_OP_PAD, ty->name);
        if (!n)
            return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
        n->n_in = n->n_out = 1;
        n->in[0] = x;
        n->out[0] = y;
        n->a.pad.value = 0.0f; /* real 0, i.e. the zero point when quantized */
        for (int d = 0; d < tx->ndim; d++) {
            int a = map_axis(d, tx->ndim);
            int64_t b0 = p[2 * d], b1 = p[2 * d + 1];
            if (b0 < 0 || b1 < 0 || tx->shape[a] + b0 + b1 != ty->shape[a])
                return OPFAIL(r, FM_ERR_FORMAT, "padding %lld/%lld of axis %d does not give the output",
                              (long long)b0, (long long)b1, d);
            n = &c->g->nodes[c->g->n_nodes - 1];
            n->a.pad.begin[a] = b0;
            n->a.pad.end[a] = b1;
        }
        return FM_OK;
    }
    case TFL_OP_MEAN: {
        int64_t ax[FM_MAX_DIMS];
        int nax;
        if (n_in != 2)
            return OPFAIL(r, FM_ERR_FORMAT, "%d inputs, want 2", n_in);
        if ((st = tfl_const_ints(c, in[1], ax, FM_MAX_DIMS, &nax, err)) != FM_OK)
            return st;
        const fm_tensor *tx = T(r, x), *ty = T(r, y);
        int mask = 0;
        for (int i = 0; i < nax; i++) {
            int a = map_axis((int)ax[i], tx->ndim);
            if (a < 0)
                return OPFAIL(r, FM_ERR_FORMAT, "axis %lld out of range", (long long)ax[i]);
            mask |= 1 << a;
        }
        /* without keep_dims the kept axes must keep their relative order */
        int last = -1, kept = 0;
        for (int d = 0; d < tx->ndim; d++) {
            int a = map_axis(d, tx->ndim);
            if (mask & (1 << a))
                continue;
            if (!o->keep_dims && a < last)
                return OPFAIL(r, FM_ERR_UNSUPPORTED, "MEAN without keep_dims reorders NHWC axes");
            last = a;
            kept++;
        }
        if (ty->ndim != (o->keep_dims ? tx->ndim : kept) && !(kept == 0 && ty->ndim <= 1))
            return OPFAIL(r, FM_ERR_FORMAT, "output rank %d does not match keep_dims %d", ty->ndim,
                          o->keep_dims);
        if (simple(r, FM_OP_MEAN, x, y) != FM_OK)
            return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
        fm_node *n = &c->g->nodes[c->g->n_nodes - 1];
        n->a.reduce.axes_mask = mask;
        n->a.reduce.keepdims = o->keep_dims != 0;
        return FM_OK;
    }
    case TFL_OP_QUANTIZE:
    case TFL_OP_DEQUANTIZE:
        if (fm_tensor_numel(T(r, x)) != fm_tensor_numel(T(r, y)))
            return OPFAIL(r, FM_ERR_FORMAT, "input and output sizes differ");
        if (simple(r, code == TFL_OP_QUANTIZE ? FM_OP_QUANTIZE : FM_OP_DEQUANTIZE, x, y) != FM_OK)
            return OPFAIL(r, FM_ERR_NOMEM, "out of memory");
        return FM_OK;
    default:
        return OPFAIL(r, FM_ERR_UNSUPPORTED, "operator not supported");
    }
}

fm_status tfl_map_operator(tfl_ctx *c, uint32_t i, fm_error *err)
{
    tfl_operator op;
    op_ref r = {.c = c, .index = i, .op = "?", .out = "?"};
    char namebuf[32];
    if (tfl_read_operator(&c->b, &c->sg, i, &op) != 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: operator %u: corrupt table", c->path, i);
    int32_t code;
    const char *custom;
    uint32_t custom_len;
    if (op.opcode_index >= c->m.opcodes.n ||
        tfl_read_opcode(&c->b, &c->m, op.opcode_index, &code, &custom, &custom_len) != 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: operator %u: bad opcode index %u", c->path, i,
                            op.opcode_index);
    r.op = tfl_builtin_name(code, namebuf, sizeof namebuf);

    int32_t in[FM_MAX_IO];
    int n_in = (int)op.inputs.n, n_out = (int)op.outputs.n;
    for (uint32_t k = 0; k < op.inputs.n + op.outputs.n; k++) {
        int32_t v = k < op.inputs.n ? fb_vec_i32(&c->b, &op.inputs, k)
                                    : fb_vec_i32(&c->b, &op.outputs, k - op.inputs.n);
        if (v < -1 || (v >= 0 && (uint32_t)v >= c->n_tensors))
            return fm_error_set(err, FM_ERR_FORMAT, "%s: operator %u (%s): tensor index %d out of range",
                                c->path, i, r.op, (int)v);
        if (k < FM_MAX_IO && k < op.inputs.n)
            in[k] = v;
    }
    if (n_out != 1)
        return fm_error_set(err, n_out < 1 ? FM_ERR_FORMAT : FM_ERR_UNSUPPORTED,
                            "%s: operator %u (%s): %d outputs, want 1", c->path, i, r.op, n_out);
    int32_t yi = fb_vec_i32(&c->b, &op.outputs, 0);
    tfl_tensor ot;
    if (yi >= 0 && tfl_read_tensor(&c->b, &c->sg, (uint32_t)yi, &ot) == 0 && ot.name) {
        size_t n = ot.name_len < sizeof r.out - 1 ? ot.name_len : sizeof r.out - 1;
        memcpy(r.out, ot.name, n);
        r.out[n] = '\0';
    }
    if (code == TFL_OP_CUSTOM)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: operator %u (CUSTOM '%.*s', output '%s'): not supported",
                            c->path, i, custom ? (int)(custom_len > 64 ? 64 : custom_len) : 0,
                            custom ? custom : "", r.out);
    if (n_in > FM_MAX_IO)
        return op_fail(&r, FM_ERR_UNSUPPORTED, err, "%d inputs", n_in);
    for (int k = 0; k < n_in; k++)
        if (in[k] < 0 && !(k == 2 && (code == TFL_OP_CONV_2D || code == TFL_OP_DEPTHWISE_CONV_2D ||
                                      code == TFL_OP_FULLY_CONNECTED)))
            return op_fail(&r, FM_ERR_FORMAT, err, "input %d missing", k);
    if (yi < 0)
        return op_fail(&r, FM_ERR_FORMAT, err, "output missing");
    tfl_options o;
    if (tfl_read_options(&c->b, &op, code, &o) != 0)
        return op_fail(&r, FM_ERR_FORMAT, err, "corrupt or mistyped builtin options (type %u)", op.opt_type);
    switch (code) {
    case TFL_OP_ADD: case TFL_OP_AVERAGE_POOL_2D: case TFL_OP_CONCATENATION: case TFL_OP_CONV_2D:
    case TFL_OP_DEPTHWISE_CONV_2D: case TFL_OP_DEQUANTIZE: case TFL_OP_FULLY_CONNECTED:
    case TFL_OP_MAX_POOL_2D: case TFL_OP_RESHAPE: case TFL_OP_SOFTMAX: case TFL_OP_PAD:
    case TFL_OP_MEAN: case TFL_OP_QUANTIZE:
        break;
    default:
        return op_fail(&r, FM_ERR_UNSUPPORTED, err, "operator not supported");
    }
    int y;
    fm_status st = tfl_get_tensor(c, yi, TFL_ROLE_ACT, &y, err);
    if (st != FM_OK)
        return st;
    if (c->g->tensors[y].data)
        return op_fail(&r, FM_ERR_FORMAT, err, "output is a constant");
    return map_op(&r, code, in, n_in, y, &o, err);
}
