/* Built-in networks, the graph adapter, whole-network estimates against
 * the FxP8 baseline, DBR costs, reports and the `flexmac hw` CLI. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/hw.h"
#include "flexmac/import.h"

static fm_hw_net builtin(const char *name)
{
    fm_hw_net n;
    fm_error err = {0};
    assert_int_equal(fm_hw_net_builtin(name, &n, &err), FM_OK);
    return n;
}

static void test_builtin_macs(void **state)
{
    (void)state;
    /* published totals: ResNet-50 ~4.1 G MACs, MobileNetV2 ~300 M,
     * VGG-16 ~15.5 G, AlexNet (grouped) ~0.72 G */
    static const struct { const char *name; double macs; int layers; } want[] = {
        {"resnet50", 4.1e9, 54}, {"mobilenetv2", 300e6, 53}, {"vgg16", 15.5e9, 16},
        {"alexnet", 0.72e9, 8}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        fm_hw_net n = builtin(want[i].name);
        double m = (double)fm_hw_net_macs(&n);
        if (fabs(m / want[i].macs - 1) >= 0.03)
            fprintf(stderr, "%s: %.0f MACs\n", want[i].name, m);
        assert_true(fabs(m / want[i].macs - 1) < 0.03);
        assert_int_equal(n.n, want[i].layers);
        fm_hw_net_free(&n);
    }
    fm_hw_net n = builtin("resnet50");
    assert_string_equal(n.layers[0].name, "conv1");
    assert_int_equal(n.layers[0].E, 112);
    assert_int_equal(n.layers[n.n - 1].C, 2048);
    assert_int_equal(n.layers[n.n - 1].M, 1000);
    fm_hw_net_free(&n);
    n = builtin("mobilenetv2");
    assert_int_equal(n.layers[1].groups, 32); /* first depthwise conv */
    assert_int_equal(n.layers[1].C, 1);
    fm_hw_net_free(&n);
    fm_error err = {0};
    assert_int_equal(fm_hw_net_builtin("lenet", &n, &err), FM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "lenet"));
    int count = 0;
    for (const char *const *p = fm_hw_builtin_names(); *p; p++)
        count++;
    assert_int_equal(count, 4);
}

static int add(fm_graph *g, const char *name, int ndim, int64_t a, int64_t b, int64_t c,
               int64_t d, int constant)
{
    int64_t s[4] = {a, b, c, d};
    void *data = constant ? calloc((size_t)fm_shape_numel(ndim, s), sizeof(float)) : NULL;
    return fm_graph_add_tensor(g, name, FM_F32, ndim, s, data);
}

static void test_graph_adapter(void **state)
{
    (void)state;
    fm_graph *g = fm_graph_new();
    int x = add(g, "x", 4, 1, 8, 10, 10, 0);
    int w = add(g, "w", 4, 8, 1, 3, 3, 1); /* depthwise */
    int y = add(g, "y", 4, 1, 8, 5, 5, 0);
    int f = add(g, "f", 2, 1, 200, 0, 0, 0);
    int fw = add(g, "fw", 2, 10, 200, 0, 0, 1);
    int o = add(g, "o", 2, 1, 10, 0, 0, 0);
    fm_node *n = fm_graph_add_node(g, FM_OP_CONV, "dw");
    n->n_in = 2, n->in[0] = x, n->in[1] = w, n->n_out = 1, n->out[0] = y;
    n->a.conv = (fm_conv_attr){3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 8};
    n = fm_graph_add_node(g, FM_OP_RELU, "relu");
    n->n_in = 1, n->in[0] = y, n->n_out = 1, n->out[0] = y;
    n = fm_graph_add_node(g, FM_OP_GEMM, "fc");
    n->n_in = 2, n->in[0] = f, n->in[1] = fw, n->n_out = 1, n->out[0] = o;
    n->a.gemm.trans_b = 1;
    fm_hw_net net;
    fm_error err = {0};
    assert_int_equal(fm_hw_net_from_graph(g, &net, &err), FM_OK);
    assert_int_equal(net.n, 2);
    fm_hw_layer *l = &net.layers[0];
    assert_string_equal(l->name, "dw");
    assert_int_equal(l->M, 8);
    assert_int_equal(l->C, 1);
    assert_int_equal(l->groups, 8);
    assert_int_equal(l->E, 5);
    assert_int_equal(l->stride, 2);
    assert_int_equal(fm_hw_layer_macs(l), fm_node_macs(g, &g->nodes[0]));
    l = &net.layers[1];
    assert_int_equal(l->M, 10);
    assert_int_equal(l->C, 200);
    assert_int_equal(l->mac_index, 1);
    assert_int_equal(fm_hw_layer_macs(l), fm_node_macs(g, &g->nodes[2]));
    fm_hw_net_free(&net);
    /* a conv whose output shape was never inferred names the node */
    g->tensors[y].shape[2] = 0;
    assert_int_equal(fm_hw_net_from_graph(g, &net, &err), FM_ERR_SHAPE);
    assert_non_null(strstr(err.msg, "'dw'"));
    fm_graph_free(g);
    /* a graph without MAC layers */
    g = fm_graph_new();
    assert_int_equal(fm_hw_net_from_graph(g, &net, &err), FM_ERR_INVALID);
    fm_graph_free(g);
}

static void test_network_totals_and_baseline(void **state)
{
    (void)state;
    fm_hw_arch a;
    fm_hw_arch_default(&a);
    fm_hw_net n = builtin("resnet50");
    fm_hw_result r;
    fm_error err = {0};
    assert_int_equal(fm_hw_estimate(&a, &n, NULL, &r, &err), FM_OK);
    /* FxP8 on the FxP8 array is its own baseline */
    assert_true(r.speedup == 1.0);
    assert_true(r.energy_ratio == 1.0);
    /* totals are the sums of the layers; energy parts sum to the total */
    int64_t cyc = 0, macs = 0;
    double e = 0, dram = 0;
    for (int i = 0; i < r.n; i++) {
        const fm_hw_layer_result *l = &r.layers[i];
        cyc += l->total_cycles;
        macs += l->macs;
        e += l->e.total;
        dram += l->dram_bytes[0] + l->dram_bytes[1] + l->dram_bytes[2];
        assert_true(fabs(l->e.total - (l->e.mac + l->e.buffers + l->e.dram + l->e.leakage)) <=
                    1e-9 * l->e.total);
        assert_true(l->util > 0 && l->util <= 1.0);
        assert_true(l->map_util > 0 && l->map_util <= 1.0);
        assert_true(l->total_cycles == l->compute_cycles + l->stall_cycles);
    }
    assert_int_equal(cyc, r.tot.total_cycles);
    assert_int_equal(macs, r.tot.macs);
    assert_true(fabs(e - r.tot.e.total) <= 1e-9 * e);
    assert_true(fabs(dram - (r.tot.dram_bytes[0] + r.tot.dram_bytes[1] + r.tot.dram_bytes[2])) <
                1e-6 * dram);
    assert_true(fabs(r.tot.e.total -
                     (r.tot.e.mac + r.tot.e.buffers + r.tot.e.dram + r.tot.e.leakage)) <=
                1e-9 * r.tot.e.total);
    fm_hw_result_free(&r);

    /* Ax-BxP K=2 L=2 |P|=3 on the Ax-BxP array with M=4: faster and
     * cheaper than FxP8 on the same array */
    a.pe.type = FM_PE_AXBXP;
    a.pe.K = 2;
    a.pe.multipliers = 4;
    fm_net_arith na;
    memset(&na, 0, sizeof na);
    fm_layer_arith_fxp(&na.deflt, 8, 8);
    na.deflt.w.K = na.deflt.x.K = 2;
    na.deflt.w.L = na.deflt.x.L = 2;
    na.deflt.w.select = na.deflt.x.select = FM_SEL_DYNAMIC;
    na.deflt.pset[1] = 0x1;
    assert_int_equal(fm_hw_estimate(&a, &n, &na, &r, &err), FM_OK);
    assert_true(r.speedup > 1.0);
    assert_true(r.energy_ratio < 1.0);
    assert_string_equal(r.arith, "custom");
    for (int i = 0; i < r.n; i++)
        assert_true(r.layers[i].base_cycles > 0 && r.layers[i].base_energy > 0);
    fm_hw_result_free(&r);
    /* a per-layer rule: keep conv1 exact FxP8 (16 products = 4 cycles/MAC) */
    fm_arith_rule rule = {NULL, 0, na.deflt};
    fm_layer_arith_fxp(&rule.a, 8, 8);
    na.rules = &rule;
    na.n_rules = 1;
    assert_int_equal(fm_hw_estimate(&a, &n, &na, &r, &err), FM_OK);
    assert_int_equal(r.layers[0].cpm_num, 16);
    assert_int_equal(r.layers[1].cpm_num, 3);
    fm_hw_result_free(&r);
    /* a float configuration is refused naming the layer */
    na.n_rules = 0;
    na.deflt.is_float = 1;
    assert_int_equal(fm_hw_estimate(&a, &n, &na, &r, &err), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "conv1"));
    fm_hw_net_free(&n);
}

static void test_dbr_sum_of_passes(void **state)
{
    (void)state;
    fm_hw_totals lv[2];
    memset(lv, 0, sizeof lv);
    lv[0].total_cycles = 100;
    lv[0].e.total = 10;
    lv[0].e.mac = 10;
    lv[1].total_cycles = 300;
    lv[1].e.total = 40;
    lv[1].e.dram = 40;
    double reach[2] = {1.0, 0.25};
    fm_hw_totals out;
    fm_error err = {0};
    assert_int_equal(fm_hw_dbr_expected(lv, reach, 2, &out, &err), FM_OK);
    assert_int_equal(out.total_cycles, 175);
    assert_true(fabs(out.e.total - 20.0) < 1e-12);
    assert_true(fabs(out.e.mac - 10.0) < 1e-12);
    assert_true(fabs(out.e.dram - 10.0) < 1e-12);
    double bad1[2] = {0.9, 0.1}, bad2[2] = {1.0, 1.5};
    assert_int_equal(fm_hw_dbr_expected(lv, bad1, 2, &out, &err), FM_ERR_INVALID);
    assert_int_equal(fm_hw_dbr_expected(lv, bad2, 2, &out, &err), FM_ERR_INVALID);
    assert_int_equal(fm_hw_dbr_expected(lv, reach, 0, &out, &err), FM_ERR_INVALID);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = s ? fread(s, 1, (size_t)n, f) : 0;
    fclose(f);
    if (s)
        s[got] = '\0';
    return s;
}

static void test_reports(void **state)
{
    (void)state;
    fm_hw_arch a;
    fm_hw_arch_default(&a);
    fm_hw_net n = builtin("alexnet");
    fm_hw_result r;
    fm_error err = {0};
    assert_int_equal(fm_hw_estimate(&a, &n, NULL, &r, &err), FM_OK);
    char jp[256], cp[256], sp[256];
    assert_int_equal(fm_test_write_tmp(".json", "", 0, jp), 0);
    assert_int_equal(fm_test_write_tmp(".csv", "", 0, cp), 0);
    assert_int_equal(fm_test_write_tmp(".svg", "", 0, sp), 0);
    assert_int_equal(fm_hw_write_json(&r, jp, &err), FM_OK);
    assert_int_equal(fm_hw_write_csv(&r, cp, &err), FM_OK);
    assert_int_equal(fm_hw_write_svg(&r, sp, &err), FM_OK);
    char *s = slurp(jp);
    cJSON *j = cJSON_Parse(s);
    assert_non_null(j);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "layers")), 8);
    cJSON *tot = cJSON_GetObjectItem(j, "total");
    assert_true(cJSON_GetObjectItem(tot, "macs")->valuedouble == (double)r.tot.macs);
    cJSON_Delete(j);
    free(s);
    s = slurp(cp);
    int lines = 0;
    for (char *p = s; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 9);
    assert_non_null(strstr(s, "\"fc8\","));
    free(s);
    s = slurp(sp);
    assert_true(strncmp(s, "<svg", 4) == 0);
    assert_non_null(strstr(s, "</svg>"));
    assert_non_null(strstr(s, "speed-up"));
    free(s);
    assert_int_equal(fm_hw_write_json(&r, "/nonexistent/dir/x.json", &err), FM_ERR_IO);
    remove(jp);
    remove(cp);
    remove(sp);
    fm_hw_result_free(&r);
    fm_hw_net_free(&n);
}

static void test_cli(void **state)
{
    (void)state;
    static char out[1 << 16];
    assert_int_equal(fm_test_cli("hw --net resnet50 --quiet", out, sizeof out), 0);
    assert_non_null(strstr(out, "4089184256 MACs"));
    assert_int_equal(fm_test_cli("hw --list-nets", out, sizeof out), 0);
    assert_non_null(strstr(out, "mobilenetv2"));
    assert_int_equal(fm_test_cli("hw --net resnet50 --frobnicate", out, sizeof out), 2);
    assert_non_null(strstr(out, "--frobnicate"));
    assert_int_equal(fm_test_cli("hw --net", out, sizeof out), 2);
    assert_int_equal(fm_test_cli("hw", out, sizeof out), 2);
    assert_int_equal(fm_test_cli("hw --net nosuchnet", out, sizeof out), 1);
    assert_int_equal(fm_test_cli("hw --net mobilenetv2 --arch hw/axbxp_16x16.json", out,
                                 sizeof out), 0);
    assert_non_null(strstr(out, "TOTAL"));
    assert_non_null(strstr(out, "vs FxP8"));
    /* report files */
    char jp[256], cp[256], sp[256], cmd0[1024];
    assert_int_equal(fm_test_write_tmp(".json", "", 0, jp), 0);
    assert_int_equal(fm_test_write_tmp(".csv", "", 0, cp), 0);
    assert_int_equal(fm_test_write_tmp(".svg", "", 0, sp), 0);
    snprintf(cmd0, sizeof cmd0, "hw --net alexnet --arch hw/bitfusion_16x16.json --json %s "
             "--csv %s --svg %s --quiet", jp, cp, sp);
    assert_int_equal(fm_test_cli(cmd0, out, sizeof out), 0);
    const char *paths[3] = {jp, cp, sp};
    for (int i = 0; i < 3; i++) {
        char *t = slurp(paths[i]);
        assert_non_null(t);
        assert_true(strlen(t) > 100);
        free(t);
        remove(paths[i]);
    }
    /* an unusable arithmetic configuration is an error, not a crash */
    assert_int_equal(fm_test_cli("hw --net alexnet --arith no-such-scheme:9", out, sizeof out), 1);
    assert_non_null(strstr(out, "flexmac hw:"));
    char bad[256];
    const char *txt = "{\"array\":{\"rows\":16}}";
    assert_int_equal(fm_test_write_tmp(".json", txt, strlen(txt), bad), 0);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "hw --net alexnet --arch %s", bad);
    assert_int_equal(fm_test_cli(cmd, out, sizeof out), 1);
    assert_non_null(strstr(out, "array.cols"));
    remove(bad);
}

/* Loads a shared model; skips (visibly) while the importers are stubs. */
static fm_graph *load_or_skip(const char *rel)
{
    char path[512];
    FM_REQUIRE_SHARED(path, rel);
    fm_graph *g = NULL;
    fm_error err = {0};
    fm_status st = fm_model_load(path, &g, &err);
    if (st == FM_ERR_UNSUPPORTED) {
        fprintf(stderr, "SKIP: %s: importer not built in this branch (%s)\n", rel, err.msg);
        skip();
    }
    if (st)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(st, FM_OK);
    return g;
}

/* The TFLite MobileNetV2 has the built-in list's shapes, layer for layer
 * (its classifier has 1001 outputs, class 0 = background). */
static void test_tflite_mobilenetv2_matches_builtin(void **state)
{
    (void)state;
    fm_graph *g = load_or_skip("models/mobilenet_v2_1.0_224_quant.tflite");
    fm_hw_net m, b = builtin("mobilenetv2");
    fm_error err = {0};
    assert_int_equal(fm_hw_net_from_graph(g, &m, &err), FM_OK);
    assert_int_equal(m.n, b.n);
    for (int i = 0; i < m.n; i++) {
        const fm_hw_layer *x = &m.layers[i], *y = &b.layers[i];
        assert_int_equal(x->M, i == m.n - 1 ? 1001 : y->M);
        assert_int_equal(x->C, y->C);
        assert_int_equal(x->R, y->R);
        assert_int_equal(x->E, y->E);
        assert_int_equal(x->F, y->F);
        assert_int_equal(x->groups, y->groups);
        assert_int_equal(x->stride, y->stride);
    }
    fm_hw_net_free(&m);
    fm_hw_net_free(&b);
    fm_graph_free(g);
}

/* ResNet-20 (CIFAR-10): the adapter's MACs equal the graph's own count. */
static void test_onnx_resnet20_macs(void **state)
{
    (void)state;
    fm_graph *g = load_or_skip("models/resnet20.onnx");
    fm_hw_net m;
    fm_error err = {0};
    assert_int_equal(fm_hw_net_from_graph(g, &m, &err), FM_OK);
    int64_t want = 0;
    for (int i = 0; i < g->n_nodes; i++)
        want += fm_node_macs(g, &g->nodes[i]);
    assert_int_equal(fm_hw_net_macs(&m), want);
    assert_int_equal(m.n, 20);
    fm_hw_arch a;
    fm_hw_arch_default(&a);
    fm_hw_result r;
    assert_int_equal(fm_hw_estimate(&a, &m, NULL, &r, &err), FM_OK);
    assert_true(r.tot.total_cycles > 0);
    fm_hw_result_free(&r);
    fm_hw_net_free(&m);
    fm_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_macs),
        cmocka_unit_test(test_graph_adapter),
        cmocka_unit_test(test_network_totals_and_baseline),
        cmocka_unit_test(test_dbr_sum_of_passes),
        cmocka_unit_test(test_reports),
        cmocka_unit_test(test_cli),
        cmocka_unit_test(test_tflite_mobilenetv2_matches_builtin),
        cmocka_unit_test(test_onnx_resnet20_macs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
