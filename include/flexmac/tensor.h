/* Tensors of the graph IR: constants (weights) and activations.
 *
 * Shapes are semantic NCHW for 4-D activations whatever the source format
 * (the TFLite importer transposes). Activation shapes carry batch 1 in
 * shape[0]; executors run any batch size. */
#ifndef FLEXMAC_TENSOR_H
#define FLEXMAC_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FM_MAX_DIMS 6

typedef enum fm_dtype {
    FM_F32 = 0,
    FM_U8,
    FM_I8,
    FM_I16,
    FM_I32,
    FM_I64,
    FM_DTYPE_COUNT
} fm_dtype;

/* Affine quantization as found in a quantized model file (TFLite):
 * real = scale * (q - zero_point). n == 0: not quantized; n == 1: per tensor;
 * n == shape[axis]: per channel along axis. Arrays are owned. */
typedef struct fm_qparams {
    int n;
    int axis;
    float *scale;
    int32_t *zero_point;
} fm_qparams;

typedef struct fm_tensor {
    char *name;               /* owned, never NULL once in a graph */
    fm_dtype dtype;
    int ndim;
    int64_t shape[FM_MAX_DIMS];
    void *data;               /* owned; non-NULL for constants only */
    fm_qparams q;
} fm_tensor;

size_t fm_dtype_size(fm_dtype t);
const char *fm_dtype_name(fm_dtype t);
int64_t fm_shape_numel(int ndim, const int64_t *shape);
int64_t fm_tensor_numel(const fm_tensor *t);
size_t fm_tensor_bytes(const fm_tensor *t);
/* Writes e.g. "1x16x32x32" into buf. Returns buf. */
char *fm_shape_str(int ndim, const int64_t *shape, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
