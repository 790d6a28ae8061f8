/* Training of small CNNs (enough for the embedded default model):
 * conv, relu, maxpool, flatten and fully connected layers, softmax
 * cross-entropy, SGD with momentum and weight decay, OpenBLAS sgemm.
 *
 * A network is built from a list of layer specs and an input shape, trained
 * with fm_train_run (or one batch at a time with fm_net_train_step), and
 * turned into the graph IR with fm_net_to_graph (then fm_onnx_save writes
 * it). Results are deterministic for a given seed and OpenBLAS thread count.
 *
 * Weight-transform hook: a layer's forward pass may use transformed weights
 * (e.g. weights projected onto an alphabet set) while the gradient goes
 * straight through to the float "shadow" weights that SGD updates. */
#ifndef FLEXMAC_TRAIN_H
#define FLEXMAC_TRAIN_H

#include <stdint.h>

#include "flexmac/data.h"
#include "flexmac/graph.h"
#include "flexmac/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fm_layer_kind {
    FM_LAYER_CONV = 0, /* out_ch, k (square), stride, pad (all sides); + bias */
    FM_LAYER_RELU,
    FM_LAYER_MAXPOOL,  /* k (square window), stride (0 = k), no padding */
    FM_LAYER_FLATTEN,
    FM_LAYER_FC,       /* out (= out_ch); + bias; input must be flat */
    FM_LAYER_KIND_COUNT
} fm_layer_kind;

typedef struct fm_layer_spec {
    fm_layer_kind kind;
    int out_ch;  /* CONV output channels, FC output features */
    int k;       /* CONV kernel / MAXPOOL window */
    int stride;  /* 0 means 1 for CONV and k for MAXPOOL */
    int pad;     /* CONV zero padding on every side */
} fm_layer_spec;

/* Transforms n weights of layer `layer` (index in the spec list) from the
 * float shadow weights w into w_eff, used by the forward and backward passes
 * in place of w; the gradient w.r.t. w_eff is applied to w unchanged
 * (straight-through estimator). Returns FM_OK or fills err. */
typedef fm_status (*fm_weight_transform_fn)(void *ctx, int layer, const float *w, float *w_eff,
                                            int64_t n, fm_error *err);

typedef struct fm_net fm_net;

/* Builds a network for inputs of shape (c, h, w) with He-initialised weights
 * (normal, std sqrt(2/fan_in), drawn from `seed`) and zero biases. Fails with
 * FM_ERR_SHAPE naming the layer when a layer does not fit its input. */
fm_status fm_net_new(const fm_layer_spec *layers, int n_layers, int c, int h, int w,
                     uint64_t seed, fm_net **out, fm_error *err);
void fm_net_free(fm_net *net);

int fm_net_num_layers(const fm_net *net);
/* Number of classes (= features of the last layer's output). */
int fm_net_num_outputs(const fm_net *net);
/* Parameters of layer i (NULL / 0 for layers without): conv weights OIHW,
 * fc weights (out, in), and biases; writable (for loading or inspection). */
float *fm_net_weights(fm_net *net, int i, int64_t *n);
float *fm_net_bias(fm_net *net, int i, int64_t *n);

/* Installs a per-layer weight transform (fn NULL removes it); it is called
 * for every CONV and FC layer before each forward pass. */
void fm_net_set_weight_transform(fm_net *net, fm_weight_transform_fn fn, void *ctx);

/* Forward pass of n samples x (n * c*h*w floats) into logits (n * classes). */
fm_status fm_net_forward(fm_net *net, const float *x, int n, float *logits, fm_error *err);

typedef struct fm_step_result {
    double loss;    /* mean softmax cross-entropy over the batch */
    int correct;    /* samples whose argmax logit equals the label */
} fm_step_result;

/* One SGD step on a batch: forward, softmax cross-entropy, backward, then
 * v = momentum*v + (g + wd*w) ; w -= lr*v (weight decay on weights only). */
fm_status fm_net_train_step(fm_net *net, const float *x, const int32_t *labels, int n, float lr,
                            float momentum, float weight_decay, fm_step_result *res,
                            fm_error *err);

typedef enum fm_lr_schedule {
    FM_LR_CONSTANT = 0,
    FM_LR_COSINE,      /* per step, from lr down to 0 at the last step */
} fm_lr_schedule;

typedef struct fm_epoch_report {
    int epoch;             /* 1-based */
    int epochs;
    double train_loss;     /* mean over the epoch's batches */
    double train_acc;      /* running accuracy while training, 0..1 */
    double test_acc;       /* 0..1, or -1 without a test set */
    double lr;             /* learning rate at the end of the epoch */
    double seconds;        /* wall time of the epoch (training + test) */
} fm_epoch_report;

/* Progress callback, called after each epoch; return non-zero to stop. */
typedef int (*fm_train_progress_fn)(void *ctx, const fm_epoch_report *r);

typedef struct fm_train_config {
    int epochs;
    int batch;
    float lr;
    float momentum;
    float weight_decay;
    fm_lr_schedule schedule;
    uint64_t seed;        /* shuffling order */
    int threads;          /* OpenBLAS threads during the run (restored after);
                           * 0 leaves OpenBLAS's setting */
    fm_train_progress_fn progress;
    void *progress_ctx;
} fm_train_config;

/* Defaults that train the LeNet-style default model: 8 epochs, batch 64,
 * lr 0.05 cosine, momentum 0.9, weight decay 5e-4, seed 1, 1 thread. */
void fm_train_config_default(fm_train_config *cfg);

typedef struct fm_train_result {
    int epochs_run;
    double final_train_loss;
    double final_train_acc;
    double test_acc;      /* -1 without a test set */
    double seconds;
} fm_train_result;

/* Trains on a data set (samples must have the net's input shape, labels
 * below its output count); test may be NULL. */
fm_status fm_train_run(fm_net *net, fm_dataset *train, fm_dataset *test,
                       const fm_train_config *cfg, fm_train_result *res, fm_error *err);

/* Same on in-memory arrays (x: n * c*h*w floats, y: n labels); the test
 * arrays may be NULL / 0. */
fm_status fm_train_run_arrays(fm_net *net, const float *x, const int32_t *y, int64_t n,
                              const float *test_x, const int32_t *test_y, int64_t test_n,
                              const fm_train_config *cfg, fm_train_result *res, fm_error *err);

/* Accuracy (0..1) of the net on arrays / a data set, evaluated in batches. */
fm_status fm_net_accuracy_arrays(fm_net *net, const float *x, const int32_t *y, int64_t n,
                                 double *acc, fm_error *err);
fm_status fm_net_accuracy(fm_net *net, fm_dataset *ds, double *acc, fm_error *err);

/* The LeNet-style default architecture for 1x28x28 inputs and 10 classes:
 * conv5x5(16,pad2)-relu-maxpool2-conv5x5(32)-relu-maxpool2-flatten-
 * fc128-relu-fc10. Returns the number of layers written to layers (<= max),
 * or -1 if max is too small. */
int fm_lenet_layers(fm_layer_spec *layers, int max);

/* Converts the (trained) net into a float graph: Conv (OIHW weights + bias),
 * Relu, MaxPool, Flatten, Gemm (W (out,in), trans_b = 1, bias). Input tensor
 * "input" of shape 1xCxHxW, output "logits" (no softmax: classes are the
 * argmax of the logits). With a weight transform installed, the transformed
 * weights are exported. */
fm_status fm_net_to_graph(fm_net *net, fm_graph **out, fm_error *err);

#ifdef __cplusplus
}
#endif
#endif
