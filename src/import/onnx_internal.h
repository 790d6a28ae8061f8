/* Internals of the ONNX importer, shared by its source files.
 *
 * The importer walks the ONNX nodes in topological order keeping a table of
 * named values. A value is either a constant (initializer, Constant node or
 * the result of folding a node whose inputs are all constants), held as
 * float32 or int64 whatever its ONNX type, or an activation that lives in
 * the fm_graph. Constants only become graph tensors when a real operator
 * reads them as weights; shape-like constants (Reshape's shape, Pad's pads)
 * are consumed as attributes and vanish. */
#ifndef FLEXMAC_ONNX_INTERNAL_H
#define FLEXMAC_ONNX_INTERNAL_H

#include <stdint.h>

#include "flexmac/graph.h"
#include "onnx.pb-c.h"

typedef struct ox_value {
    const char *name;         /* borrowed from the unpacked model */
    int is_const;
    fm_dtype dtype;           /* constants: FM_F32 or FM_I64 */
    int ndim;
    int64_t shape[FM_MAX_DIMS];
    void *data;               /* owned by the value table (constants) */
    int tensor;               /* graph tensor index once materialized, else -1 */
} ox_value;

typedef struct ox_node {
    const Onnx__NodeProto *p;
    const char *name;         /* the node's name, or a synthesized "OpType_<index>" */
    const char *op;           /* op_type, never NULL */
} ox_node;

typedef struct ox_ctx {
    const char *path;         /* file name for messages */
    int64_t opset;            /* default-domain opset version */
    fm_graph *g;
    ox_value **vals;          /* individually allocated: pointers stay valid */
    int n_vals, cap_vals;
    fm_error *err;
} ox_ctx;

/* --- errors (onnx_attr.c) --- */
/* "PATH: node 'NAME' (OP): message" with the given code. */
fm_status ox_node_error(ox_ctx *c, const ox_node *n, fm_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* --- attributes (onnx_attr.c); an absent attribute yields the default, one
 * of the wrong type is FM_ERR_FORMAT naming node and attribute --- */
const Onnx__AttributeProto *ox_attr(const ox_node *n, const char *name);
fm_status ox_attr_int(ox_ctx *c, const ox_node *n, const char *name, int64_t def, int64_t *out);
fm_status ox_attr_float(ox_ctx *c, const ox_node *n, const char *name, float def, float *out);
/* Copies up to max ints; *count = -1 when absent. */
fm_status ox_attr_ints(ox_ctx *c, const ox_node *n, const char *name, int64_t *out, int max,
                       int *count);
/* Copies the string (NUL-terminated, truncated to size) or def. */
fm_status ox_attr_string(ox_ctx *c, const ox_node *n, const char *name, const char *def,
                         char *out, size_t size);

/* --- tensors (onnx_tensor.c) --- */
/* Decodes an initializer / Constant value into v (dtype, shape, owned data).
 * what names the tensor in messages. */
fm_status ox_tensor_decode(ox_ctx *c, const Onnx__TensorProto *t, const char *what, ox_value *v);

/* --- value table (onnx_load.c) --- */
ox_value *ox_find(ox_ctx *c, const char *name);
/* Adds a value named name (borrowed) and returns it, or NULL on NOMEM. */
ox_value *ox_add_value(ox_ctx *c, const char *name);
/* Input i of n, or NULL when absent (past the end or empty name). */
ox_value *ox_input(ox_ctx *c, const ox_node *n, int i);
/* Graph tensor of a value, materializing a float32 constant on first use. */
fm_status ox_tensor_of(ox_ctx *c, const ox_node *n, ox_value *v, int *t);
/* Adds a float32 graph constant named "<base><suffix>" owning data (freed
 * on failure); *t receives its index. */
fm_status ox_add_const(ox_ctx *c, const char *base, const char *suffix, int ndim,
                       const int64_t *shape, float *data, int *t);
/* Tensor of input i, which must be an activation (computed from the input). */
fm_status ox_activation(ox_ctx *c, const ox_node *n, int i, int *t);
/* Reads constant input i as integers (FM_I64 data) into out[max]. */
fm_status ox_const_ints(ox_ctx *c, const ox_node *n, int i, const char *what, int64_t *out,
                        int max, int *count);

/* --- parameters given as attributes or constant inputs (onnx_params.c) --- */
/* Slice ranges normalized for every axis of a tensor of shape dims[rank]:
 * negative indices resolved, INT64_MAX/MIN clamped, untouched axes full. */
fm_status ox_slice_params(ox_ctx *c, const ox_node *n, int rank, const int64_t *dims, int64_t *start,
                          int64_t *end, int64_t *step);
/* Pad amounts per axis (constant mode only) and the padding value. */
fm_status ox_pad_params(ox_ctx *c, const ox_node *n, int rank, int64_t *begin, int64_t *end,
                        float *value);
/* Shape after Squeeze (unsqueeze = 0) or Unsqueeze of shape in[rank]. */
fm_status ox_squeeze_shape(ox_ctx *c, const ox_node *n, int rank, const int64_t *in, int unsqueeze,
                           int *nd, int64_t *out);
/* Reshape's target for an input of shape in[rank], 0 and -1 resolved. */
fm_status ox_reshape_target(ox_ctx *c, const ox_node *n, int rank, const int64_t *in, int *nd,
                            int64_t *out);

/* --- constant folding (onnx_fold.c) --- */
/* Evaluates n when it is a foldable op and all its inputs are constants
 * (Shape also folds an activation of known shape). *folded says whether. */
fm_status ox_try_fold(ox_ctx *c, const ox_node *n, int *folded);

/* --- operator mapping (onnx_ops.c, onnx_ops_conv.c) --- */
fm_status ox_map_node(ox_ctx *c, const ox_node *n);
fm_status ox_map_conv(ox_ctx *c, const ox_node *n);
fm_status ox_map_pool(ox_ctx *c, const ox_node *n, fm_op op);
fm_status ox_map_gemm(ox_ctx *c, const ox_node *n);
fm_status ox_map_matmul(ox_ctx *c, const ox_node *n);
/* Appends an fm_node named after n (NULL on NOMEM); the caller sets its
 * inputs and attributes, then ox_finish_node gives it float32 output tensors
 * named after the first n_outputs ONNX outputs and infers their shape.
 * ndim >= 0 presets the output shape (Reshape, whose shape is its attr). */
fm_node *ox_new_node(ox_ctx *c, const ox_node *n, fm_op op);
fm_status ox_finish_node(ox_ctx *c, const ox_node *n, int n_outputs, int ndim,
                         const int64_t *shape);

#endif
