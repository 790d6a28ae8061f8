/* Training end to end on a small synthetic, separable problem (class = which
 * quadrant of an 8x8 image is bright), determinism for a fixed seed, bad
 * configurations and layer specs, and conversion to the graph IR. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/train.h"

#define N_TRAIN 512
#define N_TEST 256
#define HW 8

static void make_set(float *x, int32_t *y, int n, uint64_t seed)
{
    uint64_t r = seed;
    for (int s = 0; s < n; s++) {
        int cls = (int)(fm_test_rand(&r) % 4);
        y[s] = cls;
        for (int i = 0; i < HW; i++)
            for (int j = 0; j < HW; j++) {
                int q = (i >= HW / 2) * 2 + (j >= HW / 2);
                float noise = (float)(fm_test_rand(&r) % 1000) / 1000.0f * 0.6f;
                x[(int64_t)s * HW * HW + i * HW + j] = (q == cls ? 0.5f : 0.0f) + noise;
            }
    }
}

static const fm_layer_spec small_net[] = {
    {FM_LAYER_CONV, 4, 3, 1, 1}, {FM_LAYER_RELU, 0, 0, 0, 0}, {FM_LAYER_MAXPOOL, 0, 2, 0, 0},
    {FM_LAYER_FLATTEN, 0, 0, 0, 0}, {FM_LAYER_FC, 16, 0, 0, 0}, {FM_LAYER_RELU, 0, 0, 0, 0},
    {FM_LAYER_FC, 4, 0, 0, 0},
};
#define SMALL_LAYERS 7

typedef struct progress_log {
    int calls;
    double last_acc;
} progress_log;

static int on_epoch(void *ctx, const fm_epoch_report *r)
{
    progress_log *p = ctx;
    p->calls++;
    assert_int_equal(r->epoch, p->calls);
    assert_true(r->train_loss >= 0.0 && r->test_acc >= 0.0 && r->test_acc <= 1.0);
    p->last_acc = r->test_acc;
    return 0;
}

static void train_small(uint64_t seed, fm_net **out, fm_train_result *res, progress_log *log)
{
    static float x[N_TRAIN * HW * HW], tx[N_TEST * HW * HW];
    static int32_t y[N_TRAIN], ty[N_TEST];
    make_set(x, y, N_TRAIN, 42);
    make_set(tx, ty, N_TEST, 43);
    fm_error err;
    assert_int_equal(fm_net_new(small_net, SMALL_LAYERS, 1, HW, HW, seed, out, &err), FM_OK);
    fm_train_config cfg;
    fm_train_config_default(&cfg);
    cfg.epochs = 10; /* 8 steps of 64 per epoch: 80 steps */
    cfg.batch = 64;
    cfg.lr = 0.05f;
    cfg.progress = on_epoch;
    cfg.progress_ctx = log;
    assert_int_equal(fm_train_run_arrays(*out, x, y, N_TRAIN, tx, ty, N_TEST, &cfg, res, &err),
                     FM_OK);
}

static void test_learns_separable_problem(void **state)
{
    (void)state;
    fm_net *net;
    fm_train_result res;
    progress_log log = {0, 0};
    train_small(7, &net, &res, &log);
    assert_int_equal(log.calls, 10);
    assert_int_equal(res.epochs_run, 10);
    assert_true(res.test_acc >= 0.97);
    assert_true(res.final_train_loss < 0.2);
    assert_true(fabs(log.last_acc - res.test_acc) < 1e-12);
    fm_net_free(net);
}

static void test_deterministic_for_seed(void **state)
{
    (void)state;
    fm_net *a, *b;
    fm_train_result ra, rb;
    progress_log la = {0, 0}, lb = {0, 0};
    train_small(9, &a, &ra, &la);
    train_small(9, &b, &rb, &lb);
    for (int i = 0; i < SMALL_LAYERS; i++) {
        int64_t na, nb;
        float *wa = fm_net_weights(a, i, &na), *wb = fm_net_weights(b, i, &nb);
        assert_int_equal(na, nb);
        if (na)
            assert_memory_equal(wa, wb, (size_t)na * sizeof *wa);
    }
    assert_true(ra.test_acc == rb.test_acc);
    fm_net_free(a);
    fm_net_free(b);
}

static int stop_after_two(void *ctx, const fm_epoch_report *r)
{
    (void)ctx;
    return r->epoch >= 2;
}

static void test_progress_can_stop(void **state)
{
    (void)state;
    float x[16 * 4] = {0};
    int32_t y[16] = {0, 1};
    fm_net *net;
    fm_error err;
    const fm_layer_spec spec[] = {{FM_LAYER_FLATTEN, 0, 0, 0, 0}, {FM_LAYER_FC, 2, 0, 0, 0}};
    assert_int_equal(fm_net_new(spec, 2, 1, 2, 2, 1, &net, &err), FM_OK);
    fm_train_config cfg;
    fm_train_config_default(&cfg);
    cfg.epochs = 5;
    cfg.batch = 4;
    cfg.progress = stop_after_two;
    fm_train_result res;
    assert_int_equal(fm_train_run_arrays(net, x, y, 16, NULL, NULL, 0, &cfg, &res, &err), FM_OK);
    assert_int_equal(res.epochs_run, 2);
    assert_true(res.test_acc < 0.0);
    fm_net_free(net);
}

static void test_bad_config_and_labels(void **state)
{
    (void)state;
    float x[8 * 4] = {0};
    int32_t y[8] = {0};
    fm_net *net;
    fm_error err;
    const fm_layer_spec spec[] = {{FM_LAYER_FLATTEN, 0, 0, 0, 0}, {FM_LAYER_FC, 2, 0, 0, 0}};
    assert_int_equal(fm_net_new(spec, 2, 1, 2, 2, 1, &net, &err), FM_OK);
    fm_train_config cfg;
    fm_train_config_default(&cfg);
    cfg.epochs = 0;
    assert_int_equal(fm_train_run_arrays(net, x, y, 8, NULL, NULL, 0, &cfg, NULL, &err),
                     FM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "epochs 0"));
    fm_train_config_default(&cfg);
    cfg.lr = -1.0f;
    assert_int_equal(fm_train_run_arrays(net, x, y, 8, NULL, NULL, 0, &cfg, NULL, &err),
                     FM_ERR_INVALID);
    fm_train_config_default(&cfg);
    cfg.momentum = 1.0f;
    assert_int_equal(fm_train_run_arrays(net, x, y, 8, NULL, NULL, 0, &cfg, NULL, &err),
                     FM_ERR_INVALID);
    fm_train_config_default(&cfg);
    cfg.lr = NAN;
    assert_int_equal(fm_train_run_arrays(net, x, y, 8, NULL, NULL, 0, &cfg, NULL, &err),
                     FM_ERR_INVALID);
    fm_train_config_default(&cfg);
    y[3] = 2; /* only classes 0..1 */
    assert_int_equal(fm_train_run_arrays(net, x, y, 8, NULL, NULL, 0, &cfg, NULL, &err),
                     FM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "label 2 of sample"));
    y[3] = -1;
    assert_int_equal(fm_net_train_step(net, x, y, 8, 0.1f, 0.9f, 0.0f, NULL, &err),
                     FM_ERR_INVALID);
    assert_int_equal(fm_net_train_step(net, x, y, 0, 0.1f, 0.9f, 0.0f, NULL, &err),
                     FM_ERR_INVALID);
    assert_int_equal(fm_train_run_arrays(net, x, y, 0, NULL, NULL, 0, &cfg, NULL, &err),
                     FM_ERR_INVALID);
    fm_net_free(net);
}

static void expect_bad_net(const fm_layer_spec *spec, int n, int c, int h, int w,
                           fm_status want, const char *msg)
{
    fm_net *net = (fm_net *)1;
    fm_error err;
    assert_int_equal(fm_net_new(spec, n, c, h, w, 1, &net, &err), want);
    assert_null(net);
    if (!strstr(err.msg, msg))
        fail_msg("message '%s' lacks '%s'", err.msg, msg);
}

static void test_bad_layer_specs(void **state)
{
    (void)state;
    const fm_layer_spec fc_on_image[] = {{FM_LAYER_FC, 4, 0, 0, 0}};
    expect_bad_net(fc_on_image, 1, 1, 4, 4, FM_ERR_SHAPE, "layer 0 (fc): input 1x4x4 is not flat");
    const fm_layer_spec big_kernel[] = {{FM_LAYER_CONV, 2, 7, 1, 0}, {FM_LAYER_FLATTEN, 0, 0, 0, 0},
                                        {FM_LAYER_FC, 2, 0, 0, 0}};
    expect_bad_net(big_kernel, 3, 1, 4, 4, FM_ERR_SHAPE, "layer 0 (conv): kernel 7");
    const fm_layer_spec neg_pad[] = {{FM_LAYER_CONV, 2, 3, 1, -1}};
    expect_bad_net(neg_pad, 1, 1, 4, 4, FM_ERR_INVALID, "layer 0 (conv)");
    const fm_layer_spec big_pool[] = {{FM_LAYER_MAXPOOL, 0, 5, 0, 0}};
    expect_bad_net(big_pool, 1, 1, 4, 4, FM_ERR_SHAPE, "layer 0 (maxpool): window 5");
    const fm_layer_spec not_flat[] = {{FM_LAYER_CONV, 2, 3, 1, 1}};
    expect_bad_net(not_flat, 1, 1, 4, 4, FM_ERR_SHAPE, "last layer must give a flat vector");
    const fm_layer_spec bad_kind[] = {{(fm_layer_kind)99, 0, 0, 0, 0}};
    expect_bad_net(bad_kind, 1, 1, 4, 4, FM_ERR_INVALID, "unknown kind 99");
    expect_bad_net(fc_on_image, 0, 1, 4, 4, FM_ERR_INVALID, "network");
    expect_bad_net(fc_on_image, 1, 0, 4, 4, FM_ERR_INVALID, "network");
}

static void test_lenet_to_graph(void **state)
{
    (void)state;
    fm_layer_spec spec[16];
    int n = fm_lenet_layers(spec, 16);
    assert_int_equal(n, 10);
    assert_int_equal(fm_lenet_layers(spec, 3), -1);
    fm_net *net;
    fm_error err;
    assert_int_equal(fm_net_new(spec, n, 1, 28, 28, 1, &net, &err), FM_OK);
    assert_int_equal(fm_net_num_outputs(net), 10);
    fm_graph *g;
    assert_int_equal(fm_net_to_graph(net, &g, &err), FM_OK);
    assert_int_equal(g->n_nodes, 10);
    const fm_op want[] = {FM_OP_CONV, FM_OP_RELU, FM_OP_MAXPOOL, FM_OP_CONV, FM_OP_RELU,
                          FM_OP_MAXPOOL, FM_OP_FLATTEN, FM_OP_GEMM, FM_OP_RELU, FM_OP_GEMM};
    for (int i = 0; i < 10; i++)
        assert_int_equal(g->nodes[i].op, want[i]);
    const fm_node *c0 = &g->nodes[0];
    assert_int_equal(c0->n_in, 3);
    assert_int_equal(c0->a.conv.kh, 5);
    assert_int_equal(c0->a.conv.pad_t, 2);
    assert_int_equal(c0->a.conv.pad_r, 2);
    assert_int_equal(c0->a.conv.group, 1);
    const fm_tensor *w0 = &g->tensors[c0->in[1]];
    assert_int_equal(w0->ndim, 4);
    assert_int_equal(w0->shape[0], 16);
    assert_int_equal(w0->shape[1], 1);
    int64_t nw;
    float *w = fm_net_weights(net, 0, &nw);
    assert_int_equal(nw, 16 * 25);
    assert_memory_equal(w0->data, w, (size_t)nw * sizeof *w);
    const fm_node *fc = &g->nodes[7];
    assert_int_equal(fc->a.gemm.trans_b, 1);
    assert_int_equal(g->tensors[fc->in[1]].shape[0], 128);
    assert_int_equal(g->tensors[fc->in[1]].shape[1], 32 * 5 * 5);
    assert_int_equal(g->nodes[5].a.pool.sh, 2);
    assert_string_equal(g->tensors[g->output].name, "logits");
    assert_int_equal(g->tensors[g->output].shape[1], 10);
    assert_string_equal(g->tensors[g->input].name, "input");
    assert_int_equal(g->tensors[g->nodes[5].out[0]].shape[2], 5);
    fm_graph_free(g);
    fm_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learns_separable_problem),
        cmocka_unit_test(test_deterministic_for_seed),
        cmocka_unit_test(test_progress_can_stop),
        cmocka_unit_test(test_bad_config_and_labels),
        cmocka_unit_test(test_bad_layer_specs),
        cmocka_unit_test(test_lenet_to_graph),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
