/* Integer compute kernels. Each has a scalar reference (the truth) and fast
 * paths chosen at run time by CPU feature; tests compare them bit for bit. */
#ifndef FLEXMAC_KERNELS_H
#define FLEXMAC_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fm_isa {
    FM_ISA_SCALAR = 0,
    FM_ISA_AVX2,
    FM_ISA_AVX512VNNI,
    FM_ISA_COUNT
} fm_isa;

/* Best ISA this CPU supports (and the OS enables); FLEXMAC_ISA=scalar|avx2|
 * avx512vnni in the environment caps it. */
fm_isa fm_cpu_best_isa(void);
const char *fm_isa_name(fm_isa isa);

/* Weights B (N rows of K int8) packed once for an ISA's u8 x s8 GEMM. */
typedef struct fm_packed_s8 fm_packed_s8;

fm_packed_s8 *fm_pack_s8(fm_isa isa, int N, int K, const int8_t *B, int ldb);
void fm_packed_s8_free(fm_packed_s8 *p);
/* sum_k B[n][k] for each n: lets callers with signed activations feed
 * x + 128 as u8 and subtract 128 * colsum. */
const int32_t *fm_packed_s8_colsum(const fm_packed_s8 *p);

/* C[m*ldc + n] = sum_k A[m*lda + k] * B[n][k], exact int32, for m < M,
 * n < N. A is u8 (activations, one im2col row per output pixel). Single
 * threaded: callers split M across threads. Needs lda >= K, ldc >= N; reads
 * only the K bytes of each A row and writes only the N values of each C row.
 * Runs the kernel of the ISA B was packed for. */
void fm_gemm_u8s8s32(const fm_packed_s8 *B, int M, const uint8_t *A, int lda, int32_t *C,
                     int ldc);

/* Scalar reference for the same product on unpacked B. */
void fm_gemm_u8s8s32_ref(int M, int N, int K, const uint8_t *A, int lda, const int8_t *B,
                         int ldb, int32_t *C, int ldc);

/* C[m*ldc + n] += sum_k A[m*lda + k] * B[n][k]: the same product added into
 * C (several products summed into one C build approximate multipliers).
 * Wraps modulo 2^32 like the int32 adds it stands for. */
void fm_gemm_u8s8s32_acc(const fm_packed_s8 *B, int M, const uint8_t *A, int lda, int32_t *C,
                         int ldc);

/* The ISA B was packed for (fm_pack_s8 caps a request at fm_cpu_best_isa()),
 * and its N and K. */
fm_isa fm_packed_s8_isa(const fm_packed_s8 *p);
int fm_packed_s8_n(const fm_packed_s8 *p);
int fm_packed_s8_k(const fm_packed_s8 *p);

/* Parses "scalar" | "avx2" | "avx512vnni"; returns -1 for anything else. */
int fm_isa_parse(const char *name);

/* im2col for NHWC activations x[H][W][C]: writes output rows row0 ..
 * row0+nrows-1 (row = oh*OW + ow) of kh*kw*C values each, K ordered
 * (ky, kx, c), row r at out + (r - row0)*ldo. Taps outside the image read
 * pad_value (callers pass the zero point). Input pixel of a tap:
 * iy = oh*sh - pad_t + ky*dh, ix = ow*sw - pad_l + kx*dw. */
void fm_im2col_nhwc_u8(const uint8_t *x, int H, int W, int C, int kh, int kw, int sh, int sw,
                       int dh, int dw, int pad_t, int pad_l, int OH, int OW, int row0, int nrows,
                       uint8_t pad_value, uint8_t *out, int ldo);
void fm_im2col_nhwc_f32(const float *x, int H, int W, int C, int kh, int kw, int sh, int sw,
                        int dh, int dw, int pad_t, int pad_l, int OH, int OW, int row0, int nrows,
                        float pad_value, float *out, int ldo);

/* Depthwise convolution, NHWC: y[oh][ow][c] = sum_{ky,kx} x[iy][ix][c] *
 * w[(ky*kw + kx)*C + c], exact int32, x = pad_value outside the image
 * (iy = oh*sh - pad_t + ky, ix = ow*sw - pad_l + kx). y holds OH*OW*C. isa is
 * capped at fm_cpu_best_isa(); every path gives the same bits. */
void fm_dwconv_nhwc_u8s8s32(fm_isa isa, const uint8_t *x, int H, int W, int C, const int8_t *w,
                            int kh, int kw, int sh, int sw, int pad_t, int pad_l, int OH, int OW,
                            uint8_t pad_value, int32_t *y);
/* Scalar reference for the same. */
void fm_dwconv_nhwc_u8s8s32_ref(const uint8_t *x, int H, int W, int C, const int8_t *w, int kh,
                                int kw, int sh, int sw, int pad_t, int pad_l, int OH, int OW,
                                uint8_t pad_value, int32_t *y);

/* Wide path for operands over 8 bits: int16 x int16 with int64 sums. */
void fm_gemm_s16s16s64_ref(int M, int N, int K, const int16_t *A, int lda, const int16_t *B,
                           int ldb, int64_t *C, int ldc);

/* Activation quantization: q[i] = clamp(round_half_away(x[i] * inv), lo, hi)
 * + off, as u8 (callers keep lo + off >= 0 and hi + off <= 255). Rounding is
 * trunc plus an exact remainder test (no +0.5 error near halves); NaN maps
 * to lo. Every ISA gives the scalar path's bytes. */
void fm_quantize_u8(fm_isa isa, const float *x, int64_t n, float inv, int32_t lo, int32_t hi,
                    int32_t off, uint8_t *q);
void fm_quantize_u8_ref(const float *x, int64_t n, float inv, int32_t lo, int32_t hi, int32_t off,
                        uint8_t *q);
/* One code, the scalar definition the vector paths follow. */
int32_t fm_quantize_one(float v, float inv, int32_t lo, int32_t hi);

/* Byte table mapping dst[i] = table[src[i]], i < n (the plane mapping of
 * Ax-BxP / ASM activations). The AVX-512 path needs AVX512_VBMI besides
 * the VNNI level; other ISAs run the scalar loop. Same bytes on every path. */
void fm_map_u8(fm_isa isa, const uint8_t table[256], const uint8_t *src, size_t n, uint8_t *dst);
void fm_map_u8_ref(const uint8_t table[256], const uint8_t *src, size_t n, uint8_t *dst);
/* Rows mapped through several tables side by side (the planes of one
 * GEMM with K' = G*K, see src/exec/mac_int.c): for r < rows, p < G, k < K,
 *   dst[r*ldd + p*K + k] = tables[p][src[r*lds + k]],
 * a NULL table copying the byte (an identity plane). Needs ldd >= G*K; writes
 * nothing else, reads only the K bytes of each source row. Same bytes on
 * every path (AVX-512 VBMI, else scalar). */
void fm_map_planes_u8(fm_isa isa, const uint8_t *const tables[], int G, const uint8_t *src,
                      int rows, int K, int lds, uint8_t *dst, int ldd);
void fm_map_planes_u8_ref(const uint8_t *const tables[], int G, const uint8_t *src, int rows, int K,
                          int lds, uint8_t *dst, int ldd);
/* 1 when fm_cpu_best_isa() is the AVX-512 VNNI level and the CPU has
 * AVX512_VBMI (cached per process). */
int fm_cpu_has_vbmi(void);

/* Accumulator epilogue: y[r*ldy + o] = (float)(((double)acc[r*lda + o] -
 * (double)corr[o]) * scale[o]) + bias[o] (the difference is exact), then
 * y <= 0 (or NaN) becomes 0 when relu, for r < rows, o < n. corr may be NULL. */
void fm_dequant_rows(fm_isa isa, const int32_t *acc, int lda, int rows, int n, const int32_t *corr,
                     const float *scale, const float *bias, int relu, float *y, int ldy);
void fm_dequant_rows_ref(const int32_t *acc, int lda, int rows, int n, const int32_t *corr,
                         const float *scale, const float *bias, int relu, float *y, int ldy);

/* A fixed pool of worker threads. fm_pool_run calls fn(ctx, task, worker)
 * for task in [0, ntasks) spread over the workers and returns when all are
 * done. A pool of 1 runs tasks on the calling thread. worker is in
 * [0, fm_pool_size) and the caller is worker 0 (per-worker scratch can be
 * indexed by it). Idle workers sleep. One fm_pool_run at a time per pool,
 * and fn must not call fm_pool_run on the same pool. fm_pool_new returns
 * NULL if threads cannot be created. */
typedef struct fm_pool fm_pool;
fm_pool *fm_pool_new(int nthreads); /* 0 = number of online CPUs */
void fm_pool_free(fm_pool *p);
int fm_pool_size(const fm_pool *p);
void fm_pool_run(fm_pool *p, int ntasks, void (*fn)(void *ctx, int task, int worker), void *ctx);

#ifdef __cplusplus
}
#endif
#endif
