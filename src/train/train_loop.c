/* Mini-batch SGD epochs: per-epoch shuffle from the config's seed, a learning
 * rate schedule, progress reported through the config's callback. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "train/net_internal.h"
#include "train/train_loop.h"

#define EVAL_BATCH 256

void fm_train_config_default(fm_train_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->epochs = 8;
    cfg->batch = 64;
    cfg->lr = 0.05f;
    cfg->momentum = 0.9f;
    cfg->weight_decay = 5e-4f;
    cfg->schedule = FM_LR_COSINE;
    cfg->seed = 1;
    cfg->threads = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static fm_status check_config(const fm_train_config *c, fm_error *err)
{
    if (c->epochs <= 0 || c->batch <= 0 || c->batch > 65536)
        return fm_error_set(err, FM_ERR_INVALID, "training: epochs %d, batch %d out of range",
                            c->epochs, c->batch);
    if (!(c->lr > 0.0f) || !isfinite(c->lr) || !(c->momentum >= 0.0f && c->momentum < 1.0f) ||
        !(c->weight_decay >= 0.0f && isfinite(c->weight_decay)))
        return fm_error_set(err, FM_ERR_INVALID,
                            "training: lr %g, momentum %g, weight decay %g out of range",
                            (double)c->lr, (double)c->momentum, (double)c->weight_decay);
    if (c->schedule != FM_LR_CONSTANT && c->schedule != FM_LR_COSINE)
        return fm_error_set(err, FM_ERR_INVALID, "training: unknown lr schedule %d",
                            (int)c->schedule);
    if (c->threads < 0)
        return fm_error_set(err, FM_ERR_INVALID, "training: %d threads", c->threads);
    return FM_OK;
}

static float lr_at(const fm_train_config *c, int64_t step, int64_t total)
{
    if (c->schedule == FM_LR_CONSTANT || total <= 1)
        return c->lr;
    return (float)(0.5 * c->lr * (1.0 + cos(3.141592653589793 * (double)step / (double)total)));
}

fm_status fm_net_accuracy_source(fm_net *net, const fm_sample_source *src, double *acc,
                                 fm_error *err)
{
    const int classes = fm_net_num_outputs(net);
    const int64_t in_size = net->layers[0].in_size;
    if (src->count <= 0)
        return fm_error_set(err, FM_ERR_INVALID, "evaluation: empty test set");
    float *x = malloc((size_t)(EVAL_BATCH * in_size) * sizeof *x);
    int32_t *y = malloc(EVAL_BATCH * sizeof *y);
    int64_t *idx = malloc(EVAL_BATCH * sizeof *idx);
    fm_status st = (x && y && idx) ? FM_OK
                                   : fm_error_set(err, FM_ERR_NOMEM, "evaluation: out of memory");
    int64_t correct = 0;
    for (int64_t s = 0; st == FM_OK && s < src->count; s += EVAL_BATCH) {
        int n = (int)(src->count - s < EVAL_BATCH ? src->count - s : EVAL_BATCH);
        for (int i = 0; i < n; i++)
            idx[i] = s + i;
        st = src->read(src->ctx, idx, n, x, y, err);
        if (st == FM_OK)
            st = fm_net_reserve(net, n, err);
        if (st != FM_OK)
            break;
        memcpy(net->act[0], x, (size_t)(n * in_size) * sizeof *x);
        st = fm_net_forward_batch(net, n, err);
        const float *z = net->act[net->n_layers];
        for (int b = 0; st == FM_OK && b < n; b++) {
            int arg = 0;
            for (int j = 1; j < classes; j++)
                if (z[(int64_t)b * classes + j] > z[(int64_t)b * classes + arg])
                    arg = j;
            correct += arg == y[b];
        }
    }
    if (st == FM_OK)
        *acc = (double)correct / (double)src->count;
    free(x);
    free(y);
    free(idx);
    return st;
}

fm_status fm_train_loop(fm_net *net, const fm_sample_source *train, const fm_sample_source *test,
                        const fm_train_config *cfg, fm_train_result *res, fm_error *err)
{
    fm_status st = check_config(cfg, err);
    if (st != FM_OK)
        return st;
    if (train->count <= 0)
        return fm_error_set(err, FM_ERR_INVALID, "training: empty training set");
    /* OpenBLAS's thread count is process-wide: set it for the run, then
     * put the caller's back */
    const int saved_threads = openblas_get_num_threads();
    if (cfg->threads > 0)
        openblas_set_num_threads(cfg->threads);
    const int64_t n = train->count;
    const int batch = (int)(cfg->batch < n ? cfg->batch : n);
    const int64_t steps_per_epoch = (n + batch - 1) / batch;
    const int64_t total_steps = steps_per_epoch * cfg->epochs;
    const int64_t in_size = net->layers[0].in_size;
    int64_t *order = malloc((size_t)n * sizeof *order);
    float *x = malloc((size_t)(batch * in_size) * sizeof *x);
    int32_t *y = malloc((size_t)batch * sizeof *y);
    if (!order || !x || !y) {
        free(order);
        free(x);
        free(y);
        return fm_error_set(err, FM_ERR_NOMEM, "training: out of memory");
    }
    for (int64_t i = 0; i < n; i++)
        order[i] = i;
    uint64_t rng = cfg->seed ^ 0x5DEECE66Dull; /* a stream apart from the init's */
    fm_train_result r = {0};
    r.test_acc = -1.0;
    const double t_start = now_s();
    int64_t step = 0;
    for (int e = 0; e < cfg->epochs && st == FM_OK; e++) {
        const double t0 = now_s();
        for (int64_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
            int64_t j = (int64_t)(fm_train_rand(&rng) % (uint64_t)(i + 1));
            int64_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double loss_sum = 0.0;
        int64_t correct = 0;
        float lr = cfg->lr;
        for (int64_t s = 0; s < n && st == FM_OK; s += batch, step++) {
            int m = (int)(n - s < batch ? n - s : batch);
            st = train->read(train->ctx, order + s, m, x, y, err);
            if (st != FM_OK)
                break;
            fm_step_result sr;
            lr = lr_at(cfg, step, total_steps);
            st = fm_net_train_step(net, x, y, m, lr, cfg->momentum, cfg->weight_decay, &sr, err);
            if (st == FM_OK && !isfinite(sr.loss))
                st = fm_error_set(err, FM_ERR_INVALID,
                                  "training diverged at epoch %d (loss is not finite); lower the "
                                  "learning rate", e + 1);
            if (st == FM_OK) {
                loss_sum += sr.loss * m;
                correct += sr.correct;
            }
        }
        if (st != FM_OK)
            break;
        fm_epoch_report rep = {e + 1, cfg->epochs, loss_sum / (double)n,
                               (double)correct / (double)n, -1.0, lr, 0.0};
        if (test && test->count > 0 &&
            (st = fm_net_accuracy_source(net, test, &rep.test_acc, err)) != FM_OK)
            break;
        rep.seconds = now_s() - t0;
        r.epochs_run = e + 1;
        r.final_train_loss = rep.train_loss;
        r.final_train_acc = rep.train_acc;
        r.test_acc = rep.test_acc;
        if (cfg->progress && cfg->progress(cfg->progress_ctx, &rep))
            break;
    }
    r.seconds = now_s() - t_start;
    if (cfg->threads > 0)
        openblas_set_num_threads(saved_threads);
    free(order);
    free(x);
    free(y);
    if (st == FM_OK && res)
        *res = r;
    return st;
}

typedef struct array_ctx {
    const float *x;
    const int32_t *y;
    int64_t n, in_size;
} array_ctx;

static fm_status array_read(void *ctx, const int64_t *idx, int n, float *x, int32_t *labels,
                            fm_error *err)
{
    const array_ctx *a = ctx;
    for (int i = 0; i < n; i++) {
        if (idx[i] < 0 || idx[i] >= a->n)
            return fm_error_set(err, FM_ERR_INTERNAL, "sample %lld out of range",
                                (long long)idx[i]);
        memcpy(x + (int64_t)i * a->in_size, a->x + idx[i] * a->in_size,
               (size_t)a->in_size * sizeof *x);
        labels[i] = a->y[idx[i]];
    }
    return FM_OK;
}

fm_status fm_train_run_arrays(fm_net *net, const float *x, const int32_t *y, int64_t n,
                              const float *test_x, const int32_t *test_y, int64_t test_n,
                              const fm_train_config *cfg, fm_train_result *res, fm_error *err)
{
    if (!x || !y || n <= 0)
        return fm_error_set(err, FM_ERR_INVALID, "training: no training samples");
    array_ctx tr = {x, y, n, net->layers[0].in_size};
    array_ctx te = {test_x, test_y, test_n, net->layers[0].in_size};
    fm_sample_source src = {n, array_read, &tr};
    fm_sample_source tsrc = {test_n, array_read, &te};
    int has_test = test_x && test_y && test_n > 0;
    return fm_train_loop(net, &src, has_test ? &tsrc : NULL, cfg, res, err);
}

fm_status fm_net_accuracy_arrays(fm_net *net, const float *x, const int32_t *y, int64_t n,
                                 double *acc, fm_error *err)
{
    if (!x || !y || n <= 0)
        return fm_error_set(err, FM_ERR_INVALID, "evaluation: no samples");
    array_ctx a = {x, y, n, net->layers[0].in_size};
    fm_sample_source src = {n, array_read, &a};
    return fm_net_accuracy_source(net, &src, acc, err);
}
