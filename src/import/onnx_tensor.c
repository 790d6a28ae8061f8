/* Decoding of ONNX TensorProto (initializers, Constant values).
 *
 * ONNX stores a tensor's values either packed little-endian in raw_data or
 * in the typed repeated field for its data type (float_data, int32_data for
 * all narrow integer types, int64_data, double_data, uint64_data). The
 * importer only computes in two types: float32 for weights and int64 for
 * shape arithmetic, so every type is widened/narrowed to one of them here. */
#include <stdlib.h>
#include <string.h>

#include "flexmac/import.h"
#include "import/onnx_internal.h"

/* Caps a constant at 2^31 elements: larger is a corrupt dims field long
 * before it is a real model. */
#define OX_MAX_ELEMS ((int64_t)1 << 31)

typedef enum { K_FLOAT, K_DOUBLE, K_SIGNED, K_UNSIGNED, K_BOOL } kind;

typedef struct {
    int onnx;
    size_t size;  /* bytes per element in raw_data */
    kind k;
    const char *name;
} type_info;

static const type_info TYPES[] = {
    {ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, K_FLOAT, "float"},
    {ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE, 8, K_DOUBLE, "double"},
    {ONNX__TENSOR_PROTO__DATA_TYPE__INT64, 8, K_SIGNED, "int64"},
    {ONNX__TENSOR_PROTO__DATA_TYPE__INT32, 4, K_SIGNED, "int32"},
    {ONNX__TENSOR_PROTO__DATA_TYPE__INT16, 2, K_SIGNED, "int16"},
    {ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 1, K_SIGNED, "int8"},
    {ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, 1, K_UNSIGNED, "uint8"},
    {ONNX__TENSOR_PROTO__DATA_TYPE__UINT16, 2, K_UNSIGNED, "uint16"},
    {ONNX__TENSOR_PROTO__DATA_TYPE__UINT32, 4, K_UNSIGNED, "uint32"},
    {ONNX__TENSOR_PROTO__DATA_TYPE__UINT64, 8, K_UNSIGNED, "uint64"},
    {ONNX__TENSOR_PROTO__DATA_TYPE__BOOL, 1, K_BOOL, "bool"},
};

static const type_info *find_type(int t)
{
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (TYPES[i].onnx == t)
            return &TYPES[i];
    return NULL;
}

/* Element i of raw little-endian data as double / int64 (host is LE). */
static double raw_f(const uint8_t *p, const type_info *ti, int64_t i)
{
    if (ti->k == K_FLOAT) {
        float f;
        memcpy(&f, p + i * 4, 4);
        return f;
    }
    double d;
    memcpy(&d, p + i * 8, 8);
    return d;
}

static int64_t raw_i(const uint8_t *p, const type_info *ti, int64_t i)
{
    const uint8_t *e = p + (size_t)i * ti->size;
    switch (ti->size) {
    case 1: return ti->k == K_SIGNED ? (int64_t)(int8_t)e[0] : (int64_t)e[0];
    case 2: {
        uint16_t v;
        memcpy(&v, e, 2);
        return ti->k == K_SIGNED ? (int64_t)(int16_t)v : (int64_t)v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, e, 4);
        return ti->k == K_SIGNED ? (int64_t)(int32_t)v : (int64_t)v;
    }
    default: {
        int64_t v;
        memcpy(&v, e, 8);
        return v;
    }
    }
}

fm_status ox_tensor_decode(ox_ctx *c, const Onnx__TensorProto *t, const char *what, ox_value *v)
{
    if ((t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) ||
        t->n_external_data > 0)
        return fm_error_set(c->err, FM_ERR_UNSUPPORTED,
                            "%s: tensor '%s': external data is not supported", c->path, what);
    if (t->segment)
        return fm_error_set(c->err, FM_ERR_UNSUPPORTED, "%s: tensor '%s': segmented tensors are not supported",
                            c->path, what);
    const type_info *ti = find_type(t->data_type);
    if (!ti)
        return fm_error_set(c->err, FM_ERR_UNSUPPORTED,
                            "%s: tensor '%s': data type %d is not supported", c->path, what,
                            (int)t->data_type);
    if (t->n_dims > FM_MAX_DIMS)
        return fm_error_set(c->err, FM_ERR_UNSUPPORTED, "%s: tensor '%s': %zu dims (at most %d)",
                            c->path, what, t->n_dims, FM_MAX_DIMS);
    int64_t numel = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        if (t->dims[i] < 0 || (t->dims[i] > 0 && numel > OX_MAX_ELEMS / t->dims[i]))
            return fm_error_set(c->err, FM_ERR_FORMAT, "%s: tensor '%s': bad dim %lld", c->path,
                                what, (long long)t->dims[i]);
        numel *= t->dims[i];
        v->shape[i] = t->dims[i];
    }
    v->ndim = (int)t->n_dims;
    int is_float = ti->k == K_FLOAT || ti->k == K_DOUBLE;
    v->dtype = is_float ? FM_F32 : FM_I64;

    /* how many values the chosen field holds */
    size_t have;
    const char *field;
    if (t->has_raw_data) {
        field = "raw_data";
        if (t->raw_data.len % ti->size)
            return fm_error_set(c->err, FM_ERR_FORMAT, "%s: tensor '%s': raw_data length %zu is not a multiple of %zu",
                                c->path, what, t->raw_data.len, ti->size);
        have = t->raw_data.len / ti->size;
    } else {
        switch (t->data_type) {
        case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: field = "float_data"; have = t->n_float_data; break;
        case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: field = "double_data"; have = t->n_double_data; break;
        case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: field = "int64_data"; have = t->n_int64_data; break;
        case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
        case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64: field = "uint64_data"; have = t->n_uint64_data; break;
        default: field = "int32_data"; have = t->n_int32_data; break;
        }
    }
    if ((int64_t)have != numel)
        return fm_error_set(c->err, FM_ERR_FORMAT, "%s: tensor '%s': %s holds %zu values, dims need %lld",
                            c->path, what, field, have, (long long)numel);

    void *data = malloc((size_t)(numel ? numel : 1) * 8);
    if (!data)
        return fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
    float *f = data;
    int64_t *q = data;
    const uint8_t *raw = t->raw_data.data;
    for (int64_t i = 0; i < numel; i++) {
        if (t->has_raw_data) {
            if (is_float)
                f[i] = (float)raw_f(raw, ti, i);
            else
                q[i] = raw_i(raw, ti, i);
        } else {
            switch (t->data_type) {
            case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: f[i] = t->float_data[i]; break;
            case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: f[i] = (float)t->double_data[i]; break;
            case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: q[i] = t->int64_data[i]; break;
            case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
            case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64: q[i] = (int64_t)t->uint64_data[i]; break;
            default: q[i] = t->int32_data[i]; break;
            }
        }
    }
    v->data = data;
    v->is_const = 1;
    return FM_OK;
}
