/* Numeric vs analytic gradients of every training layer on tiny shapes:
 * conv (padding, stride), relu, maxpool, flatten, fc and softmax
 * cross-entropy, through the parameters and the input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "train/net_internal.h"

#define BATCH 3

static double batch_loss(fm_net *net, const float *x, const int32_t *y, int n)
{
    fm_error err;
    memcpy(net->act[0], x, (size_t)(n * net->layers[0].in_size) * sizeof *x);
    assert_int_equal(fm_net_forward_batch(net, n, &err), FM_OK);
    int c = fm_net_num_outputs(net);
    return fm_softmax_ce(net->act[net->n_layers], y, n, c, net->prob, NULL, NULL) / n;
}

/* Central difference on value *p; compares with the analytic gradient g. */
static int check_one(fm_net *net, const float *x, const int32_t *y, int n, float *p, double g,
                     const char *what, int64_t j)
{
    const float eps = 1e-2f;
    float keep = *p;
    *p = keep + eps;
    double lp = batch_loss(net, x, y, n);
    *p = keep - eps;
    double lm = batch_loss(net, x, y, n);
    *p = keep;
    double num = (lp - lm) / (2.0 * eps);
    if (fabs(num - g) > 2e-3 + 3e-2 * fabs(num)) {
        fprintf(stderr, "%s[%lld]: analytic %.6g numeric %.6g\n", what, (long long)j, g, num);
        return 1;
    }
    return 0;
}

static void gradcheck_net(const fm_layer_spec *spec, int nl, int c, int h, int w, uint64_t seed)
{
    fm_net *net;
    fm_error err;
    assert_int_equal(fm_net_new(spec, nl, c, h, w, seed, &net, &err), FM_OK);
    net->want_input_grad = 1;
    const int64_t in_size = (int64_t)c * h * w;
    float *x = malloc((size_t)(BATCH * in_size) * sizeof *x);
    int32_t y[BATCH];
    uint64_t r = seed * 7 + 1;
    for (int64_t i = 0; i < BATCH * in_size; i++)
        x[i] = (float)((double)(fm_test_rand(&r) % 20001) / 10000.0 - 1.0);
    for (int b = 0; b < BATCH; b++)
        y[b] = (int32_t)(fm_test_rand(&r) % (uint64_t)fm_net_num_outputs(net));
    /* biases away from zero so relu kinks are not all at the same place */
    for (int i = 0; i < nl; i++)
        for (int64_t j = 0; j < net->layers[i].nb; j++)
            net->layers[i].b[j] = (float)((double)(fm_test_rand(&r) % 1001) / 5000.0 - 0.1);

    assert_int_equal(fm_net_reserve(net, BATCH, &err), FM_OK);
    memcpy(net->act[0], x, (size_t)(BATCH * in_size) * sizeof *x);
    assert_int_equal(fm_net_forward_batch(net, BATCH, &err), FM_OK);
    fm_step_result res;
    assert_int_equal(fm_net_backward_batch(net, y, BATCH, &res, &err), FM_OK);
    assert_true(fabs(res.loss - batch_loss(net, x, y, BATCH)) < 1e-6);
    /* keep copies: the numeric passes do not touch gradients, but be safe */
    int bad = 0;
    float *dx = malloc((size_t)(BATCH * in_size) * sizeof *dx);
    memcpy(dx, net->dact[0], (size_t)(BATCH * in_size) * sizeof *dx);
    for (int i = 0; i < nl; i++) {
        fm_tlayer *l = &net->layers[i];
        if (!l->nw)
            continue;
        float *gw = malloc((size_t)(l->nw + l->nb + 1) * sizeof *gw);
        memcpy(gw, l->gw, (size_t)l->nw * sizeof *gw);
        memcpy(gw + l->nw, l->gb, (size_t)l->nb * sizeof *gw);
        for (int64_t j = 0; j < l->nw; j++)
            bad += check_one(net, x, y, BATCH, &l->w[j], gw[j], "weight", j);
        for (int64_t j = 0; j < l->nb; j++)
            bad += check_one(net, x, y, BATCH, &l->b[j], gw[l->nw + j], "bias", j);
        free(gw);
    }
    for (int64_t j = 0; j < BATCH * in_size; j++)
        bad += check_one(net, x, y, BATCH, &x[j], dx[j], "input", j);
    free(dx);
    free(x);
    fm_net_free(net);
    /* a handful of relu/maxpool kinks hit by eps may disagree; nothing more */
    assert_true(bad <= 2);
}

static void test_conv_relu_pool_fc(void **state)
{
    (void)state;
    const fm_layer_spec spec[] = {
        {FM_LAYER_CONV, 3, 3, 1, 1}, {FM_LAYER_RELU, 0, 0, 0, 0}, {FM_LAYER_MAXPOOL, 0, 2, 0, 0},
        {FM_LAYER_FLATTEN, 0, 0, 0, 0}, {FM_LAYER_FC, 5, 0, 0, 0}, {FM_LAYER_RELU, 0, 0, 0, 0},
        {FM_LAYER_FC, 4, 0, 0, 0},
    };
    gradcheck_net(spec, 7, 2, 6, 6, 11);
}

static void test_conv_stride_two_convs(void **state)
{
    (void)state;
    const fm_layer_spec spec[] = {
        {FM_LAYER_CONV, 2, 3, 2, 0}, {FM_LAYER_CONV, 3, 2, 1, 1},
        {FM_LAYER_MAXPOOL, 0, 3, 2, 0}, {FM_LAYER_FLATTEN, 0, 0, 0, 0},
        {FM_LAYER_FC, 3, 0, 0, 0},
    };
    gradcheck_net(spec, 5, 1, 9, 9, 23);
}

static void test_fc_only(void **state)
{
    (void)state;
    const fm_layer_spec spec[] = {{FM_LAYER_FLATTEN, 0, 0, 0, 0}, {FM_LAYER_FC, 6, 0, 0, 0},
                                  {FM_LAYER_RELU, 0, 0, 0, 0}, {FM_LAYER_FC, 3, 0, 0, 0}};
    gradcheck_net(spec, 4, 3, 2, 2, 5);
}

/* Weight transform: the forward pass uses w_eff = 2*w, and the gradient
 * stored for w is the gradient w.r.t. w_eff (straight-through). */
static fm_status double_weights(void *ctx, int layer, const float *w, float *w_eff, int64_t n,
                                fm_error *err)
{
    int *calls = ctx;
    (*calls)++;
    for (int64_t i = 0; i < n; i++)
        w_eff[i] = 2.0f * w[i];
    return FM_OK;
}

static void test_weight_transform_straight_through(void **state)
{
    (void)state;
    const fm_layer_spec spec[] = {{FM_LAYER_CONV, 2, 3, 1, 1}, {FM_LAYER_RELU, 0, 0, 0, 0},
                                  {FM_LAYER_FLATTEN, 0, 0, 0, 0}, {FM_LAYER_FC, 3, 0, 0, 0}};
    fm_net *a, *b;
    fm_error err;
    assert_int_equal(fm_net_new(spec, 4, 1, 4, 4, 3, &a, &err), FM_OK);
    assert_int_equal(fm_net_new(spec, 4, 1, 4, 4, 3, &b, &err), FM_OK);
    for (int i = 0; i < 4; i++) { /* b holds the doubled weights */
        int64_t n;
        float *w = fm_net_weights(b, i, &n);
        for (int64_t j = 0; j < n; j++)
            w[j] *= 2.0f;
    }
    int calls = 0;
    fm_net_set_weight_transform(a, double_weights, &calls);
    float x[2 * 16];
    int32_t y[2] = {0, 2};
    for (int i = 0; i < 32; i++)
        x[i] = (float)((i * 7) % 11) / 11.0f - 0.4f;
    float za[6], zb[6];
    assert_int_equal(fm_net_forward(a, x, 2, za, &err), FM_OK);
    assert_int_equal(calls, 2); /* conv and fc */
    assert_int_equal(fm_net_forward(b, x, 2, zb, &err), FM_OK);
    for (int i = 0; i < 6; i++)
        assert_true(fabsf(za[i] - zb[i]) < 1e-5f);
    assert_int_equal(fm_net_backward_batch(a, y, 2, NULL, &err), FM_OK);
    assert_int_equal(fm_net_forward(b, x, 2, zb, &err), FM_OK);
    assert_int_equal(fm_net_backward_batch(b, y, 2, NULL, &err), FM_OK);
    for (int i = 0; i < 4; i++)
        for (int64_t j = 0; j < a->layers[i].nw; j++)
            assert_true(fabsf(a->layers[i].gw[j] - b->layers[i].gw[j]) < 1e-5f);
    /* the update lands on the shadow weights, not on w_eff */
    float w0 = a->layers[0].w[0];
    assert_int_equal(fm_net_train_step(a, x, y, 2, 0.1f, 0.0f, 0.0f, NULL, &err), FM_OK);
    float g1 = a->layers[0].gw[0];
    assert_true(fabsf(a->layers[0].w[0] - (w0 - 0.1f * g1)) < 1e-6f);
    fm_net_set_weight_transform(a, NULL, NULL);
    assert_int_equal(fm_net_forward(a, x, 2, za, &err), FM_OK);
    assert_null(a->layers[0].w_eff);
    fm_net_free(a);
    fm_net_free(b);
}

static fm_status failing_transform(void *ctx, int layer, const float *w, float *w_eff, int64_t n,
                                   fm_error *err)
{
    return fm_error_set(err, FM_ERR_UNSUPPORTED, "no alphabet for %lld weights", (long long)n);
}

static void test_weight_transform_error(void **state)
{
    (void)state;
    const fm_layer_spec spec[] = {{FM_LAYER_FLATTEN, 0, 0, 0, 0}, {FM_LAYER_FC, 2, 0, 0, 0}};
    fm_net *net;
    fm_error err;
    assert_int_equal(fm_net_new(spec, 2, 1, 2, 2, 1, &net, &err), FM_OK);
    fm_net_set_weight_transform(net, failing_transform, NULL);
    float x[4] = {0}, z[2];
    assert_int_equal(fm_net_forward(net, x, 1, z, &err), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "layer 1 (fc): weight transform: no alphabet"));
    fm_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_relu_pool_fc),
        cmocka_unit_test(test_conv_stride_two_convs),
        cmocka_unit_test(test_fc_only),
        cmocka_unit_test(test_weight_transform_straight_through),
        cmocka_unit_test(test_weight_transform_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
