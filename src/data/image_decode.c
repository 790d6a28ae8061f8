/* Opens an image file and hands it to the PNG or JPEG decoder according to
 * its magic bytes (not its name), so a mislabelled file still decodes and an
 * unknown one fails with a clear message. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "data/dataset_internal.h"

fm_status fm_image_decode(const char *path, fm_scratch *s, int *h, int *w, int *c,
                          fm_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fm_error_set(err, FM_ERR_IO, "%s: cannot open (%s)", path, strerror(errno));
    unsigned char sig[8] = {0};
    size_t n = fread(sig, 1, sizeof sig, f);
    rewind(f);
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    fm_status st;
    if (n == 8 && memcmp(sig, png_sig, 8) == 0)
        st = fm_png_decode(path, f, s, h, w, c, err);
    else if (n >= 3 && sig[0] == 0xFF && sig[1] == 0xD8 && sig[2] == 0xFF)
        st = fm_jpeg_decode(path, f, s, h, w, c, err);
    else
        st = fm_error_set(err, FM_ERR_FORMAT, "%s: not a PNG or JPEG file (%zu bytes read)",
                          path, n);
    fclose(f);
    return st;
}
