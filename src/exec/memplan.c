/* Activation buffer planning: tensors whose lifetimes do not overlap share
 * a buffer ("slot"), so a worker holds a few live activations instead of
 * every tensor of the graph (MobileNetV2 at 224x224 would otherwise need
 * about 80 MB per sample). Greedy over the topological node order: a
 * node's outputs take free slots, then the tensors it read for the last
 * time give theirs back. */
#include <stdlib.h>

#include "exec/exec_internal.h"

static int root(const fm_exec *e, int t)
{
    while (e->xt[t].alias >= 0)
        t = e->xt[t].alias;
    return t;
}

fm_status fm_exec_memplan(fm_exec *e, fm_error *err)
{
    const fm_graph *g = e->g;
    int nt = g->n_tensors;
    int *last = malloc((size_t)nt * sizeof *last);
    int *slot_free = calloc((size_t)nt + 1, sizeof *slot_free);
    e->slot_of = malloc((size_t)nt * sizeof *e->slot_of);
    e->slot_elems = calloc((size_t)nt + 1, sizeof *e->slot_elems);
    if (!last || !slot_free || !e->slot_of || !e->slot_elems) {
        free(last);
        free(slot_free);
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    }
    for (int t = 0; t < nt; t++) {
        last[t] = -2;
        e->slot_of[t] = -1;
    }
    /* last node reading each root (aliases extend their root's life) */
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++)
            if (g->nodes[i].in[k] >= 0) {
                int r = root(e, g->nodes[i].in[k]);
                last[r] = i > last[r] ? i : last[r];
            }
    for (int t = 0; t < nt; t++)
        if (e->xt[t].alias >= 0 && last[t] > last[root(e, t)])
            last[root(e, t)] = last[t];
    last[root(e, g->output)] = g->n_nodes; /* read after the last node */
    int n_slots = 0;
    /* the graph input is live from the start */
    int order_first = root(e, g->input);
    for (int i = -1; i < g->n_nodes; i++) {
        int outs[FM_MAX_IO + 1], n_out = 0;
        if (i < 0)
            outs[n_out++] = order_first;
        else
            for (int k = 0; k < g->nodes[i].n_out; k++) {
                int t = g->nodes[i].out[k];
                if (t >= 0 && e->xt[t].alias < 0 && !e->xt[t].is_const)
                    outs[n_out++] = t;
            }
        for (int k = 0; k < n_out; k++) {
            int t = outs[k];
            int64_t need = e->xt[t].per_sample ? e->xt[t].per_sample : 1;
            int best = -1;
            /* the smallest free slot that fits, else the largest free one */
            for (int s = 0; s < n_slots; s++) {
                if (!slot_free[s])
                    continue;
                if (best < 0)
                    best = s;
                else if (e->slot_elems[s] >= need)
                    best = e->slot_elems[best] < need || e->slot_elems[s] < e->slot_elems[best] ? s : best;
                else if (e->slot_elems[best] < need && e->slot_elems[s] > e->slot_elems[best])
                    best = s;
            }
            if (best < 0)
                best = n_slots++;
            slot_free[best] = 0;
            e->slot_elems[best] = e->slot_elems[best] > need ? e->slot_elems[best] : need;
            e->slot_of[t] = best;
            if (last[t] == -2) /* never read: free once written */
                last[t] = i;
        }
        for (int t = 0; t < nt; t++)
            if (e->slot_of[t] >= 0 && e->xt[t].alias < 0 && last[t] == i)
                slot_free[e->slot_of[t]] = 1;
    }
    e->n_slots = n_slots;
    free(last);
    free(slot_free);
    return FM_OK;
}
