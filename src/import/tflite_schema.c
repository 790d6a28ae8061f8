/* TFLite schema tables over the bounds-checked flatbuffer reader. Field ids
 * are the declaration order of each table in schema.fbs. */
#include "import/tflite_schema.h"

#include <stdio.h>

/* Model */
enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
/* OperatorCode */
enum { OPC_DEPRECATED_CODE = 0, OPC_CUSTOM = 1, OPC_CODE = 3 };
/* SubGraph */
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
/* Tensor */
enum { TEN_SHAPE = 0, TEN_TYPE = 1, TEN_BUFFER = 2, TEN_NAME = 3, TEN_QUANT = 4 };
/* QuantizationParameters */
enum { QP_SCALE = 2, QP_ZERO_POINT = 3, QP_DIM = 6 };
/* Operator */
enum { OP_OPCODE = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPT_TYPE = 3, OP_OPT = 4 };
/* Buffer */
enum { BUF_DATA = 0, BUF_OFFSET = 1, BUF_SIZE = 2 };

int tfl_read_model(const fb_buf *b, tfl_model *m)
{
    fb_table t;
    if (fb_root(b, &t) != 0 || fb_u32(&t, MODEL_VERSION, 0, &m->version) != 0 ||
        fb_vec_field(&t, MODEL_OPCODES, 4, &m->opcodes) != 0 ||
        fb_vec_field(&t, MODEL_SUBGRAPHS, 4, &m->subgraphs) != 0 ||
        fb_vec_field(&t, MODEL_BUFFERS, 4, &m->buffers) != 0)
        return -1;
    return 0;
}

int tfl_read_opcode(const fb_buf *b, const tfl_model *m, uint32_t i, int32_t *code,
                    const char **custom, uint32_t *custom_len)
{
    fb_table t;
    int8_t dep;
    int32_t c;
    if (fb_vec_table(b, &m->opcodes, i, &t) != 0 || fb_i8(&t, OPC_DEPRECATED_CODE, 0, &dep) != 0 ||
        fb_i32(&t, OPC_CODE, 0, &c) != 0 || fb_str_field(&t, OPC_CUSTOM, custom, custom_len) != 0)
        return -1;
    *code = c > dep ? c : dep;
    return 0;
}

int tfl_read_subgraph(const fb_buf *b, const tfl_model *m, uint32_t i, tfl_subgraph *s)
{
    fb_table t;
    if (fb_vec_table(b, &m->subgraphs, i, &t) != 0 || fb_vec_field(&t, SG_TENSORS, 4, &s->tensors) != 0 ||
        fb_vec_field(&t, SG_INPUTS, 4, &s->inputs) != 0 ||
        fb_vec_field(&t, SG_OUTPUTS, 4, &s->outputs) != 0 ||
        fb_vec_field(&t, SG_OPERATORS, 4, &s->operators) != 0)
        return -1;
    return 0;
}

int tfl_read_tensor(const fb_buf *b, const tfl_subgraph *s, uint32_t i, tfl_tensor *t)
{
    fb_table tt, qt;
    int has_q;
    if (fb_vec_table(b, &s->tensors, i, &tt) != 0 || fb_vec_field(&tt, TEN_SHAPE, 4, &t->shape) != 0 ||
        fb_i8(&tt, TEN_TYPE, TFL_FLOAT32, &t->type) != 0 || fb_u32(&tt, TEN_BUFFER, 0, &t->buffer) != 0 ||
        fb_str_field(&tt, TEN_NAME, &t->name, &t->name_len) != 0 ||
        fb_table_field(&tt, TEN_QUANT, &qt, &has_q) != 0)
        return -1;
    t->q.scale.n = t->q.zero_point.n = 0;
    t->q.dim = 0;
    if (has_q && (fb_vec_field(&qt, QP_SCALE, 4, &t->q.scale) != 0 ||
                  fb_vec_field(&qt, QP_ZERO_POINT, 8, &t->q.zero_point) != 0 ||
                  fb_i32(&qt, QP_DIM, 0, &t->q.dim) != 0))
        return -1;
    return 0;
}

int tfl_read_operator(const fb_buf *b, const tfl_subgraph *s, uint32_t i, tfl_operator *op)
{
    fb_table t;
    if (fb_vec_table(b, &s->operators, i, &t) != 0 || fb_u32(&t, OP_OPCODE, 0, &op->opcode_index) != 0 ||
        fb_vec_field(&t, OP_INPUTS, 4, &op->inputs) != 0 ||
        fb_vec_field(&t, OP_OUTPUTS, 4, &op->outputs) != 0 ||
        fb_u8(&t, OP_OPT_TYPE, 0, &op->opt_type) != 0 ||
        fb_table_field(&t, OP_OPT, &op->opt, &op->has_opt) != 0)
        return -1;
    return 0;
}

int tfl_read_buffer(const fb_buf *b, const tfl_model *m, uint32_t i, const uint8_t **data, size_t *n)
{
    fb_table t;
    fb_vec v;
    uint64_t off, size;
    *data = NULL;
    *n = 0;
    if (fb_vec_table(b, &m->buffers, i, &t) != 0 || fb_vec_field(&t, BUF_DATA, 1, &v) != 0 ||
        fb_u64(&t, BUF_OFFSET, 0, &off) != 0 || fb_u64(&t, BUF_SIZE, 0, &size) != 0)
        return -1;
    if (v.n > 0) {
        *data = b->p + v.pos;
        *n = v.n;
    } else if (off > 1) { /* offset 0/1 mean "no external data" in the schema */
        if (off > b->len || size > b->len - off)
            return -1;
        *data = b->p + off;
        *n = (size_t)size;
    }
    return 0;
}

/* Reads the options table of the given union tag, or leaves defaults when
 * the operator carries none. */
static int opt_table(const tfl_operator *op, int tag, const fb_table **t)
{
    *t = NULL;
    if (!op->has_opt)
        return 0;
    if (op->opt_type != tag)
        return -1;
    *t = &op->opt;
    return 0;
}

int tfl_read_options(const fb_buf *b, const tfl_operator *op, int32_t code, tfl_options *o)
{
    (void)b;
    const fb_table *t;
    o->padding = TFL_PAD_SAME;
    o->stride_w = o->stride_h = 0;
    o->dil_w = o->dil_h = 1;
    o->filter_w = o->filter_h = 0;
    o->depth_multiplier = 0;
    o->act = TFL_ACT_NONE;
    o->axis = 0;
    o->beta = 0.0f;
    o->keep_dims = 0;
    o->keep_num_dims = 0;
    o->weights_format = 0;
    int r = 0;
    switch (code) {
    case TFL_OP_CONV_2D:
        if (opt_table(op, TFL_OPT_CONV2D, &t) != 0)
            return -1;
        if (t)
            r = fb_i8(t, 0, 0, &o->padding) | fb_i32(t, 1, 0, &o->stride_w) | fb_i32(t, 2, 0, &o->stride_h) |
                fb_i8(t, 3, 0, &o->act) | fb_i32(t, 4, 1, &o->dil_w) | fb_i32(t, 5, 1, &o->dil_h);
        break;
    case TFL_OP_DEPTHWISE_CONV_2D:
        if (opt_table(op, TFL_OPT_DEPTHWISE, &t) != 0)
            return -1;
        if (t)
            r = fb_i8(t, 0, 0, &o->padding) | fb_i32(t, 1, 0, &o->stride_w) | fb_i32(t, 2, 0, &o->stride_h) |
                fb_i32(t, 3, 0, &o->depth_multiplier) | fb_i8(t, 4, 0, &o->act) |
                fb_i32(t, 5, 1, &o->dil_w) | fb_i32(t, 6, 1, &o->dil_h);
        break;
    case TFL_OP_AVERAGE_POOL_2D:
    case TFL_OP_MAX_POOL_2D:
        if (opt_table(op, TFL_OPT_POOL2D, &t) != 0)
            return -1;
        if (t)
            r = fb_i8(t, 0, 0, &o->padding) | fb_i32(t, 1, 0, &o->stride_w) | fb_i32(t, 2, 0, &o->stride_h) |
                fb_i32(t, 3, 0, &o->filter_w) | fb_i32(t, 4, 0, &o->filter_h) | fb_i8(t, 5, 0, &o->act);
        break;
    case TFL_OP_FULLY_CONNECTED:
        if (opt_table(op, TFL_OPT_FC, &t) != 0)
            return -1;
        if (t)
            r = fb_i8(t, 0, 0, &o->act) | fb_i8(t, 1, 0, &o->weights_format) |
                fb_u8(t, 2, 0, &o->keep_num_dims);
        break;
    case TFL_OP_SOFTMAX:
        if (opt_table(op, TFL_OPT_SOFTMAX, &t) != 0)
            return -1;
        if (t)
            r = fb_f32(t, 0, 0.0f, &o->beta);
        break;
    case TFL_OP_CONCATENATION:
        if (opt_table(op, TFL_OPT_CONCAT, &t) != 0)
            return -1;
        if (t)
            r = fb_i32(t, 0, 0, &o->axis) | fb_i8(t, 1, 0, &o->act);
        break;
    case TFL_OP_ADD:
        if (opt_table(op, TFL_OPT_ADD, &t) != 0)
            return -1;
        if (t)
            r = fb_i8(t, 0, 0, &o->act);
        break;
    case TFL_OP_MEAN:
        if (opt_table(op, TFL_OPT_REDUCER, &t) != 0)
            return -1;
        if (t)
            r = fb_u8(t, 0, 0, &o->keep_dims);
        break;
    default: /* RESHAPE, PAD, QUANTIZE, DEQUANTIZE: nothing needed from options */
        break;
    }
    return r ? -1 : 0;
}

static const char *const builtin_names[] = {
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE",
    "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP",
    "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC", "LSH_PROJECTION",
    "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR",
    "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL",
    "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD", "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER",
    "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE",
    "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2",
    "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM",
    "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT",
    "SLICE", "SIN", "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL",
    "LOG", "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD",
    "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK",
    "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD", "RANGE",
    "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS", "SPLIT_V",
    "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK", "ELU",
    "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND", "HARD_SWISH", "IF",
    "WHILE", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2",
    "DENSIFY", "SEGMENT_SUM", "BATCH_MATMUL"};

const char *tfl_builtin_name(int32_t code, char *buf, size_t n)
{
    if (code >= 0 && (size_t)code < sizeof builtin_names / sizeof builtin_names[0])
        return builtin_names[code];
    snprintf(buf, n, "BUILTIN_%d", (int)code);
    return buf;
}

const char *tfl_type_name(int type)
{
    static const char *const names[] = {"FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING",
                                        "BOOL", "INT16", "COMPLEX64", "INT8", "FLOAT64"};
    return type >= 0 && type < 11 ? names[type] : "UNKNOWN_TYPE";
}
