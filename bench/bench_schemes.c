/* Scheme benchmark (a program, not a test): what emulating Ax-BxP, ASM and a
 * user multiplier (LUT) costs against exact FxP8 in the same executor, with
 * ratios measured in one run, plus flexmac's int8 GEMM against oneDNN's on
 * the GEMM shapes those layers produce.
 *
 *   bench_schemes [--shared DIR] [--n N] [--lut-n N] [--reps R] [--part resnet|conv|gemm]
 *                 [--only I[,J...]]   (time only these configurations of the list, e.g.
 *                 under perf, or FxP8 and one scheme: --only 0,5)
 *
 * Workloads: ResNet-20 on the first N (default 1000) CIFAR-10 test images,
 * decoded once beforehand (compute only), on 1 and 2 threads; one large
 * conv layer, 56x56x64 -> 64, 3x3, pad 1, ReLU, batch 8, built by hand,
 * 1 and 2 threads. The LUT path (a scalar table look-up per product: the
 * slow baseline the decomposed paths exist to beat) runs on --lut-n images
 * (default 20) and its time is scaled per image.
 *
 * Each time is the best (least) of R (default 3) repetitions of the whole
 * workload (looped to >= 0.25 s; repetitions go round all configurations),
 * in process CPU time divided by the thread count: the 2 cores are
 * shared with other jobs, and CPU time does not count the slices they
 * take (bench_gemm.c does the same). Other jobs still slow a run down
 * through the shared caches and memory, never speed it up, so the least
 * time is the steadiest estimate of the code's own cost: medians moved by
 * 10-15 % between runs of the same binary on this machine, enough to push
 * two configurations that run identical code (FxP8 and ASM) 15 % apart.
 * "GEMMs" is the number of GEMM groups per MAC layer (fm_axbxp_plan): an
 * ungrouped layer runs them as one GEMM over K' = GEMMs * K, so GEMMs
 * times FxP8's multiply-accumulates, each group's K bytes of a row mapped
 * through a byte table unless its plane is the identity. Targets (issue): Ax-BxP with |P| <= 4 at most 2.5x FxP8, ASM at
 * most 1.1x, the exact int8 GEMM at least 0.8x oneDNN's throughput. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flexmac/eval.h"
#include "flexmac/import.h"
#include "flexmac/kernels.h"
#ifdef FLEXMAC_HAVE_DNNL
#include <dnnl.h>
#endif

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double thread_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double least(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

static int die(const fm_error *e)
{
    fprintf(stderr, "bench_schemes: %s\n", e->msg);
    return 1;
}

/* ---- the configurations ---- */

typedef struct bcfg {
    const char *label;
    const char *spec; /* inline form; NULL = FxP8 with an exact 8x8 table */
    int npairs, groups;
} bcfg;

static bcfg cfgs[] = {
    {"FxP8 (exact)", "fxp8", 0, 1},
    {"Ax-BxP K2 L1 dyn", "axbxp:K=2,L=1,select=dynamic", 0, 0},
    {"Ax-BxP K2 L2 dyn {00,01}", "axbxp:K=2,L=2,select=dynamic,P={(0,0),(0,1)}", 0, 0},
    {"Ax-BxP K2 L2 dyn r+s<2", "axbxp:K=2,L=2,select=dynamic,P=r+s<2", 0, 0},
    {"Ax-BxP K2 L2 dyn all", "axbxp:K=2,L=2,select=dynamic", 0, 0},
    {"Ax-BxP K2 L4 diagonal", "axbxp:K=2,L=4,P={(0,0),(1,1),(2,2),(3,3)}", 0, 0},
    {"Ax-BxP K4 L1 dyn", "axbxp:K=4,L=1,select=dynamic", 0, 0},
    {"Ax-BxP K4 L2 {00,01}", "axbxp:K=4,L=2,P={(0,0),(0,1)}", 0, 0},
    {"Ax-BxP K4 L2 r+s<2", "axbxp:K=4,L=2,P=r+s<2", 0, 0},
    {"Ax-BxP K4 L2 all", "axbxp:K=4,L=2", 0, 0},
    {"ASM w{1,3}", "asm:w={1,3}", 0, 1},
    {"ASM w{1}", "asm:w={1}", 0, 1},
    {"LUT exact 8x8 table", NULL, 0, 1},
};
enum { NCFG = sizeof cfgs / sizeof cfgs[0] };

static int popcount16(unsigned v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* Parses cfg i into *a (the LUT row gets fxp8 + the table). */
static fm_status cfg_arith(int i, fm_lut *lut, fm_net_arith *a, fm_error *err)
{
    fm_status st = fm_net_arith_parse(cfgs[i].spec ? cfgs[i].spec : "fxp8", a, err);
    if (st == FM_OK && !cfgs[i].spec)
        a->deflt.lut = lut;
    return st;
}

static void describe(void)
{
    for (int i = 0; i < NCFG; i++) {
        fm_net_arith n;
        fm_error err;
        if (!cfgs[i].spec || strncmp(cfgs[i].spec, "axbxp", 5) ||
            fm_net_arith_parse(cfgs[i].spec, &n, &err) != FM_OK)
            continue;
        int lx = fm_axbxp_kept(&n.deflt.x, 0), lw = fm_axbxp_kept(&n.deflt.w, 1);
        for (int r = 0; r < lx; r++)
            cfgs[i].npairs += popcount16(n.deflt.pset[r] & ((1u << lw) - 1u));
        fm_axbxp_group g[FM_MAX_BLOCKS];
        cfgs[i].groups = fm_axbxp_plan(&n.deflt, g, FM_MAX_BLOCKS);
        fm_net_arith_free(&n);
    }
}

/* ---- timing one workload ---- */

typedef struct workload {
    const char *name;
    const fm_graph *g;
    const fm_calib *calib;
    const float *x;
    int n, lut_n;      /* samples (LUT row: lut_n) */
    int64_t in_numel, out_numel;
    float *y;
} workload;

/* Seconds per sample of config i on `threads` threads (timed after a
 * warm-up), or -1. The executor is built outside the timed region. */
static double time_cfg(const workload *w, int i, fm_lut *lut, int threads)
{
    fm_net_arith a;
    fm_error err;
    fm_exec_opts o;
    fm_exec *e;
    if (cfg_arith(i, lut, &a, &err) != FM_OK)
        return die(&err), -1;
    fm_exec_opts_default(&o);
    o.arith = &a;
    o.calib = w->calib;
    o.threads = threads;
    o.max_batch = 64;
    if (fm_exec_create(w->g, &o, &e, &err) != FM_OK) {
        fm_net_arith_free(&a);
        return die(&err), -1;
    }
    int n = cfgs[i].spec ? w->n : w->lut_n;
    double t = -1;
    fm_status st = fm_exec_run(e, w->x, n < 8 ? n : 8, w->y, &err); /* warm-up */
    /* short workloads (the conv layer) loop so one timing spans >= 0.25 s */
    double t0 = cpu_s();
    if (st == FM_OK)
        st = fm_exec_run(e, w->x, n, w->y, &err);
    double one = cpu_s() - t0;
    int iters = one > 0 && one < 0.25 ? (int)(0.25 / one) + 1 : 1;
    if (st == FM_OK) {
        t0 = cpu_s();
        for (int k = 0; k < iters && st == FM_OK; k++)
            st = fm_exec_run(e, w->x, n, w->y, &err);
        t = (cpu_s() - t0) / threads / ((double)n * iters);
    }
    fm_exec_free(e);
    fm_net_arith_free(&a);
    if (st != FM_OK)
        return die(&err), -1;
    return t;
}

/* Repetitions go round the configurations (rep-major), so a slow spell of
 * the shared machine hits every configuration alike rather than one. */
static unsigned only_mask = ~0u; /* --only I,J,...: bit i set = time configuration i */

/* "0,5" -> bits 0 and 5; out-of-range indices are ignored. */
static unsigned parse_only(const char *s)
{
    unsigned m = 0;
    for (char *end; *s; s = *end ? end + 1 : end) {
        long i = strtol(s, &end, 10);
        if (end == s)
            break;
        if (i >= 0 && i < NCFG)
            m |= 1u << i;
    }
    return m;
}

static int bench_workload(const workload *w, fm_lut *lut, int reps)
{
    static double t[3][NCFG][32];
    printf("\n%s\n", w->name);
    for (int th = 1; th <= 2; th++)
        for (int r = 0; r < reps; r++)
            for (int i = 0; i < NCFG; i++)
                if (((only_mask >> i) & 1) && (t[th][i][r] = time_cfg(w, i, lut, th)) < 0)
                    return 1;
    printf("%-26s %4s %5s %12s %7s %12s %7s\n", "configuration", "|P|", "GEMMs", "1 thr ms/smp",
           "x FxP8", "2 thr ms/smp", "x FxP8");
    double best[3][NCFG];
    for (int th = 1; th <= 2; th++)
        for (int i = 0; i < NCFG; i++)
            best[th][i] = least(t[th][i], reps);
    for (int i = 0; i < NCFG; i++) {
        if (!((only_mask >> i) & 1))
            continue;
        char np[8] = "-";
        if (cfgs[i].npairs)
            snprintf(np, sizeof np, "%d", cfgs[i].npairs);
        printf("%-26s %4s %5d %12.3f %7.2f %12.3f %7.2f\n", cfgs[i].label, np, cfgs[i].groups,
               1e3 * best[1][i], best[1][i] / best[1][0], 1e3 * best[2][i], best[2][i] / best[2][0]);
    }
    fflush(stdout);
    return 0;
}

/* ---- the large conv layer ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float frand(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (float)((rng >> 40) & 0xffffff) / 16777216.0f;
}

static int add_act(fm_graph *g, const char *name, int C, int H, int W)
{
    int64_t s[4] = {1, C, H, W};
    return fm_graph_add_tensor(g, name, FM_F32, 4, s, NULL);
}

/* 56x56x64 -> 64, 3x3, pad 1, then ReLU; weights uniform in [-0.5, 0.5). */
static fm_graph *large_conv(fm_error *err)
{
    enum { C = 64, H = 56, OC = 64 };
    fm_graph *g = fm_graph_new();
    int64_t ws[4] = {OC, C, 3, 3}, bs[1] = {OC};
    float *w = malloc(sizeof(float) * OC * C * 9), *b = malloc(sizeof(float) * OC);
    if (!g || !w || !b) {
        free(w);
        free(b);
        fm_graph_free(g);
        fm_error_set(err, FM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (int i = 0; i < OC * C * 9; i++)
        w[i] = frand() - 0.5f;
    for (int i = 0; i < OC; i++)
        b[i] = 0.1f * (frand() - 0.5f);
    int x = add_act(g, "x", C, H, H), y = add_act(g, "y", OC, H, H), r = add_act(g, "r", OC, H, H);
    int wt = fm_graph_add_tensor(g, "w", FM_F32, 4, ws, w);
    int bt = fm_graph_add_tensor(g, "b", FM_F32, 1, bs, b);
    fm_node *cv = fm_graph_add_node(g, FM_OP_CONV, "conv");
    cv->n_in = 3, cv->in[0] = x, cv->in[1] = wt, cv->in[2] = bt;
    cv->n_out = 1, cv->out[0] = y;
    fm_conv_attr a = {3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    cv->a.conv = a;
    fm_node *rl = fm_graph_add_node(g, FM_OP_RELU, "relu");
    rl->n_in = 1, rl->in[0] = y, rl->n_out = 1, rl->out[0] = r;
    g->input = x;
    g->output = r;
    if (fm_graph_infer_shapes(g, err) != FM_OK) {
        fm_graph_free(g);
        return NULL;
    }
    return g;
}

/* Calibrates by observing a float run over the samples. */
static fm_calib *observe(const fm_graph *g, const float *x, int n, float *y, fm_error *err)
{
    fm_calib *c = fm_calib_new(g, FM_CALIB_MINMAX, 0);
    fm_exec_opts o;
    fm_exec *e;
    fm_exec_opts_default(&o);
    o.observe = c;
    if (!c || fm_exec_create(g, &o, &e, err) != FM_OK) {
        fm_calib_free(c);
        return NULL;
    }
    fm_status st = fm_exec_run(e, x, n, y, err);
    fm_exec_free(e);
    if (st != FM_OK) {
        fm_calib_free(c);
        return NULL;
    }
    return c;
}

/* ---- int8 GEMM against oneDNN ---- */

#ifdef FLEXMAC_HAVE_DNNL
static void onednn_threads(int n)
{
    void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (set)
        set(n);
}
#endif

static int bench_gemm_shapes(int reps)
{
    /* M = rows per executor GEMM call (FM_MAC_ROW_TILE = 2048 im2col rows),
     * N = output channels, K = kh*kw*C of each layer. */
    static const struct { const char *name; int M, N, K; } sh[] = {
        {"resnet20 conv1 3->16", 2048, 16, 27},
        {"resnet20 16->16 3x3", 2048, 16, 144},
        {"resnet20 32->32 3x3", 2048, 32, 288},
        {"resnet20 64->64 3x3", 2048, 64, 576},
        {"large 64->64 3x3", 2048, 64, 576},
        {"large, one call", 8 * 56 * 56, 64, 576},
    };
    printf("\nint8 GEMM u8 x s8 -> s32, 1 thread (thread CPU time), GOPS = 2*M*N*K / t\n");
    printf("%-22s %-17s %9s %9s %9s %5s\n", "layer", "M x N x K", "flexmac", "oneDNN", "flex/dnnl",
           "same");
#ifdef FLEXMAC_HAVE_DNNL
    onednn_threads(1);
#endif
    fm_isa isa = fm_cpu_best_isa();
    for (size_t s = 0; s < sizeof sh / sizeof sh[0]; s++) {
        int M = sh[s].M, N = sh[s].N, K = sh[s].K;
        uint8_t *A = malloc((size_t)M * K);
        int8_t *B = malloc((size_t)N * K);
        int32_t *C = malloc(sizeof(int32_t) * (size_t)M * N), *C2 = malloc(sizeof(int32_t) * (size_t)M * N);
        if (!A || !B || !C || !C2)
            return 1;
        for (size_t i = 0; i < (size_t)M * K; i++)
            A[i] = (uint8_t)(frand() * 256);
        for (size_t i = 0; i < (size_t)N * K; i++)
            B[i] = (int8_t)(frand() * 256 - 128);
        fm_packed_s8 *P = fm_pack_s8(isa, N, K, B, K);
        if (!P)
            return 1;
        /* flexmac and oneDNN alternate, each rep timing `iters` calls of
         * about 0.2 s; GOPS from each one's least time */
        double ops = 2.0 * M * N * K, tf = 1e30, td = 1e30, gf, gd = 0;
        fm_gemm_u8s8s32(P, M, A, K, C, N);
        double t = thread_s();
        fm_gemm_u8s8s32(P, M, A, K, C, N);
        t = thread_s() - t;
        long iters = (long)(0.2 / (t > 1e-7 ? t : 1e-7)) + 1;
        const char *same = "-";
#ifdef FLEXMAC_HAVE_DNNL
        static const int32_t zero = 0;
#define DNNL_CALL dnnl_gemm_u8s8s32('N', 'T', 'F', M, N, K, 1.0f, A, K, 0, B, K, 0, 0.0f, C2, N, &zero)
        DNNL_CALL;
        same = memcmp(C, C2, sizeof(int32_t) * (size_t)M * N) ? "NO" : "yes";
#endif
        for (int r = 0; r < reps; r++) {
            t = thread_s();
            for (long i = 0; i < iters; i++)
                fm_gemm_u8s8s32(P, M, A, K, C, N);
            t = (thread_s() - t) / iters;
            tf = t < tf ? t : tf;
#ifdef FLEXMAC_HAVE_DNNL
            t = thread_s();
            for (long i = 0; i < iters; i++)
                DNNL_CALL;
            t = (thread_s() - t) / iters;
            td = t < td ? t : td;
#endif
        }
        gf = ops / tf * 1e-9;
#ifdef FLEXMAC_HAVE_DNNL
        gd = ops / td * 1e-9;
#undef DNNL_CALL
#endif
        char dims[32];
        snprintf(dims, sizeof dims, "%dx%dx%d", M, N, K);
        printf("%-22s %-17s %9.1f %9.1f %9.2f %5s\n", sh[s].name, dims, gf, gd, gd > 0 ? gf / gd : 0.0,
               same);
        fflush(stdout);
        fm_packed_s8_free(P);
        free(A);
        free(B);
        free(C);
        free(C2);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *shared = "../shared", *part = "all";
    int n = 1000, lut_n = 20, reps = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--shared") && i + 1 < argc)
            shared = argv[++i];
        else if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--lut-n") && i + 1 < argc)
            lut_n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only_mask = parse_only(argv[++i]);
        else if (!strcmp(argv[i], "--part") && i + 1 < argc)
            part = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--shared DIR] [--n N] [--lut-n N] [--reps R] "
                            "[--part all|resnet|conv|gemm] [--only I[,J...]]\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1 || reps > 32)
        reps = 3;
    if (n < 1)
        n = 1;
    if (lut_n < 1 || lut_n > n)
        lut_n = n < 20 ? n : 20;
    int all = !strcmp(part, "all");
    fm_error err;
    fm_lut *lut;
    if (fm_lut_exact(0, &lut, &err) != FM_OK)
        return die(&err);
    describe();
    printf("flexmac scheme benchmark: kernels %s, best of %d, process CPU time / threads\n",
           fm_isa_name(fm_cpu_best_isa()), reps);

    if (all || !strcmp(part, "resnet")) {
        char model[512], test[512], train[512];
        snprintf(model, sizeof model, "%s/models/resnet20.onnx", shared);
        snprintf(test, sizeof test, "%s/data/cifar10-test", shared);
        snprintf(train, sizeof train, "%s/data/cifar10-train", shared);
        fm_graph *g;
        fm_dataset *ds, *cds;
        fm_calib *calib;
        fm_preprocess pp;
        fm_preprocess_preset("cifar", &pp);
        if (fm_model_load(model, &g, &err) || fm_dataset_open(test, &pp, &ds, &err) ||
            fm_dataset_open(train, &pp, &cds, &err))
            return die(&err);
        if (n > fm_dataset_count(ds))
            n = (int)fm_dataset_count(ds);
        if (fm_calibrate(g, cds, 512, FM_CALIB_MINMAX, 0, &calib, &err))
            return die(&err);
        float *x = malloc((size_t)n * 3072 * sizeof *x), *y = malloc((size_t)n * 10 * sizeof *y);
        if (!x || !y || fm_dataset_read_range(ds, 0, n, x, NULL, &err))
            return die(&err);
        char name[128];
        snprintf(name, sizeof name, "ResNet-20, %d CIFAR-10 test images (LUT: %d), pre-decoded", n,
                 lut_n);
        workload w = {name, g, calib, x, n, lut_n, 3072, 10, y};
        if (bench_workload(&w, lut, reps))
            return 1;
        free(x);
        free(y);
        fm_calib_free(calib);
        fm_dataset_close(ds);
        fm_dataset_close(cds);
        fm_graph_free(g);
    }
    if (all || !strcmp(part, "conv")) {
        enum { B = 8, IN = 64 * 56 * 56 };
        fm_graph *g = large_conv(&err);
        if (!g)
            return die(&err);
        float *x = malloc(sizeof(float) * B * IN), *y = malloc(sizeof(float) * B * IN);
        if (!x || !y)
            return 1;
        for (int i = 0; i < B * IN; i++)
            x[i] = frand() * frand() * 4.0f; /* non-negative, skewed: post-ReLU-like */
        fm_calib *c = observe(g, x, B, y, &err);
        if (!c)
            return die(&err);
        workload w = {"conv 56x56x64 -> 64, 3x3 pad 1 + ReLU, batch 8 (per sample)", g, c, x, B, 1,
                      IN, IN, y};
        if (bench_workload(&w, lut, reps))
            return 1;
        fm_calib_free(c);
        fm_graph_free(g);
        free(x);
        free(y);
    }
    if (all || !strcmp(part, "gemm"))
        if (bench_gemm_shapes(reps < 3 ? 3 : reps))
            return 1;
    fm_lut_free(lut);
    printf("\nx FxP8 = time / time(FxP8) in this run (targets: Ax-BxP |P| <= 4 at most 2.5, ASM at "
           "most 1.1).\nflex/dnnl = flexmac GOPS / oneDNN GOPS (target >= 0.8); same = identical "
           "outputs.\n");
    return 0;
}
