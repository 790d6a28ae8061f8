/* GEMM benchmark (a program, not a test): the VNNI peak of this machine,
 * flexmac's packed u8 x s8 -> s32 GEMM and oneDNN's dnnl_gemm_u8s8s32 on the
 * same conv-shaped problems, on 1 and 2 threads, with ratios from one run.
 *
 *   bench_gemm [--reps N] [--min-ms T] [--threads 1|2|12] [--wall] [--dwconv]
 *
 * --dwconv instead times the depthwise kernel per ISA on MobileNet planes.
 *
 * Each figure is the median of N timed repetitions; each repetition loops
 * the call until it has run at least T ms. GOPS = 2*M*N*K / time; time is
 * the calling thread's CPU time for 1 thread (oneDNN is set to 1 OpenMP
 * thread, which runs on the caller) and half the process CPU time for 2
 * threads (wall time with --wall). Run oneDNN's 2-thread figures with
 * OMP_WAIT_POLICY=passive, or its idle OpenMP threads' spinning counts. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flexmac/kernels.h"
#ifdef FLEXMAC_HAVE_DNNL
#include <dnnl.h>
#endif

/* The 2 cores are shared with other jobs, and wall time would count the
 * slices they take. So 1-thread figures use this thread's CPU time, and
 * 2-thread figures by default the process CPU time divided by 2 (what two
 * threads achieve while they run: memory sharing shows, preemption does
 * not); --wall gives plain wall time for 2 threads. */
static clockid_t bench_clock = CLOCK_THREAD_CPUTIME_ID;
static int use_wall;

static clockid_t clock_for(int nthreads)
{
    if (nthreads == 1)
        return CLOCK_THREAD_CPUTIME_ID;
    return use_wall ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID;
}

/* Seconds of "nthreads-wide" time in dt measured by clock_for(nthreads). */
static double span(double dt, int nthreads)
{
    return nthreads > 1 && !use_wall ? dt / nthreads : dt;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ---- VNNI peak: 24 independent vpdpbusd chains, registers only ----
 * Written in asm: with intrinsics GCC merges identical chains into one. */
#define PEAK_CHAINS 24
#define DP(r) "vpdpbusd %%zmm25, %%zmm24, %%zmm" #r "\n\t"
__attribute__((target("avx512f,avx512vnni"))) static long long peak_loop(long iters)
{
    static const int32_t src[32] __attribute__((aligned(64))) = {
        0x01020304, 0x01020304, 0x01020304, 0x01020304, 0x01020304, 0x01020304, 0x01020304,
        0x01020304, 0x01020304, 0x01020304, 0x01020304, 0x01020304, 0x01020304, 0x01020304,
        0x01020304, 0x01020304, 0x01ff01ff, 0x01ff01ff, 0x01ff01ff, 0x01ff01ff, 0x01ff01ff,
        0x01ff01ff, 0x01ff01ff, 0x01ff01ff, 0x01ff01ff, 0x01ff01ff, 0x01ff01ff, 0x01ff01ff,
        0x01ff01ff, 0x01ff01ff, 0x01ff01ff, 0x01ff01ff};
    int32_t out[16] __attribute__((aligned(64)));
    __asm__ volatile(
        "vmovdqa32 (%[src]), %%zmm24\n\t"
        "vmovdqa32 64(%[src]), %%zmm25\n\t"
        "vpxord %%zmm0, %%zmm0, %%zmm0\n\t"
        "vmovdqa32 %%zmm0, %%zmm1\n\t vmovdqa32 %%zmm0, %%zmm2\n\t vmovdqa32 %%zmm0, %%zmm3\n\t"
        "vmovdqa32 %%zmm0, %%zmm4\n\t vmovdqa32 %%zmm0, %%zmm5\n\t vmovdqa32 %%zmm0, %%zmm6\n\t"
        "vmovdqa32 %%zmm0, %%zmm7\n\t vmovdqa32 %%zmm0, %%zmm8\n\t vmovdqa32 %%zmm0, %%zmm9\n\t"
        "vmovdqa32 %%zmm0, %%zmm10\n\t vmovdqa32 %%zmm0, %%zmm11\n\t vmovdqa32 %%zmm0, %%zmm12\n\t"
        "vmovdqa32 %%zmm0, %%zmm13\n\t vmovdqa32 %%zmm0, %%zmm14\n\t vmovdqa32 %%zmm0, %%zmm15\n\t"
        "vmovdqa32 %%zmm0, %%zmm16\n\t vmovdqa32 %%zmm0, %%zmm17\n\t vmovdqa32 %%zmm0, %%zmm18\n\t"
        "vmovdqa32 %%zmm0, %%zmm19\n\t vmovdqa32 %%zmm0, %%zmm20\n\t vmovdqa32 %%zmm0, %%zmm21\n\t"
        "vmovdqa32 %%zmm0, %%zmm22\n\t vmovdqa32 %%zmm0, %%zmm23\n\t"
        "1:\n\t"
        DP(0) DP(1) DP(2) DP(3) DP(4) DP(5) DP(6) DP(7) DP(8) DP(9) DP(10) DP(11)
        DP(12) DP(13) DP(14) DP(15) DP(16) DP(17) DP(18) DP(19) DP(20) DP(21) DP(22) DP(23)
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        "vpaddd %%zmm1, %%zmm0, %%zmm0\n\t vpaddd %%zmm23, %%zmm0, %%zmm0\n\t"
        "vmovdqa32 %%zmm0, (%[out])\n\t"
        "vzeroupper\n\t"
        : [n] "+r"(iters)
        : [src] "r"(src), [out] "r"(out)
        : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
          "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18",
          "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25");
    return out[0];
}
#undef DP

static volatile long long peak_sink;
static void *peak_thread(void *arg)
{
    peak_sink += peak_loop(*(long *)arg);
    return NULL;
}

/* GOPS of nthreads threads each running the register-only loop. */
static double peak_gops(int nthreads, int reps, double min_s)
{
    long iters = 1 << 20;
    double t;
    bench_clock = CLOCK_THREAD_CPUTIME_ID;
    for (;;) { /* calibrate so one run takes min_s */
        t = now_s();
        peak_sink += peak_loop(iters);
        t = now_s() - t;
        if (t >= min_s * 0.5)
            break;
        iters *= 2;
    }
    double g[32];
    bench_clock = clock_for(nthreads);
    for (int r = 0; r < reps; r++) {
        pthread_t th[2];
        t = now_s();
        for (int i = 1; i < nthreads; i++)
            pthread_create(&th[i], NULL, peak_thread, &iters);
        peak_thread(&iters);
        for (int i = 1; i < nthreads; i++)
            pthread_join(th[i], NULL);
        t = span(now_s() - t, nthreads);
        g[r] = (double)iters * PEAK_CHAINS * 64 * 2 * nthreads / t * 1e-9;
    }
    return median(g, reps);
}

/* ---- flexmac GEMM, M split over a pool ---- */
typedef struct {
    const fm_packed_s8 *B;
    const uint8_t *A;
    int32_t *C;
    int M, K, N, chunk;
} gemm_job;

static void gemm_task(void *ctx, int task, int worker)
{
    (void)worker;
    const gemm_job *j = ctx;
    int m0 = task * j->chunk, m = j->M - m0 < j->chunk ? j->M - m0 : j->chunk;
    fm_gemm_u8s8s32(j->B, m, j->A + (size_t)m0 * j->K, j->K, j->C + (size_t)m0 * j->N, j->N);
}

static void flexmac_gemm(fm_pool *pool, gemm_job *j)
{
    if (fm_pool_size(pool) == 1) {
        fm_gemm_u8s8s32(j->B, j->M, j->A, j->K, j->C, j->N);
        return;
    }
    fm_pool_run(pool, (j->M + j->chunk - 1) / j->chunk, gemm_task, j);
}

#ifdef FLEXMAC_HAVE_DNNL
static void onednn_gemm(const uint8_t *A, const int8_t *B, int32_t *C, int M, int N, int K)
{
    static const int32_t zero = 0;
    /* row-major C[M][N] = A[M][K] * B[N][K]^T */
    dnnl_gemm_u8s8s32('N', 'T', 'F', M, N, K, 1.0f, A, K, 0, B, K, 0, 0.0f, C, N, &zero);
}

static void onednn_threads(int n)
{
    void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (set)
        set(n);
    else
        fprintf(stderr, "note: omp_set_num_threads not found; oneDNN uses OMP_NUM_THREADS\n");
}
#endif

typedef struct {
    const char *name;
    int M, N, K;
} shape;

/* --dwconv: depthwise 3x3 (pad 1) on MobileNet-like planes, every ISA. */
static int bench_dwconv(int reps, double min_s)
{
    static const int planes[][3] = {{112, 32, 1}, {112, 64, 2}, {56, 128, 1}, {28, 256, 1},
                                    {14, 512, 1}, {7, 1024, 1}};
    printf("depthwise 3x3 pad 1, u8 x s8 -> s32, 1 thread (thread CPU time), GOPS = 2*MACs/t\n");
    printf("%-18s", "H x W x C / s");
    for (int isa = 0; isa <= (int)fm_cpu_best_isa(); isa++)
        printf(" %11s", fm_isa_name((fm_isa)isa));
    printf("\n");
    for (size_t i = 0; i < sizeof planes / sizeof *planes; i++) {
        const int H = planes[i][0], C = planes[i][1], s = planes[i][2], O = (H - 1) / s + 1;
        uint8_t *x = malloc((size_t)H * H * C);
        int8_t *w = malloc((size_t)9 * C);
        int32_t *y = malloc(sizeof(int32_t) * (size_t)O * O * C);
        if (!x || !w || !y)
            return 1;
        for (size_t j = 0; j < (size_t)H * H * C; j++)
            x[j] = (uint8_t)(j * 37);
        for (int j = 0; j < 9 * C; j++)
            w[j] = (int8_t)(j * 11);
        char name[32];
        snprintf(name, sizeof name, "%dx%dx%d /%d", H, H, C, s);
        printf("%-18s", name);
        const double ops = 2.0 * O * O * C * 9;
        for (int isa = 0; isa <= (int)fm_cpu_best_isa(); isa++) {
            double g[32], t = now_s();
            fm_dwconv_nhwc_u8s8s32((fm_isa)isa, x, H, H, C, w, 3, 3, s, s, 1, 1, O, O, 0, y);
            t = now_s() - t;
            long iters = (long)(min_s / (t > 1e-6 ? t : 1e-6)) + 1;
            for (int r = 0; r < reps; r++) {
                t = now_s();
                for (long k = 0; k < iters; k++)
                    fm_dwconv_nhwc_u8s8s32((fm_isa)isa, x, H, H, C, w, 3, 3, s, s, 1, 1, O, O, 0,
                                           y);
                g[r] = ops * iters / (now_s() - t) * 1e-9;
            }
            printf(" %11.1f", median(g, reps));
            fflush(stdout);
        }
        printf("\n");
        free(x);
        free(w);
        free(y);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int reps = 5, which = 12, dw = 0;
    double min_s = 0.2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--min-ms") && i + 1 < argc)
            min_s = atof(argv[++i]) * 1e-3;
        else if (!strcmp(argv[i], "--dwconv"))
            dw = 1;
        else if (!strcmp(argv[i], "--wall"))
            use_wall = 1;
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            which = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--reps N] [--min-ms T] [--threads 1|2|12] [--wall] [--dwconv]\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1 || reps > 32)
        reps = 5;
    if (dw)
        return bench_dwconv(reps, min_s);
    const shape shapes[] = {
        {"resnet20 conv 16x16 b64", 64 * 32 * 32, 16, 144},
        {"resnet20 conv 32x32 b64", 64 * 16 * 16, 32, 288},
        {"resnet20 conv 64x64 b64", 64 * 8 * 8, 64, 576},
        {"large 12544x256x2304", 12544, 256, 2304},
        {"large 3136x512x4608", 3136, 512, 4608},
    };
    const int nshapes = sizeof shapes / sizeof *shapes;
    fm_isa isa = fm_cpu_best_isa();
    printf("flexmac GEMM benchmark: isa=%s reps=%d (median) min-time=%.0f ms\n", fm_isa_name(isa),
           reps, min_s * 1e3);
    double peak[3] = {0, 0, 0};
    if (isa == FM_ISA_AVX512VNNI) {
        peak[1] = peak_gops(1, reps, min_s);
        peak[2] = peak_gops(2, reps, min_s);
        printf("VNNI peak (register-only vpdpbusd zmm, %d chains): 1 thread %.0f GOPS, 2 threads "
               "%.0f GOPS\n",
               PEAK_CHAINS, peak[1], peak[2]);
    }
    printf("\n%-26s %3s %10s %10s %9s %9s %6s\n", "shape (M x N x K)", "thr", "flexmac", "oneDNN",
           "flex/peak", "flex/dnnl", "same");
    uint64_t rs = 42;
    for (int s = 0; s < nshapes; s++) {
        const shape *sh = &shapes[s];
        uint8_t *A = malloc((size_t)sh->M * sh->K);
        int8_t *B = malloc((size_t)sh->N * sh->K);
        int32_t *C = malloc(sizeof(int32_t) * (size_t)sh->M * sh->N);
        int32_t *C2 = malloc(sizeof(int32_t) * (size_t)sh->M * sh->N);
        if (!A || !B || !C || !C2)
            return 1;
        for (size_t i = 0; i < (size_t)sh->M * sh->K; i++) {
            rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
            A[i] = (uint8_t)rs;
        }
        for (size_t i = 0; i < (size_t)sh->N * sh->K; i++) {
            rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
            B[i] = (int8_t)rs;
        }
        fm_packed_s8 *P = fm_pack_s8(isa, sh->N, sh->K, B, sh->K);
        const double ops = 2.0 * sh->M * sh->N * sh->K;
        for (int nt = 1; nt <= 2; nt++) {
            if (!(which == 12 || which == nt))
                continue;
            bench_clock = clock_for(nt);
            fm_pool *pool = fm_pool_new(nt);
            int chunk = ((sh->M / (8 * nt)) / 48 + 1) * 48;
            gemm_job job = {P, A, C, sh->M, sh->K, sh->N, chunk};
            double g[32], gf, gd = 0;
            long iters = 1;
            double t = now_s();
            flexmac_gemm(pool, &job);
            t = now_s() - t;
            iters = (long)(min_s / (t > 1e-6 ? t : 1e-6)) + 1;
            for (int r = 0; r < reps; r++) {
                t = now_s();
                for (long i = 0; i < iters; i++)
                    flexmac_gemm(pool, &job);
                t = span(now_s() - t, nt);
                g[r] = ops * iters / t * 1e-9;
            }
            gf = median(g, reps);
            const char *same = "-";
#ifdef FLEXMAC_HAVE_DNNL
            onednn_threads(nt);
            onednn_gemm(A, B, C2, sh->M, sh->N, sh->K);
            same = memcmp(C, C2, sizeof(int32_t) * (size_t)sh->M * sh->N) ? "NO" : "yes";
            t = now_s();
            onednn_gemm(A, B, C2, sh->M, sh->N, sh->K);
            t = now_s() - t;
            iters = (long)(min_s / (t > 1e-6 ? t : 1e-6)) + 1;
            for (int r = 0; r < reps; r++) {
                t = now_s();
                for (long i = 0; i < iters; i++)
                    onednn_gemm(A, B, C2, sh->M, sh->N, sh->K);
                t = span(now_s() - t, nt);
                g[r] = ops * iters / t * 1e-9;
            }
            gd = median(g, reps);
#endif
            char name[64];
            snprintf(name, sizeof name, "%dx%dx%d", sh->M, sh->N, sh->K);
            printf("%-26s %3d %10.1f %10.1f %9.2f %9.2f %6s\n", name, nt, gf, gd,
                   peak[nt] > 0 ? gf / peak[nt] : 0.0, gd > 0 ? gf / gd : 0.0, same);
            fflush(stdout);
            fm_pool_free(pool);
        }
        fm_packed_s8_free(P);
        free(A);
        free(B);
        free(C);
        free(C2);
    }
    printf("\nGOPS = 2*M*N*K/time (1e9 int8 ops/s), median of %d; 1 thread: thread CPU time, "
           "2 threads: %s.\nflex/peak uses the peak for the same thread count; same = "
           "flexmac and oneDNN outputs identical.\n",
           reps, use_wall ? "wall time" : "process CPU time / 2");
    return 0;
}
