/* Execution plan: tensor layouts and buffers, operator fusion, MAC layer
 * preparation. Runs once in fm_exec_create. */
#include <stdlib.h>
#include <string.h>

#include "exec/exec_internal.h"

static int root_of(const fm_exec *e, int t)
{
    while (e->xt[t].alias >= 0)
        t = e->xt[t].alias;
    return t;
}

float *fm_exec_buf(fm_exec *e, fm_worker *w, int t)
{
    return w->buf[root_of(e, t)];
}

const float *fm_exec_cbuf(fm_exec *e, fm_worker *w, int t)
{
    int r = root_of(e, t);
    return e->xt[r].is_const ? e->xt[r].cdata : w->buf[r];
}

/* Constants are kept as float in semantic order; ops that read them use
 * strides (see ops_elementwise.c), so no re-layout is needed here. */
static fm_status prepare_const(fm_exec *e, int t, fm_error *err)
{
    const fm_tensor *ts = &e->g->tensors[t];
    fm_xt *x = &e->xt[t];
    x->is_const = 1;
    if (ts->dtype == FM_F32) {
        x->cdata = ts->data;
        return FM_OK;
    }
    int64_t n = fm_tensor_numel(ts);
    /* quantized constants (TFLite) dequantize with their own parameters:
     * one scale per tensor, or one per index along q.axis */
    const fm_qparams *q = &ts->q;
    int64_t inner = 1, nch = 1;
    if (q->n > 1) {
        if (q->axis < 0 || q->axis >= ts->ndim || ts->shape[q->axis] != q->n)
            return fm_error_set(err, FM_ERR_FORMAT, "constant '%s': %d scales along axis %d do not match its shape",
                                ts->name, q->n, q->axis);
        nch = q->n;
        for (int d = q->axis + 1; d < ts->ndim; d++)
            inner *= ts->shape[d];
    }
    float *f = malloc((size_t)(n ? n : 1) * sizeof *f);
    if (!f)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < n; i++) {
        switch (ts->dtype) {
        case FM_I64: f[i] = (float)((const int64_t *)ts->data)[i]; break;
        case FM_I32: f[i] = (float)((const int32_t *)ts->data)[i]; break;
        case FM_I16: f[i] = (float)((const int16_t *)ts->data)[i]; break;
        case FM_I8: f[i] = (float)((const int8_t *)ts->data)[i]; break;
        case FM_U8: f[i] = (float)((const uint8_t *)ts->data)[i]; break;
        default: f[i] = 0; break;
        }
        if (q->n >= 1) {
            int64_t c = q->n == 1 ? 0 : (i / inner) % nch;
            f[i] = q->scale[c] * (f[i] - (float)q->zero_point[c]);
        }
    }
    x->cdata = f;
    return FM_OK;
}

static void describe_activation(fm_exec *e, int t)
{
    const fm_tensor *ts = &e->g->tensors[t];
    fm_xt *x = &e->xt[t];
    x->per_sample = 1;
    for (int i = 1; i < ts->ndim; i++)
        x->per_sample *= ts->shape[i];
    x->nhwc = ts->ndim == 4;
    x->phys_ndim = ts->ndim - 1;
    if (x->nhwc) {
        x->phys[0] = ts->shape[2];
        x->phys[1] = ts->shape[3];
        x->phys[2] = ts->shape[1];
    } else {
        for (int i = 1; i < ts->ndim; i++)
            x->phys[i - 1] = ts->shape[i];
    }
}

/* A Relu or Clip right after a MAC layer (or Add) whose output has no other
 * reader is applied in that layer's epilogue, saving a pass over memory. */
static void fuse_activations(fm_exec *e, fm_fused_act *act, float *lo, float *hi)
{
    const fm_graph *g = e->g;
    for (int i = 0; i < g->n_nodes; i++) {
        const fm_node *nd = &g->nodes[i];
        if (nd->op != FM_OP_RELU && nd->op != FM_OP_CLIP)
            continue;
        int t = nd->in[0];
        int p = fm_graph_producer(g, t);
        if (p < 0 || t == g->output || fm_graph_consumers(g, t) != 1 || e->skip[p])
            continue;
        fm_op pop = g->nodes[p].op;
        if (!(pop == FM_OP_CONV || pop == FM_OP_GEMM || pop == FM_OP_ADD) ||
            act[p] != FM_ACT_NONE)
            continue;
        if (nd->op == FM_OP_RELU) {
            act[p] = FM_ACT_RELU;
        } else {
            act[p] = FM_ACT_CLIP;
            lo[p] = nd->a.clip.min;
            hi[p] = nd->a.clip.max;
        }
        e->skip[i] = 1;
        e->xt[nd->out[0]].alias = t;
    }
}

static fm_status prepare_mac(fm_exec *e, int node, fm_mac *m, fm_error *err)
{
    const fm_graph *g = e->g;
    const fm_node *nd = &g->nodes[node];
    const fm_tensor *x = &g->tensors[nd->in[0]];
    const fm_tensor *wt = &g->tensors[nd->in[1]];
    const fm_tensor *y = &g->tensors[nd->out[0]];
    const float *W = e->xt[nd->in[1]].cdata;
    m->node = node;
    if (nd->op == FM_OP_CONV) {
        const fm_conv_attr *c = &nd->a.conv;
        m->C = (int)x->shape[1];
        m->H = (int)x->shape[2];
        m->W = (int)x->shape[3];
        m->OC = (int)y->shape[1];
        m->OH = (int)y->shape[2];
        m->OW = (int)y->shape[3];
        m->kh = c->kh; m->kw = c->kw; m->sh = c->sh; m->sw = c->sw;
        m->dh = c->dh; m->dw = c->dw; m->pad_t = c->pad_t; m->pad_l = c->pad_l;
        m->group = c->group > 0 ? c->group : 1;
    } else {
        if (x->ndim != 2 || nd->a.gemm.trans_a || !nd->a.gemm.trans_b)
            return fm_error_set(err, FM_ERR_UNSUPPORTED,
                                "node '%s' (Gemm): only 2-D input with W stored (N,K) is executed",
                                nd->name);
        m->C = (int)x->shape[1];
        m->H = m->W = m->OH = m->OW = 1;
        m->OC = (int)y->shape[1];
        m->kh = m->kw = m->sh = m->sw = m->dh = m->dw = 1;
        m->group = 1;
    }
    m->cg = m->C / m->group;
    m->ocg = m->OC / m->group;
    m->K = m->kh * m->kw * m->cg;
    if (fm_tensor_numel(wt) != (int64_t)m->OC * m->K)
        return fm_error_set(err, FM_ERR_SHAPE, "node '%s' (%s): weight shape does not match",
                            nd->name, fm_op_name(nd->op));
    m->wf = malloc((size_t)m->OC * m->K * sizeof *m->wf);
    m->bias = calloc((size_t)m->OC, sizeof *m->bias);
    if (!m->wf || !m->bias)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    /* OIHW -> [OC][ky][kx][c] so a row matches an NHWC im2col row */
    for (int o = 0; o < m->OC; o++)
        for (int c = 0; c < m->cg; c++)
            for (int ky = 0; ky < m->kh; ky++)
                for (int kx = 0; kx < m->kw; kx++)
                    m->wf[(size_t)o * m->K + (ky * m->kw + kx) * m->cg + c] =
                        W[(((size_t)o * m->cg + c) * m->kh + ky) * m->kw + kx];
    if (nd->n_in > 2 && nd->in[2] >= 0)
        memcpy(m->bias, e->xt[nd->in[2]].cdata, (size_t)m->OC * sizeof *m->bias);
    return FM_OK;
}

fm_status fm_exec_plan(fm_exec *e, fm_error *err)
{
    const fm_graph *g = e->g;
    fm_status st;
    e->xt = calloc((size_t)g->n_tensors, sizeof *e->xt);
    e->skip = calloc((size_t)g->n_nodes, sizeof *e->skip);
    e->mac_of = calloc((size_t)g->n_nodes, sizeof *e->mac_of);
    fm_fused_act *act = e->act = calloc((size_t)g->n_nodes, sizeof *act);
    float *lo = e->act_lo = calloc((size_t)g->n_nodes, sizeof *lo);
    float *hi = e->act_hi = calloc((size_t)g->n_nodes, sizeof *hi);
    if (!e->xt || !e->skip || !e->mac_of || !act || !lo || !hi)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    for (int t = 0; t < g->n_tensors; t++) {
        e->xt[t].alias = -1;
        if (g->tensors[t].data) {
            if ((st = prepare_const(e, t, err)) != FM_OK)
                return st;
        } else {
            describe_activation(e, t);
        }
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const fm_node *nd = &g->nodes[i];
        act[i] = nd->act;
        lo[i] = nd->act_min;
        hi[i] = nd->act_max;
        /* TFLite QUANTIZE / DEQUANTIZE keep the real value: identities in
         * the float view */
        if (nd->op == FM_OP_IDENTITY || nd->op == FM_OP_QUANTIZE || nd->op == FM_OP_DEQUANTIZE) {
            e->skip[i] = 1;
            e->xt[nd->out[0]].alias = nd->in[0];
        }
    }
    fuse_activations(e, act, lo, hi);
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == FM_OP_CONV || g->nodes[i].op == FM_OP_GEMM)
            e->n_macs++;
    e->macs = calloc((size_t)(e->n_macs ? e->n_macs : 1), sizeof *e->macs);
    if (!e->macs)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    for (int i = 0, k = 0; i < g->n_nodes; i++) {
        const fm_node *nd = &g->nodes[i];
        if (nd->op != FM_OP_CONV && nd->op != FM_OP_GEMM)
            continue;
        fm_mac *m = &e->macs[k];
        m->mac_index = k++;
        m->act = act[i];
        m->act_min = lo[i];
        m->act_max = hi[i];
        if (!e->xt[nd->in[1]].is_const)
            return fm_error_set(err, FM_ERR_UNSUPPORTED, "node '%s' (%s): weights must be constant",
                                nd->name, fm_op_name(nd->op));
        if ((st = prepare_mac(e, i, m, err)) != FM_OK)
            return st;
        if (e->opts.arith) {
            m->arith = fm_net_arith_for(e->opts.arith, nd->name, m->mac_index);
            if (!m->arith->is_float && (st = fm_mac_int_prepare(e, m, err)) != FM_OK)
                return st;
        }
        e->mac_of[i] = m;
    }
    return FM_OK;
}
