/* Small helpers for the data reader tests: a temporary folder and writers
 * for IDX files. Header-only so each test program stays one .c file. */
#ifndef FM_DATA_FIXTURES_H
#define FM_DATA_FIXTURES_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Creates a fresh temporary folder; path must hold 256 bytes. */
static inline void fx_tmpdir(char *path)
{
    snprintf(path, 256, "/tmp/flexmac_data_XXXXXX");
    if (!mkdtemp(path))
        path[0] = '\0';
}

/* Removes a folder tree made by a test (two levels are enough here). */
static inline void fx_rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[1024];
            if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= sizeof sub)
                continue;
            struct stat st;
            if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                fx_rmtree(sub);
            else
                unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

static inline void fx_be32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

/* Writes bytes to path, gzip-compressed when gz is nonzero. */
static inline int fx_write(const char *path, const void *data, size_t len, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        if (!f)
            return -1;
        int ok = gzwrite(f, data, (unsigned)len) == (int)len;
        return gzclose(f) == Z_OK && ok ? 0 : -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

/* Writes an IDX file: magic, dims (ndims of them), then payload. */
static inline int fx_write_idx(const char *path, uint32_t magic, int ndims, const uint32_t *dims,
                               const uint8_t *payload, size_t len, int gz)
{
    size_t hdr = 4 + 4 * (size_t)ndims;
    uint8_t *buf = malloc(hdr + len);
    if (!buf)
        return -1;
    fx_be32(buf, magic);
    for (int i = 0; i < ndims; i++)
        fx_be32(buf + 4 + 4 * i, dims[i]);
    if (len)
        memcpy(buf + hdr, payload, len);
    int r = fx_write(path, buf, hdr + len, gz);
    free(buf);
    return r;
}

#endif
