/* Driver of the TFLite reference executor: converts constants and the
 * input to int32/float value arrays, runs the nodes in order and writes the
 * output back in its dtype. One image (batch 1) per call. */
#include <stdlib.h>
#include <string.h>

#include "exec/tflite_ref_internal.h"

static int is_int(fm_dtype d)
{
    return d == FM_U8 || d == FM_I8 || d == FM_I16 || d == FM_I32;
}

/* Widens n elements of an integer dtype to int32. */
static void widen(fm_dtype d, const void *src, int32_t *dst, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        switch (d) {
        case FM_U8: dst[i] = ((const uint8_t *)src)[i]; break;
        case FM_I8: dst[i] = ((const int8_t *)src)[i]; break;
        case FM_I16: { int16_t v; memcpy(&v, (const uint8_t *)src + 2 * i, 2); dst[i] = v; break; }
        default: { int32_t v; memcpy(&v, (const uint8_t *)src + 4 * i, 4); dst[i] = v; break; }
        }
    }
}

/* All value arrays together stay below 2^28 elements (1 GiB): a graph from
 * a hostile file cannot make the reference allocate without bound. */
#define TREF_MAX_ELEMENTS ((int64_t)1 << 28)

static fm_status alloc_values(tref *r, fm_error *err)
{
    const fm_graph *g = r->g;
    int64_t total = 0;
    for (int t = 0; t < g->n_tensors; t++) {
        int64_t n = fm_tensor_numel(&g->tensors[t]);
        if (n < 0 || n > TREF_MAX_ELEMENTS || (total += n) > TREF_MAX_ELEMENTS)
            return fm_error_set(err, FM_ERR_UNSUPPORTED,
                                "tensor '%s': the graph needs more than %lld elements of values",
                                g->tensors[t].name, (long long)TREF_MAX_ELEMENTS);
    }
    for (int t = 0; t < g->n_tensors; t++) {
        const fm_tensor *x = &g->tensors[t];
        int64_t n = fm_tensor_numel(x);
        if (x->dtype != FM_F32 && !is_int(x->dtype))
            continue; /* an int64 tensor no node of ours reads; nodes check their operands */
        size_t bytes = (size_t)(n > 0 ? n : 1) * 4;
        if (x->dtype == FM_F32) {
            if (!(r->v[t].f = malloc(bytes)))
                return fm_error_set(err, FM_ERR_NOMEM, "tensor '%s': out of memory", x->name);
            if (x->data)
                memcpy(r->v[t].f, x->data, (size_t)n * sizeof(float));
        } else {
            if (!(r->v[t].q = malloc(bytes)))
                return fm_error_set(err, FM_ERR_NOMEM, "tensor '%s': out of memory", x->name);
            if (x->data)
                widen(x->dtype, x->data, r->v[t].q, n);
        }
    }
    return FM_OK;
}

/* Every operand a node touches must have a value array of the right kind. */
static fm_status check_node(const tref *r, const fm_node *n, fm_error *err)
{
    const fm_graph *g = r->g;
    if (n->n_out != 1 || n->n_in < 1 || n->n_in > FM_MAX_IO)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "node '%s' (%s): %d inputs / %d outputs", n->name,
                            fm_op_name(n->op), n->n_in, n->n_out);
    for (int k = 0; k < n->n_in + 1; k++) {
        int t = k < n->n_in ? n->in[k] : n->out[0];
        if (t < 0 && k < n->n_in && k >= 2)
            continue; /* absent optional bias */
        if (t < 0 || t >= g->n_tensors || (!r->v[t].q && !r->v[t].f))
            return fm_error_set(err, FM_ERR_UNSUPPORTED, "node '%s' (%s): operand %d has no usable tensor",
                                n->name, fm_op_name(n->op), k);
    }
    if (g->tensors[n->out[0]].data)
        return fm_error_set(err, FM_ERR_INVALID, "node '%s' (%s): writes a constant", n->name, fm_op_name(n->op));
    return FM_OK;
}

fm_status fm_tflite_ref_run(const fm_graph *g, const void *input, size_t input_bytes, void *output,
                            size_t output_bytes, float *output_f, fm_error *err)
{
    return fm_tflite_ref_run_observed(g, input, input_bytes, output, output_bytes, output_f, NULL, NULL, err);
}

fm_status fm_tflite_ref_run_observed(const fm_graph *g, const void *input, size_t input_bytes, void *output,
                                     size_t output_bytes, float *output_f, fm_tflite_ref_observer observe,
                                     void *user, fm_error *err)
{
    if (!g || !input || !output || g->input < 0 || g->output < 0 || g->input >= g->n_tensors ||
        g->output >= g->n_tensors)
        return fm_error_set(err, FM_ERR_INVALID, "tflite_ref: graph without input/output or NULL buffer");
    const fm_tensor *in = &g->tensors[g->input], *out = &g->tensors[g->output];
    if (input_bytes != fm_tensor_bytes(in) || output_bytes != fm_tensor_bytes(out))
        return fm_error_set(err, FM_ERR_INVALID,
                            "tflite_ref: input %zu bytes (want %zu), output %zu bytes (want %zu)", input_bytes,
                            fm_tensor_bytes(in), output_bytes, fm_tensor_bytes(out));
    if ((in->dtype != FM_F32 && !is_int(in->dtype)) || (out->dtype != FM_F32 && !is_int(out->dtype)))
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "tflite_ref: input/output dtype %s/%s",
                            fm_dtype_name(in->dtype), fm_dtype_name(out->dtype));
    tref r = {.g = g, .v = calloc((size_t)g->n_tensors, sizeof(tref_val))};
    if (!r.v)
        return fm_error_set(err, FM_ERR_NOMEM, "tflite_ref: out of memory");
    fm_status st = alloc_values(&r, err);
    if (st == FM_OK) {
        int64_t n = fm_tensor_numel(in);
        if (in->dtype == FM_F32)
            memcpy(r.v[g->input].f, input, (size_t)n * sizeof(float));
        else
            widen(in->dtype, input, r.v[g->input].q, n);
    }
    for (int i = 0; i < g->n_nodes && st == FM_OK; i++) {
        st = check_node(&r, &g->nodes[i], err);
        if (st == FM_OK)
            st = tref_node(&r, &g->nodes[i], err);
        if (st == FM_OK && observe) {
            int t = g->nodes[i].out[0];
            observe(g, i, r.v[t].q, r.v[t].f, fm_tensor_numel(&g->tensors[t]), user);
        }
    }
    if (st == FM_OK) {
        int64_t n = fm_tensor_numel(out);
        float s = out->q.n >= 1 ? out->q.scale[0] : 1.0f;
        int32_t zp = out->q.n >= 1 ? out->q.zero_point[0] : 0;
        for (int64_t i = 0; i < n; i++) {
            if (out->dtype == FM_F32) {
                ((float *)output)[i] = r.v[g->output].f[i];
                if (output_f)
                    output_f[i] = r.v[g->output].f[i];
                continue;
            }
            int32_t v = r.v[g->output].q[i];
            switch (out->dtype) {
            case FM_U8: ((uint8_t *)output)[i] = (uint8_t)v; break;
            case FM_I8: ((int8_t *)output)[i] = (int8_t)v; break;
            case FM_I16: { int16_t h = (int16_t)v; memcpy((uint8_t *)output + 2 * i, &h, 2); break; }
            default: memcpy((uint8_t *)output + 4 * i, &v, 4); break;
            }
            if (output_f)
                output_f[i] = (float)((double)s * (double)(v - zp));
        }
    }
    for (int t = 0; t < g->n_tensors; t++) {
        free(r.v[t].q);
        free(r.v[t].f);
    }
    free(r.v);
    return st;
}
