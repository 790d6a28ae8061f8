/* STUB: replaced by the shape inference pass (ONNX importer's helper). */
#include "flexmac/graph.h"

fm_status fm_graph_infer_shapes(fm_graph *g, fm_error *err)
{
    (void)g;
    return fm_error_set(err, FM_ERR_UNSUPPORTED, "shape inference not built yet");
}
