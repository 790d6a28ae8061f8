/* Evaluation loop: stream batches from the data set through the executor and
 * count top-1/top-5 hits. Decoding of the next batch is not overlapped with
 * compute: data decoding is a small share of the time for the supported
 * data sets (see bench/bench_eval.c). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flexmac/eval.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void fm_eval_opts_default(fm_eval_opts *o)
{
    memset(o, 0, sizeof *o);
    o->batch = 256;
    o->isa_cap = FM_ISA_COUNT;
}

fm_status fm_eval_check_shapes(const fm_graph *g, const fm_dataset *ds, const char *data_name,
                               fm_error *err)
{
    int c, h, w;
    const fm_tensor *in = &g->tensors[g->input];
    fm_dataset_shape(ds, &c, &h, &w);
    int64_t want = fm_tensor_numel(in);
    int ok = want == (int64_t)c * h * w;
    if (in->ndim == 4)
        ok = in->shape[1] == c && in->shape[2] == h && in->shape[3] == w;
    if (!ok) {
        char s[64];
        fm_shape_str(in->ndim, in->shape, s, sizeof s);
        return fm_error_set(err, FM_ERR_SHAPE,
                            "shape mismatch: model %s expects input %s but data set %s gives %dx%dx%d samples",
                            g->path ? g->path : "", s, data_name ? data_name : "", c, h, w);
    }
    return FM_OK;
}

fm_status fm_calibrate(const fm_graph *g, fm_dataset *ds, int64_t n, fm_calib_method m,
                       double percentile, fm_calib **out, fm_error *err)
{
    fm_status st;
    fm_exec *e = NULL;
    fm_exec_opts eo;
    *out = NULL;
    int64_t total = fm_dataset_count(ds);
    n = n <= 0 || n > total ? total : n;
    fm_calib *c = fm_calib_new(g, m, percentile);
    int per = 0;
    float *x = NULL;
    if (!c)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    fm_exec_opts_default(&eo);
    eo.observe = c;
    eo.max_batch = 32;
    if ((st = fm_exec_create(g, &eo, &e, err)) != FM_OK)
        goto out;
    per = (int)fm_exec_input_numel(e);
    x = malloc((size_t)eo.max_batch * per * sizeof *x);
    float *y = malloc((size_t)eo.max_batch * fm_exec_output_numel(e) * sizeof *y);
    if (!x || !y) {
        free(y);
        st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int64_t b = 0; b < n && st == FM_OK; b += eo.max_batch) {
        int nb = (int)(n - b < eo.max_batch ? n - b : eo.max_batch);
        st = fm_dataset_read_range(ds, b, nb, x, NULL, err);
        if (st == FM_OK)
            st = fm_exec_run(e, x, nb, y, err);
    }
    free(y);
out:
    free(x);
    fm_exec_free(e);
    if (st != FM_OK) {
        fm_calib_free(c);
        return st;
    }
    *out = c;
    return FM_OK;
}

/* Rank of the true class: number of classes scoring strictly higher. Ties
 * count in the sample's favour only when the true class comes first, which
 * makes the result independent of sort order. */
static int rank_of(const float *s, int classes, int label)
{
    int r = 0;
    for (int k = 0; k < classes; k++)
        if (s[k] > s[label] || (s[k] == s[label] && k < label))
            r++;
    return r;
}

fm_status fm_evaluate(const fm_graph *g, fm_dataset *ds, const fm_eval_opts *o, fm_eval_result *r,
                      fm_error *err)
{
    fm_eval_opts d;
    fm_exec_opts eo;
    fm_exec *e = NULL;
    fm_status st;
    if (!o) {
        fm_eval_opts_default(&d);
        o = &d;
    }
    memset(r, 0, sizeof *r);
    int64_t n = fm_dataset_count(ds);
    if (o->limit > 0 && o->limit < n)
        n = o->limit;
    fm_exec_opts_default(&eo);
    eo.max_batch = o->batch > 0 ? o->batch : 256;
    eo.threads = o->threads;
    eo.arith = o->arith;
    eo.calib = o->calib;
    eo.isa_cap = o->isa_cap;
    if ((st = fm_exec_create(g, &eo, &e, err)) != FM_OK)
        return st;
    int per = (int)fm_exec_input_numel(e), classes = (int)fm_exec_output_numel(e);
    float *x = malloc((size_t)eo.max_batch * per * sizeof *x);
    float *y = malloc((size_t)eo.max_batch * classes * sizeof *y);
    int32_t *lab = malloc((size_t)eo.max_batch * sizeof *lab);
    if (!x || !y || !lab) {
        st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
        goto out;
    }
    r->classes = classes;
    double t0 = now_s();
    for (int64_t b = 0; b < n; b += eo.max_batch) {
        int nb = (int)(n - b < eo.max_batch ? n - b : eo.max_batch);
        if ((st = fm_dataset_read_range(ds, b, nb, x, lab, err)) != FM_OK)
            goto out;
        if ((st = fm_exec_run(e, x, nb, y, err)) != FM_OK)
            goto out;
        for (int i = 0; i < nb; i++) {
            int label = lab[i] + o->label_offset;
            if (label < 0 || label >= classes) {
                st = fm_error_set(err, FM_ERR_SHAPE, "sample %lld: label %d outside the model's %d classes",
                                  (long long)(b + i), lab[i], classes);
                goto out;
            }
            int rk = rank_of(y + (size_t)i * classes, classes, label);
            r->top1 += rk == 0;
            r->top5 += rk < 5;
        }
        if (o->logits)
            memcpy(o->logits + (size_t)b * classes, y, (size_t)nb * classes * sizeof *y);
        if (o->labels)
            memcpy(o->labels + b, lab, (size_t)nb * sizeof *lab);
        r->n += nb;
        if (o->progress)
            o->progress(o->progress_ctx, r->n, n);
    }
    r->seconds = now_s() - t0;
    st = FM_OK;
out:
    free(x);
    free(y);
    free(lab);
    fm_exec_free(e);
    return st;
}
