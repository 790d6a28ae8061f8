/* Fast executor with TFLite's integer semantics.
 *
 * Runs a quantized graph imported by fm_tflite_load (8-bit activations,
 * uint8 per-tensor or int8 per-channel weights) with the packed u8 x s8
 * GEMM, the depthwise kernel and TFLite's fixed-point requantization, and
 * gives the same bits as the scalar reference fm_tflite_ref_run on every
 * ISA and thread count. Activations are held as bytes, channels-last for
 * 4-D tensors; a batch is split by sample across worker threads. See
 * docs/tflite.md ("Fast path"). */
#ifndef FLEXMAC_TFLITE_FAST_H
#define FLEXMAC_TFLITE_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "flexmac/graph.h"
#include "flexmac/kernels.h"
#include "flexmac/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fm_tflite_fast fm_tflite_fast;

/* Prepares g (which must outlive the executor). threads 0 = one per online
 * CPU; isa_cap FM_ISA_COUNT = best. FM_ERR_UNSUPPORTED names the tensor or
 * node outside the supported set (activations other than 8-bit, float
 * nodes), FM_ERR_SHAPE the node whose shapes do not fit. */
fm_status fm_tflite_fast_create(const fm_graph *g, int threads, fm_isa isa_cap, fm_tflite_fast **out,
                                fm_error *err);
void fm_tflite_fast_free(fm_tflite_fast *f);

/* Elements of one sample's input / output, and the ISA the kernels run. */
int64_t fm_tflite_fast_input_numel(const fm_tflite_fast *f);
int64_t fm_tflite_fast_output_numel(const fm_tflite_fast *f);
fm_isa fm_tflite_fast_isa(const fm_tflite_fast *f);

/* n samples, each as fm_tflite_ref_run takes it: input in the input
 * tensor's dtype and NCHW order; output receives each sample's output in
 * its dtype, output_f (may be NULL) the dequantized values
 * (float)(double(scale) * (q - zero_point)). */
fm_status fm_tflite_fast_run(fm_tflite_fast *f, const void *input, int n, void *output, float *output_f,
                             fm_error *err);

/* The same with the input as floats holding the integer values (raw pixel
 * values for the MobileNets): each is rounded half away from zero and
 * saturated to the input dtype, exact for integral values. y receives the
 * dequantized outputs. */
fm_status fm_tflite_fast_run_f32(fm_tflite_fast *f, const float *x, int n, float *y, fm_error *err);

/* Time profile: seconds spent in each kind of node since the last reset,
 * summed over workers (for benchmarks). */
typedef enum fm_tflite_fast_kind {
    FM_TFAST_CONV = 0, /* convolutions and fully connected layers (GEMM) */
    FM_TFAST_DEPTHWISE,
    FM_TFAST_ADD,
    FM_TFAST_OTHER,    /* pooling, softmax, reshapes, ... (reference kernels) */
    FM_TFAST_KINDS
} fm_tflite_fast_kind;

void fm_tflite_fast_profile(fm_tflite_fast *f, int enable);
void fm_tflite_fast_profile_get(const fm_tflite_fast *f, double seconds[FM_TFAST_KINDS]);

#ifdef __cplusplus
}
#endif
#endif
