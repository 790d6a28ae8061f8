/* Network construction, forward/backward over a batch, and the SGD step. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "train/net_internal.h"

static const char *kind_name(fm_layer_kind k)
{
    static const char *names[] = {"conv", "relu", "maxpool", "flatten", "fc"};
    return (unsigned)k < FM_LAYER_KIND_COUNT ? names[k] : "?";
}

uint64_t fm_train_rand(uint64_t *state)
{
    /* splitmix64: any seed (0 included) gives a good stream */
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rand_unit(uint64_t *s) /* (0, 1) */
{
    return ((double)(fm_train_rand(s) >> 11) + 0.5) / 9007199254740992.0;
}

static double rand_normal(uint64_t *s)
{
    double u = rand_unit(s), v = rand_unit(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Fills l's output shape from its input shape; checks the layer fits. */
static fm_status plan_layer(fm_tlayer *l, int idx, fm_error *err)
{
    const fm_layer_spec *s = &l->spec;
    int flat = l->in_h == 1 && l->in_w == 1;
    switch (s->kind) {
    case FM_LAYER_CONV:
        l->k = s->k;
        l->stride = s->stride ? s->stride : 1;
        l->pad = s->pad;
        if (s->out_ch <= 0 || s->k <= 0 || l->stride <= 0 || s->pad < 0)
            return fm_error_set(err, FM_ERR_INVALID,
                                "layer %d (conv): out_ch %d, k %d, stride %d, pad %d out of range",
                                idx, s->out_ch, s->k, s->stride, s->pad);
        if (l->in_h + 2 * l->pad < l->k || l->in_w + 2 * l->pad < l->k)
            return fm_error_set(err, FM_ERR_SHAPE,
                                "layer %d (conv): kernel %d larger than padded input %dx%d", idx,
                                l->k, l->in_h, l->in_w);
        l->out_c = s->out_ch;
        l->out_h = (l->in_h + 2 * l->pad - l->k) / l->stride + 1;
        l->out_w = (l->in_w + 2 * l->pad - l->k) / l->stride + 1;
        l->kdim = (int64_t)l->in_c * l->k * l->k;
        l->nw = l->out_c * l->kdim;
        l->nb = l->out_c;
        break;
    case FM_LAYER_MAXPOOL:
        l->k = s->k;
        l->stride = s->stride ? s->stride : s->k;
        if (s->k <= 0 || l->stride <= 0)
            return fm_error_set(err, FM_ERR_INVALID, "layer %d (maxpool): k %d, stride %d out of range",
                                idx, s->k, s->stride);
        if (l->in_h < l->k || l->in_w < l->k)
            return fm_error_set(err, FM_ERR_SHAPE,
                                "layer %d (maxpool): window %d larger than input %dx%d", idx, l->k,
                                l->in_h, l->in_w);
        l->out_c = l->in_c;
        l->out_h = (l->in_h - l->k) / l->stride + 1;
        l->out_w = (l->in_w - l->k) / l->stride + 1;
        break;
    case FM_LAYER_RELU:
        l->out_c = l->in_c;
        l->out_h = l->in_h;
        l->out_w = l->in_w;
        break;
    case FM_LAYER_FLATTEN:
        l->out_c = l->in_c * l->in_h * l->in_w;
        l->out_h = l->out_w = 1;
        break;
    case FM_LAYER_FC:
        if (!flat)
            return fm_error_set(err, FM_ERR_SHAPE,
                                "layer %d (fc): input %dx%dx%d is not flat (add a flatten layer)",
                                idx, l->in_c, l->in_h, l->in_w);
        if (s->out_ch <= 0)
            return fm_error_set(err, FM_ERR_INVALID, "layer %d (fc): out %d out of range", idx,
                                s->out_ch);
        l->out_c = s->out_ch;
        l->out_h = l->out_w = 1;
        l->kdim = l->in_c;
        l->nw = l->out_c * l->kdim;
        l->nb = l->out_c;
        break;
    default:
        return fm_error_set(err, FM_ERR_INVALID, "layer %d: unknown kind %d", idx, (int)s->kind);
    }
    l->in_size = (int64_t)l->in_c * l->in_h * l->in_w;
    l->out_size = (int64_t)l->out_c * l->out_h * l->out_w;
    if (l->out_size > (1 << 26) || l->nw > (1 << 28))
        return fm_error_set(err, FM_ERR_INVALID, "layer %d (%s): too large", idx,
                            kind_name(s->kind));
    return FM_OK;
}

fm_status fm_net_new(const fm_layer_spec *layers, int n_layers, int c, int h, int w,
                     uint64_t seed, fm_net **out, fm_error *err)
{
    *out = NULL;
    if (!layers || n_layers <= 0 || c <= 0 || h <= 0 || w <= 0)
        return fm_error_set(err, FM_ERR_INVALID, "network: %d layers, input %dx%dx%d", n_layers, c,
                            h, w);
    fm_net *net = calloc(1, sizeof *net);
    if (!net)
        return fm_error_set(err, FM_ERR_NOMEM, "network: out of memory");
    net->n_layers = n_layers;
    net->in_c = c;
    net->in_h = h;
    net->in_w = w;
    net->layers = calloc((size_t)n_layers, sizeof *net->layers);
    net->act = calloc((size_t)n_layers + 1, sizeof *net->act);
    net->dact = calloc((size_t)n_layers + 1, sizeof *net->dact);
    if (!net->layers || !net->act || !net->dact) {
        fm_net_free(net);
        return fm_error_set(err, FM_ERR_NOMEM, "network: out of memory");
    }
    uint64_t rng = seed;
    int pc = c, ph = h, pw = w;
    for (int i = 0; i < n_layers; i++) {
        fm_tlayer *l = &net->layers[i];
        l->spec = layers[i];
        l->in_c = pc;
        l->in_h = ph;
        l->in_w = pw;
        fm_status st = plan_layer(l, i, err);
        if (st != FM_OK) {
            fm_net_free(net);
            return st;
        }
        pc = l->out_c;
        ph = l->out_h;
        pw = l->out_w;
        if (l->nw) {
            l->w = malloc((size_t)l->nw * sizeof *l->w);
            l->gw = calloc((size_t)l->nw, sizeof *l->gw);
            l->vw = calloc((size_t)l->nw, sizeof *l->vw);
            l->b = calloc((size_t)l->nb, sizeof *l->b);
            l->gb = calloc((size_t)l->nb, sizeof *l->gb);
            l->vb = calloc((size_t)l->nb, sizeof *l->vb);
            if (!l->w || !l->gw || !l->vw || !l->b || !l->gb || !l->vb) {
                fm_net_free(net);
                return fm_error_set(err, FM_ERR_NOMEM, "network: out of memory");
            }
            double std = sqrt(2.0 / (double)l->kdim); /* He init for ReLU nets */
            for (int64_t j = 0; j < l->nw; j++)
                l->w[j] = (float)(std * rand_normal(&rng));
        }
    }
    if (pc * ph * pw != pc || pc < 2) {
        fm_net_free(net);
        return fm_error_set(err, FM_ERR_SHAPE,
                            "network: last layer must give a flat vector of >= 2 classes, got %dx%dx%d",
                            pc, ph, pw);
    }
    *out = net;
    return FM_OK;
}

static void free_batch_buffers(fm_net *net)
{
    for (int i = 0; i <= net->n_layers; i++) {
        free(net->act[i]);
        free(net->dact[i]);
        net->act[i] = net->dact[i] = NULL;
    }
    for (int i = 0; i < net->n_layers; i++) {
        free(net->layers[i].argmax);
        net->layers[i].argmax = NULL;
    }
    free(net->col);
    free(net->dcol);
    free(net->tmp);
    free(net->prob);
    net->col = net->dcol = net->tmp = net->prob = NULL;
    net->cap = 0;
}

void fm_net_free(fm_net *net)
{
    if (!net)
        return;
    if (net->act && net->dact && net->layers)
        free_batch_buffers(net);
    for (int i = 0; net->layers && i < net->n_layers; i++) {
        fm_tlayer *l = &net->layers[i];
        free(l->w);
        free(l->b);
        free(l->gw);
        free(l->gb);
        free(l->vw);
        free(l->vb);
        free(l->w_eff);
    }
    free(net->layers);
    free(net->act);
    free(net->dact);
    free(net);
}

fm_status fm_net_reserve(fm_net *net, int n, fm_error *err)
{
    if (n <= 0)
        return fm_error_set(err, FM_ERR_INVALID, "network: batch of %d samples", n);
    if (n <= net->cap)
        return FM_OK;
    for (int i = 0; i < net->n_layers; i++) /* maxpool argmax and BLAS dims are int */
        if ((int64_t)n * net->layers[i].in_size >= INT32_MAX ||
            (int64_t)n * net->layers[i].out_size >= INT32_MAX ||
            (int64_t)n * net->layers[i].out_h * net->layers[i].out_w * net->layers[i].kdim >=
                INT32_MAX)
            return fm_error_set(err, FM_ERR_INVALID,
                                "network: batch of %d too large for layer %d", n, i);
    free_batch_buffers(net);
    int64_t col = 1, tmp = 1;
    for (int i = 0; i < net->n_layers; i++) {
        fm_tlayer *l = &net->layers[i];
        int64_t P = (int64_t)l->out_h * l->out_w * n;
        if (l->spec.kind == FM_LAYER_CONV) {
            if (l->kdim * P > col)
                col = l->kdim * P;
            if (l->out_c * P > tmp)
                tmp = l->out_c * P;
        }
        if (l->spec.kind == FM_LAYER_MAXPOOL &&
            !(l->argmax = malloc((size_t)(n * l->out_size) * sizeof *l->argmax)))
            goto nomem;
    }
    for (int i = 0; i <= net->n_layers; i++) {
        int64_t sz = i == 0 ? net->layers[0].in_size : net->layers[i - 1].out_size;
        net->act[i] = malloc((size_t)(n * sz) * sizeof(float));
        net->dact[i] = malloc((size_t)(n * sz) * sizeof(float));
        if (!net->act[i] || !net->dact[i])
            goto nomem;
    }
    net->col = malloc((size_t)col * sizeof(float));
    net->dcol = malloc((size_t)col * sizeof(float));
    net->tmp = malloc((size_t)tmp * sizeof(float));
    net->prob = malloc((size_t)(n * fm_net_num_outputs(net)) * sizeof(float));
    if (!net->col || !net->dcol || !net->tmp || !net->prob)
        goto nomem;
    net->cap = n;
    return FM_OK;
nomem:
    free_batch_buffers(net);
    return fm_error_set(err, FM_ERR_NOMEM, "network: out of memory for a batch of %d", n);
}

fm_status fm_net_apply_transform(fm_net *net, fm_error *err)
{
    for (int i = 0; i < net->n_layers; i++) {
        fm_tlayer *l = &net->layers[i];
        if (!l->nw)
            continue;
        if (!net->transform) {
            free(l->w_eff);
            l->w_eff = NULL;
            continue;
        }
        if (!l->w_eff && !(l->w_eff = malloc((size_t)l->nw * sizeof *l->w_eff)))
            return fm_error_set(err, FM_ERR_NOMEM, "network: out of memory");
        fm_status st = net->transform(net->transform_ctx, i, l->w, l->w_eff, l->nw, err);
        if (st != FM_OK)
            return fm_error_prefix(err, "layer %d (%s): weight transform", i,
                                   kind_name(l->spec.kind));
    }
    return FM_OK;
}

fm_status fm_net_forward_batch(fm_net *net, int n, fm_error *err)
{
    fm_status st = fm_net_apply_transform(net, err);
    if (st != FM_OK)
        return st;
    for (int i = 0; i < net->n_layers; i++) {
        fm_tlayer *l = &net->layers[i];
        const float *in = net->act[i];
        float *out = net->act[i + 1];
        switch (l->spec.kind) {
        case FM_LAYER_CONV:
            fm_conv_forward(net, l, in, out, n);
            break;
        case FM_LAYER_FC:
            fm_fc_forward(l, in, out, n);
            break;
        case FM_LAYER_MAXPOOL:
            fm_maxpool_forward(l, in, out, n);
            break;
        case FM_LAYER_RELU:
            fm_relu_forward(in, out, n * l->out_size);
            break;
        default: /* flatten: NCHW is already the flat layout */
            memcpy(out, in, (size_t)(n * l->out_size) * sizeof *out);
            break;
        }
    }
    return FM_OK;
}

fm_status fm_net_backward_batch(fm_net *net, const int32_t *labels, int n, fm_step_result *res,
                                fm_error *err)
{
    const int classes = fm_net_num_outputs(net);
    for (int b = 0; b < n; b++)
        if (labels[b] < 0 || labels[b] >= classes)
            return fm_error_set(err, FM_ERR_INVALID, "label %d of sample %d outside 0..%d",
                                (int)labels[b], b, classes - 1);
    int correct = 0;
    double loss = fm_softmax_ce(net->act[net->n_layers], labels, n, classes, net->prob,
                                net->dact[net->n_layers], &correct);
    for (int i = net->n_layers - 1; i >= 0; i--) {
        fm_tlayer *l = &net->layers[i];
        const float *dout = net->dact[i + 1];
        /* the input gradient of the first layer is only needed by tests */
        float *din = (i > 0 || net->want_input_grad) ? net->dact[i] : NULL;
        switch (l->spec.kind) {
        case FM_LAYER_CONV:
            fm_conv_backward(net, l, net->act[i], dout, din, n);
            break;
        case FM_LAYER_FC:
            fm_fc_backward(l, net->act[i], dout, din, n);
            break;
        case FM_LAYER_MAXPOOL:
            if (din)
                fm_maxpool_backward(l, dout, din, n);
            break;
        case FM_LAYER_RELU:
            if (din)
                fm_relu_backward(net->act[i + 1], dout, din, n * l->out_size);
            break;
        default:
            if (din)
                memcpy(din, dout, (size_t)(n * l->out_size) * sizeof *din);
            break;
        }
    }
    if (res) {
        res->loss = loss / n;
        res->correct = correct;
    }
    return FM_OK;
}

static fm_status load_batch(fm_net *net, const float *x, int n, fm_error *err)
{
    if (!x)
        return fm_error_set(err, FM_ERR_INVALID, "network: no input");
    fm_status st = fm_net_reserve(net, n, err);
    if (st == FM_OK)
        memcpy(net->act[0], x, (size_t)(n * net->layers[0].in_size) * sizeof(float));
    return st;
}

fm_status fm_net_forward(fm_net *net, const float *x, int n, float *logits, fm_error *err)
{
    fm_status st = load_batch(net, x, n, err);
    if (st == FM_OK)
        st = fm_net_forward_batch(net, n, err);
    if (st == FM_OK)
        memcpy(logits, net->act[net->n_layers],
               (size_t)n * (size_t)fm_net_num_outputs(net) * sizeof *logits);
    return st;
}

static void sgd_update(float *w, const float *g, float *v, int64_t n, float lr, float mom,
                       float wd)
{
    for (int64_t i = 0; i < n; i++) {
        v[i] = mom * v[i] + g[i] + wd * w[i];
        w[i] -= lr * v[i];
    }
}

fm_status fm_net_train_step(fm_net *net, const float *x, const int32_t *labels, int n, float lr,
                            float momentum, float weight_decay, fm_step_result *res,
                            fm_error *err)
{
    if (!labels)
        return fm_error_set(err, FM_ERR_INVALID, "network: no labels");
    fm_status st = load_batch(net, x, n, err);
    if (st == FM_OK)
        st = fm_net_forward_batch(net, n, err);
    if (st == FM_OK)
        st = fm_net_backward_batch(net, labels, n, res, err);
    if (st != FM_OK)
        return st;
    for (int i = 0; i < net->n_layers; i++) {
        fm_tlayer *l = &net->layers[i];
        if (!l->nw)
            continue;
        sgd_update(l->w, l->gw, l->vw, l->nw, lr, momentum, weight_decay);
        sgd_update(l->b, l->gb, l->vb, l->nb, lr, momentum, 0.0f);
    }
    return FM_OK;
}

int fm_net_num_layers(const fm_net *net)
{
    return net->n_layers;
}

int fm_net_num_outputs(const fm_net *net)
{
    return net->layers[net->n_layers - 1].out_c;
}

float *fm_net_weights(fm_net *net, int i, int64_t *n)
{
    if (i < 0 || i >= net->n_layers) {
        if (n)
            *n = 0;
        return NULL;
    }
    if (n)
        *n = net->layers[i].nw;
    return net->layers[i].w;
}

float *fm_net_bias(fm_net *net, int i, int64_t *n)
{
    if (i < 0 || i >= net->n_layers) {
        if (n)
            *n = 0;
        return NULL;
    }
    if (n)
        *n = net->layers[i].nb;
    return net->layers[i].b;
}

void fm_net_set_weight_transform(fm_net *net, fm_weight_transform_fn fn, void *ctx)
{
    net->transform = fn;
    net->transform_ctx = ctx;
}

int fm_lenet_layers(fm_layer_spec *layers, int max)
{
    static const fm_layer_spec lenet[] = {
        {FM_LAYER_CONV, 16, 5, 1, 2}, {FM_LAYER_RELU, 0, 0, 0, 0},
        {FM_LAYER_MAXPOOL, 0, 2, 2, 0}, {FM_LAYER_CONV, 32, 5, 1, 0},
        {FM_LAYER_RELU, 0, 0, 0, 0},  {FM_LAYER_MAXPOOL, 0, 2, 2, 0},
        {FM_LAYER_FLATTEN, 0, 0, 0, 0}, {FM_LAYER_FC, 128, 0, 0, 0},
        {FM_LAYER_RELU, 0, 0, 0, 0},  {FM_LAYER_FC, 10, 0, 0, 0},
    };
    const int n = (int)(sizeof lenet / sizeof lenet[0]);
    if (!layers || max < n)
        return -1;
    memcpy(layers, lenet, sizeof lenet);
    return n;
}
