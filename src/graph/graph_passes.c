/* Structural graph passes: topological sort, Identity elimination and
 * removal of dead nodes and tensors. They only rewire indices; no tensor
 * data is touched. */
#include <stdlib.h>
#include <string.h>

#include "graph/passes.h"

/* Node producing each tensor, or -1 (graph input, constant, or unproduced). */
static int *producer_table(const fm_graph *g)
{
    int *prod = malloc(((size_t)g->n_tensors + 1) * sizeof *prod);
    if (!prod)
        return NULL;
    for (int t = 0; t < g->n_tensors; t++)
        prod[t] = -1;
    for (int i = 0; i < g->n_nodes; i++)
        for (int j = 0; j < g->nodes[i].n_out; j++)
            if (g->nodes[i].out[j] >= 0 && g->nodes[i].out[j] < g->n_tensors)
                prod[g->nodes[i].out[j]] = i;
    return prod;
}

fm_status fm_graph_topo_sort(fm_graph *g, fm_error *err)
{
    int nn = g->n_nodes;
    if (nn == 0)
        return FM_OK;
    int *prod = producer_table(g);
    int *order = malloc((size_t)nn * sizeof *order);
    unsigned char *done = calloc((size_t)nn, 1);
    fm_node *sorted = malloc((size_t)g->cap_nodes * sizeof *sorted);
    if (!prod || !order || !done || !sorted) {
        free(prod);
        free(order);
        free(done);
        free(sorted);
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    }
    fm_status st = FM_OK;
    /* Repeatedly take the first node whose producers are all placed: O(n^2)
     * worst case but stable, so an already sorted graph keeps its order and
     * graphs here have at most a few thousand nodes. */
    int placed = 0;
    while (placed < nn && st == FM_OK) {
        int progress = 0;
        for (int i = 0; i < nn; i++) {
            if (done[i])
                continue;
            const fm_node *n = &g->nodes[i];
            int ready = 1;
            for (int j = 0; ready && j < n->n_in; j++) {
                int t = n->in[j];
                if (t < 0)
                    continue;
                if (t >= g->n_tensors) {
                    st = fm_error_set(err, FM_ERR_FORMAT, "node '%s' (%s): input %d refers to no tensor",
                                      n->name, fm_op_name(n->op), j);
                    break;
                }
                if (prod[t] >= 0 && !done[prod[t]])
                    ready = 0;
                if (prod[t] < 0 && !g->tensors[t].data && t != g->input)
                    st = fm_error_set(err, FM_ERR_FORMAT,
                                      "node '%s' (%s): input '%s' is produced by no node",
                                      n->name, fm_op_name(n->op), g->tensors[t].name);
            }
            if (st != FM_OK)
                break;
            if (ready) {
                done[i] = 1;
                order[placed++] = i;
                progress = 1;
            }
        }
        if (st == FM_OK && !progress)
            st = fm_error_set(err, FM_ERR_FORMAT, "graph has a cycle");
    }
    if (st == FM_OK) {
        for (int i = 0; i < nn; i++)
            sorted[i] = g->nodes[order[i]];
        free(g->nodes);
        g->nodes = sorted;
        sorted = NULL;
    }
    free(prod);
    free(order);
    free(done);
    free(sorted);
    return st;
}

static void replace_input(fm_graph *g, int from, int to)
{
    for (int i = 0; i < g->n_nodes; i++)
        for (int j = 0; j < g->nodes[i].n_in; j++)
            if (g->nodes[i].in[j] == from)
                g->nodes[i].in[j] = to;
}

static void remove_node(fm_graph *g, int i)
{
    free(g->nodes[i].name);
    memmove(&g->nodes[i], &g->nodes[i + 1], (size_t)(g->n_nodes - i - 1) * sizeof g->nodes[0]);
    g->n_nodes--;
}

fm_status fm_graph_eliminate_identity(fm_graph *g, fm_error *err)
{
    for (int i = 0; i < g->n_nodes;) {
        fm_node *n = &g->nodes[i];
        if (n->op != FM_OP_IDENTITY) {
            i++;
            continue;
        }
        if (n->n_in < 1 || n->n_out < 1 || n->in[0] < 0 || n->out[0] < 0)
            return fm_error_set(err, FM_ERR_FORMAT, "node '%s' (Identity): missing input or output",
                                n->name);
        int x = n->in[0], y = n->out[0];
        if (y == g->output) {
            /* Keep the graph output's name: the node producing x writes y
             * directly when nothing else reads x; otherwise x becomes the
             * output. */
            int p = fm_graph_producer(g, x);
            if (p >= 0 && x != g->input && fm_graph_consumers(g, x) == 1) {
                for (int j = 0; j < g->nodes[p].n_out; j++)
                    if (g->nodes[p].out[j] == x)
                        g->nodes[p].out[j] = y;
            } else {
                g->output = x;
            }
        } else {
            replace_input(g, y, x);
        }
        remove_node(g, i);
    }
    return FM_OK;
}

fm_status fm_graph_drop_unused(fm_graph *g, fm_error *err)
{
    int nt = g->n_tensors;
    unsigned char *live_t = calloc((size_t)nt + 1, 1);
    unsigned char *live_n = calloc((size_t)g->n_nodes + 1, 1);
    int *remap = malloc(((size_t)nt + 1) * sizeof *remap);
    if (!live_t || !live_n || !remap) {
        free(live_t);
        free(live_n);
        free(remap);
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    }
    /* Mark backwards from the output; nodes are sorted so one reverse sweep
     * sees every consumer before its producer. */
    if (g->output >= 0 && g->output < nt)
        live_t[g->output] = 1;
    if (g->input >= 0 && g->input < nt)
        live_t[g->input] = 1;
    for (int i = g->n_nodes - 1; i >= 0; i--) {
        const fm_node *n = &g->nodes[i];
        int used = 0;
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j] >= 0 && n->out[j] < nt && live_t[n->out[j]])
                used = 1;
        if (!used)
            continue;
        live_n[i] = 1;
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j] >= 0 && n->out[j] < nt)
                live_t[n->out[j]] = 1; /* unused extra outputs keep a buffer */
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] >= 0 && n->in[j] < nt)
                live_t[n->in[j]] = 1;
    }
    int k = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        if (live_n[i])
            g->nodes[k++] = g->nodes[i];
        else
            free(g->nodes[i].name);
    }
    g->n_nodes = k;
    k = 0;
    for (int t = 0; t < nt; t++) {
        if (live_t[t]) {
            remap[t] = k;
            g->tensors[k++] = g->tensors[t];
        } else {
            remap[t] = -1;
            free(g->tensors[t].name);
            free(g->tensors[t].data);
            free(g->tensors[t].q.scale);
            free(g->tensors[t].q.zero_point);
        }
    }
    g->n_tensors = k;
    for (int i = 0; i < g->n_nodes; i++) {
        fm_node *n = &g->nodes[i];
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] >= 0 && n->in[j] < nt)
                n->in[j] = remap[n->in[j]];
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j] >= 0 && n->out[j] < nt)
                n->out[j] = remap[n->out[j]];
    }
    if (g->input >= 0 && g->input < nt)
        g->input = remap[g->input];
    if (g->output >= 0 && g->output < nt)
        g->output = remap[g->output];
    free(live_t);
    free(live_n);
    free(remap);
    return FM_OK;
}
