/* Graph construction and queries. Ownership: the graph owns every tensor's
 * name, data and qparams, and every node's name. */
#include "flexmac/graph.h"

#include <stdlib.h>
#include <string.h>

static char *dup_str(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s ? s : "", n);
    return d;
}

fm_graph *fm_graph_new(void)
{
    fm_graph *g = calloc(1, sizeof *g);
    if (g) {
        g->input = -1;
        g->output = -1;
    }
    return g;
}

void fm_graph_free(fm_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_tensors; i++) {
        free(g->tensors[i].name);
        free(g->tensors[i].data);
        free(g->tensors[i].q.scale);
        free(g->tensors[i].q.zero_point);
    }
    for (int i = 0; i < g->n_nodes; i++)
        free(g->nodes[i].name);
    free(g->tensors);
    free(g->nodes);
    free(g->path);
    free(g);
}

int fm_graph_add_tensor(fm_graph *g, const char *name, fm_dtype dtype, int ndim,
                        const int64_t *shape, void *data)
{
    if (ndim < 0 || ndim > FM_MAX_DIMS) {
        free(data);
        return -1;
    }
    if (g->n_tensors == g->cap_tensors) {
        int cap = g->cap_tensors ? 2 * g->cap_tensors : 64;
        fm_tensor *t = realloc(g->tensors, (size_t)cap * sizeof *t);
        if (!t) {
            free(data);
            return -1;
        }
        g->tensors = t;
        g->cap_tensors = cap;
    }
    fm_tensor *t = &g->tensors[g->n_tensors];
    memset(t, 0, sizeof *t);
    t->name = dup_str(name);
    if (!t->name) {
        free(data);
        return -1;
    }
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
    t->data = data;
    return g->n_tensors++;
}

fm_node *fm_graph_add_node(fm_graph *g, fm_op op, const char *name)
{
    if (g->n_nodes == g->cap_nodes) {
        int cap = g->cap_nodes ? 2 * g->cap_nodes : 64;
        fm_node *n = realloc(g->nodes, (size_t)cap * sizeof *n);
        if (!n)
            return NULL;
        g->nodes = n;
        g->cap_nodes = cap;
    }
    fm_node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof *n);
    n->name = dup_str(name);
    if (!n->name)
        return NULL;
    n->op = op;
    for (int i = 0; i < FM_MAX_IO; i++)
        n->in[i] = n->out[i] = -1;
    g->n_nodes++;
    return n;
}

int fm_graph_find_tensor(const fm_graph *g, const char *name)
{
    for (int i = 0; i < g->n_tensors; i++)
        if (strcmp(g->tensors[i].name, name) == 0)
            return i;
    return -1;
}

int fm_graph_producer(const fm_graph *g, int t)
{
    for (int i = 0; i < g->n_nodes; i++)
        for (int j = 0; j < g->nodes[i].n_out; j++)
            if (g->nodes[i].out[j] == t)
                return i;
    return -1;
}

int fm_graph_consumers(const fm_graph *g, int t)
{
    int c = 0;
    for (int i = 0; i < g->n_nodes; i++)
        for (int j = 0; j < g->nodes[i].n_in; j++)
            if (g->nodes[i].in[j] == t)
                c++;
    return c;
}

const char *fm_op_name(fm_op op)
{
    static const char *names[FM_OP_COUNT] = {
        "Conv", "Gemm", "MatMul", "Add", "Mul", "Relu", "Clip", "BatchNormalization",
        "MaxPool", "AveragePool", "GlobalAveragePool", "Mean", "Flatten", "Reshape",
        "Pad", "Slice", "Concat", "Transpose", "Softmax", "LRN", "Identity",
        "Quantize", "Dequantize"};
    return (unsigned)op < FM_OP_COUNT ? names[op] : "?";
}

int fm_op_is_mac(fm_op op) { return op == FM_OP_CONV || op == FM_OP_GEMM || op == FM_OP_MATMUL; }

int64_t fm_node_macs(const fm_graph *g, const fm_node *n)
{
    const fm_tensor *y = &g->tensors[n->out[0]];
    if (n->op == FM_OP_CONV) {
        const fm_tensor *w = &g->tensors[n->in[1]];
        /* each output element sums I/group * kh * kw products */
        return fm_tensor_numel(y) * w->shape[1] * w->shape[2] * w->shape[3];
    }
    if (n->op == FM_OP_GEMM || n->op == FM_OP_MATMUL) {
        const fm_tensor *a = &g->tensors[n->in[0]];
        int64_t k = a->shape[a->ndim - 1];
        if (n->op == FM_OP_GEMM && n->a.gemm.trans_a)
            k = a->shape[0];
        return fm_tensor_numel(y) * k;
    }
    return 0;
}

int64_t fm_node_params(const fm_graph *g, const fm_node *n)
{
    int64_t p = 0;
    for (int i = 1; i < n->n_in; i++)
        if (n->in[i] >= 0 && g->tensors[n->in[i]].data)
            p += fm_tensor_numel(&g->tensors[n->in[i]]);
    return p;
}
