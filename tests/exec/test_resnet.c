/* Acceptance on the shared CIFAR-10 ResNets: float accuracy against the
 * published figures (at most 3 images off), FxP8 post-training quantization
 * within 1 point of float, and bit-identical logits on every ISA.
 * FLEXMAC_TEST_SCALE=full (Release run) uses all 10,000 test images. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/eval.h"
#include "flexmac/import.h"

static fm_graph *load(const char *name)
{
    char rel[128], path[512];
    fm_graph *g;
    fm_error err;
    snprintf(rel, sizeof rel, "models/%s.onnx", name);
    if (!fm_test_shared(rel, path, sizeof path))
        return NULL;
    if (fm_model_load(path, &g, &err) != FM_OK) {
        fprintf(stderr, "%s\n", err.msg);
        fail();
    }
    return g;
}

static fm_dataset *open_cifar(const char *split)
{
    char rel[64], path[512];
    fm_preprocess pp;
    fm_dataset *ds;
    fm_error err;
    snprintf(rel, sizeof rel, "data/cifar10-%s", split);
    if (!fm_test_shared(rel, path, sizeof path))
        return NULL;
    fm_preprocess_preset("cifar", &pp);
    if (fm_dataset_open(path, &pp, &ds, &err) != FM_OK) {
        fprintf(stderr, "%s\n", err.msg);
        fail();
    }
    return ds;
}

static void check_float(const char *name, int64_t published_correct)
{
    char buf[512];
    FM_REQUIRE_SHARED(buf, "data/cifar10-test");
    fm_graph *g = load(name);
    fm_dataset *ds = open_cifar("test");
    fm_eval_opts o;
    fm_eval_result r;
    fm_error err;
    fm_eval_opts_default(&o);
    o.limit = fm_test_samples(10000, 200);
    assert_int_equal(fm_evaluate(g, ds, &o, &r, &err), FM_OK);
    fprintf(stderr, "%s float: %lld / %lld correct (%.2f %%)\n", name, (long long)r.top1, (long long)r.n,
            100.0 * (double)r.top1 / (double)r.n);
    if (r.n == 10000)
        assert_true(llabs(r.top1 - published_correct) <= 3);
    else
        assert_true(r.top1 >= r.n * 85 / 100);
    fm_dataset_close(ds);
    fm_graph_free(g);
}

static void test_resnet20_float(void **s) { (void)s; check_float("resnet20", 9173); }
static void test_resnet32_float(void **s) { (void)s; check_float("resnet32", 9263); }
static void test_resnet44_float(void **s) { (void)s; check_float("resnet44", 9310); }

static void test_resnet20_fxp8(void **state)
{
    (void)state;
    char buf[512];
    FM_REQUIRE_SHARED(buf, "data/cifar10-train");
    fm_graph *g = load("resnet20");
    fm_dataset *ds = open_cifar("test"), *cds = open_cifar("train");
    fm_calib *c;
    fm_error err;
    assert_int_equal(fm_calibrate(g, cds, 512, FM_CALIB_MINMAX, 0, &c, &err), FM_OK);
    fm_net_arith a;
    memset(&a, 0, sizeof a);
    fm_layer_arith_fxp(&a.deflt, 8, 8);
    fm_eval_opts o;
    fm_eval_result rf, rq;
    fm_eval_opts_default(&o);
    o.limit = fm_test_samples(10000, 1000);
    assert_int_equal(fm_evaluate(g, ds, &o, &rf, &err), FM_OK);
    o.arith = &a;
    o.calib = c;
    assert_int_equal(fm_evaluate(g, ds, &o, &rq, &err), FM_OK);
    double df = 100.0 * (double)rf.top1 / (double)rf.n, dq = 100.0 * (double)rq.top1 / (double)rq.n;
    fprintf(stderr, "resnet20 on %lld images: float %.2f %%, FxP8 %.2f %%\n", (long long)rf.n, df, dq);
    assert_true(fabs(df - dq) <= 1.0);
    fm_calib_free(c);
    fm_dataset_close(ds);
    fm_dataset_close(cds);
    fm_graph_free(g);
}

/* The fast kernels must give the scalar reference's logits bit for bit. */
static void test_resnet20_isa_bitexact(void **state)
{
    (void)state;
    char buf[512];
    FM_REQUIRE_SHARED(buf, "data/cifar10-train");
    fm_graph *g = load("resnet20");
    fm_dataset *cds = open_cifar("train");
    fm_calib *c;
    fm_error err;
    assert_int_equal(fm_calibrate(g, cds, 64, FM_CALIB_PERCENTILE, 99.99, &c, &err), FM_OK);
    enum { N = 24 };
    float *x = malloc((size_t)N * 3072 * sizeof *x), ref[N * 10], y[N * 10];
    assert_int_equal(fm_dataset_read_range(cds, 1000, N, x, NULL, &err), FM_OK);
    const int bits[] = {8, 6, 4};
    for (int b = 0; b < 3; b++) {
        fm_net_arith a;
        memset(&a, 0, sizeof a);
        fm_layer_arith_fxp(&a.deflt, bits[b], bits[b]);
        for (int isa = 0; isa <= (int)fm_cpu_best_isa(); isa++) {
            fm_exec_opts o;
            fm_exec *e;
            fm_exec_opts_default(&o);
            o.arith = &a;
            o.calib = c;
            o.isa_cap = (fm_isa)isa;
            o.max_batch = 8;
            assert_int_equal(fm_exec_create(g, &o, &e, &err), FM_OK);
            assert_int_equal(fm_exec_run(e, x, N, isa ? y : ref, &err), FM_OK);
            fm_exec_free(e);
            if (isa)
                assert_memory_equal(ref, y, sizeof y);
        }
    }
    free(x);
    fm_calib_free(c);
    fm_dataset_close(cds);
    fm_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resnet20_isa_bitexact),
        cmocka_unit_test(test_resnet20_float),
        cmocka_unit_test(test_resnet32_float),
        cmocka_unit_test(test_resnet44_float),
        cmocka_unit_test(test_resnet20_fxp8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
