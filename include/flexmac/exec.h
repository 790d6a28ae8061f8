/* Executors: run a graph on a batch of samples.
 *
 * One executor type covers float inference and integer inference. With a
 * network arithmetic configuration (arith.h) every MAC layer (Conv, Gemm)
 * runs in integers: its input is quantized per tensor to the layer's
 * activation format, its weights per output channel to the weight format,
 * the products are formed by the layer's scheme (exact FxP-N, Ax-BxP, ASM,
 * LUT) and summed exactly (int32; int64 when operands exceed 8 bits), and the
 * accumulator is scaled back (real = acc * s_x * s_w[c] + bias). The
 * requantization to the next layer's B-bit activations happens where that
 * layer quantizes its input (round half away from zero, saturate). Non-MAC
 * operators run in float between MAC layers. See docs/execution.md. */
#ifndef FLEXMAC_EXEC_H
#define FLEXMAC_EXEC_H

#include <stdint.h>

#include "flexmac/arith.h"
#include "flexmac/graph.h"
#include "flexmac/kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- calibration: activation ranges of the tensors MAC layers read ---- */

typedef enum fm_calib_method {
    FM_CALIB_MINMAX = 0,
    FM_CALIB_PERCENTILE
} fm_calib_method;

typedef struct fm_calib fm_calib;

/* An empty calibration for graph g (the graph must outlive it). percentile
 * is used with FM_CALIB_PERCENTILE (e.g. 99.99). */
fm_calib *fm_calib_new(const fm_graph *g, fm_calib_method m, double percentile);
void fm_calib_free(fm_calib *c);
/* The calibration a quantized model (TFLite) carries itself: each tensor a
 * MAC layer reads gets the range its 8-bit codes express,
 * [s * (qmin - zp), s * (qmax - zp)], so no calibration data is needed.
 * FM_ERR_UNSUPPORTED naming the tensor when one has no per-tensor 8-bit
 * quantization. */
fm_status fm_calib_from_qparams(const fm_graph *g, fm_calib **out, fm_error *err);
/* Number of samples observed so far. */
int64_t fm_calib_samples(const fm_calib *c);
/* Range used to quantize tensor t: [lo, hi] (lo >= 0 means unsigned). */
fm_status fm_calib_range(const fm_calib *c, int t, float *lo, float *hi, fm_error *err);

/* ---- executor ---- */

typedef struct fm_exec fm_exec;

typedef struct fm_exec_opts {
    int max_batch;              /* samples per fm_exec_run call (default 64) */
    int threads;                /* 0 = one per online CPU */
    const fm_net_arith *arith;  /* NULL = float inference */
    const fm_calib *calib;      /* required when arith quantizes any layer (TFLite graphs: optional) */
    fm_isa isa_cap;             /* FM_ISA_COUNT (or 0 initialised via fm_exec_opts_default) = best */
    fm_calib *observe;          /* float runs only: record ranges into this */
} fm_exec_opts;

void fm_exec_opts_default(fm_exec_opts *o);

/* A graph imported from TFLite is a quantized model: with arith NULL (the
 * float request) or the FxP8 baseline (8-bit exact products in every layer)
 * it runs in its own integer semantics, bit-exact with fm_tflite_ref_run
 * (the fast path of tflite_fast.h; inputs are the integer values as floats,
 * e.g. raw pixels, outputs dequantized). Every other arithmetic runs on the
 * float view of the model (constants and input dequantized with their own
 * scales and zero points, QUANTIZE/DEQUANTIZE as identities), and, when
 * opts->calib is NULL, quantizes activations with the ranges of
 * fm_calib_from_qparams. Returns 1 when g under o takes the integer path. */
int fm_exec_tflite_native(const fm_graph *g, const fm_exec_opts *o);

fm_status fm_exec_create(const fm_graph *g, const fm_exec_opts *o, fm_exec **out, fm_error *err);
void fm_exec_free(fm_exec *e);

/* x holds n samples, each in the graph input's semantic layout (CHW for
 * images) as float; y receives n * fm_exec_output_numel() floats. n may
 * exceed max_batch (it is processed in chunks). */
fm_status fm_exec_run(fm_exec *e, const float *x, int n, float *y, fm_error *err);
int64_t fm_exec_output_numel(const fm_exec *e);
int64_t fm_exec_input_numel(const fm_exec *e);
fm_isa fm_exec_isa(const fm_exec *e);

#ifdef __cplusplus
}
#endif
#endif
