/* The epoch loop shared by fm_train_run (data sets) and
 * fm_train_run_arrays (memory): samples come through a reader callback. */
#ifndef FLEXMAC_TRAIN_LOOP_H
#define FLEXMAC_TRAIN_LOOP_H

#include "flexmac/train.h"

typedef struct fm_sample_source {
    int64_t count;
    /* Reads samples idx[0..n) into x and labels. */
    fm_status (*read)(void *ctx, const int64_t *idx, int n, float *x, int32_t *labels,
                      fm_error *err);
    void *ctx;
} fm_sample_source;

fm_status fm_train_loop(fm_net *net, const fm_sample_source *train, const fm_sample_source *test,
                        const fm_train_config *cfg, fm_train_result *res, fm_error *err);
fm_status fm_net_accuracy_source(fm_net *net, const fm_sample_source *src, double *acc,
                                 fm_error *err);

#endif
