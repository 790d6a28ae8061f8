/* Internal layout of fm_net, shared by the training sources and the
 * gradient-check tests (which reach src/ on their include path). */
#ifndef FLEXMAC_TRAIN_NET_INTERNAL_H
#define FLEXMAC_TRAIN_NET_INTERNAL_H

#include "flexmac/train.h"

typedef struct fm_tlayer {
    fm_layer_spec spec;
    int k, stride, pad;
    int in_c, in_h, in_w;    /* flat tensors: c = features, h = w = 1 */
    int out_c, out_h, out_w;
    int64_t in_size, out_size; /* floats per sample */

    /* CONV / FC parameters: w is the float shadow weight SGD updates;
     * w_eff holds the transformed weights when a transform is installed. */
    float *w, *b, *gw, *gb, *vw, *vb, *w_eff;
    int64_t nw, nb;
    int64_t kdim;            /* CONV: in_c*k*k (im2col rows); FC: in */

    int32_t *argmax;         /* MAXPOOL: input offset of each output, per batch */
} fm_tlayer;

struct fm_net {
    int n_layers;
    fm_tlayer *layers;
    int in_c, in_h, in_w;

    /* Activations: act[0] is the input batch, act[i+1] the output of layer i;
     * dact the matching gradients. Sized for `cap` samples. */
    float **act, **dact;
    float *col, *dcol, *tmp;  /* CONV scratch, sized for the largest layer */
    int64_t col_cap, tmp_cap;
    float *prob;              /* softmax output of the last batch */
    int cap;
    int want_input_grad;      /* tests: also compute dact[0] */

    fm_weight_transform_fn transform;
    void *transform_ctx;
};

/* Makes room for a batch of n samples. */
fm_status fm_net_reserve(fm_net *net, int n, fm_error *err);
/* Forward pass of n samples already copied into act[0]; logits end up in
 * act[n_layers]. Applies the weight transform first. */
fm_status fm_net_forward_batch(fm_net *net, int n, fm_error *err);
/* Softmax cross-entropy of the last forward pass and backward pass; fills
 * gw/gb of every parametric layer (and dact[0] if want_input_grad). */
fm_status fm_net_backward_batch(fm_net *net, const int32_t *labels, int n,
                                fm_step_result *res, fm_error *err);
/* Computes w_eff of every parametric layer through the installed weight
 * transform (frees w_eff when none is installed). */
fm_status fm_net_apply_transform(fm_net *net, fm_error *err);
/* The weights the forward pass uses (w_eff if transformed, else w). */
const float *fm_tlayer_fwd_weights(const fm_tlayer *l);

/* Layer kernels (layers.c); batch n, NCHW activations. */
void fm_conv_forward(fm_net *net, fm_tlayer *l, const float *in, float *out, int n);
void fm_conv_backward(fm_net *net, fm_tlayer *l, const float *in, const float *dout,
                      float *din, int n);
void fm_fc_forward(fm_tlayer *l, const float *in, float *out, int n);
void fm_fc_backward(fm_tlayer *l, const float *in, const float *dout, float *din, int n);
void fm_maxpool_forward(fm_tlayer *l, const float *in, float *out, int n);
void fm_maxpool_backward(fm_tlayer *l, const float *dout, float *din, int n);
void fm_relu_forward(const float *in, float *out, int64_t n);
void fm_relu_backward(const float *out, const float *dout, float *din, int64_t n);
/* Softmax cross-entropy: prob (n x c), dlogits = (prob - onehot)/n; returns
 * the summed loss and counts correct argmax predictions. */
double fm_softmax_ce(const float *logits, const int32_t *labels, int n, int c, float *prob,
                     float *dlogits, int *correct);

/* Deterministic generator for initialisation and shuffling. */
uint64_t fm_train_rand(uint64_t *state);

#endif
