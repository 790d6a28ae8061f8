/* Executor internals shared by the files of src/exec.
 *
 * Layout: every 4-D activation is stored channels-last (NHWC) because the
 * MAC kernels want each output pixel's receptive field contiguous; every
 * other tensor is stored in its semantic order. Operators that depend on
 * axis order (Slice, Pad, Concat, Transpose, Softmax, Mean) translate
 * semantic axes to physical ones; Reshape/Flatten go through semantic order.
 *
 * Work is split by sample: each worker runs the whole graph on its own
 * slice of the batch with its own buffers, so no operator needs locking and
 * results do not depend on the thread count. */
#ifndef FLEXMAC_EXEC_INTERNAL_H
#define FLEXMAC_EXEC_INTERNAL_H

#include <stdint.h>

#include "flexmac/exec.h"
#include "flexmac/tflite_fast.h"

#define FM_MAC_ROW_TILE 2048 /* im2col rows formed per GEMM call: bounds scratch memory */
#define FM_WORKER_BYTES ((int64_t)256 << 20) /* activation memory per worker */

/* Run-time facts about one graph tensor. */
typedef struct fm_xt {
    int is_const;
    int nhwc;            /* 4-D activation stored channels-last */
    int alias;           /* tensor whose buffer this one shares, or -1 */
    int64_t per_sample;  /* elements per sample (activations) */
    int phys_ndim;       /* physical dims excluding batch for activations */
    int64_t phys[FM_MAX_DIMS];
    const float *cdata;  /* constants as float, physical layout (owned by plan) */
} fm_xt;

typedef struct fm_mac_plane {
    int32_t *xtab;        /* activation code + xmax -> plane value (2*xmax+1) */
    uint8_t xmap[256];    /* 8-bit path: u8 input byte -> u8 plane byte */
    int identity;         /* xtab is the identity: no mapping pass */
    int32_t *wq;          /* weight plane codes [OC][K] */
    fm_packed_s8 **packed; /* per conv group, 8-bit path */
    int8_t *dw;           /* depthwise layers: weights as (ky, kx, c) for fm_dwconv */
} fm_mac_plane;

/* A MAC layer (Conv or Gemm) prepared for execution. Gemm is a 1x1 conv on
 * a 1x1 image. */
typedef struct fm_mac {
    int node;
    int mac_index;
    int C, H, W;          /* input channels (all groups), spatial size */
    int OC, OH, OW;
    int kh, kw, sh, sw, dh, dw, pad_t, pad_l;
    int group, cg, ocg;   /* groups, input and output channels per group */
    int K;                /* kh * kw * cg */
    fm_fused_act act;
    float act_min, act_max;
    float *wf;            /* float weights [OC][K], K in (ky, kx, c) order */
    float *bias;          /* [OC] (zeros when absent) */
    /* integer execution (quant != 0) */
    int quant;
    const fm_layer_arith *arith;
    int xbits, wbits;
    int x_signed;         /* input range includes negatives */
    float sx;             /* activation scale */
    int32_t xmax;         /* largest input code magnitude */
    float *wscale;        /* per output channel weight scale */
    float *oscale;        /* sx * wscale[oc] */
    /* The scheme as a sum of products of planes (see mac_scheme.c): the
     * accumulator is sum over p of X_p . W_p, where X_p = xtab_p[x code]
     * and W_p the plane codes of the weights. Exact FxP-N and ASM have one
     * plane pair; Ax-BxP one per GEMM group of its plan. */
    int n_planes;
    fm_mac_plane *planes;
    int32_t *corr;        /* 8-bit path: offset correction per output channel */
    /* Several planes on an ungrouped layer: all of them as ONE GEMM over
     * K' = n_planes * K. Each im2col row is mapped through every plane's
     * table into one row ordered (plane, ky, kx, c), and the weights are
     * packed in that order. */
    fm_packed_s8 *cat;
    const fm_lut *lut;    /* user multiplier: scalar table path */
    int32_t *wcode;       /* weight codes before any scheme (LUT path) */
} fm_mac;

typedef struct fm_worker fm_worker;

struct fm_exec {
    const fm_graph *g;
    fm_exec_opts opts;
    fm_isa isa;
    fm_pool *pool;
    fm_xt *xt;            /* one per graph tensor */
    int *skip;            /* node is a no-op (its output aliases its input) */
    fm_fused_act *act;    /* per node: activation applied in its epilogue */
    float *act_lo, *act_hi;
    fm_mac **mac_of;      /* per node: prepared MAC layer or NULL */
    fm_mac *macs;
    int n_macs;
    int *slot_of;         /* per root activation: its buffer slot (memplan.c) */
    int64_t *slot_elems;  /* per slot: elements per sample */
    int n_slots;
    int chunk;            /* samples per worker step */
    int n_workers;
    fm_worker *workers;
    fm_calib *observe;
    fm_tflite_fast *tfl;  /* TFLite graph in its own integer semantics (exec.c) */
    fm_calib *own_calib;  /* TFLite graph: ranges from its qparams */
};

struct fm_worker {
    float **slot;         /* per slot, chunk * slot_elems floats */
    uint8_t *q8;          /* quantized input codes */
    float *col;           /* float im2col tile / >8-bit code tile */
    uint8_t *col8;        /* u8 im2col tile */
    uint8_t *map8;        /* u8 plane tile (schemes with a mapping); a depthwise sample's mapped input */
    int32_t *acc;         /* int32 accumulators tile */
    int64_t *acc64;
    int16_t *col16, *w16;
    size_t q8_cap, col_cap;
    fm_status status;
    fm_error err;
};

/* plan.c, memplan.c */
fm_status fm_exec_plan(fm_exec *e, fm_error *err);
fm_status fm_exec_memplan(fm_exec *e, fm_error *err);
float *fm_exec_buf(fm_exec *e, fm_worker *w, int t);
const float *fm_exec_cbuf(fm_exec *e, fm_worker *w, int t);

/* A 1x1, stride-1, unpadded, ungrouped layer: its NHWC input already is the
 * im2col matrix, so no copy is made. */
static inline int fm_mac_is_pointwise(const fm_mac *m)
{
    return m->kh == 1 && m->kw == 1 && m->sh == 1 && m->sw == 1 && m->pad_t == 0 && m->pad_l == 0 &&
           m->group == 1;
}

/* Rows per tile of a concatenated-plane layer (fm_mac.cat): about 32 KiB
 * of mapped rows (K' = n_planes * K bytes each), so the tile the mapping
 * writes is still in L1 when the GEMM reads it; a multiple of 16 rows, at
 * least 16, at most FM_MAC_ROW_TILE. Against 128 KiB (in L2) this took the
 * four-plane diagonal set on ResNet-20 from 0.70-0.73 to 0.65 ms/image
 * (bench_schemes --only 5, 1 thread, two runs), the large conv unchanged. */
static inline int fm_mac_cat_tile(const fm_mac *m)
{
    int t = (32 * 1024) / (m->n_planes * m->K) / 16 * 16;
    return t < 16 ? 16 : t > FM_MAC_ROW_TILE ? FM_MAC_ROW_TILE : t;
}

/* A depthwise layer (one channel per group, no dilation) that the 8-bit
 * path runs on the depthwise kernel instead of one GEMM per channel. */
static inline int fm_mac_is_depthwise(const fm_mac *m)
{
    return m->group > 1 && m->group == m->C && m->cg == 1 && m->ocg == 1 && m->dh == 1 && m->dw == 1;
}

/* mac_float.c / mac_int.c */
void fm_mac_float_run(fm_exec *e, fm_worker *w, const fm_mac *m, const float *x, float *y, int n);
fm_status fm_mac_int_prepare(fm_exec *e, fm_mac *m, fm_error *err);
void fm_mac_int_free(fm_mac *m);
void fm_mac_int_run(fm_exec *e, fm_worker *w, const fm_mac *m, const float *x, float *y, int n);
void fm_apply_act(float *y, int64_t count, fm_fused_act act, float lo, float hi);

/* ops_*.c: each runs one node on n samples. */
fm_status fm_op_elementwise(fm_exec *e, fm_worker *w, const fm_node *nd, int n, fm_error *err);
fm_status fm_op_shape(fm_exec *e, fm_worker *w, const fm_node *nd, int n, fm_error *err);
fm_status fm_op_pool(fm_exec *e, fm_worker *w, const fm_node *nd, int n, fm_error *err);

/* layout helpers (ops_shape.c) */
void fm_nchw_to_nhwc(const float *x, float *y, int n, int C, int H, int W);
void fm_nhwc_to_nchw(const float *x, float *y, int n, int C, int H, int W);
/* semantic axis -> physical axis of a 4-D channels-last tensor */
static inline int fm_phys_axis(int sem) { static const int m[4] = {0, 3, 1, 2}; return m[sem]; }

/* mac_scheme.c: builds m->planes from the layer's arithmetic */
fm_status fm_mac_scheme_prepare(fm_exec *e, fm_mac *m, const int32_t *wcodes, fm_error *err);
void fm_mac_scheme_free(fm_mac *m);

/* quant.c */
int32_t fm_round_half_away(double v);
int32_t fm_quantize_code(float v, float inv_scale, int32_t lo, int32_t hi);

/* calib.c */
int fm_calib_tracks(const fm_calib *c, int t);
void fm_calib_observe(fm_calib *c, int t, const float *data, int64_t count, int n_samples);
void fm_calib_add_samples(fm_calib *c, int n);

#endif
