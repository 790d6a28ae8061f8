/* STUB: replaced by the TFLite importer. */
#include "flexmac/import.h"

fm_status fm_tflite_load(const char *path, fm_graph **out, fm_error *err)
{
    *out = NULL;
    return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: TFLite import not built yet", path);
}
