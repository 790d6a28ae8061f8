/* Packing int8 weights once per layer into the layout each microkernel
 * streams, and the ISA dispatch of the GEMM. */
#include <stdlib.h>
#include <string.h>

#include "kernels_internal.h"

static void *alloc64(size_t bytes)
{
    void *p = NULL;
    size_t n = (bytes + 63) & ~(size_t)63;
    if (posix_memalign(&p, 64, n ? n : 64) != 0)
        return NULL;
    memset(p, 0, n ? n : 64); /* zero padding in K and N is part of the layout */
    return p;
}

void fm_packed_s8_free(fm_packed_s8 *p)
{
    if (!p)
        return;
    free(p->npanel);
    free(p->panel_off);
    free(p->data);
    free(p->colsum);
    free(p);
}

/* Panels of `cols` columns, each a whole number of vectors of `vec` columns. */
static int make_panels(fm_packed_s8 *p, int cols, int vec, size_t elems_per_col_group,
                       int groups)
{
    p->panel_cols = cols;
    p->npanels = (p->N + cols - 1) / cols;
    p->npanel = malloc(sizeof(int) * (size_t)p->npanels);
    p->panel_off = malloc(sizeof(size_t) * (size_t)p->npanels);
    if (!p->npanel || !p->panel_off)
        return -1;
    size_t off = 0;
    for (int q = 0; q < p->npanels; q++) {
        int w = p->N - q * cols < cols ? p->N - q * cols : cols;
        p->npanel[q] = (w + vec - 1) / vec;
        p->panel_off[q] = off;
        off += (size_t)groups * (size_t)p->npanel[q] * vec * elems_per_col_group;
    }
    return 0;
}

static size_t total_elems(const fm_packed_s8 *p, int vec, size_t per, int groups)
{
    size_t last = (size_t)p->npanels - 1;
    return p->panel_off[last] + (size_t)groups * (size_t)p->npanel[last] * vec * per;
}

/* The quad layout pays a lane reduction per row, which short K cannot
 * amortize: below these K the broadcast layout measured faster (2048-row
 * GEMM, one thread: N = 16, K = 27: 440 against 244 GOPS; K = 96: 591
 * against 616; N = 10, where the broadcast layout also masks its partial
 * zmm, K = 27: 183 against 150, K = 48: 197 against 256). */
static int use_quad16(int N, int K)
{
    return N < 16 ? K > 32 : N == 16 && K > 64;
}

fm_packed_s8 *fm_pack_s8(fm_isa isa, int N, int K, const int8_t *B, int ldb)
{
    if (N < 1 || K < 1 || !B || ldb < K)
        return NULL;
    fm_isa best = fm_cpu_best_isa();
    if ((int)isa < 0 || isa >= FM_ISA_COUNT || isa > best)
        isa = best; /* never hand out a layout whose kernel would fault here */
    fm_packed_s8 *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->isa = isa;
    p->N = N;
    p->K = K;
    p->colsum = malloc(sizeof(int32_t) * (size_t)N);
    if (!p->colsum)
        goto fail;
    for (int n = 0; n < N; n++) {
        int32_t s = 0;
        for (int k = 0; k < K; k++)
            s += B[(size_t)n * ldb + k];
        p->colsum[n] = s;
    }
    if (isa == FM_ISA_AVX512VNNI && use_quad16(N, K)) {
        /* quad layout (kernels_internal.h): one panel, K padded to 16 */
        p->quad16 = 1;
        p->kp = (K + 15) & ~15;
        if (make_panels(p, 64, 16, 4, p->kp / 4))
            goto fail;
        int8_t *d = alloc64(total_elems(p, 16, 4, p->kp / 4));
        if (!(p->data = d))
            goto fail;
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++)
                d[(size_t)(k / 16) * 256 + (n % 4) * 64 + (n / 4) * 16 + (k % 16)] =
                    B[(size_t)n * ldb + k];
    } else if (isa == FM_ISA_AVX512VNNI) {
        p->kp = (K + 3) & ~3;
        int groups = p->kp / 4;
        if (make_panels(p, 64, 16, 4, groups))
            goto fail;
        int8_t *d = alloc64(total_elems(p, 16, 4, groups));
        if (!(p->data = d))
            goto fail;
        for (int q = 0; q < p->npanels; q++) {
            int w = p->npanel[q] * 16, n0 = q * 64;
            int8_t *pd = d + p->panel_off[q];
            for (int n = 0; n < w && n0 + n < N; n++)
                for (int k = 0; k < K; k++)
                    pd[((size_t)(k / 4) * w + n) * 4 + (k & 3)] = B[(size_t)(n0 + n) * ldb + k];
        }
    } else if (isa == FM_ISA_AVX2) {
        p->kp = (K + 3) & ~3;
        int groups = p->kp / 4;
        if (make_panels(p, 16, 8, 4, groups))
            goto fail;
        int16_t *d = alloc64(sizeof(int16_t) * total_elems(p, 8, 4, groups));
        if (!(p->data = d))
            goto fail;
        for (int q = 0; q < p->npanels; q++) {
            int nv = p->npanel[q], n0 = q * 16;
            int16_t *pd = d + p->panel_off[q];
            for (int n = 0; n < nv * 8 && n0 + n < N; n++)
                for (int k = 0; k < K; k++) {
                    /* k%4 = 0,2 -> even vector, 1,3 -> odd; slot k%4 / 2 */
                    size_t vec = (size_t)(k / 4) * nv * 2 + (size_t)(n / 8) * 2 + (k & 1);
                    pd[vec * 16 + (size_t)(n % 8) * 2 + ((k >> 1) & 1)] =
                        B[(size_t)(n0 + n) * ldb + k];
                }
        }
    } else {
        p->kp = K;
        int8_t *d = alloc64((size_t)N * K);
        if (!(p->data = d))
            goto fail;
        for (int n = 0; n < N; n++)
            memcpy(d + (size_t)n * K, B + (size_t)n * ldb, (size_t)K);
    }
    return p;
fail:
    fm_packed_s8_free(p);
    return NULL;
}

const int32_t *fm_packed_s8_colsum(const fm_packed_s8 *p) { return p->colsum; }
fm_isa fm_packed_s8_isa(const fm_packed_s8 *p) { return p->isa; }
int fm_packed_s8_n(const fm_packed_s8 *p) { return p->N; }
int fm_packed_s8_k(const fm_packed_s8 *p) { return p->K; }

static void gemm_scalar(const fm_packed_s8 *B, int M, const uint8_t *A, int lda, int32_t *C,
                        int ldc, int accumulate)
{
    const int8_t *b = B->data;
    for (int m = 0; m < M; m++) {
        const uint8_t *a = A + (size_t)m * lda;
        int32_t *c = C + (size_t)m * ldc;
        for (int n = 0; n < B->N; n++) {
            const int8_t *bn = b + (size_t)n * B->K;
            uint32_t s = accumulate ? (uint32_t)c[n] : 0;
            for (int k = 0; k < B->K; k++)
                s += (uint32_t)((int32_t)a[k] * (int32_t)bn[k]);
            c[n] = (int32_t)s;
        }
    }
}

static void gemm_dispatch(const fm_packed_s8 *B, int M, const uint8_t *A, int lda, int32_t *C,
                          int ldc, int accumulate)
{
    if (!B || M < 1)
        return;
    switch (B->isa) {
    case FM_ISA_AVX512VNNI: fm_gemm_avx512_run(B, M, A, lda, C, ldc, accumulate); break;
    case FM_ISA_AVX2: fm_gemm_avx2_run(B, M, A, lda, C, ldc, accumulate); break;
    default: gemm_scalar(B, M, A, lda, C, ldc, accumulate); break;
    }
}

void fm_gemm_u8s8s32(const fm_packed_s8 *B, int M, const uint8_t *A, int lda, int32_t *C, int ldc)
{
    gemm_dispatch(B, M, A, lda, C, ldc, 0);
}

void fm_gemm_u8s8s32_acc(const fm_packed_s8 *B, int M, const uint8_t *A, int lda, int32_t *C,
                         int ldc)
{
    gemm_dispatch(B, M, A, lda, C, ldc, 1);
}
