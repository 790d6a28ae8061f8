/* Adapter from the graph IR to the hardware model's layer list: every MAC
 * node (Conv, Gemm, MatMul) becomes one grouped-convolution shape. Shapes
 * must already be inferred (importers do it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/hw.h"

static int fits_int(int64_t v) { return v > 0 && v <= 0x7fffffff; }

static fm_status conv_layer(const fm_graph *g, const fm_node *n, fm_hw_layer *l, fm_error *err)
{
    const fm_tensor *x = &g->tensors[n->in[0]];
    const fm_tensor *w = &g->tensors[n->in[1]];
    const fm_tensor *y = &g->tensors[n->out[0]];
    if (x->ndim != 4 || w->ndim != 4 || y->ndim != 4)
        return fm_error_set(err, FM_ERR_SHAPE, "node '%s' (Conv): expected 4-D input, weights "
                            "and output, got %d-D, %d-D, %d-D", n->name, x->ndim, w->ndim, y->ndim);
    int groups = n->a.conv.group > 0 ? n->a.conv.group : 1;
    int64_t v[] = {w->shape[0], w->shape[1], w->shape[2], w->shape[3],
                   x->shape[2], x->shape[3], y->shape[2], y->shape[3]};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (!fits_int(v[i]))
            return fm_error_set(err, FM_ERR_SHAPE, "node '%s' (Conv): shape not inferred or "
                                "out of range", n->name);
    if (w->shape[0] % groups)
        return fm_error_set(err, FM_ERR_SHAPE, "node '%s' (Conv): %lld output channels not "
                            "divisible by group %d", n->name, (long long)w->shape[0], groups);
    l->M = (int)w->shape[0];
    l->C = (int)w->shape[1];
    l->R = (int)w->shape[2];
    l->S = (int)w->shape[3];
    l->H = (int)x->shape[2];
    l->W = (int)x->shape[3];
    l->E = (int)y->shape[2];
    l->F = (int)y->shape[3];
    l->stride = n->a.conv.sh > 0 ? n->a.conv.sh : 1;
    l->groups = groups;
    return FM_OK;
}

/* Gemm / MatMul as a 1x1 convolution over `rows` output positions. */
static fm_status gemm_layer(const fm_graph *g, const fm_node *n, fm_hw_layer *l, fm_error *err)
{
    const fm_tensor *y = &g->tensors[n->out[0]];
    const fm_tensor *b = &g->tensors[n->in[1]];
    int64_t K, N;
    if (n->op == FM_OP_GEMM) {
        if (b->ndim != 2)
            return fm_error_set(err, FM_ERR_SHAPE, "node '%s' (Gemm): weights must be 2-D",
                                n->name);
        int tb = n->a.gemm.trans_b;
        N = tb ? b->shape[0] : b->shape[1];
        K = tb ? b->shape[1] : b->shape[0];
    } else {
        if (b->ndim < 2)
            return fm_error_set(err, FM_ERR_SHAPE, "node '%s' (MatMul): second operand must be "
                                "at least 2-D", n->name);
        K = b->shape[b->ndim - 2];
        N = b->shape[b->ndim - 1];
    }
    int64_t numel = y->ndim > 0 ? fm_tensor_numel(y) : 0;
    if (!fits_int(K) || !fits_int(N) || numel <= 0 || numel % N)
        return fm_error_set(err, FM_ERR_SHAPE, "node '%s' (%s): shape not inferred or "
                            "inconsistent", n->name, fm_op_name(n->op));
    int64_t rows = numel / N;
    if (!fits_int(rows))
        return fm_error_set(err, FM_ERR_SHAPE, "node '%s': too many rows", n->name);
    l->M = (int)N;
    l->C = (int)K;
    l->R = l->S = 1;
    l->H = l->E = (int)rows;
    l->W = l->F = 1;
    l->stride = 1;
    l->groups = 1;
    return FM_OK;
}

fm_status fm_hw_net_from_graph(const fm_graph *g, fm_hw_net *out, fm_error *err)
{
    memset(out, 0, sizeof *out);
    const char *src = g->path ? strrchr(g->path, '/') : NULL;
    snprintf(out->name, sizeof out->name, "%s", src ? src + 1 : g->path ? g->path : "model");
    int count = 0;
    for (int i = 0; i < g->n_nodes; i++)
        count += fm_op_is_mac(g->nodes[i].op);
    if (count == 0)
        return fm_error_set(err, FM_ERR_INVALID, "%s: graph has no Conv, Gemm or MatMul node",
                            out->name);
    out->layers = calloc((size_t)count, sizeof *out->layers);
    if (!out->layers)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    for (int i = 0; i < g->n_nodes; i++) {
        const fm_node *n = &g->nodes[i];
        if (!fm_op_is_mac(n->op))
            continue;
        fm_hw_layer *l = &out->layers[out->n];
        if (n->n_in < 2 || n->n_out < 1 || n->in[0] < 0 || n->in[1] < 0 || n->out[0] < 0 ||
            n->in[0] >= g->n_tensors || n->in[1] >= g->n_tensors || n->out[0] >= g->n_tensors) {
            fm_hw_net_free(out);
            return fm_error_set(err, FM_ERR_FORMAT, "node '%s' (%s): missing operands", n->name,
                                fm_op_name(n->op));
        }
        fm_status st = n->op == FM_OP_CONV ? conv_layer(g, n, l, err) : gemm_layer(g, n, l, err);
        if (st) {
            fm_hw_net_free(out);
            return st;
        }
        snprintf(l->name, sizeof l->name, "%s", n->name);
        l->mac_index = out->n++;
    }
    return FM_OK;
}
