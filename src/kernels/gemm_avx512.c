/* u8 x s8 -> s32 GEMM with AVX-512 VNNI (vpdpbusd: 4 u8*s8 products summed
 * into each int32 lane, no intermediate saturation, so exact).
 *
 * Vectors run over N: one zmm holds 16 output columns. Per group of 4 k the
 * microkernel loads NV zmm of packed B (NV*16 columns x 4 k), broadcasts 4
 * bytes of each of MR rows of A (vpbroadcastd) and issues MR*NV vpdpbusd into
 * MR*NV accumulators (24 of the 32 zmm). Blocking: M blocks of M_BLOCK rows,
 * K blocks of at most 4*KC_MAX_GROUPS bytes (a KC x 64 slice of a B panel,
 * 32 KiB, stays in L1 while every tile of the M block passes over it), C
 * reloaded between K blocks from L2. N <= 16 with long K uses the quad
 * layout and kernel further down (16-byte A broadcasts). K tails are read
 * with masked loads, so no row is read past its K bytes. */
#include <immintrin.h>
#include <string.h>

#include "kernels_internal.h"

#ifndef KC_MAX_GROUPS
#define KC_MAX_GROUPS 128 /* 512 k per block */
#endif
#ifndef M_BLOCK
#define M_BLOCK 96 /* rows whose C and A block stay in L2 */
#endif

#define FM_INLINE static inline __attribute__((always_inline))

FM_INLINE __m512i bcast4(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

/* The first bytes of p selected by m (a K tail), zero above: a masked load
 * never touches the bytes it leaves out, so nothing past a row is read. */
FM_INLINE __m512i bcast4_tail(const uint8_t *p, __mmask16 m)
{
    return _mm512_broadcastd_epi32(_mm_maskz_loadu_epi8(m, p));
}

/* The accumulators are named variables, not an array: GCC keeps arrays of
 * vectors in memory. Blocks for i >= MR or v >= NV vanish at compile time. */
#define FOR_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) \
    X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
#define FOR_COLS(X, i) X(i, 0) X(i, 1) X(i, 2) X(i, 3)

#define ACC_DECL(i, v) __m512i acc_##i##_##v = _mm512_setzero_si512();
#define ROW_DECL(i) FOR_COLS(ACC_DECL, i)
#define ACC_INIT(i, v)                                                                        \
    if ((i) < MR && (v) < NV && load_c)                                                       \
        acc_##i##_##v = _mm512_loadu_si512(C + (size_t)(i) * ldc + (v) * 16);
#define ROW_INIT(i) FOR_COLS(ACC_INIT, i)
#define ACC_FMA(i, v)                                                                         \
    if ((v) < NV)                                                                             \
        acc_##i##_##v = _mm512_dpbusd_epi32(acc_##i##_##v, a, b##v);
#define ROW_FMA(i)                                                                            \
    if ((i) < MR) {                                                                           \
        const __m512i a = BCAST(A + (size_t)(i) * lda + 4 * g);                               \
        FOR_COLS(ACC_FMA, i)                                                                  \
    }
#define ACC_STORE(i, v)                                                                       \
    if ((i) < MR && (v) < NV)                                                                 \
        _mm512_storeu_si512(C + (size_t)(i) * ldc + (v) * 16, acc_##i##_##v);
#define ROW_STORE(i) FOR_COLS(ACC_STORE, i)
#define LOAD_B                                                                                \
    const __m512i b0 = _mm512_load_si512((const void *)b);                                    \
    const __m512i b1 = NV > 1 ? _mm512_load_si512((const void *)(b + 64)) : b0;               \
    const __m512i b2 = NV > 2 ? _mm512_load_si512((const void *)(b + 128)) : b0;              \
    const __m512i b3 = NV > 3 ? _mm512_load_si512((const void *)(b + 192)) : b0;              \
    (void)b1, (void)b2, (void)b3;

/* C[MR x NV*16] (+)= A[MR x (4*groups + tail)] * Bpanel, whole zmm of C:
 * the driver routes a panel with a partial last zmm through a scratch tile
 * (masked loads/stores of C here make GCC spill the accumulators). A K
 * tail of 1..3 bytes (tm: its byte mask) is one more group read with
 * masked loads; B is zero-padded there. */
FM_INLINE void kernel(const int MR, const int NV, const uint8_t *A, int lda, const int8_t *Bp,
                      int groups, __mmask16 tm, int32_t *C, int ldc, int load_c)
{
    FOR_ROWS(ROW_DECL)
    FOR_ROWS(ROW_INIT)
    const int8_t *b = Bp;
    int g = 0;
    for (; g < groups; g++, b += NV * 64) {
        LOAD_B
#define BCAST(p) bcast4(p)
        FOR_ROWS(ROW_FMA)
#undef BCAST
    }
    if (tm) {
        LOAD_B
#define BCAST(p) bcast4_tail(p, tm)
        FOR_ROWS(ROW_FMA)
#undef BCAST
    }
    FOR_ROWS(ROW_STORE)
}

typedef void (*kern_fn)(const uint8_t *, int, const int8_t *, int, __mmask16, int32_t *, int, int);

#define DEF_KERN(mr, nv)                                                                       \
    static void kern_##mr##_##nv(const uint8_t *A, int lda, const int8_t *Bp, int groups,     \
                                 __mmask16 tm, int32_t *C, int ldc, int load_c)                \
    {                                                                                          \
        kernel(mr, nv, A, lda, Bp, groups, tm, C, ldc, load_c);                                \
    }

/* Rows per microkernel for NV zmm of columns: MR*NV = 24 accumulators (16
 * for NV = 1) leaves registers for NV B vectors and the broadcast. */
#define MR1 16
#define MR2 12
#define MR3 8
#define MR4 6

#define DEF_ROWS_1_6(nv) DEF_KERN(1, nv) DEF_KERN(2, nv) DEF_KERN(3, nv) DEF_KERN(4, nv) \
    DEF_KERN(5, nv) DEF_KERN(6, nv)
#define DEF_ROWS_7_8(nv) DEF_KERN(7, nv) DEF_KERN(8, nv)
#define DEF_ROWS_9_12(nv) DEF_KERN(9, nv) DEF_KERN(10, nv) DEF_KERN(11, nv) DEF_KERN(12, nv)
#define DEF_ROWS_13_16(nv) DEF_KERN(13, nv) DEF_KERN(14, nv) DEF_KERN(15, nv) DEF_KERN(16, nv)

DEF_ROWS_1_6(1) DEF_ROWS_7_8(1) DEF_ROWS_9_12(1) DEF_ROWS_13_16(1)
DEF_ROWS_1_6(2) DEF_ROWS_7_8(2) DEF_ROWS_9_12(2)
DEF_ROWS_1_6(3) DEF_ROWS_7_8(3)
DEF_ROWS_1_6(4)

#define K6(nv) kern_1_##nv, kern_2_##nv, kern_3_##nv, kern_4_##nv, kern_5_##nv, kern_6_##nv
static const kern_fn kern_nv1[MR1] = {K6(1), kern_7_1, kern_8_1, kern_9_1, kern_10_1,
                                      kern_11_1, kern_12_1, kern_13_1, kern_14_1, kern_15_1,
                                      kern_16_1};
static const kern_fn kern_nv2[MR2] = {K6(2), kern_7_2, kern_8_2, kern_9_2, kern_10_2,
                                      kern_11_2, kern_12_2};
static const kern_fn kern_nv3[MR3] = {K6(3), kern_7_3, kern_8_3};
static const kern_fn kern_nv4[MR4] = {K6(4)};
static const kern_fn *const kern_tab[5] = {NULL, kern_nv1, kern_nv2, kern_nv3, kern_nv4};
static const int mr_of_nv[5] = {0, MR1, MR2, MR3, MR4};

/* One r x (nv*16) tile over `full` groups of 4 k plus `tail` (0..3) k
 * (masked loads in the kernel); a panel whose last zmm is partial (N tail)
 * goes through a scratch tile so the kernel only sees whole zmm. */
static void tile_product(kern_fn kern, int r, const uint8_t *A, int lda, const int8_t *bp,
                         int full, int tail, int32_t *C, int ldc, int load_c, int cols, int nv)
{
    int32_t tile[MR1 * 64] __attribute__((aligned(64)));
    const __mmask16 tm = (__mmask16)((1u << tail) - 1);
    if (cols == nv * 16) {
        kern(A, lda, bp, full, tm, C, ldc, load_c);
        return;
    }
    /* zmm v of a row holds columns 16v .. 16v+15; the last one is partial */
    __mmask16 cm[4];
    for (int v = 0; v < nv; v++) {
        int left = cols - 16 * v;
        cm[v] = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
    }
    if (load_c)
        for (int t = 0; t < r; t++)
            for (int v = 0; v < nv; v++)
                _mm512_store_si512((void *)(tile + t * 64 + 16 * v),
                                   _mm512_maskz_loadu_epi32(cm[v], C + (size_t)t * ldc + 16 * v));
    kern(A, lda, bp, full, tm, tile, 64, load_c);
    for (int t = 0; t < r; t++)
        for (int v = 0; v < nv; v++)
            _mm512_mask_storeu_epi32(C + (size_t)t * ldc + 16 * v, cm[v],
                                     _mm512_load_si512((const void *)(tile + t * 64 + 16 * v)));
}

/* ---- N <= 16: "quad" layout ----
 * With one zmm of columns the plain kernel needs one A broadcast per
 * vpdpbusd. Instead each 128-bit lane L of B vector v (v = 0..3) holds column
 * 4L + v for 4 consecutive groups of 4 k, and A is broadcast 16 bytes at a
 * time (vbroadcasti32x4): one broadcast feeds 4 vpdpbusd, like the 6x4
 * kernel. Lane dword j then holds a partial sum over groups = j (mod 4), and
 * the 4 partials are added once per tile by the unpack/add tree in
 * quad_reduce, which also lands column n in dword n. */
#define QMR 6

FM_INLINE __m512i bcast16(const uint8_t *p)
{
    return _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)p));
}

FM_INLINE __m512i bcast16_tail(const uint8_t *p, __mmask16 m)
{
    return _mm512_broadcast_i32x4(_mm_maskz_loadu_epi8(m, p));
}

#define QLOAD_B                                                                               \
    const __m512i b0 = _mm512_load_si512((const void *)b);                                    \
    const __m512i b1 = _mm512_load_si512((const void *)(b + 64));                             \
    const __m512i b2 = _mm512_load_si512((const void *)(b + 128));                            \
    const __m512i b3 = _mm512_load_si512((const void *)(b + 192));

FM_INLINE __m512i quad_reduce(__m512i q0, __m512i q1, __m512i q2, __m512i q3)
{
    const __m512i s01 = _mm512_add_epi32(_mm512_unpacklo_epi32(q0, q1),
                                         _mm512_unpackhi_epi32(q0, q1));
    const __m512i s23 = _mm512_add_epi32(_mm512_unpacklo_epi32(q2, q3),
                                         _mm512_unpackhi_epi32(q2, q3));
    return _mm512_add_epi32(_mm512_unpacklo_epi64(s01, s23), _mm512_unpackhi_epi64(s01, s23));
}

#define QROW_FMA(i)                                                                           \
    if ((i) < MR) {                                                                           \
        const __m512i a = QBCAST(A + (size_t)(i) * lda + 16 * h);                             \
        acc_##i##_0 = _mm512_dpbusd_epi32(acc_##i##_0, a, b0);                                \
        acc_##i##_1 = _mm512_dpbusd_epi32(acc_##i##_1, a, b1);                                \
        acc_##i##_2 = _mm512_dpbusd_epi32(acc_##i##_2, a, b2);                                \
        acc_##i##_3 = _mm512_dpbusd_epi32(acc_##i##_3, a, b3);                                \
    }
#define QACC_INIT(i, v)                                                                       \
    if ((i) < MR && init)                                                                     \
        acc_##i##_##v = _mm512_load_si512((const void *)(part + ((i) * 4 + (v)) * 16));
#define QROW_INIT(i) FOR_COLS(QACC_INIT, i)
#define QACC_STORE(i, v)                                                                      \
    if ((i) < MR)                                                                             \
        _mm512_store_si512((void *)(part + ((i) * 4 + (v)) * 16), acc_##i##_##v);
#define QROW_STORE(i) FOR_COLS(QACC_STORE, i)

/* part[MR x 4 zmm] (+)= partial sums of A[MR x (16*quads + tail)] * B
 * (quad layout). A K tail of 1..15 bytes (tm: its byte mask) is one more
 * quad read with masked loads (B is zero-padded there). The lane reduction
 * happens outside: done here, after the loop, it makes GCC spill the
 * accumulators inside the loop. */
FM_INLINE void kernel_quad(const int MR, const uint8_t *A, int lda, const int8_t *Bp, int quads,
                           __mmask16 tm, int32_t *part, int init)
{
    FOR_ROWS(ROW_DECL)
    FOR_ROWS(QROW_INIT)
    const int8_t *b = Bp;
    int h = 0;
    for (; h < quads; h++, b += 256) {
        QLOAD_B
#define QBCAST(p) bcast16(p)
        FOR_ROWS(QROW_FMA)
#undef QBCAST
    }
    if (tm) {
        QLOAD_B
#define QBCAST(p) bcast16_tail(p, tm)
        FOR_ROWS(QROW_FMA)
#undef QBCAST
    }
    FOR_ROWS(QROW_STORE)
}

typedef void (*qkern_fn)(const uint8_t *, int, const int8_t *, int, __mmask16, int32_t *, int);
#define DEF_QKERN(mr)                                                                          \
    static void qkern_##mr(const uint8_t *A, int lda, const int8_t *Bp, int quads,             \
                           __mmask16 tm, int32_t *part, int init)                              \
    {                                                                                          \
        kernel_quad(mr, A, lda, Bp, quads, tm, part, init);                                    \
    }
DEF_QKERN(1) DEF_QKERN(2) DEF_QKERN(3) DEF_QKERN(4) DEF_QKERN(5) DEF_QKERN(6)
static const qkern_fn qkern_tab[QMR] = {qkern_1, qkern_2, qkern_3, qkern_4, qkern_5, qkern_6};

/* Quad-layout tile: full quads and the K tail (1..15 bytes, masked) into
 * the partial sums, then per row the lane reduction, plus C when
 * accumulating, and a store of the N (<= 16) valid columns. */
static void tile_quad(int r, const uint8_t *A, int lda, const int8_t *bp, int full, int tail,
                      int32_t *C, int ldc, int load_c, int cols)
{
    int32_t part[QMR * 64] __attribute__((aligned(64)));
    qkern_fn kern = qkern_tab[r - 1];
    kern(A, lda, bp, full, (__mmask16)((1u << tail) - 1), part, 0);
    const __mmask16 mk = cols >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << cols) - 1);
    for (int t = 0; t < r; t++) {
        const int32_t *q = part + t * 64;
        __m512i v = quad_reduce(_mm512_load_si512((const void *)q),
                                _mm512_load_si512((const void *)(q + 16)),
                                _mm512_load_si512((const void *)(q + 32)),
                                _mm512_load_si512((const void *)(q + 48)));
        int32_t *c = C + (size_t)t * ldc;
        if (load_c)
            v = _mm512_add_epi32(v, _mm512_maskz_loadu_epi32(mk, c));
        _mm512_mask_storeu_epi32(c, mk, v);
    }
}

/* Asks for rows [row, row + r) of A (K bytes each, those below M) ahead of
 * use: the next M block's rows are requested while this block's first K
 * block runs, so a long A streams from memory behind the arithmetic (the
 * hardware prefetcher sees only short row-sized runs here). On a
 * 25088 x 64 x 576 GEMM this took one thread from about 450 to 750 GOPS. */
static void prefetch_rows(const uint8_t *A, int lda, int K, int64_t row, int r, int M)
{
    for (int t = 0; t < r && row + t < M; t++) {
        const uint8_t *p = A + (size_t)(row + t) * lda;
        for (int k = 0; k < K; k += 64)
            _mm_prefetch((const char *)(p + k), _MM_HINT_T1);
    }
}

static void gemm_quad(const struct fm_packed_s8 *B, int M, const uint8_t *A, int lda, int32_t *C,
                      int ldc, int accumulate)
{
    const int K = B->K, Q = B->kp / 16, qmax = KC_MAX_GROUPS / 4;
    const int nkb = (Q + qmax - 1) / qmax;
    const int qc = (Q + nkb - 1) / nkb;
    const int8_t *data = B->data;
    for (int m0 = 0; m0 < M; m0 += M_BLOCK) {
        const int mb = M - m0 < M_BLOCK ? M - m0 : M_BLOCK;
        for (int h0 = 0; h0 < Q; h0 += qc) {
            const int k0 = 16 * h0;
            const int kend = 16 * (h0 + qc) < K ? 16 * (h0 + qc) : K;
            const int full = (kend - k0) / 16, tail = (kend - k0) % 16;
            const int load_c = accumulate || h0 > 0;
            for (int i = 0; i < mb; i += QMR) {
                const int r = mb - i < QMR ? mb - i : QMR;
                const size_t row = (size_t)(m0 + i);
                if (h0 == 0)
                    prefetch_rows(A, lda, K, (int64_t)row + M_BLOCK, r, M);
                tile_quad(r, A + row * lda + k0, lda, data + (size_t)h0 * 256, full, tail,
                          C + row * ldc, ldc, load_c, B->N);
            }
        }
    }
}

void fm_gemm_avx512_run(const struct fm_packed_s8 *B, int M, const uint8_t *A, int lda,
                        int32_t *C, int ldc, int accumulate)
{
    if (B->quad16) {
        gemm_quad(B, M, A, lda, C, ldc, accumulate);
        return;
    }
    const int K = B->K, G = B->kp / 4;
    /* Even K blocks of at most KC_MAX_GROUPS groups of 4. */
    const int nkb = (G + KC_MAX_GROUPS - 1) / KC_MAX_GROUPS;
    const int gc = (G + nkb - 1) / nkb;
    const int8_t *data = B->data;
    /* M blocks outermost: the block's C (M_BLOCK x N int32) stays in L2
     * across the K blocks instead of going to memory once per K block. For
     * one panel of one K block, all tiles of the M block reuse the same
     * KC x 64 bytes of B from L1 while A streams from L2. */
    for (int m0 = 0; m0 < M; m0 += M_BLOCK) {
        const int mb = M - m0 < M_BLOCK ? M - m0 : M_BLOCK;
        for (int g0 = 0; g0 < G; g0 += gc) {
            const int k0 = 4 * g0;
            const int kend = 4 * (g0 + gc) < K ? 4 * (g0 + gc) : K;
            const int full = (kend - k0) / 4, tail = (kend - k0) % 4;
            const int load_c = accumulate || g0 > 0;
            for (int q = 0; q < B->npanels; q++) {
                const int nv = B->npanel[q], n0 = q * B->panel_cols;
                const int cols = B->N - n0 < B->panel_cols ? B->N - n0 : B->panel_cols;
                const int8_t *bp = data + B->panel_off[q] + (size_t)g0 * nv * 64;
                const int mr = mr_of_nv[nv];
                for (int i = 0; i < mb; i += mr) {
                    const int r = mb - i < mr ? mb - i : mr;
                    const size_t row = (size_t)(m0 + i);
                    if (g0 == 0 && q == 0)
                        prefetch_rows(A, lda, K, (int64_t)row + M_BLOCK, r, M);
                    tile_product(kern_tab[nv][r - 1], r, A + row * lda + k0, lda, bp, full, tail,
                                 C + row * ldc + n0, ldc, load_c, cols, nv);
                }
            }
        }
    }
}
