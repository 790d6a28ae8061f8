#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fm_status fm_read_file(const char *path, const char *what, size_t max_bytes, char **data,
                       size_t *len, fm_error *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fm_error_set(err, FM_ERR_IO, "%s: cannot open %s: %s", path, what, strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    fm_status st = FM_OK;
    do {
        if (n + 1 >= cap) {
            if (max_bytes && cap > max_bytes) {
                st = fm_error_set(err, FM_ERR_FORMAT, "%s: %s larger than %zu bytes", path, what,
                                  max_bytes);
                break;
            }
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap);
            if (!nb) {
                st = fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory reading the %s", path, what);
                break;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    if (st == FM_OK && ferror(f))
        st = fm_error_set(err, FM_ERR_IO, "%s: read error", path);
    if (st == FM_OK && max_bytes && n > max_bytes)
        st = fm_error_set(err, FM_ERR_FORMAT, "%s: %s larger than %zu bytes", path, what, max_bytes);
    fclose(f);
    if (st != FM_OK) {
        free(buf);
        return st;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return FM_OK;
}
