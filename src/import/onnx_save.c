/* STUB: replaced by the ONNX exporter. */
#include "flexmac/import.h"

fm_status fm_onnx_save(const fm_graph *g, const char *path, fm_error *err)
{
    (void)g;
    return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: ONNX export not built yet", path);
}
