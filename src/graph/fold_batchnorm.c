/* Folds an inference-mode BatchNormalization into the convolution feeding
 * it:  y = s * (conv(x, W) + b - mean) / sqrt(var + eps) + beta
 *        = conv(x, W * k) + (b - mean) * k + beta,  k = s / sqrt(var + eps)
 * per output channel. Removing the BN matters beyond speed: approximate
 * arithmetic is applied to the conv's products, and the real network
 * multiplies with the folded weights. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"

static const float *const_f32(const fm_graph *g, int t, int64_t n)
{
    if (t < 0 || t >= g->n_tensors)
        return NULL;
    const fm_tensor *x = &g->tensors[t];
    if (!x->data || x->dtype != FM_F32 || fm_tensor_numel(x) != n)
        return NULL;
    return x->data;
}

/* Adds a constant named "<base><suffix>" and returns its index or -1. */
static int add_const(fm_graph *g, const char *base, const char *suffix, int ndim,
                     const int64_t *shape, float *data)
{
    size_t len = strlen(base) + strlen(suffix) + 1;
    char *name = malloc(len);
    if (!name) {
        free(data);
        return -1;
    }
    snprintf(name, len, "%s%s", base, suffix);
    int t = fm_graph_add_tensor(g, name, FM_F32, ndim, shape, data);
    free(name);
    return t;
}

/* Folds BN node bi into conv node ci; returns FM_OK or NOMEM. */
static fm_status fold_one(fm_graph *g, int ci, int bi, fm_error *err)
{
    fm_node *conv = &g->nodes[ci];
    const fm_node *bn = &g->nodes[bi];
    const fm_tensor *w = &g->tensors[conv->in[1]];
    int64_t oc = w->shape[0], per = fm_tensor_numel(w) / oc;
    const float *wd = w->data;
    const float *bias = conv->n_in > 2 && conv->in[2] >= 0 ? const_f32(g, conv->in[2], oc) : NULL;
    const float *s = const_f32(g, bn->in[1], oc), *beta = const_f32(g, bn->in[2], oc);
    const float *mean = const_f32(g, bn->in[3], oc), *var = const_f32(g, bn->in[4], oc);
    float *nw = malloc((size_t)fm_tensor_numel(w) * sizeof *nw);
    float *nb = malloc((size_t)oc * sizeof *nb);
    if (!nw || !nb) {
        free(nw);
        free(nb);
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    }
    for (int64_t o = 0; o < oc; o++) {
        /* double keeps the folded values within one rounding of exact */
        double k = (double)s[o] / sqrt((double)var[o] + (double)bn->a.bn.eps);
        for (int64_t i = 0; i < per; i++)
            nw[o * per + i] = (float)((double)wd[o * per + i] * k);
        nb[o] = (float)(((bias ? (double)bias[o] : 0.0) - (double)mean[o]) * k + (double)beta[o]);
    }
    int64_t wshape[FM_MAX_DIMS], bshape[1] = {oc};
    int wnd = w->ndim;
    memcpy(wshape, w->shape, sizeof wshape);
    char *base = strdup(g->nodes[ci].name);
    if (!base) {
        free(nw);
        free(nb);
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    }
    /* new tensors: the old W/bias may be shared, drop_unused removes them */
    int tw = add_const(g, base, ".W_bnfold", wnd, wshape, nw);
    int tb = tw < 0 ? -1 : add_const(g, base, ".b_bnfold", 1, bshape, nb);
    if (tw < 0)
        free(nb);
    free(base);
    if (tw < 0 || tb < 0)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    conv = &g->nodes[ci]; /* tensors array may have moved; nodes did not */
    conv->in[1] = tw;
    conv->in[2] = tb;
    conv->n_in = 3;
    conv->out[0] = g->nodes[bi].out[0];
    free(g->nodes[bi].name);
    memmove(&g->nodes[bi], &g->nodes[bi + 1], (size_t)(g->n_nodes - bi - 1) * sizeof g->nodes[0]);
    g->n_nodes--;
    return FM_OK;
}

fm_status fm_graph_fold_batchnorm(fm_graph *g, fm_error *err)
{
    for (int bi = 0; bi < g->n_nodes; bi++) {
        const fm_node *bn = &g->nodes[bi];
        if (bn->op != FM_OP_BATCHNORM || bn->n_in < 5 || bn->in[0] < 0)
            continue;
        int x = bn->in[0];
        int ci = fm_graph_producer(g, x);
        if (ci < 0 || g->nodes[ci].op != FM_OP_CONV || x == g->output ||
            fm_graph_consumers(g, x) != 1 || g->nodes[ci].act != FM_ACT_NONE)
            continue;
        const fm_node *conv = &g->nodes[ci];
        const fm_tensor *w = conv->in[1] >= 0 ? &g->tensors[conv->in[1]] : NULL;
        if (!w || !w->data || w->dtype != FM_F32 || w->ndim < 1 || w->shape[0] < 1)
            continue;
        int64_t oc = w->shape[0];
        int params_ok = 1;
        for (int i = 1; i < 5; i++)
            params_ok &= const_f32(g, bn->in[i], oc) != NULL;
        if (conv->n_in > 2 && conv->in[2] >= 0)
            params_ok &= const_f32(g, conv->in[2], oc) != NULL;
        if (!params_ok)
            continue;
        fm_status st = fold_one(g, ci, bi, err);
        if (st != FM_OK)
            return st;
        bi--; /* the node now at bi has not been looked at */
    }
    return FM_OK;
}
