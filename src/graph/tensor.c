#include "flexmac/tensor.h"

#include <stdio.h>

size_t fm_dtype_size(fm_dtype t)
{
    switch (t) {
    case FM_F32: return 4;
    case FM_U8: return 1;
    case FM_I8: return 1;
    case FM_I16: return 2;
    case FM_I32: return 4;
    case FM_I64: return 8;
    default: return 0;
    }
}

const char *fm_dtype_name(fm_dtype t)
{
    static const char *names[] = {"float32", "uint8", "int8", "int16", "int32", "int64"};
    return (unsigned)t < FM_DTYPE_COUNT ? names[t] : "?";
}

int64_t fm_shape_numel(int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    return n;
}

int64_t fm_tensor_numel(const fm_tensor *t) { return fm_shape_numel(t->ndim, t->shape); }

size_t fm_tensor_bytes(const fm_tensor *t)
{
    return (size_t)fm_tensor_numel(t) * fm_dtype_size(t->dtype);
}

char *fm_shape_str(int ndim, const int64_t *shape, char *buf, size_t n)
{
    size_t off = 0;
    if (n == 0)
        return buf;
    buf[0] = '\0';
    if (ndim == 0)
        snprintf(buf, n, "scalar");
    for (int i = 0; i < ndim && off < n; i++)
        off += (size_t)snprintf(buf + off, n - off, i ? "x%lld" : "%lld", (long long)shape[i]);
    return buf;
}
