/* User-defined 8x8 multipliers: a 256x256 product table read from a file, or
 * tabulated once from a shared object's flexmac_mul8 (docs/config.md). */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/arith.h"
#include "util/file.h"

#define LUT_N 256
#define LUT_BIN_BYTES (LUT_N * LUT_N * 4)
#define LUT_MAX_FILE (16L << 20) /* a text table is well under 1 MiB */

struct fm_lut {
    int is_signed; /* operands -128..127, else 0..255 */
    char *path;
    int32_t t[LUT_N * LUT_N]; /* t[i * 256 + j] = a_i * b_j */
};

static fm_lut *lut_alloc(const char *path, int is_signed)
{
    fm_lut *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->path = strdup(path);
    if (!l->path) {
        free(l);
        return NULL;
    }
    l->is_signed = is_signed;
    return l;
}

void fm_lut_free(fm_lut *l)
{
    if (l) {
        free(l->path);
        free(l);
    }
}

static int op_index(const fm_lut *l, int32_t v)
{
    int lo = l->is_signed ? -128 : 0;
    if (v < lo)
        v = lo;
    if (v > lo + 255)
        v = lo + 255;
    return v - lo;
}

int32_t fm_lut_mul(const fm_lut *l, int32_t a, int32_t b)
{
    return l->t[op_index(l, a) * LUT_N + op_index(l, b)];
}

int fm_lut_is_signed(const fm_lut *l)
{
    return l->is_signed;
}

const char *fm_lut_path(const fm_lut *l)
{
    return l->path;
}

fm_status fm_lut_exact(int is_signed, fm_lut **out, fm_error *err)
{
    fm_lut *l = lut_alloc(is_signed ? "exact-signed" : "exact-unsigned", is_signed);
    if (!l)
        return fm_error_set(err, FM_ERR_NOMEM, "lut: out of memory");
    int lo = is_signed ? -128 : 0;
    for (int i = 0; i < LUT_N; i++)
        for (int j = 0; j < LUT_N; j++)
            l->t[i * LUT_N + j] = (lo + i) * (lo + j);
    *out = l;
    return FM_OK;
}

/* Shared object: dlopen, tabulate flexmac_mul8 over every operand pair once,
 * dlclose. The optional int flexmac_mul8_signed selects signed operands. */
static fm_status load_so(const char *path, fm_lut **out, fm_error *err)
{
    char buf[4096];
    /* dlopen searches the library path for names without a slash. */
    snprintf(buf, sizeof buf, "%s%s", strchr(path, '/') ? "" : "./", path);
    void *h = dlopen(buf, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        return fm_error_set(err, FM_ERR_FORMAT, "%s: cannot load shared object: %s", path,
                            why ? why : "unknown error");
    }
    int32_t (*fn)(int32_t, int32_t);
    void *sym = dlsym(h, "flexmac_mul8");
    if (!sym) {
        dlclose(h);
        return fm_error_set(err, FM_ERR_FORMAT,
                            "%s: shared object does not export int32_t flexmac_mul8(int32_t, "
                            "int32_t)",
                            path);
    }
    memcpy(&fn, &sym, sizeof fn); /* object-to-function pointer, as POSIX allows */
    const int *flag = dlsym(h, "flexmac_mul8_signed");
    fm_lut *l = lut_alloc(path, flag ? *flag != 0 : 0);
    if (!l) {
        dlclose(h);
        return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", path);
    }
    int lo = l->is_signed ? -128 : 0;
    for (int i = 0; i < LUT_N; i++)
        for (int j = 0; j < LUT_N; j++)
            l->t[i * LUT_N + j] = fn(lo + i, lo + j);
    dlclose(h);
    *out = l;
    return FM_OK;
}

/* Text body: 65536 integers separated by white space; '#' starts a comment
 * that runs to the end of the line. */
static fm_status parse_text(const char *path, const char *p, const char *end, int line,
                            fm_lut *l, fm_error *err)
{
    int n = 0;
    while (p < end) {
        if (*p == '\n') {
            line++;
            p++;
            continue;
        }
        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        if (*p == '#') {
            while (p < end && *p != '\n')
                p++;
            continue;
        }
        char tok[32];
        size_t k = 0;
        while (p < end && !isspace((unsigned char)*p) && *p != '#') {
            if (k + 1 < sizeof tok)
                tok[k++] = *p;
            p++;
        }
        tok[k] = '\0';
        char *stop;
        errno = 0;
        long v = strtol(tok, &stop, 10);
        if (*stop || stop == tok)
            return fm_error_set(err, FM_ERR_FORMAT, "%s:%d: '%s' is not an integer", path, line,
                                tok);
        if (errno == ERANGE || v < INT32_MIN || v > INT32_MAX)
            return fm_error_set(err, FM_ERR_FORMAT, "%s:%d: %s does not fit int32", path, line,
                                tok);
        if (n == LUT_N * LUT_N)
            return fm_error_set(err, FM_ERR_FORMAT, "%s:%d: more than %d values", path, line,
                                LUT_N * LUT_N);
        l->t[n++] = (int32_t)v;
    }
    if (n != LUT_N * LUT_N)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: %d values, expected %d (256 x 256)", path,
                            n, LUT_N * LUT_N);
    return FM_OK;
}


fm_status fm_lut_load(const char *path, fm_lut **out, fm_error *err)
{
    *out = NULL;
    char *data = NULL;
    size_t len = 0;
    fm_status st = fm_read_file(path, "multiplier", LUT_MAX_FILE, &data, &len, err);
    if (st)
        return st;
    if (len >= 4 && memcmp(data, "\177ELF", 4) == 0) {
        free(data);
        return load_so(path, out, err);
    }
    /* Optional header line selecting the operand range. */
    int is_signed = 0, line = 1;
    const char *p = data, *end = data + len;
    const char *eol = memchr(p, '\n', (size_t)len);
    size_t hl = eol ? (size_t)(eol - p) : (size_t)len;
    size_t tl = hl;
    while (tl > 0 && isspace((unsigned char)p[tl - 1]))
        tl--;
    if ((tl == 6 && memcmp(p, "signed", 6) == 0) || (tl == 8 && memcmp(p, "unsigned", 8) == 0)) {
        is_signed = tl == 6;
        p += eol ? hl + 1 : hl;
        line = 2;
    }
    fm_lut *l = lut_alloc(path, is_signed);
    if (!l) {
        free(data);
        return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", path);
    }
    long body = (long)(end - p);
    /* Binary: exactly 256*256 int32 LE. A binary table has NUL or high
     * bytes; a text one has neither. */
    int binary = body == LUT_BIN_BYTES && (memchr(p, 0, (size_t)body) != NULL);
    for (long i = 0; !binary && body == LUT_BIN_BYTES && i < body; i++)
        binary = (unsigned char)p[i] >= 0x80;
    if (binary) {
        const unsigned char *u = (const unsigned char *)p;
        for (int i = 0; i < LUT_N * LUT_N; i++)
            l->t[i] = (int32_t)((uint32_t)u[4 * i] | (uint32_t)u[4 * i + 1] << 8 |
                                (uint32_t)u[4 * i + 2] << 16 | (uint32_t)u[4 * i + 3] << 24);
    } else {
        for (const char *c = p; c < end; c++)
            if (*c == '\0' || (unsigned char)*c >= 0x80) {
                fm_error_set(err, FM_ERR_FORMAT,
                             "%s: neither a text table of 65536 integers nor a binary table of "
                             "%d bytes (body has %ld bytes)",
                             path, LUT_BIN_BYTES, body);
                fm_lut_free(l);
                free(data);
                return FM_ERR_FORMAT;
            }
        st = parse_text(path, p, end, line, l, err);
        if (st) {
            fm_lut_free(l);
            free(data);
            return st;
        }
    }
    free(data);
    *out = l;
    return FM_OK;
}
