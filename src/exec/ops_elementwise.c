/* Elementwise operators: Add, Mul (with ONNX broadcasting), Relu, Clip and
 * unfolded BatchNormalization. Broadcasting is expressed as strides over the
 * output's physical index space, so constants keep their semantic order. */
#include <math.h>
#include <string.h>

#include "exec/exec_internal.h"

/* Physical output dims (batch first) of activation t for n samples. */
static int out_dims(const fm_exec *e, int t, int n, int64_t *dims)
{
    const fm_xt *x = &e->xt[t];
    dims[0] = n;
    for (int i = 0; i < x->phys_ndim; i++)
        dims[i + 1] = x->phys[i];
    return x->phys_ndim + 1;
}

/* Strides (elements) of operand t read at the output's physical index. */
static fm_status operand_strides(const fm_exec *e, int t, int out, int rank, int n,
                                 int64_t *st, const fm_node *nd, fm_error *err)
{
    const fm_graph *g = e->g;
    const fm_tensor *ts = &g->tensors[t];
    const fm_xt *xo = &e->xt[out];
    int64_t sem[FM_MAX_DIMS], sst[FM_MAX_DIMS];
    int r = ts->ndim;
    if (r > rank)
        return fm_error_set(err, FM_ERR_SHAPE, "node '%s' (%s): operand rank %d exceeds output rank %d",
                            nd->name, fm_op_name(nd->op), r, rank);
    for (int i = 0; i < rank; i++)
        sem[i] = 1;
    for (int i = 0; i < r; i++)
        sem[rank - r + i] = ts->shape[i];
    if (!e->xt[t].is_const)
        sem[0] = n; /* activations carry the batch */
    else if (r == rank && sem[0] != 1)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "node '%s' (%s): constant with a batch dimension",
                            nd->name, fm_op_name(nd->op));
    if (!e->xt[t].is_const && e->xt[t].nhwc != xo->nhwc)
        return fm_error_set(err, FM_ERR_UNSUPPORTED,
                            "node '%s' (%s): operands of rank %d and %d do not broadcast here",
                            nd->name, fm_op_name(nd->op), r, rank);
    /* strides in the operand's own storage order */
    int own_nhwc = !e->xt[t].is_const && e->xt[t].nhwc;
    static const int sigma[4] = {0, 2, 3, 1}; /* physical axis -> semantic axis */
    if (own_nhwc) {
        int64_t pd[4] = {sem[0], sem[2], sem[3], sem[1]}, acc = 1;
        for (int j = 3; j >= 0; j--) {
            st[j] = pd[j] == 1 ? 0 : acc;
            acc *= pd[j];
        }
        return FM_OK;
    }
    int64_t acc = 1;
    for (int i = rank - 1; i >= 0; i--) {
        sst[i] = sem[i] == 1 ? 0 : acc;
        acc *= sem[i];
    }
    for (int j = 0; j < rank; j++)
        st[j] = xo->nhwc ? sst[sigma[j]] : sst[j];
    return FM_OK;
}

void fm_apply_act(float *y, int64_t count, fm_fused_act act, float lo, float hi)
{
    switch (act) {
    case FM_ACT_NONE: return;
    case FM_ACT_RELU: lo = 0.0f; hi = INFINITY; break;
    case FM_ACT_RELU6: lo = 0.0f; hi = 6.0f; break;
    case FM_ACT_CLIP: break;
    }
    for (int64_t i = 0; i < count; i++) {
        float v = y[i];
        v = v < lo ? lo : v;
        y[i] = v > hi ? hi : v;
    }
}

static void binary(fm_op op, int rank, const int64_t *dims, const float *a, const int64_t *sa,
                   const float *b, const int64_t *sb, float *y)
{
    int64_t idx[FM_MAX_DIMS] = {0}, inner = dims[rank - 1];
    int64_t outer = 1;
    for (int i = 0; i < rank - 1; i++)
        outer *= dims[i];
    int64_t ia = sa[rank - 1], ib = sb[rank - 1];
    for (int64_t o = 0; o < outer; o++) {
        int64_t offa = 0, offb = 0;
        for (int i = 0; i < rank - 1; i++) {
            offa += idx[i] * sa[i];
            offb += idx[i] * sb[i];
        }
        const float *pa = a + offa, *pb = b + offb;
        if (op == FM_OP_ADD)
            for (int64_t k = 0; k < inner; k++)
                y[k] = pa[k * ia] + pb[k * ib];
        else
            for (int64_t k = 0; k < inner; k++)
                y[k] = pa[k * ia] * pb[k * ib];
        y += inner;
        for (int i = rank - 2; i >= 0; i--) {
            if (++idx[i] < dims[i])
                break;
            idx[i] = 0;
        }
    }
}

static fm_status batchnorm(fm_exec *e, fm_worker *w, const fm_node *nd, int n)
{
    const fm_xt *xo = &e->xt[nd->out[0]];
    const float *x = fm_exec_cbuf(e, w, nd->in[0]);
    float *y = fm_exec_buf(e, w, nd->out[0]);
    const float *sc = e->xt[nd->in[1]].cdata, *bi = e->xt[nd->in[2]].cdata;
    const float *mu = e->xt[nd->in[3]].cdata, *var = e->xt[nd->in[4]].cdata;
    const fm_tensor *ts = &e->g->tensors[nd->out[0]];
    int64_t C = ts->ndim > 1 ? ts->shape[1] : 1;
    int64_t inner = 1; /* elements per channel run */
    for (int i = 2; i < ts->ndim; i++)
        inner *= ts->shape[i];
    for (int64_t i = 0; i < (int64_t)n * xo->per_sample; i++) {
        int64_t c = xo->nhwc ? i % C : (i / inner) % C;
        float s = sc[c] / sqrtf(var[c] + nd->a.bn.eps);
        y[i] = (x[i] - mu[c]) * s + bi[c];
    }
    return FM_OK;
}

fm_status fm_op_elementwise(fm_exec *e, fm_worker *w, const fm_node *nd, int n, fm_error *err)
{
    int node = (int)(nd - e->g->nodes);
    int out = nd->out[0];
    float *y = fm_exec_buf(e, w, out);
    int64_t count = (int64_t)n * e->xt[out].per_sample;
    switch (nd->op) {
    case FM_OP_RELU:
    case FM_OP_CLIP: {
        const float *x = fm_exec_cbuf(e, w, nd->in[0]);
        if (x != y)
            memcpy(y, x, (size_t)count * sizeof *y);
        if (nd->op == FM_OP_RELU)
            fm_apply_act(y, count, FM_ACT_RELU, 0, 0);
        else
            fm_apply_act(y, count, FM_ACT_CLIP, nd->a.clip.min, nd->a.clip.max);
        break;
    }
    case FM_OP_BATCHNORM:
        batchnorm(e, w, nd, n);
        break;
    case FM_OP_ADD:
    case FM_OP_MUL: {
        int64_t dims[FM_MAX_DIMS], sa[FM_MAX_DIMS], sb[FM_MAX_DIMS];
        int rank = out_dims(e, out, n, dims);
        fm_status st;
        if ((st = operand_strides(e, nd->in[0], out, e->g->tensors[out].ndim, n, sa, nd, err)) ||
            (st = operand_strides(e, nd->in[1], out, e->g->tensors[out].ndim, n, sb, nd, err)))
            return st;
        binary(nd->op, rank, dims, fm_exec_cbuf(e, w, nd->in[0]), sa, fm_exec_cbuf(e, w, nd->in[1]),
               sb, y);
        break;
    }
    default:
        return fm_error_set(err, FM_ERR_INTERNAL, "node '%s': not an elementwise op", nd->name);
    }
    fm_apply_act(y, count, e->act[node], e->act_lo[node], e->act_hi[node]);
    return FM_OK;
}
