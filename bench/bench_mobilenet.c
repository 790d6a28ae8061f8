/* Benchmark: MobileNetV2 (TFLite, uint8) in its own integer semantics.
 *
 * Compute only, on pre-decoded ImageNet images (uint8, centre crop 224):
 * images/s of the scalar reference fm_tflite_ref_run, and of the fast path
 * (fm_tflite_fast) on every ISA up to the CPU's best with 1 and 2 threads;
 * the share of the fast path's time spent in depthwise convolutions, the
 * other convolutions, ADD and the remaining nodes; and a check that the fast
 * outputs equal the reference's. docs/tflite.md quotes a run.
 *
 * usage: bench_mobilenet [SHARED_DIR] [N]   (default ../shared, 32 images) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flexmac/data.h"
#include "flexmac/import.h"
#include "flexmac/tflite_fast.h"
#include "flexmac/tflite_ref.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int die(const fm_error *e)
{
    fprintf(stderr, "bench_mobilenet: %s\n", e->msg);
    return 1;
}

int main(int argc, char **argv)
{
    const char *shared = argc > 1 ? argv[1] : "../shared";
    int n = argc > 2 ? atoi(argv[2]) : 32;
    char model[512], data[512];
    snprintf(model, sizeof model, "%s/models/mobilenet_v2_1.0_224_quant.tflite", shared);
    snprintf(data, sizeof data, "%s/data/imagenet-val/labels.txt", shared);
    fm_error err;
    fm_graph *g;
    fm_dataset *ds;
    if (fm_tflite_load(model, &g, &err) != FM_OK)
        return die(&err);
    fm_preprocess pp;
    fm_preprocess_preset("raw", &pp);
    pp.channels = 3;
    pp.crop_h = pp.crop_w = 224;
    if (fm_dataset_open(data, &pp, &ds, &err) != FM_OK)
        return die(&err);
    if (n < 1 || n > fm_dataset_count(ds))
        n = (int)fm_dataset_count(ds);
    size_t per = 3 * 224 * 224;
    float *xf = malloc(sizeof(float) * per * (size_t)n);
    uint8_t *x = malloc(per * (size_t)n), *want = malloc(1001 * (size_t)n), *got = malloc(1001 * (size_t)n);
    if (!xf || !x || !want || !got)
        return 1;
    if (fm_dataset_read_range(ds, 0, n, xf, NULL, &err) != FM_OK)
        return die(&err);
    for (size_t i = 0; i < per * (size_t)n; i++)
        x[i] = (uint8_t)(xf[i] >= 255.0f ? 255 : xf[i] > 0.0f ? lroundf(xf[i]) : 0);
    printf("MobileNetV2 1.0 224 uint8, %d images (compute only, decoded beforehand), best ISA %s\n", n,
           fm_isa_name(fm_cpu_best_isa()));

    int nref = n < 8 ? n : 8;
    double t0 = now_s();
    for (int i = 0; i < nref; i++)
        if (fm_tflite_ref_run(g, x + per * i, per, want + 1001 * (size_t)i, 1001, NULL, &err) != FM_OK)
            return die(&err);
    double ref_ips = nref / (now_s() - t0);
    printf("%-34s %10.2f images/s  (%d images)\n", "scalar reference (fm_tflite_ref)", ref_ips, nref);

    for (int isa = FM_ISA_SCALAR; isa <= (int)fm_cpu_best_isa(); isa++)
        for (int threads = 1; threads <= 2; threads++) {
            fm_tflite_fast *f;
            if (fm_tflite_fast_create(g, threads, (fm_isa)isa, &f, &err) != FM_OK)
                return die(&err);
            fm_tflite_fast_run(f, x, threads, got, NULL, &err); /* warm-up */
            fm_tflite_fast_profile(f, 1);
            t0 = now_s();
            if (fm_tflite_fast_run(f, x, n, got, NULL, &err) != FM_OK)
                return die(&err);
            double dt = now_s() - t0, prof[FM_TFAST_KINDS], tot = 0;
            fm_tflite_fast_profile_get(f, prof);
            for (int k = 0; k < FM_TFAST_KINDS; k++)
                tot += prof[k];
            int same = memcmp(got, want, 1001 * (size_t)nref) == 0;
            char label[64];
            snprintf(label, sizeof label, "fast %s, %d thread%s", fm_isa_name((fm_isa)isa), threads,
                     threads > 1 ? "s" : "");
            printf("%-34s %10.2f images/s  x%.1f vs reference; time: depthwise %4.1f %% (%.2f ms/image), "
                   "conv/fc %4.1f %%, add %4.1f %%, other %4.1f %%; %s\n",
                   label, n / dt, n / dt / ref_ips, 100 * prof[FM_TFAST_DEPTHWISE] / tot,
                   1e3 * prof[FM_TFAST_DEPTHWISE] / n,
                   100 * prof[FM_TFAST_CONV] / tot, 100 * prof[FM_TFAST_ADD] / tot, 100 * prof[FM_TFAST_OTHER] / tot,
                   same ? "outputs equal the reference" : "OUTPUTS DIFFER");
            fm_tflite_fast_free(f);
            if (!same)
                return 1;
        }
    free(xf);
    free(x);
    free(want);
    free(got);
    fm_dataset_close(ds);
    fm_graph_free(g);
    return 0;
}
