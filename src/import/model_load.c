/* Chooses the importer from the file's contents, falling back to the
 * extension: a TFLite flatbuffer carries "TFL3" at byte 4; anything else is
 * tried as ONNX (protobuf has no magic). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "flexmac/import.h"

fm_status fm_model_load(const char *path, fm_graph **out, fm_error *err)
{
    unsigned char head[8] = {0};
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fm_error_set(err, FM_ERR_IO, "%s: cannot open model: %s", path, strerror(errno));
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    if (n == 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: empty model file", path);
    const char *dot = strrchr(path, '.');
    if ((n == 8 && memcmp(head + 4, "TFL3", 4) == 0) || (dot && strcmp(dot, ".tflite") == 0))
        return fm_tflite_load(path, out, err);
    return fm_onnx_load(path, out, err);
}
