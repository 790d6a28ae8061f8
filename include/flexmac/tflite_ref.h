/* Scalar reference executor with TFLite's integer semantics.
 *
 * Runs a quantized graph imported by fm_tflite_load (uint8 asymmetric
 * per-tensor or int8 per-channel) one image at a time and reproduces
 * TFLite's reference kernels bit for bit (see docs/tflite.md for the
 * kernels followed, and for the two float fallbacks that are not
 * TFLite's arithmetic: MEAN over axes other than H and W of a 4-D tensor,
 * and SOFTMAX with an output quantization other than 1/256).
 *
 * The fixed-point primitives are exported so that fast paths elsewhere can
 * reuse exactly the same rounding. */
#ifndef FLEXMAC_TFLITE_REF_H
#define FLEXMAC_TFLITE_REF_H

#include <stddef.h>
#include <stdint.h>

#include "flexmac/graph.h"
#include "flexmac/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31) with
 * halves away from zero; the one overflowing case (INT32_MIN * INT32_MIN)
 * saturates to INT32_MAX. */
int32_t fm_tfl_srdhm(int32_t a, int32_t b);

/* gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, halves
 * away from zero; exponent in [0, 31]. */
int32_t fm_tfl_rounding_divide_by_pot(int32_t x, int exponent);

/* TFLite MultiplyByQuantizedMultiplier (double rounding, the default build):
 * x * mult * 2^shift with mult a Q31 value; shift > 0 shifts left first,
 * shift < 0 rounds right after the high multiply. */
int32_t fm_tfl_mul_by_quantized_multiplier(int32_t x, int32_t mult, int shift);

/* TFLite QuantizeMultiplier: real = mult * 2^(shift - 31), mult in
 * [2^30, 2^31) (0 for real == 0; 0/0 when shift would be below -31). */
void fm_tfl_quantize_multiplier(double real, int32_t *mult, int *shift);

/* Runs g on one input (g->tensors[g->input]'s dtype and NCHW shape with
 * batch 1; input_bytes must equal its size). Writes the output tensor in its
 * own dtype (uint8 for the MobileNets) to output (output_bytes must equal its
 * size) and, when output_f is not NULL, its dequantized values
 * (scale * (q - zero_point); a float output is copied). Errors:
 * FM_ERR_INVALID for wrong sizes, FM_ERR_UNSUPPORTED for an operator or
 * dtype outside the TFLite integer set, FM_ERR_SHAPE for inconsistent
 * shapes, naming the node. */
fm_status fm_tflite_ref_run(const fm_graph *g, const void *input, size_t input_bytes, void *output,
                            size_t output_bytes, float *output_f, fm_error *err);

/* Called after every node with its index and the values of its output
 * tensor (NCHW order, n elements): q for integer dtypes (the quantized
 * values widened to int32), f for FM_F32; the other pointer is NULL. For
 * comparing a fast path layer by layer. */
typedef void (*fm_tflite_ref_observer)(const fm_graph *g, int node, const int32_t *q, const float *f,
                                       int64_t n, void *user);

/* fm_tflite_ref_run with an observer (may be NULL). */
fm_status fm_tflite_ref_run_observed(const fm_graph *g, const void *input, size_t input_bytes, void *output,
                                     size_t output_bytes, float *output_f, fm_tflite_ref_observer observe,
                                     void *user, fm_error *err);

#ifdef __cplusplus
}
#endif
#endif
