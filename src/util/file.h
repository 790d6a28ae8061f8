/* Whole-file reading shared by every loader (models, tables, configs,
 * architecture files). Library-internal. */
#ifndef FLEXMAC_UTIL_FILE_H
#define FLEXMAC_UTIL_FILE_H

#include <stddef.h>

#include "flexmac/status.h"

/* Reads the file at path into a malloc'ed buffer followed by one NUL byte
 * (text parsers may use it as a string; *len excludes the NUL). Reads in
 * chunks, so pipes work too. Messages start with the path: "PATH: cannot
 * open WHAT: reason" (FM_ERR_IO), "PATH: WHAT larger than N bytes"
 * (FM_ERR_FORMAT, when max_bytes > 0 is exceeded). */
fm_status fm_read_file(const char *path, const char *what, size_t max_bytes, char **data,
                       size_t *len, fm_error *err);

#endif
