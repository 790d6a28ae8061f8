/* STUB: replaced by the ONNX importer. */
#include "flexmac/import.h"

fm_status fm_onnx_load(const char *path, fm_graph **out, fm_error *err)
{
    *out = NULL;
    return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: ONNX import not built yet", path);
}

fm_status fm_onnx_load_buffer(const void *buf, size_t len, const char *name, fm_graph **out,
                              fm_error *err)
{
    (void)buf;
    (void)len;
    return fm_onnx_load(name, out, err);
}
