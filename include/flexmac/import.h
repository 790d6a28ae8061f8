/* Model import and export. Every importer yields the same graph IR
 * (semantic NCHW, see graph.h); errors name the file and, where relevant,
 * the node (name and op type). */
#ifndef FLEXMAC_IMPORT_H
#define FLEXMAC_IMPORT_H

#include <stddef.h>

#include "flexmac/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ONNX: parsed with protobuf-c over Debian's onnx.proto; shape subgraphs are
 * constant-folded and BatchNormalization is folded into the preceding Conv,
 * so the result holds only fm_op operators. */
fm_status fm_onnx_load(const char *path, fm_graph **out, fm_error *err);
fm_status fm_onnx_load_buffer(const void *buf, size_t len, const char *name,
                              fm_graph **out, fm_error *err);
/* Writes a float graph as an ONNX model (opset 13). */
fm_status fm_onnx_save(const fm_graph *g, const char *path, fm_error *err);

/* TFLite flatbuffer: bounds-checked reader; quantized tensors keep their
 * qparams, weights are transposed to the IR's OIHW layout. */
fm_status fm_tflite_load(const char *path, fm_graph **out, fm_error *err);
/* Same from memory (name is used in messages and as g->path). A corrupt or
 * truncated buffer gives FM_ERR_FORMAT, never an out-of-bounds read. */
fm_status fm_tflite_load_buffer(const void *buf, size_t len, const char *name,
                                fm_graph **out, fm_error *err);

/* Picks the importer by file contents/extension. */
fm_status fm_model_load(const char *path, fm_graph **out, fm_error *err);

#ifdef __cplusplus
}
#endif
#endif
