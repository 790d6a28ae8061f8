#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/graph.h"

static void test_add_and_find(void **state)
{
    (void)state;
    fm_graph *g = fm_graph_new();
    int64_t shape[4] = {1, 3, 8, 8};
    int x = fm_graph_add_tensor(g, "x", FM_F32, 4, shape, NULL);
    int64_t ws[4] = {4, 3, 3, 3};
    int w = fm_graph_add_tensor(g, "w", FM_F32, 4, ws, calloc(108, sizeof(float)));
    int64_t ys[4] = {1, 4, 6, 6};
    int y = fm_graph_add_tensor(g, "y", FM_F32, 4, ys, NULL);
    fm_node *n = fm_graph_add_node(g, FM_OP_CONV, "conv0");
    n->n_in = 2;
    n->in[0] = x;
    n->in[1] = w;
    n->n_out = 1;
    n->out[0] = y;
    assert_int_equal(fm_graph_find_tensor(g, "w"), w);
    assert_int_equal(fm_graph_find_tensor(g, "nope"), -1);
    assert_int_equal(fm_graph_producer(g, y), 0);
    assert_int_equal(fm_graph_consumers(g, x), 1);
    assert_int_equal(fm_node_macs(g, &g->nodes[0]), 4 * 36 * 27);
    assert_int_equal(fm_node_params(g, &g->nodes[0]), 108);
    assert_string_equal(fm_op_name(FM_OP_CONV), "Conv");
    fm_graph_free(g);
}

static void test_error_prefix(void **state)
{
    (void)state;
    fm_error e;
    assert_int_equal(fm_error_set(&e, FM_ERR_IO, "cannot open %s", "a.onnx"), FM_ERR_IO);
    fm_error_prefix(&e, "model");
    assert_string_equal(e.msg, "model: cannot open a.onnx");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_and_find),
        cmocka_unit_test(test_error_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
