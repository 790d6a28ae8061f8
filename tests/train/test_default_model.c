/* The committed default model, models/fmnist_lenet.onnx: it imports as the
 * LeNet-style graph `flexmac train` writes, and (when Debian's Fashion-MNIST
 * is installed) its weights, loaded back into a training net, reach the
 * documented >= 89% test accuracy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fm_test.h"
#include "flexmac/data.h"
#include "flexmac/import.h"
#include "flexmac/train.h"

#define MODEL FLEXMAC_SOURCE_DIR "/models/fmnist_lenet.onnx"
#define TEST_IMAGES "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"

static fm_graph *load_model(void)
{
    fm_graph *g;
    fm_error err;
    if (fm_onnx_load(MODEL, &g, &err) != FM_OK)
        fail_msg("%s", err.msg);
    return g;
}

static void test_structure(void **state)
{
    (void)state;
    fm_graph *g = load_model();
    const fm_op want[] = {FM_OP_CONV, FM_OP_RELU, FM_OP_MAXPOOL, FM_OP_CONV, FM_OP_RELU,
                          FM_OP_MAXPOOL, FM_OP_FLATTEN, FM_OP_GEMM, FM_OP_RELU, FM_OP_GEMM};
    assert_int_equal(g->n_nodes, 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal(g->nodes[i].op, want[i]);
    const fm_tensor *in = &g->tensors[g->input], *out = &g->tensors[g->output];
    assert_int_equal(in->ndim, 4);
    assert_int_equal(in->shape[1], 1);
    assert_int_equal(in->shape[2], 28);
    assert_int_equal(out->shape[1], 10);
    int64_t params = 0;
    for (int i = 0; i < g->n_nodes; i++)
        params += fm_node_params(g, &g->nodes[i]);
    /* 416 + 12832 + 102528 + 1290 */
    assert_int_equal(params, 117066);
    fm_graph_free(g);
}

/* Copies the graph's conv/gemm weights and biases, in order, into the net. */
static void load_weights(fm_net *net, const fm_graph *g)
{
    int layer = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const fm_node *n = &g->nodes[i];
        if (n->op != FM_OP_CONV && n->op != FM_OP_GEMM)
            continue;
        int64_t nw = 0, nb = 0;
        float *w = NULL, *b = NULL;
        while (layer < fm_net_num_layers(net) && !(w = fm_net_weights(net, layer, &nw)))
            layer++;
        b = fm_net_bias(net, layer, &nb);
        assert_non_null(w);
        assert_int_equal(fm_tensor_numel(&g->tensors[n->in[1]]), nw);
        assert_int_equal(fm_tensor_numel(&g->tensors[n->in[2]]), nb);
        memcpy(w, g->tensors[n->in[1]].data, (size_t)nw * sizeof *w);
        memcpy(b, g->tensors[n->in[2]].data, (size_t)nb * sizeof *b);
        layer++;
    }
}

static void test_accuracy(void **state)
{
    (void)state;
    struct stat st;
    if (stat(TEST_IMAGES, &st) != 0) {
        fprintf(stderr, "SKIP: %s not installed; accuracy not checked\n", TEST_IMAGES);
        skip();
    }
    fm_graph *g = load_model();
    fm_layer_spec spec[16];
    int n = fm_lenet_layers(spec, 16);
    fm_net *net;
    fm_error err;
    assert_int_equal(fm_net_new(spec, n, 1, 28, 28, 0, &net, &err), FM_OK);
    load_weights(net, g);
    fm_preprocess pre;
    assert_true(fm_preprocess_preset("unit", &pre));
    fm_dataset *ds;
    if (fm_dataset_open(TEST_IMAGES, &pre, &ds, &err) != FM_OK)
        fail_msg("%s", err.msg);
    double acc = 0;
    assert_int_equal(fm_net_accuracy(net, ds, &acc, &err), FM_OK);
    fprintf(stderr, "models/fmnist_lenet.onnx: test accuracy %.2f%%\n", 100.0 * acc);
    assert_true(acc >= 0.89);
    fm_dataset_close(ds);
    fm_net_free(net);
    fm_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_accuracy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
