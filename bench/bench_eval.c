/* Benchmark: ResNet-20 on the 10,000 CIFAR-10 test images.
 *
 * Prints end-to-end times (PNG decode + inference, via fm_evaluate) and
 * compute-only throughput on pre-decoded images, for float and FxP8, on 1
 * and 2 threads, with ratios measured in this run. Target (issue 2): the full
 * FxP8 evaluation in at most 5 s on 2 cores.
 *
 * usage: bench_eval [SHARED_DIR] [N]   (default ../shared, 10000 images) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flexmac/eval.h"
#include "flexmac/import.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int die(const fm_error *e)
{
    fprintf(stderr, "bench_eval: %s\n", e->msg);
    return 1;
}

static double compute_only(const fm_graph *g, const fm_net_arith *a, const fm_calib *c, int threads,
                           const float *x, int n, float *y, fm_isa isa)
{
    fm_exec_opts o;
    fm_exec *e;
    fm_error err;
    fm_exec_opts_default(&o);
    o.arith = a;
    o.calib = c;
    o.threads = threads;
    o.max_batch = 256;
    o.isa_cap = isa;
    if (fm_exec_create(g, &o, &e, &err) != FM_OK) {
        die(&err);
        return -1;
    }
    double t0 = now_s();
    for (int b = 0; b < n; b += 256)
        fm_exec_run(e, x + (size_t)b * 3072, n - b < 256 ? n - b : 256, y + (size_t)b * 10, &err);
    double dt = now_s() - t0;
    fm_exec_free(e);
    return dt;
}

int main(int argc, char **argv)
{
    const char *shared = argc > 1 ? argv[1] : "../shared";
    int n = argc > 2 ? atoi(argv[2]) : 10000;
    char model[512], test[512], train[512];
    snprintf(model, sizeof model, "%s/models/resnet20.onnx", shared);
    snprintf(test, sizeof test, "%s/data/cifar10-test", shared);
    snprintf(train, sizeof train, "%s/data/cifar10-train", shared);
    fm_error err;
    fm_graph *g;
    fm_dataset *ds, *cds;
    fm_preprocess pp;
    fm_calib *calib;
    fm_preprocess_preset("cifar", &pp);
    if (fm_model_load(model, &g, &err) || fm_dataset_open(test, &pp, &ds, &err) ||
        fm_dataset_open(train, &pp, &cds, &err))
        return die(&err);
    if (n > fm_dataset_count(ds))
        n = (int)fm_dataset_count(ds);
    if (fm_calibrate(g, cds, 512, FM_CALIB_MINMAX, 0, &calib, &err))
        return die(&err);
    fm_net_arith fxp8;
    memset(&fxp8, 0, sizeof fxp8);
    fm_layer_arith_fxp(&fxp8.deflt, 8, 8);

    printf("ResNet-20, %d CIFAR-10 test images, kernels: %s\n\n", n, fm_isa_name(fm_cpu_best_isa()));
    double t0 = now_s();
    float *x = malloc((size_t)n * 3072 * sizeof *x), *y = malloc((size_t)n * 10 * sizeof *y);
    if (fm_dataset_read_range(ds, 0, n, x, NULL, &err))
        return die(&err);
    double t_decode = now_s() - t0;
    printf("PNG decode + preprocess: %.3f s (%.0f images/s)\n\n", t_decode, n / t_decode);

    printf("%-28s %8s %12s %10s\n", "configuration", "threads", "images/s", "seconds");
    double base = 0;
    struct { const char *name; const fm_net_arith *a; fm_isa isa; } cfgs[] = {
        {"float (OpenBLAS)", NULL, FM_ISA_COUNT},
        {"FxP8 scalar kernels", &fxp8, FM_ISA_SCALAR},
        {"FxP8 avx2", &fxp8, FM_ISA_AVX2},
        {"FxP8 best", &fxp8, FM_ISA_COUNT},
    };
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++)
        for (int th = 1; th <= 2; th++) {
            if (cfgs[i].isa == FM_ISA_SCALAR && th == 2)
                continue;
            int m = cfgs[i].isa == FM_ISA_SCALAR ? (n < 1000 ? n : 1000) : n;
            double dt = compute_only(g, cfgs[i].a, calib, th, x, m, y, cfgs[i].isa);
            if (dt < 0)
                return 1;
            if (i == 0 && th == 1)
                base = m / dt;
            printf("%-28s %8d %12.0f %10.3f   (%.2fx float 1-thread)\n", cfgs[i].name, th, m / dt, dt,
                   (m / dt) / base);
        }

    fm_eval_opts eo;
    fm_eval_result r;
    fm_eval_opts_default(&eo);
    eo.arith = &fxp8;
    eo.calib = calib;
    eo.limit = n;
    if (fm_evaluate(g, ds, &eo, &r, &err))
        return die(&err);
    printf("\nend to end (decode + FxP8 inference, all threads): %.3f s for %lld images, top-1 %.2f %%"
           " (target: <= 5 s for 10,000)\n",
           r.seconds, (long long)r.n, 100.0 * (double)r.top1 / (double)r.n);
    free(x);
    free(y);
    fm_calib_free(calib);
    fm_dataset_close(ds);
    fm_dataset_close(cds);
    fm_graph_free(g);
    return 0;
}
