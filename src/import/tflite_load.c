/* TFLite model import: reads the file, walks subgraph 0 through the
 * bounds-checked schema accessors and builds the IR graph (semantic NCHW,
 * quantized weights kept in their type with their qparams). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/import.h"
#include "import/tflite_internal.h"
#include "util/file.h"

/* Every node input must exist before the node runs: a constant, the graph
 * input, or the output of an earlier node; and no tensor is written twice. */
static fm_status check_order(const fm_graph *g, const char *path, fm_error *err)
{
    char *ready = calloc((size_t)g->n_tensors + 1, 1);
    if (!ready)
        return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", path);
    fm_status st = FM_OK;
    for (int t = 0; t < g->n_tensors; t++)
        ready[t] = g->tensors[t].data != NULL || t == g->input;
    for (int i = 0; i < g->n_nodes && st == FM_OK; i++) {
        const fm_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_in; k++)
            if (n->in[k] >= 0 && !ready[n->in[k]]) {
                st = fm_error_set(err, FM_ERR_FORMAT, "%s: node '%s' (%s) reads tensor '%s' before it is written",
                                  path, n->name, fm_op_name(n->op), g->tensors[n->in[k]].name);
                break;
            }
        for (int k = 0; k < n->n_out && st == FM_OK; k++) {
            if (ready[n->out[k]])
                st = fm_error_set(err, FM_ERR_FORMAT, "%s: node '%s' (%s) writes tensor '%s' a second time",
                                  path, n->name, fm_op_name(n->op), g->tensors[n->out[k]].name);
            ready[n->out[k]] = 1;
        }
    }
    if (st == FM_OK && !ready[g->output])
        st = fm_error_set(err, FM_ERR_FORMAT, "%s: graph output '%s' is never written", path,
                          g->tensors[g->output].name);
    free(ready);
    return st;
}

static fm_status load(tfl_ctx *c, fm_error *err)
{
    fm_status st;
    if (c->b.len < 8 || memcmp(c->b.p + 4, "TFL3", 4) != 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: not a TFLite model (no TFL3 identifier)", c->path);
    if (tfl_read_model(&c->b, &c->m) != 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: corrupt Model table", c->path);
    if (c->m.version != 3)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: schema version %u (want 3)", c->path, c->m.version);
    if (c->m.subgraphs.n < 1)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: model has no subgraph", c->path);
    if (tfl_read_subgraph(&c->b, &c->m, 0, &c->sg) != 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: subgraph 0: corrupt table", c->path);
    c->n_tensors = c->sg.tensors.n;
    if (c->sg.inputs.n != 1 || c->sg.outputs.n != 1)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: %u inputs and %u outputs (want one each)", c->path,
                            c->sg.inputs.n, c->sg.outputs.n);
    c->ir = malloc(sizeof(int) * ((size_t)c->n_tensors + 1));
    c->role = calloc((size_t)c->n_tensors + 1, sizeof(tfl_role));
    if (!c->ir || !c->role)
        return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", c->path);
    for (uint32_t i = 0; i < c->n_tensors; i++)
        c->ir[i] = -1;
    if ((st = tfl_get_tensor(c, fb_vec_i32(&c->b, &c->sg.inputs, 0), TFL_ROLE_ACT, &c->g->input, err)) != FM_OK)
        return st;
    if (c->g->tensors[c->g->input].data)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: graph input is a constant", c->path);
    for (uint32_t i = 0; i < c->sg.operators.n; i++)
        if ((st = tfl_map_operator(c, i, err)) != FM_OK)
            return st;
    if ((st = tfl_get_tensor(c, fb_vec_i32(&c->b, &c->sg.outputs, 0), TFL_ROLE_ACT, &c->g->output, err)) != FM_OK)
        return st;
    return check_order(c->g, c->path, err);
}

fm_status fm_tflite_load_buffer(const void *buf, size_t len, const char *name, fm_graph **out, fm_error *err)
{
    *out = NULL;
    if (!name)
        name = "<buffer>";
    if (!buf && len > 0)
        return fm_error_set(err, FM_ERR_INVALID, "%s: NULL buffer", name);
    tfl_ctx c = {.path = name, .b = {.p = buf, .len = len}};
    c.g = fm_graph_new();
    if (!c.g)
        return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", name);
    c.g->source = FM_SRC_TFLITE;
    c.g->path = strdup(name);
    fm_status st = c.g->path ? load(&c, err) : fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", name);
    free(c.ir);
    free(c.role);
    if (st != FM_OK) {
        fm_graph_free(c.g);
        return st;
    }
    *out = c.g;
    return FM_OK;
}

fm_status fm_tflite_load(const char *path, fm_graph **out, fm_error *err)
{
    char *buf;
    size_t len;
    *out = NULL;
    fm_status st = fm_read_file(path, "model", 0, &buf, &len, err);
    if (st != FM_OK)
        return st;
    st = fm_tflite_load_buffer(buf, len, path, out, err);
    free(buf);
    return st;
}
