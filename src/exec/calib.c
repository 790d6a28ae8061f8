/* Calibration: activation ranges of the tensors that MAC layers read,
 * observed while the float executor runs on a calibration subset.
 *
 * min/max are exact. The percentile method keeps a deterministic stride
 * sample of |x| (at most FM_CALIB_PER_SAMPLE values per sample and tensor)
 * and takes its percentile; observation is single-threaded (the executor
 * runs calibration on one worker) so results never depend on timing. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec_internal.h"

#define FM_CALIB_PER_SAMPLE 2048

typedef struct calib_tensor {
    int tracked;
    float lo, hi;
    float *vals;
    int64_t nvals, cap;
} calib_tensor;

struct fm_calib {
    const fm_graph *g;
    fm_calib_method method;
    double percentile;
    calib_tensor *t;
    int64_t samples;
};

fm_calib *fm_calib_new(const fm_graph *g, fm_calib_method m, double percentile)
{
    fm_calib *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->g = g;
    c->method = m;
    c->percentile = percentile > 0 && percentile <= 100 ? percentile : 99.99;
    c->t = calloc((size_t)g->n_tensors, sizeof *c->t);
    if (!c->t) {
        free(c);
        return NULL;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const fm_node *nd = &g->nodes[i];
        if (nd->op == FM_OP_CONV || nd->op == FM_OP_GEMM) {
            calib_tensor *ct = &c->t[nd->in[0]];
            ct->tracked = 1;
            ct->lo = FLT_MAX;
            ct->hi = -FLT_MAX;
        }
    }
    return c;
}

fm_status fm_calib_from_qparams(const fm_graph *g, fm_calib **out, fm_error *err)
{
    *out = NULL;
    fm_calib *c = fm_calib_new(g, FM_CALIB_MINMAX, 0);
    if (!c)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    for (int t = 0; t < g->n_tensors; t++) {
        if (!c->t[t].tracked)
            continue;
        const fm_tensor *ts = &g->tensors[t];
        int32_t qlo = ts->dtype == FM_U8 ? 0 : -128, qhi = ts->dtype == FM_U8 ? 255 : 127;
        if ((ts->dtype != FM_U8 && ts->dtype != FM_I8) || ts->q.n != 1 || !(ts->q.scale[0] > 0.0f)) {
            fm_calib_free(c);
            return fm_error_set(err, FM_ERR_UNSUPPORTED,
                                "%s: tensor '%s': no per-tensor 8-bit quantization to take a range from",
                                g->path ? g->path : "graph", ts->name);
        }
        /* the real values the 8-bit codes can express: real = s * (q - zp) */
        c->t[t].lo = ts->q.scale[0] * (float)(qlo - ts->q.zero_point[0]);
        c->t[t].hi = ts->q.scale[0] * (float)(qhi - ts->q.zero_point[0]);
    }
    c->samples = 1;
    *out = c;
    return FM_OK;
}

void fm_calib_free(fm_calib *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->g->n_tensors; i++)
        free(c->t[i].vals);
    free(c->t);
    free(c);
}

int64_t fm_calib_samples(const fm_calib *c) { return c->samples; }

int fm_calib_tracks(const fm_calib *c, int t) { return c->t[t].tracked; }

void fm_calib_observe(fm_calib *c, int t, const float *data, int64_t count, int n_samples)
{
    calib_tensor *ct = &c->t[t];
    for (int64_t i = 0; i < count; i++) {
        ct->lo = data[i] < ct->lo ? data[i] : ct->lo;
        ct->hi = data[i] > ct->hi ? data[i] : ct->hi;
    }
    if (c->method != FM_CALIB_PERCENTILE || n_samples <= 0)
        return;
    int64_t per = count / n_samples;
    int64_t stride = per > FM_CALIB_PER_SAMPLE ? per / FM_CALIB_PER_SAMPLE : 1;
    int64_t add = (count + stride - 1) / stride;
    if (ct->nvals + add > ct->cap) {
        int64_t cap = (ct->nvals + add) * 2;
        float *v = realloc(ct->vals, (size_t)cap * sizeof *v);
        if (!v)
            return; /* percentile then uses what it has; min/max stay exact */
        ct->vals = v;
        ct->cap = cap;
    }
    for (int64_t i = 0; i < count; i += stride)
        ct->vals[ct->nvals++] = fabsf(data[i]);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

fm_status fm_calib_range(const fm_calib *c, int t, float *lo, float *hi, fm_error *err)
{
    if (t < 0 || t >= c->g->n_tensors || !c->t[t].tracked)
        return fm_error_set(err, FM_ERR_INVALID, "tensor %d is not calibrated", t);
    const calib_tensor *ct = &c->t[t];
    if (c->samples == 0 || ct->lo > ct->hi)
        return fm_error_set(err, FM_ERR_INVALID, "tensor '%s': no calibration data observed",
                            c->g->tensors[t].name);
    *lo = ct->lo;
    *hi = ct->hi;
    if (c->method == FM_CALIB_PERCENTILE && ct->nvals > 0) {
        float *v = malloc((size_t)ct->nvals * sizeof *v);
        if (!v)
            return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
        memcpy(v, ct->vals, (size_t)ct->nvals * sizeof *v);
        qsort(v, (size_t)ct->nvals, sizeof *v, cmp_float);
        int64_t k = (int64_t)ceil(c->percentile / 100.0 * (double)ct->nvals) - 1;
        k = k < 0 ? 0 : k >= ct->nvals ? ct->nvals - 1 : k;
        float p = v[k];
        free(v);
        *hi = fminf(*hi, p);
        *lo = *lo < 0 ? fmaxf(*lo, -p) : *lo;
    }
    return FM_OK;
}

/* Called by the executor after each observed run. */
void fm_calib_add_samples(fm_calib *c, int n) { c->samples += n; }
