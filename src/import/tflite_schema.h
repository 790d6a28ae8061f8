/* Accessors for the parts of the TFLite schema (tensorflow/lite/schema/
 * schema.fbs) that flexmac imports. Field ids follow the schema's
 * declaration order; a union occupies two ids (type, then value).
 *
 * Every function returns 0, or -1 when the flatbuffer is malformed at that
 * spot (the caller turns it into FM_ERR_FORMAT with context). */
#ifndef FLEXMAC_TFLITE_SCHEMA_H
#define FLEXMAC_TFLITE_SCHEMA_H

#include "import/tflite_fb.h"

/* TensorType values used here. */
enum {
    TFL_FLOAT32 = 0, TFL_FLOAT16 = 1, TFL_INT32 = 2, TFL_UINT8 = 3, TFL_INT64 = 4,
    TFL_STRING = 5, TFL_BOOL = 6, TFL_INT16 = 7, TFL_COMPLEX64 = 8, TFL_INT8 = 9
};

/* BuiltinOperator codes imported by flexmac. */
enum {
    TFL_OP_ADD = 0, TFL_OP_AVERAGE_POOL_2D = 1, TFL_OP_CONCATENATION = 2, TFL_OP_CONV_2D = 3,
    TFL_OP_DEPTHWISE_CONV_2D = 4, TFL_OP_DEQUANTIZE = 6, TFL_OP_FULLY_CONNECTED = 9,
    TFL_OP_MAX_POOL_2D = 17, TFL_OP_RESHAPE = 22, TFL_OP_SOFTMAX = 25, TFL_OP_CUSTOM = 32,
    TFL_OP_PAD = 34, TFL_OP_MEAN = 40, TFL_OP_QUANTIZE = 114
};

/* BuiltinOptions union tags of the options tables read here. */
enum {
    TFL_OPT_CONV2D = 1, TFL_OPT_DEPTHWISE = 2, TFL_OPT_POOL2D = 5, TFL_OPT_FC = 8,
    TFL_OPT_SOFTMAX = 9, TFL_OPT_CONCAT = 10, TFL_OPT_ADD = 11, TFL_OPT_RESHAPE = 17,
    TFL_OPT_PAD = 22, TFL_OPT_REDUCER = 27
};

enum { TFL_PAD_SAME = 0, TFL_PAD_VALID = 1 };
enum { TFL_ACT_NONE = 0, TFL_ACT_RELU = 1, TFL_ACT_RELU_N1_TO_1 = 2, TFL_ACT_RELU6 = 3 };

typedef struct tfl_model {
    uint32_t version;
    fb_vec opcodes, subgraphs, buffers;
} tfl_model;

typedef struct tfl_subgraph {
    fb_vec tensors, inputs, outputs, operators;
} tfl_subgraph;

typedef struct tfl_quant {
    fb_vec scale;      /* float */
    fb_vec zero_point; /* int64 */
    int32_t dim;       /* quantized_dimension */
} tfl_quant;

typedef struct tfl_tensor {
    fb_vec shape; /* int32 */
    int8_t type;
    uint32_t buffer;
    const char *name; /* not NUL-terminated; NULL when absent */
    uint32_t name_len;
    tfl_quant q;
} tfl_tensor;

typedef struct tfl_operator {
    uint32_t opcode_index;
    fb_vec inputs, outputs; /* int32 */
    uint8_t opt_type;       /* BuiltinOptions tag, 0 = none */
    int has_opt;
    fb_table opt;
} tfl_operator;

/* Options of the imported operators, defaults filled in (schema defaults). */
typedef struct tfl_options {
    int8_t padding;
    int32_t stride_w, stride_h;
    int32_t dil_w, dil_h;
    int32_t filter_w, filter_h; /* Pool2D */
    int32_t depth_multiplier;
    int8_t act;
    int32_t axis;     /* Concatenation */
    float beta;       /* Softmax */
    uint8_t keep_dims; /* Reducer */
    uint8_t keep_num_dims; /* FullyConnected */
    int8_t weights_format; /* FullyConnected: 0 = DEFAULT */
} tfl_options;

int tfl_read_model(const fb_buf *b, tfl_model *m);
/* Builtin code: the larger of deprecated_builtin_code (byte, id 0) and
 * builtin_code (int, id 3), as TFLite's own GetBuiltinCode does, so both
 * old files (only the byte) and new ones (codes > 127) work. */
int tfl_read_opcode(const fb_buf *b, const tfl_model *m, uint32_t i, int32_t *code,
                    const char **custom, uint32_t *custom_len);
int tfl_read_subgraph(const fb_buf *b, const tfl_model *m, uint32_t i, tfl_subgraph *s);
int tfl_read_tensor(const fb_buf *b, const tfl_subgraph *s, uint32_t i, tfl_tensor *t);
int tfl_read_operator(const fb_buf *b, const tfl_subgraph *s, uint32_t i, tfl_operator *op);
/* Bytes of buffer i: the inline data vector, or (newer files) the
 * offset/size pair pointing elsewhere in the file; n = 0 when empty. */
int tfl_read_buffer(const fb_buf *b, const tfl_model *m, uint32_t i, const uint8_t **data,
                    size_t *n);
/* Reads op's builtin options for builtin code; -1 also when the options
 * table present is of another union type than the operator needs. */
int tfl_read_options(const fb_buf *b, const tfl_operator *op, int32_t code, tfl_options *o);

/* "CONV_2D", ... or "BUILTIN_<n>" written into buf for unknown codes. */
const char *tfl_builtin_name(int32_t code, char *buf, size_t n);
const char *tfl_type_name(int type);

#endif
