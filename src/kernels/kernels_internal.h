/* Private layout of packed weights and the per-ISA GEMM entry points.
 * Only the C files of src/kernels include this. */
#ifndef FLEXMAC_KERNELS_INTERNAL_H
#define FLEXMAC_KERNELS_INTERNAL_H

#include "flexmac/kernels.h"

/* Packed B. The layout depends on isa:
 *  SCALAR:     data = B as N rows of K int8 (ld = K); the reference runs on it.
 *  AVX512VNNI: K padded with zeros to kp (multiple of 4); N cut into panels
 *              of up to 64 columns (npanel[p] zmm of 16 columns, the last
 *              panel may be narrower). Panel p at data + panel_off[p] holds,
 *              for each group g of 4 k, npanel[p]*16 columns x 4 bytes:
 *              byte (g*w + n)*4 + j = B[n0 + n][4g + j] (zero past N or K),
 *              which is the operand vpdpbusd wants for one zmm of columns.
 *              Except for N <= 16 and long enough K (quad16 set, see
 *              use_quad16 in pack.c): K padded to a multiple of
 *              16, one panel; for each quad h of 16 k, 4 zmm v = 0..3; in
 *              zmm v, 128-bit lane L holds column n = 4L + v, k 16h .. 16h+15:
 *              byte h*256 + v*64 + L*16 + (k % 16) = B[n][k].
 *  AVX2:       data is int16; K padded with zeros to kp (multiple of 4);
 *              panels of up to 16 columns (npanel[p] ymm of 8 columns). For
 *              each group g of 4 k and each ymm v of the panel come two ymm
 *              (vector index (g*npanel + v)*2 + h, 16 int16 each): h=0 holds
 *              per column j the pair (B[n][4g], B[n][4g+2]), h=1 the pair
 *              (B[n][4g+1], B[n][4g+3]), n = n0 + 8v + j: the operands of
 *              vpmaddwd against A's bytes split into (a0,a2) and (a1,a3). */
struct fm_packed_s8 {
    fm_isa isa;
    int N, K;
    int kp;            /* padded K */
    int quad16;        /* AVX512VNNI, N <= 16, long K: quad layout */
    int panel_cols;    /* columns per full panel (64 avx512, 16 avx2) */
    int npanels;
    int *npanel;       /* vectors in each panel */
    size_t *panel_off; /* offset of each panel, in elements of data */
    void *data;        /* 64-byte aligned */
    int32_t *colsum;   /* N sums of B rows */
};

void fm_gemm_avx512_run(const struct fm_packed_s8 *B, int M, const uint8_t *A, int lda,
                        int32_t *C, int ldc, int accumulate);
void fm_gemm_avx2_run(const struct fm_packed_s8 *B, int M, const uint8_t *A, int lda, int32_t *C,
                      int ldc, int accumulate);

void fm_dwconv_avx512(const uint8_t *x, int H, int W, int C, const int8_t *w, int kh, int kw,
                      int sh, int sw, int pad_t, int pad_l, int OH, int OW, uint8_t pad_value,
                      int32_t *y);
void fm_dwconv_avx2(const uint8_t *x, int H, int W, int C, const int8_t *w, int kh, int kw, int sh,
                    int sw, int pad_t, int pad_l, int OH, int OW, uint8_t pad_value, int32_t *y);

/* map*.c */
void fm_map_u8_vbmi(const uint8_t table[256], const uint8_t *src, size_t n, uint8_t *dst);
void fm_map_planes_u8_vbmi(const uint8_t *const tables[], int G, const uint8_t *src, int rows,
                           int K, int lds, uint8_t *dst, int ldd);

/* quant*.c */
void fm_quantize_u8_avx512(const float *x, int64_t n, float inv, int32_t lo, int32_t hi, int32_t off,
                           uint8_t *q);
void fm_quantize_u8_avx2(const float *x, int64_t n, float inv, int32_t lo, int32_t hi, int32_t off,
                         uint8_t *q);
void fm_dequant_rows_avx512(const int32_t *acc, int lda, int rows, int n, const int32_t *corr,
                            const float *scale, const float *bias, int relu, float *y, int ldy);

#endif
