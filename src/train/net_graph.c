/* Conversion of a trained network into the float graph IR (for export as
 * ONNX and for the executors). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/net_internal.h"

static int add_const(fm_graph *g, const char *name, int ndim, const int64_t *shape,
                     const float *src, int64_t n)
{
    float *d = malloc((size_t)n * sizeof *d);
    if (!d)
        return -1;
    memcpy(d, src, (size_t)n * sizeof *d);
    return fm_graph_add_tensor(g, name, FM_F32, ndim, shape, d);
}

static int add_activation(fm_graph *g, const char *name, const fm_tlayer *l)
{
    int64_t shape[4] = {1, l->out_c, l->out_h, l->out_w};
    int flat = l->spec.kind == FM_LAYER_FC || l->spec.kind == FM_LAYER_FLATTEN ||
               (l->out_h == 1 && l->out_w == 1 && l->in_h == 1 && l->in_w == 1);
    return fm_graph_add_tensor(g, name, FM_F32, flat ? 2 : 4, shape, NULL);
}

fm_status fm_net_to_graph(fm_net *net, fm_graph **out, fm_error *err)
{
    *out = NULL;
    /* export what the forward pass computes: transformed weights if any */
    fm_status st = fm_net_apply_transform(net, err);
    if (st != FM_OK)
        return st;
    fm_graph *g = fm_graph_new();
    if (!g)
        return fm_error_set(err, FM_ERR_NOMEM, "graph: out of memory");
    int64_t in_shape[4] = {1, net->in_c, net->in_h, net->in_w};
    int prev = fm_graph_add_tensor(g, "input", FM_F32, 4, in_shape, NULL);
    g->input = prev;
    int ok = prev >= 0;
    for (int i = 0; ok && i < net->n_layers; i++) {
        fm_tlayer *l = &net->layers[i];
        char name[64], tname[80], pname[80];
        static const char *prefix[] = {"conv", "relu", "maxpool", "flatten", "fc"};
        snprintf(name, sizeof name, "%s%d", prefix[l->spec.kind], i);
        if (i == net->n_layers - 1)
            snprintf(tname, sizeof tname, "logits");
        else
            snprintf(tname, sizeof tname, "%s_out", name);
        int w = -1, b = -1;
        if (l->spec.kind == FM_LAYER_CONV) {
            int64_t ws[4] = {l->out_c, l->in_c, l->k, l->k};
            snprintf(pname, sizeof pname, "%s.weight", name);
            w = add_const(g, pname, 4, ws, fm_tlayer_fwd_weights(l), l->nw);
        } else if (l->spec.kind == FM_LAYER_FC) {
            int64_t ws[2] = {l->out_c, l->kdim};
            snprintf(pname, sizeof pname, "%s.weight", name);
            w = add_const(g, pname, 2, ws, fm_tlayer_fwd_weights(l), l->nw);
        }
        if (l->nb) {
            int64_t bs[1] = {l->nb};
            snprintf(pname, sizeof pname, "%s.bias", name);
            b = add_const(g, pname, 1, bs, l->b, l->nb);
            ok = ok && w >= 0 && b >= 0;
        }
        int y = add_activation(g, tname, l);
        static const fm_op ops[] = {FM_OP_CONV, FM_OP_RELU, FM_OP_MAXPOOL, FM_OP_FLATTEN,
                                    FM_OP_GEMM};
        fm_node *nd = ok && y >= 0 ? fm_graph_add_node(g, ops[l->spec.kind], name) : NULL;
        if (!nd) {
            ok = 0;
            break;
        }
        nd->n_in = 1;
        nd->in[0] = prev;
        nd->n_out = 1;
        nd->out[0] = y;
        if (w >= 0) {
            nd->n_in = 3;
            nd->in[1] = w;
            nd->in[2] = b;
        }
        switch (l->spec.kind) {
        case FM_LAYER_CONV:
            nd->a.conv = (fm_conv_attr){l->k, l->k, l->stride, l->stride, 1, 1,
                                        l->pad, l->pad, l->pad, l->pad, 1};
            break;
        case FM_LAYER_MAXPOOL:
            nd->a.pool = (fm_pool_attr){l->k, l->k, l->stride, l->stride, 0, 0, 0, 0, 0, 0};
            break;
        case FM_LAYER_FLATTEN:
            nd->a.axis.axis = 1;
            break;
        case FM_LAYER_FC:
            nd->a.gemm.trans_a = 0;
            nd->a.gemm.trans_b = 1;
            nd->a.gemm.alpha = 1.0f;
            nd->a.gemm.beta = 1.0f;
            break;
        default:
            break;
        }
        prev = y;
    }
    if (!ok) {
        fm_graph_free(g);
        return fm_error_set(err, FM_ERR_NOMEM, "graph: out of memory");
    }
    g->output = prev;
    *out = g;
    return FM_OK;
}
