/* Accuracy evaluation of a graph under an arithmetic configuration, and
 * post-training calibration. */
#ifndef FLEXMAC_EVAL_H
#define FLEXMAC_EVAL_H

#include <stdint.h>

#include "flexmac/data.h"
#include "flexmac/exec.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*fm_progress_fn)(void *ctx, int64_t done, int64_t total);

/* Runs the float graph on samples [0, n) of ds and returns the ranges of the
 * tensors MAC layers read. */
fm_status fm_calibrate(const fm_graph *g, fm_dataset *ds, int64_t n, fm_calib_method m,
                       double percentile, fm_calib **out, fm_error *err);

typedef struct fm_eval_opts {
    int batch;                /* samples per executor call (default 256) */
    int threads;              /* 0 = all CPUs */
    int64_t limit;            /* evaluate the first `limit` samples (0 = all) */
    int label_offset;         /* model class = label + offset (1 for 1001-class TFLite) */
    const fm_net_arith *arith;/* NULL = float */
    const fm_calib *calib;    /* needed when arith quantizes */
    fm_isa isa_cap;
    fm_progress_fn progress;
    void *progress_ctx;
    float *logits;            /* optional: receives n * classes outputs */
    int32_t *labels;          /* optional: receives n labels */
} fm_eval_opts;

typedef struct fm_eval_result {
    int64_t n;
    int64_t top1, top5;       /* correct counts */
    int classes;
    double seconds;           /* wall time of the evaluation loop */
} fm_eval_result;

void fm_eval_opts_default(fm_eval_opts *o);
/* Checks the model's input shape against the data set's sample shape and
 * fails with FM_ERR_SHAPE naming both when they differ. */
fm_status fm_eval_check_shapes(const fm_graph *g, const fm_dataset *ds, const char *data_name,
                               fm_error *err);
fm_status fm_evaluate(const fm_graph *g, fm_dataset *ds, const fm_eval_opts *o, fm_eval_result *r,
                      fm_error *err);

#ifdef __cplusplus
}
#endif
#endif
