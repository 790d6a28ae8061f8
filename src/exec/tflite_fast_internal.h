/* Internals of the fast TFLite executor (tflite_fast*.c).
 *
 * Every 8-bit activation is held as a byte u = q + off, off = 0 for uint8
 * and 128 for int8, so that the u8 x s8 kernels see it; differences
 * u - u_zp equal q - zp. 4-D activations are channels-last. */
#ifndef FLEXMAC_TFLITE_FAST_INTERNAL_H
#define FLEXMAC_TFLITE_FAST_INTERNAL_H

#include "exec/tflite_ref_internal.h"
#include "flexmac/tflite_fast.h"

#define TFAST_ROW_TILE 512 /* im2col rows per GEMM call */

typedef struct tfast_tensor {
    int is_act;      /* non-constant, held as bytes */
    int nhwc;        /* 4-D: stored channels-last */
    int32_t off;     /* u = q + off */
    int64_t numel;
    int C, H, W;     /* 4-D shape (semantic N=1, C, H, W) */
} tfast_tensor;

typedef enum tfast_kind { TFAST_GEMM, TFAST_DW, TFAST_ADD, TFAST_REF } tfast_kind;

/* Requantization of one channel: y = clamp(MBQM(acc, mult, shift) + zy). */
typedef struct tfast_requant {
    int32_t *d;      /* per channel: the weight offset folded out (see tflite_fast_mac.c) */
    int32_t *corr;   /* per channel: bias and zero-point corrections */
    int32_t *mult;
    int32_t *shift;
    int32_t zy, lo, hi; /* output zero point and clamp bounds, as bytes u */
} tfast_requant;

/* A convolution, depthwise convolution or fully connected layer. */
typedef struct tfast_mac {
    int C, H, W, OC, OH, OW;
    int kh, kw, sh, sw, dh, dw, pad_t, pad_l;
    int group, cg, ocg, K;
    int pointwise;   /* 1x1, stride 1, no padding, one group: rows are the input pixels */
    uint8_t zx;      /* input zero point as a byte (the padding value) */
    int need_r;      /* some channel has d != 0: row (or window) sums needed */
    fm_packed_s8 **packed; /* GEMM: per group, ocg rows (+ a row of ones when need_r) */
    int8_t *dw_w;    /* depthwise: [(ky*kw + kx)*C + c] */
    int8_t *dw_ones; /* depthwise: all ones, for window sums */
    int16_t *dw_pairs; /* depthwise, AVX2: w - zw as int16, [tap pair][C][2] */
    tfast_requant rq;
    tfast_requant rq_direct; /* for an accumulator without offsets: corr = bias */
} tfast_mac;

typedef struct tfast_node {
    tfast_kind kind;
    int prof;        /* fm_tflite_fast_kind */
    tfast_mac *mac;
    tref_add_params add;
} tfast_node;

typedef struct tfast_worker {
    uint8_t **buf;   /* per tensor (activations), one sample */
    int32_t **q32;   /* per tensor read or written by a reference node: int32 NCHW */
    tref_val *view;  /* per tensor: the values a reference node sees */
    uint8_t *col, *grp;
    int32_t *acc, *accr;
    double prof[FM_TFAST_KINDS];
    fm_status status;
    fm_error err;
} tfast_worker;

struct fm_tflite_fast {
    const fm_graph *g;
    fm_isa isa;
    fm_pool *pool;
    int n_workers;
    int profile;
    tfast_tensor *t;
    tfast_node *nodes;
    int32_t **cq32;  /* constants read by reference nodes, widened (shared) */
    tfast_worker *w;
    size_t col_cap, grp_cap, acc_cap;
};

/* tflite_fast_mac.c */
fm_status tfast_mac_prepare(fm_tflite_fast *f, int node, tfast_mac *m, fm_error *err);
void tfast_mac_free(tfast_mac *m);
void tfast_mac_run(const fm_tflite_fast *f, tfast_worker *w, const tfast_mac *m, const uint8_t *x, uint8_t *y);

/* tflite_fast_requant.c: y[r*ldy + c] = clamp(MBQM(acc[r*lda + c] +
 * d[c] * R[r*rs + c*cs] + corr[c]) + zy) for r < rows, c < n (R may be NULL;
 * sums wrap modulo 2^32 like TFLite's int32 accumulator). */
void tfast_requant_rows(fm_isa isa, const int32_t *acc, int lda, int rows, int n, const int32_t *R, int rs,
                        int cs, const tfast_requant *q, int c0, uint8_t *y, int ldy);
void tfast_requant_rows_avx2(const int32_t *acc, int lda, int rows, int n, const int32_t *R, int rs, int cs,
                             const tfast_requant *q, int c0, uint8_t *y, int ldy);
/* tflite_fast_dw_avx2.c: y[pixel][c] = sum over in-image taps of
 * (x - zx) * (w - zw), wpair as tfast_mac.dw_pairs; kh * kw <= 32. */
void tfast_dw_avx2(const uint8_t *x, int H, int W, int C, const int16_t *wpair, int kh, int kw, int sh, int sw,
                   int pad_t, int pad_l, int OH, int OW, uint8_t zx, int32_t *y);

void tfast_dw_avx512(const uint8_t *x, int H, int W, int C, const int16_t *wpair, int kh, int kw, int sh, int sw,
                     int pad_t, int pad_l, int OH, int OW, uint8_t zx, int32_t *y);

/* ADD on bytes (a - oa, b - ob are the inputs' values; y gets q + oy). */
void tfast_add_avx2(const tref_add_params *p, const uint8_t *a, int32_t oa, const uint8_t *b, int32_t ob,
                    uint8_t *y, int32_t oy, int64_t n);
void tfast_requant_rows_ref(const int32_t *acc, int lda, int rows, int n, const int32_t *R, int rs, int cs,
                            const tfast_requant *q, int c0, uint8_t *y, int ldy);

#endif
