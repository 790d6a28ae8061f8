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

/* Value range of an integer dtype. */
void tref_dtype_range(fm_dtype d, int32_t *lo, int32_t *hi);

#endif
