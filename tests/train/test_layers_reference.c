/* The fast layer kernels (im2col + OpenBLAS sgemm for conv and fc) against
 * plain loops computing the same sums, forward and backward, on random
 * shapes with padding, stride and batch > 1; and maxpool's first-maximum tie
 * rule. Float sums in a different order: compared with a tolerance. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "train/net_internal.h"

static float rnd(uint64_t *r)
{
    return (float)((double)(fm_test_rand(r) % 20001) / 10000.0 - 1.0);
}

static void assert_close(const float *a, const double *ref, int64_t n, const char *what)
{
    for (int64_t i = 0; i < n; i++)
        if (fabs(a[i] - ref[i]) > 1e-4 + 1e-4 * fabs(ref[i]))
            fail_msg("%s[%lld]: %.7g vs reference %.7g", what, (long long)i, a[i], ref[i]);
}

/* One conv layer net: checks forward output, weight/bias/input gradients
 * against direct loops for dout = arbitrary values. */
static void check_conv(int c, int h, int w, int o, int k, int s, int pad, int n, uint64_t seed)
{
    fm_layer_spec spec[] = {{FM_LAYER_CONV, o, k, s, pad}, {FM_LAYER_FLATTEN, 0, 0, 0, 0},
                            {FM_LAYER_FC, 2, 0, 0, 0}};
    fm_net *net;
    fm_error err;
    assert_int_equal(fm_net_new(spec, 3, c, h, w, seed, &net, &err), FM_OK);
    assert_int_equal(fm_net_reserve(net, n, &err), FM_OK);
    fm_tlayer *l = &net->layers[0];
    uint64_t r = seed;
    for (int64_t i = 0; i < n * l->in_size; i++)
        net->act[0][i] = rnd(&r);
    for (int i = 0; i < o; i++)
        l->b[i] = rnd(&r);
    const float *x = net->act[0];
    fm_conv_forward(net, l, x, net->act[1], n);
    const int oh = l->out_h, ow = l->out_w;
    int64_t on = n * l->out_size;
    double *ref = calloc((size_t)on, sizeof *ref);
    float *dout = malloc((size_t)on * sizeof *dout);
    for (int64_t i = 0; i < on; i++)
        dout[i] = rnd(&r);
    double *gw = calloc((size_t)l->nw, sizeof *gw), *gb = calloc((size_t)o, sizeof *gb);
    double *dx = calloc((size_t)(n * l->in_size), sizeof *dx);
    for (int b = 0; b < n; b++)
        for (int oc = 0; oc < o; oc++)
            for (int y = 0; y < oh; y++)
                for (int xx = 0; xx < ow; xx++) {
                    int64_t oi = (((int64_t)b * o + oc) * oh + y) * ow + xx;
                    double acc = l->b[oc];
                    gb[oc] += dout[oi];
                    for (int ic = 0; ic < c; ic++)
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++) {
                                int iy = y * s - pad + i, ix = xx * s - pad + j;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                    continue;
                                int64_t xi = (((int64_t)b * c + ic) * h + iy) * w + ix;
                                int64_t wi = (((int64_t)oc * c + ic) * k + i) * k + j;
                                acc += (double)l->w[wi] * x[xi];
                                gw[wi] += (double)dout[oi] * x[xi];
                                dx[xi] += (double)dout[oi] * l->w[wi];
                            }
                    ref[oi] = acc;
                }
    assert_close(net->act[1], ref, on, "conv forward");
    fm_conv_backward(net, l, x, dout, net->dact[0], n);
    assert_close(l->gw, gw, l->nw, "conv dW");
    assert_close(l->gb, gb, o, "conv db");
    assert_close(net->dact[0], dx, n * l->in_size, "conv dx");
    free(ref);
    free(dout);
    free(gw);
    free(gb);
    free(dx);
    fm_net_free(net);
}

static void test_conv_matches_loops(void **state)
{
    (void)state;
    check_conv(1, 28, 28, 16, 5, 1, 2, 2, 1); /* LeNet's first layer */
    check_conv(16, 14, 14, 32, 5, 1, 0, 2, 2); /* and its second */
    check_conv(3, 7, 9, 4, 3, 2, 1, 3, 3);    /* odd sizes, stride 2 */
    check_conv(2, 5, 5, 3, 5, 3, 4, 1, 4);    /* padding larger than half the kernel */
    check_conv(2, 4, 4, 2, 1, 1, 0, 5, 5);    /* 1x1 */
}

static void test_fc_matches_loops(void **state)
{
    (void)state;
    const int n = 4, in = 37, out = 11;
    fm_layer_spec spec[] = {{FM_LAYER_FLATTEN, 0, 0, 0, 0}, {FM_LAYER_FC, out, 0, 0, 0}};
    fm_net *net;
    fm_error err;
    assert_int_equal(fm_net_new(spec, 2, in, 1, 1, 9, &net, &err), FM_OK);
    fm_tlayer *l = &net->layers[1];
    uint64_t r = 17;
    float x[4 * 37], y[4 * 11], dout[4 * 11], dx[4 * 37];
    double ref[4 * 37], gw[11 * 37] = {0}, gb[11] = {0}, rdx[4 * 37] = {0};
    for (int i = 0; i < n * in; i++)
        x[i] = rnd(&r);
    for (int i = 0; i < out; i++)
        l->b[i] = rnd(&r);
    for (int i = 0; i < n * out; i++)
        dout[i] = rnd(&r);
    fm_fc_forward(l, x, y, n);
    for (int b = 0; b < n; b++)
        for (int o = 0; o < out; o++) {
            double acc = l->b[o];
            for (int i = 0; i < in; i++) {
                acc += (double)l->w[o * in + i] * x[b * in + i];
                gw[o * in + i] += (double)dout[b * out + o] * x[b * in + i];
                rdx[b * in + i] += (double)dout[b * out + o] * l->w[o * in + i];
            }
            gb[o] += dout[b * out + o];
            ref[b * out + o] = acc;
        }
    assert_close(y, ref, n * out, "fc forward");
    fm_fc_backward(l, x, dout, dx, n);
    assert_close(l->gw, gw, out * in, "fc dW");
    assert_close(l->gb, gb, out, "fc db");
    assert_close(dx, rdx, n * in, "fc dx");
    fm_net_free(net);
}

static void test_maxpool_ties_and_gradient(void **state)
{
    (void)state;
    fm_layer_spec spec[] = {{FM_LAYER_MAXPOOL, 0, 2, 2, 0}, {FM_LAYER_FLATTEN, 0, 0, 0, 0},
                            {FM_LAYER_FC, 2, 0, 0, 0}};
    fm_net *net;
    fm_error err;
    /* 5x5 input: the last row/column is dropped (floor), as in ONNX */
    assert_int_equal(fm_net_new(spec, 3, 1, 5, 5, 1, &net, &err), FM_OK);
    assert_int_equal(net->layers[0].out_h, 2);
    assert_int_equal(fm_net_reserve(net, 1, &err), FM_OK);
    float x[25] = {0};
    x[0] = x[1] = 3.0f;          /* tie: the first one wins */
    x[2] = -1.0f;                /* window (0,1): all negative, tie at -0.5 */
    x[3] = -2.0f;
    x[7] = -0.5f;
    x[8] = -0.5f;
    x[4] = 100.0f;               /* column 4: outside every window */
    x[15] = 5.0f;                /* window (1,0) */
    x[18] = 7.0f;                /* window (1,1) */
    float y[4], dout[4] = {1.0f, 2.0f, 3.0f, 4.0f}, dx[25];
    fm_tlayer *l = &net->layers[0];
    fm_maxpool_forward(l, x, y, 1);
    assert_float_equal(y[0], 3.0f, 0);
    assert_float_equal(y[1], -0.5f, 0);
    assert_float_equal(y[2], 5.0f, 0);
    assert_float_equal(y[3], 7.0f, 0);
    fm_maxpool_backward(l, dout, dx, 1);
    float want[25] = {0};
    want[0] = 1.0f;
    want[7] = 2.0f; /* the first -0.5 */
    want[15] = 3.0f;
    want[18] = 4.0f;
    assert_memory_equal(dx, want, sizeof want);
    fm_net_free(net);
}

static void test_batch_too_large(void **state)
{
    (void)state;
    fm_layer_spec spec[16];
    int n = fm_lenet_layers(spec, 16);
    fm_net *net;
    fm_error err;
    assert_int_equal(fm_net_new(spec, n, 1, 28, 28, 1, &net, &err), FM_OK);
    float x[1] = {0};
    int32_t y[1] = {0};
    /* refused before anything is allocated or read */
    assert_int_equal(fm_net_train_step(net, x, y, 1 << 22, 0.1f, 0.9f, 0.0f, NULL, &err),
                     FM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "too large for layer 0"));
    fm_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_matches_loops),
        cmocka_unit_test(test_fc_matches_loops),
        cmocka_unit_test(test_maxpool_ties_and_gradient),
        cmocka_unit_test(test_batch_too_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
