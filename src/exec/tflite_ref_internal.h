/* Shared state of the TFLite reference executor: every tensor's values as
 * int32 (integer dtypes) or float (FM_F32), in the IR's NCHW order. */
#ifndef FLEXMAC_TFLITE_REF_INTERNAL_H
#define FLEXMAC_TFLITE_REF_INTERNAL_H

#include "flexmac/tflite_ref.h"

typedef struct tref_val {
    int32_t *q; /* integer tensors */
    float *f;   /* float tensors */
} tref_val;

typedef struct tref {
    const fm_graph *g;
    tref_val *v;
} tref;

/* Executes one node; inputs are filled, outputs allocated. */
fm_status tref_node(const tref *r, const fm_node *n, fm_error *err);

/* TFLite's fixed-point uint8/int8 softmax over `len` values spaced `inner`
 * apart, `outer * inner` times; out_bits is 8 and [out_min, out_max] the
 * output dtype's range (TFLite's output quantization is 1/256 with zero
 * point out_min). FM_ERR_UNSUPPORTED when beta * scale is too small for
 * TFLite's multiplier. */
fm_status tref_softmax_fixed(const int32_t *x, int32_t *y, int64_t outer, int64_t len, int64_t inner,
                             float in_scale, float beta, int32_t out_min, int32_t out_max, int out_bits);

/* Value range of an integer dtype. */
void tref_dtype_range(fm_dtype d, int32_t *lo, int32_t *hi);

/* Helpers shared with the fast path (tflite_fast*.c), so that both run the
 * same arithmetic. */

static inline int32_t tref_clamp32(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* 32-bit accumulation wraps like TFLite's int32 (without C's UB). */
static inline int32_t tref_wrap32(int64_t v)
{
    return (int32_t)(uint32_t)(uint64_t)v;
}

/* Per-tensor scale (positive) and zero point of an activation of node n;
 * FM_ERR_UNSUPPORTED naming both otherwise. */
fm_status tref_qp(const fm_node *n, const fm_tensor *t, float *s, int32_t *zp, fm_error *err);

/* Bounds of node n's fused activation on output y (scale s, zero point zp):
 * TFLite's CalculateActivationRangeQuantized. */
void tref_act_range(const fm_node *n, const fm_tensor *y, float s, int32_t zp, int32_t *lo, int32_t *hi);

/* Real output multiplier of a conv / FC channel with filter scale sw
 * (per_tensor: the filter has one scale). */
double tref_conv_real_multiplier(float sx, float sw, float sy, int per_tensor);

/* TFLite ADD (reference/add.h): inputs shifted left by 20 bits, rescaled to
 * twice the larger input scale, summed, rescaled to the output. */
#define TREF_ADD_LEFT_SHIFT 20
typedef struct tref_add_params {
    int32_t za, zb, zy, lo, hi;
    int32_t ma, mb, my;
    int ea, eb, ey;
} tref_add_params;

void tref_add_prepare(float sa, int32_t za, float sb, int32_t zb, float sy, int32_t zy, int32_t lo, int32_t hi,
                      tref_add_params *p);

static inline int32_t tref_add_one(const tref_add_params *p, int32_t a, int32_t b)
{
    int32_t xa = tref_wrap32(((int64_t)a - p->za) * (1 << TREF_ADD_LEFT_SHIFT));
    int32_t xb = tref_wrap32(((int64_t)b - p->zb) * (1 << TREF_ADD_LEFT_SHIFT));
    int32_t s = tref_wrap32((int64_t)fm_tfl_mul_by_quantized_multiplier(xa, p->ma, p->ea) +
                            fm_tfl_mul_by_quantized_multiplier(xb, p->mb, p->eb));
    return tref_clamp32((int64_t)fm_tfl_mul_by_quantized_multiplier(s, p->my, p->ey) + p->zy, p->lo, p->hi);
}

#endif
