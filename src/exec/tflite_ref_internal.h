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

#endif
