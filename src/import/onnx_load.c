/* ONNX importer: file reading, protobuf unpacking, the value table and the
 * driver that walks the nodes in topological order, folding constant
 * subgraphs and mapping the rest onto fm_op nodes.
 *
 * Pipeline: unpack -> initializers and the graph input into the value table
 * -> sort the ONNX nodes -> per node: fold or map (shape inferred at once)
 * -> Identity elimination, BatchNorm folding, dead-code removal, topo sort
 * -> a final full shape inference as a consistency check. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/import.h"
#include "graph/passes.h"
#include "import/onnx_internal.h"
#include "util/file.h"

/* ---------------------------------------------------------------- values */

ox_value *ox_find(ox_ctx *c, const char *name)
{
    /* Newest first: ONNX requires unique names (SSA), and a later value
     * wins if a malformed file repeats one. */
    for (int i = c->n_vals - 1; i >= 0; i--)
        if (strcmp(c->vals[i]->name, name) == 0)
            return c->vals[i];
    return NULL;
}

ox_value *ox_add_value(ox_ctx *c, const char *name)
{
    if (c->n_vals == c->cap_vals) {
        int cap = c->cap_vals ? 2 * c->cap_vals : 256;
        ox_value **vs = realloc(c->vals, (size_t)cap * sizeof *vs);
        if (!vs)
            return NULL;
        c->vals = vs;
        c->cap_vals = cap;
    }
    ox_value *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    c->vals[c->n_vals++] = v;
    v->name = name;
    v->tensor = -1;
    return v;
}

ox_value *ox_input(ox_ctx *c, const ox_node *n, int i)
{
    if (i < 0 || (size_t)i >= n->p->n_input || !n->p->input[i] || !n->p->input[i][0])
        return NULL;
    /* the node sort guarantees every named input exists by now */
    return ox_find(c, n->p->input[i]);
}

fm_status ox_tensor_of(ox_ctx *c, const ox_node *n, ox_value *v, int *t)
{
    if (v->tensor >= 0) {
        *t = v->tensor;
        return FM_OK;
    }
    if (!v->is_const)
        return ox_node_error(c, n, FM_ERR_INTERNAL, "value '%s' has no tensor", v->name);
    if (v->dtype != FM_F32)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED,
                             "constant '%s' is an integer tensor where float32 is needed", v->name);
    int64_t numel = fm_shape_numel(v->ndim, v->shape);
    float *copy = malloc((size_t)(numel ? numel : 1) * sizeof *copy);
    if (!copy)
        return fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
    memcpy(copy, v->data, (size_t)numel * sizeof *copy);
    v->tensor = fm_graph_add_tensor(c->g, v->name, FM_F32, v->ndim, v->shape, copy);
    if (v->tensor < 0)
        return fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
    *t = v->tensor;
    return FM_OK;
}

fm_status ox_add_const(ox_ctx *c, const char *base, const char *suffix, int ndim,
                       const int64_t *shape, float *data, int *t)
{
    size_t len = strlen(base) + strlen(suffix) + 1;
    char *name = malloc(len);
    if (!name) {
        free(data);
        return fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
    }
    snprintf(name, len, "%s%s", base, suffix);
    *t = fm_graph_add_tensor(c->g, name, FM_F32, ndim, shape, data);
    free(name);
    if (*t < 0)
        return fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
    return FM_OK;
}

fm_status ox_activation(ox_ctx *c, const ox_node *n, int i, int *t)
{
    ox_value *v = ox_input(c, n, i);
    if (!v)
        return ox_node_error(c, n, FM_ERR_FORMAT, "input %d is missing", i);
    if (v->is_const || v->tensor < 0)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED,
                             "input %d ('%s') is a constant where a computed tensor is expected", i,
                             v->name);
    *t = v->tensor;
    return FM_OK;
}

fm_status ox_const_ints(ox_ctx *c, const ox_node *n, int i, const char *what, int64_t *out,
                        int max, int *count)
{
    ox_value *v = ox_input(c, n, i);
    if (!v)
        return ox_node_error(c, n, FM_ERR_FORMAT, "missing input '%s'", what);
    if (!v->is_const)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "input '%s' ('%s') must be a constant", what,
                             v->name);
    if (v->dtype != FM_I64)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "input '%s' must be an integer tensor", what);
    int64_t numel = fm_shape_numel(v->ndim, v->shape);
    if (v->ndim > 1 || numel > max)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "input '%s' has %lld values (at most %d)",
                             what, (long long)numel, max);
    memcpy(out, v->data, (size_t)numel * sizeof *out);
    *count = (int)numel;
    return FM_OK;
}

/* ------------------------------------------------------------ node output */

fm_node *ox_new_node(ox_ctx *c, const ox_node *n, fm_op op)
{
    fm_node *fn = fm_graph_add_node(c->g, op, n->name);
    if (!fn)
        fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
    return fn;
}

fm_status ox_finish_node(ox_ctx *c, const ox_node *n, int n_outputs, int ndim,
                         const int64_t *shape)
{
    fm_graph *g = c->g;
    int idx = g->n_nodes - 1;
    if ((size_t)n_outputs > n->p->n_output || n_outputs > FM_MAX_IO)
        return ox_node_error(c, n, FM_ERR_FORMAT, "needs %d outputs", n_outputs);
    for (int j = 0; j < n_outputs; j++) {
        const char *name = n->p->output[j];
        if (!name || !name[0])
            return ox_node_error(c, n, FM_ERR_FORMAT, "output %d has no name", j);
        ox_value *v = ox_add_value(c, name);
        int t = v ? fm_graph_add_tensor(g, name, FM_F32, ndim > 0 ? ndim : 0, shape, NULL) : -1;
        if (t < 0)
            return fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
        v->tensor = t;
        g->nodes[idx].out[j] = t;
    }
    g->nodes[idx].n_out = n_outputs;
    /* extra outputs (BatchNormalization's running stats, Dropout's mask)
     * stay unregistered: the driver rejects a node that reads one. */
    fm_status st = fm_node_infer_shape(g, idx, c->err);
    if (st != FM_OK)
        return fm_error_prefix(c->err, "%s", c->path);
    return FM_OK;
}

/* ------------------------------------------------------------ node order */

/* Sorts the ONNX nodes topologically (files are usually sorted but the
 * format does not require it) and rejects inputs nothing defines. order
 * receives node indices. */
static fm_status sort_nodes(ox_ctx *c, const Onnx__GraphProto *gp, ox_node *nodes, int *order)
{
    size_t nn = gp->n_node;
    unsigned char *done = calloc(nn + 1, 1);
    /* names defined so far: initializers/inputs (in the value table) plus
     * outputs of placed nodes, which are looked up by scanning placed nodes */
    if (!done)
        return fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
    size_t placed = 0;
    fm_status st = FM_OK;
    while (placed < nn && st == FM_OK) {
        int progress = 0;
        for (size_t i = 0; i < nn && st == FM_OK; i++) {
            if (done[i])
                continue;
            const Onnx__NodeProto *p = nodes[i].p;
            int ready = 1;
            for (size_t j = 0; ready && j < p->n_input; j++) {
                const char *in = p->input[j];
                if (!in || !in[0] || ox_find(c, in))
                    continue;
                int found = 0, produced_later = 0;
                for (size_t k = 0; k < nn && !found; k++)
                    for (size_t o = 0; o < nodes[k].p->n_output; o++)
                        if (nodes[k].p->output[o] && strcmp(nodes[k].p->output[o], in) == 0) {
                            found = 1;
                            produced_later = !done[k];
                            break;
                        }
                int graph_input = 0;
                for (size_t k = 0; k < gp->n_input && !found; k++)
                    graph_input |= gp->input[k] && gp->input[k]->name &&
                                   strcmp(gp->input[k]->name, in) == 0;
                if (graph_input)
                    st = ox_node_error(c, &nodes[i], FM_ERR_UNSUPPORTED,
                                       "reads '%s', a second graph input (one input is supported)", in);
                else if (!found)
                    st = ox_node_error(c, &nodes[i], FM_ERR_FORMAT,
                                       "input '%s' is not an initializer, graph input or node output",
                                       in);
                else if (produced_later)
                    ready = 0;
            }
            if (st == FM_OK && ready) {
                done[i] = 1;
                order[placed++] = (int)i;
                progress = 1;
            }
        }
        if (st == FM_OK && !progress)
            st = fm_error_set(c->err, FM_ERR_FORMAT, "%s: the graph has a cycle", c->path);
    }
    free(done);
    return st;
}

/* ------------------------------------------------------- graph in and out */

static fm_status add_graph_input(ox_ctx *c, const Onnx__GraphProto *gp)
{
    const Onnx__ValueInfoProto *in = NULL;
    for (size_t i = 0; i < gp->n_input && !in; i++) {
        const char *name = gp->input[i] ? gp->input[i]->name : NULL;
        if (name && name[0] && !ox_find(c, name))
            in = gp->input[i];
    }
    if (!in)
        return fm_error_set(c->err, FM_ERR_FORMAT, "%s: the graph has no input that is not an initializer",
                            c->path);
    const Onnx__TypeProto *tp = in->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type ||
        !tp->tensor_type->shape)
        return fm_error_set(c->err, FM_ERR_UNSUPPORTED, "%s: graph input '%s' is not a tensor of known rank",
                            c->path, in->name);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    if (tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
        return fm_error_set(c->err, FM_ERR_UNSUPPORTED, "%s: graph input '%s' has data type %d, not float",
                            c->path, in->name, (int)tt->elem_type);
    size_t nd = tt->shape->n_dim;
    if (nd < 1 || nd > FM_MAX_DIMS)
        return fm_error_set(c->err, FM_ERR_UNSUPPORTED, "%s: graph input '%s' has rank %zu", c->path,
                            in->name, nd);
    int64_t shape[FM_MAX_DIMS];
    for (size_t i = 0; i < nd; i++) {
        const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
        int known = d && d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        if (i == 0) {
            shape[0] = 1; /* the batch: executors run any batch size */
        } else if (!known || d->dim_value < 1 || d->dim_value > (1 << 20)) {
            return fm_error_set(c->err, FM_ERR_UNSUPPORTED,
                                "%s: graph input '%s': dim %zu is not a fixed positive size", c->path,
                                in->name, i);
        } else {
            shape[i] = d->dim_value;
        }
    }
    int64_t total = 1;
    for (size_t i = 0; i < nd && total <= ((int64_t)1 << 31); i++)
        total *= shape[i]; /* each dim <= 2^20: stops before overflowing */
    if (total > ((int64_t)1 << 31))
        return fm_error_set(c->err, FM_ERR_UNSUPPORTED, "%s: graph input '%s' is too large", c->path,
                            in->name);
    ox_value *v = ox_add_value(c, in->name);
    int t = v ? fm_graph_add_tensor(c->g, in->name, FM_F32, (int)nd, shape, NULL) : -1;
    if (t < 0)
        return fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
    v->tensor = t;
    c->g->input = t;
    return FM_OK;
}

static fm_status set_graph_output(ox_ctx *c, const Onnx__GraphProto *gp)
{
    if (gp->n_output < 1 || !gp->output[0] || !gp->output[0]->name)
        return fm_error_set(c->err, FM_ERR_FORMAT, "%s: the graph has no output", c->path);
    const char *name = gp->output[0]->name;
    ox_value *v = ox_find(c, name);
    if (!v)
        return fm_error_set(c->err, FM_ERR_FORMAT, "%s: graph output '%s' is produced by no node",
                            c->path, name);
    if (v->is_const || v->tensor < 0)
        return fm_error_set(c->err, FM_ERR_UNSUPPORTED,
                            "%s: graph output '%s' is a constant, not computed from the input", c->path,
                            name);
    c->g->output = v->tensor;
    return FM_OK;
}

/* --------------------------------------------------------------- driver */

static int64_t default_opset(const Onnx__ModelProto *m)
{
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = m->opset_import[i];
        if (o && (!o->domain || !o->domain[0] || strcmp(o->domain, "ai.onnx") == 0))
            return o->version;
    }
    return 1; /* IR v1 files have no opset_import: opset 1 */
}

static fm_status import_graph(ox_ctx *c, const Onnx__ModelProto *m)
{
    const Onnx__GraphProto *gp = m->graph;
    if (!gp)
        return fm_error_set(c->err, FM_ERR_FORMAT, "%s: the model has no graph", c->path);
    c->opset = default_opset(m);
    fm_status st;
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *t = gp->initializer[i];
        if (!t || !t->name || !t->name[0])
            return fm_error_set(c->err, FM_ERR_FORMAT, "%s: initializer %zu has no name", c->path, i);
        ox_value *v = ox_add_value(c, t->name);
        if (!v)
            return fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
        if ((st = ox_tensor_decode(c, NULL, t, t->name, v)) != FM_OK)
            return st;
    }
    if (gp->n_sparse_initializer)
        return fm_error_set(c->err, FM_ERR_UNSUPPORTED, "%s: sparse initializers are not supported",
                            c->path);
    if ((st = add_graph_input(c, gp)) != FM_OK)
        return st;

    size_t nn = gp->n_node;
    ox_node *nodes = calloc(nn + 1, sizeof *nodes);
    int *order = calloc(nn + 1, sizeof *order);
    char **names = calloc(nn + 1, sizeof *names); /* synthesized names */
    if (!nodes || !order || !names) {
        free(nodes);
        free(order);
        free(names);
        return fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
    }
    st = FM_OK;
    for (size_t i = 0; i < nn && st == FM_OK; i++) {
        const Onnx__NodeProto *p = gp->node[i];
        nodes[i].p = p;
        nodes[i].op = p->op_type ? p->op_type : "";
        if (p->name && p->name[0]) {
            nodes[i].name = p->name;
        } else {
            size_t len = strlen(nodes[i].op) + 24;
            names[i] = malloc(len);
            if (!names[i]) {
                st = fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
                break;
            }
            snprintf(names[i], len, "%s_%zu", nodes[i].op, i);
            nodes[i].name = names[i];
        }
        if (p->n_input > FM_MAX_IO * 4 || p->n_output > FM_MAX_IO)
            st = ox_node_error(c, &nodes[i], FM_ERR_UNSUPPORTED, "has %zu inputs and %zu outputs",
                               p->n_input, p->n_output);
    }
    if (st == FM_OK)
        st = sort_nodes(c, gp, nodes, order);
    for (size_t k = 0; k < nn && st == FM_OK; k++) {
        const ox_node *n = &nodes[order[k]];
        if (n->p->domain && n->p->domain[0] && strcmp(n->p->domain, "ai.onnx") != 0) {
            st = ox_node_error(c, n, FM_ERR_UNSUPPORTED, "unsupported operator (domain '%s')",
                               n->p->domain);
            break;
        }
        for (size_t j = 0; j < n->p->n_input && st == FM_OK; j++)
            if (n->p->input[j] && n->p->input[j][0] && !ox_find(c, n->p->input[j]))
                st = ox_node_error(c, n, FM_ERR_UNSUPPORTED,
                                   "input '%s' is an extra output that flexmac does not compute",
                                   n->p->input[j]);
        if (st != FM_OK)
            break;
        int folded = 0;
        st = ox_try_fold(c, n, &folded);
        if (st == FM_OK && !folded)
            st = ox_map_node(c, n);
    }
    if (st == FM_OK)
        st = set_graph_output(c, gp);
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    free(nodes);
    free(order);
    return st;
}

/* Graph-level clean-up; errors gain the file name. */
static fm_status tidy_graph(ox_ctx *c)
{
    fm_graph *g = c->g;
    fm_status st = fm_graph_eliminate_identity(g, c->err);
    if (st == FM_OK)
        st = fm_graph_fold_batchnorm(g, c->err);
    if (st == FM_OK)
        st = fm_graph_topo_sort(g, c->err);
    if (st == FM_OK)
        st = fm_graph_drop_unused(g, c->err);
    if (st == FM_OK)
        st = fm_graph_infer_shapes(g, c->err);
    if (st != FM_OK)
        fm_error_prefix(c->err, "%s", c->path);
    return st;
}

fm_status fm_onnx_load_buffer(const void *buf, size_t len, const char *name, fm_graph **out,
                              fm_error *err)
{
    *out = NULL;
    fm_error local;
    if (!err) /* internals read err->code back: give them somewhere to write */
        err = &local;
    if (!name)
        name = "<buffer>";
    if (!buf || len == 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: empty ONNX model", name);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
    if (!m)
        return fm_error_set(err, FM_ERR_FORMAT,
                            "%s: not a valid ONNX model (protobuf is truncated or corrupt)", name);
    ox_ctx c = {.path = name, .err = err};
    c.g = fm_graph_new();
    fm_status st = c.g ? FM_OK : fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", name);
    if (st == FM_OK) {
        c.g->source = FM_SRC_ONNX;
        c.g->path = strdup(name);
        if (!c.g->path)
            st = fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", name);
    }
    if (st == FM_OK)
        st = import_graph(&c, m);
    if (st == FM_OK)
        st = tidy_graph(&c);
    for (int i = 0; i < c.n_vals; i++) {
        free(c.vals[i]->data);
        free(c.vals[i]);
    }
    free(c.vals);
    onnx__model_proto__free_unpacked(m, NULL);
    if (st != FM_OK) {
        fm_graph_free(c.g);
        return st;
    }
    *out = c.g;
    return FM_OK;
}

fm_status fm_onnx_load(const char *path, fm_graph **out, fm_error *err)
{
    char *buf;
    size_t len;
    *out = NULL;
    fm_status st = fm_read_file(path, "model", 0, &buf, &len, err);
    if (st != FM_OK)
        return st;
    st = fm_onnx_load_buffer(buf, len, path, out, err);
    free(buf);
    return st;
}
