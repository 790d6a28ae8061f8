/* NumPy .npy reader (format versions 1, 2 and 3; C order only).
 *
 * Images: shape (N, H, W) or (N, C, H, W) with C = 1 or 3, dtype '<f4' or
 * '|u1'; each sample is read with pread at its offset, so big arrays are
 * never loaded whole and concurrent reads share no file position.
 * Labels: shape (N,), dtype '<i8', '<i4' or '|u1', loaded whole at open. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/dataset_internal.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.c reads little-endian data in place; port it for big-endian hosts"
#endif

#define NPY_MAX_HEADER (1 << 20)

typedef struct npy_header {
    char descr[16];
    int fortran;
    int ndim;
    int64_t shape[8];
    int64_t data_off;
} npy_header;

typedef struct npy_src {
    int fd;
    char *path;
    int64_t data_off;
    int is_u8;
    int c, h, w;
    int32_t *labels;
} npy_src;

/* pread that retries short reads; returns bytes read. */
static size_t pread_all(int fd, void *buf, size_t n, int64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + (int64_t)got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* Finds key ('descr' etc., quoted either way) in the header dict and returns
 * a pointer just past its ':' (spaces skipped), or NULL. */
static const char *find_key(const char *hdr, const char *key)
{
    char q1[64], q2[64];
    snprintf(q1, sizeof q1, "'%s'", key);
    snprintf(q2, sizeof q2, "\"%s\"", key);
    const char *p = strstr(hdr, q1);
    if (!p)
        p = strstr(hdr, q2);
    if (!p)
        return NULL;
    p += strlen(q1);
    while (isspace((unsigned char)*p))
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

static fm_status parse_dict(const char *path, const char *hdr, npy_header *h, fm_error *err)
{
    const char *p = find_key(hdr, "descr");
    if (!p || (*p != '\'' && *p != '"'))
        return fm_error_set(err, FM_ERR_FORMAT, "%s: npy header has no 'descr' string", path);
    const char *end = strchr(p + 1, *p);
    if (!end || end - p - 1 >= (long)sizeof h->descr)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: npy header: bad 'descr'", path);
    memcpy(h->descr, p + 1, (size_t)(end - p - 1));
    h->descr[end - p - 1] = '\0';

    p = find_key(hdr, "fortran_order");
    if (p && strncmp(p, "False", 5) == 0)
        h->fortran = 0;
    else if (p && strncmp(p, "True", 4) == 0)
        h->fortran = 1;
    else
        return fm_error_set(err, FM_ERR_FORMAT,
                            "%s: npy header has no 'fortran_order' True/False", path);

    p = find_key(hdr, "shape");
    if (!p || *p != '(')
        return fm_error_set(err, FM_ERR_FORMAT, "%s: npy header has no 'shape' tuple", path);
    p++;
    h->ndim = 0;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (*p == ')')
            break;
        if (!isdigit((unsigned char)*p) || h->ndim == 8)
            return fm_error_set(err, FM_ERR_FORMAT, "%s: npy header: bad 'shape'", path);
        errno = 0;
        char *e;
        long long v = strtoll(p, &e, 10);
        if (errno || v < 0 || v > INT32_MAX)
            return fm_error_set(err, FM_ERR_FORMAT, "%s: npy header: shape value out of range",
                                path);
        h->shape[h->ndim++] = v;
        p = e;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == ',')
            p++;
        else if (*p != ')')
            return fm_error_set(err, FM_ERR_FORMAT, "%s: npy header: bad 'shape'", path);
    }
    return FM_OK;
}

/* Reads and parses the header (magic, version, dict). */
static fm_status read_header(int fd, const char *path, npy_header *h, fm_error *err)
{
    memset(h, 0, sizeof *h);
    unsigned char pre[12];
    size_t got = pread_all(fd, pre, sizeof pre, 0);
    if (got < 10 || memcmp(pre, "\x93NUMPY", 6) != 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: not a .npy file (bad magic)", path);
    int major = pre[6];
    size_t hlen, start;
    if (major == 1) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
        start = 10;
    } else if (major == 2 || major == 3) {
        if (got < 12)
            return fm_error_set(err, FM_ERR_FORMAT, "%s: truncated .npy header", path);
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
               (size_t)pre[11] << 24;
        start = 12;
    } else {
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: .npy format version %d.%d", path,
                            major, pre[7]);
    }
    if (hlen == 0 || hlen > NPY_MAX_HEADER)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: .npy header length %zu", path, hlen);
    char *hdr = malloc(hlen + 1);
    if (!hdr)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    fm_status st = FM_OK;
    if (pread_all(fd, hdr, hlen, (int64_t)start) != hlen) {
        st = fm_error_set(err, FM_ERR_FORMAT, "%s: truncated .npy header", path);
    } else {
        hdr[hlen] = '\0';
        if (strlen(hdr) != hlen || !strchr(hdr, '{'))
            st = fm_error_set(err, FM_ERR_FORMAT, "%s: .npy header is not a dict", path);
        else
            st = parse_dict(path, hdr, h, err);
    }
    free(hdr);
    if (!st && h->fortran)
        st = fm_error_set(err, FM_ERR_UNSUPPORTED,
                          "%s: fortran_order True is not supported (save a C-order array)",
                          path);
    h->data_off = (int64_t)(start + hlen);
    return st;
}

/* Checks the file is long enough for count elements of elem bytes. */
static fm_status check_size(int fd, const char *path, const npy_header *h, int64_t count,
                            size_t elem, fm_error *err)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return fm_error_set(err, FM_ERR_IO, "%s: cannot stat (%s)", path, strerror(errno));
    if (count > (INT64_MAX - h->data_off) / (int64_t)elem ||
        (int64_t)sb.st_size < h->data_off + count * (int64_t)elem)
        return fm_error_set(err, FM_ERR_FORMAT,
                            "%s: truncated: %lld data bytes, header promises %lld", path,
                            (long long)(sb.st_size - h->data_off),
                            (long long)count * (long long)elem);
    return FM_OK;
}

static fm_status open_fd(const char *path, int *fd, fm_error *err)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return fm_error_set(err, FM_ERR_IO, "%s: cannot open (%s)", path, strerror(errno));
    return FM_OK;
}

static fm_status load_labels(const char *path, int64_t n, int32_t **out, int *num_classes,
                             fm_error *err)
{
    int fd;
    fm_status st = open_fd(path, &fd, err);
    if (st)
        return st;
    npy_header h;
    st = read_header(fd, path, &h, err);
    size_t elem = 0;
    if (!st) {
        if (!strcmp(h.descr, "<i8"))
            elem = 8;
        else if (!strcmp(h.descr, "<i4"))
            elem = 4;
        else if (!strcmp(h.descr, "|u1") || !strcmp(h.descr, "<u1"))
            elem = 1;
        else
            st = fm_error_set(err, FM_ERR_UNSUPPORTED,
                              "%s: label dtype '%s' (supported: <i8, <i4, |u1)", path, h.descr);
    }
    if (!st && (h.ndim != 1 || h.shape[0] != n))
        st = fm_error_set(err, FM_ERR_SHAPE, "%s: labels must have shape (%lld,), got %d dims%s",
                          path, (long long)n, h.ndim,
                          h.ndim == 1 ? " with a different count" : "");
    if (!st)
        st = check_size(fd, path, &h, n, elem, err);
    uint8_t *raw = NULL;
    int32_t *lab = NULL;
    if (!st) {
        raw = malloc((size_t)n * elem);
        lab = malloc((size_t)n * sizeof *lab);
        if (!raw || !lab)
            st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
        else if (pread_all(fd, raw, (size_t)n * elem, h.data_off) != (size_t)n * elem)
            st = fm_error_set(err, FM_ERR_IO, "%s: short read", path);
    }
    int maxl = -1;
    for (int64_t i = 0; !st && i < n; i++) {
        int64_t v;
        if (elem == 8) {
            memcpy(&v, raw + i * 8, 8);
        } else if (elem == 4) {
            int32_t t;
            memcpy(&t, raw + i * 4, 4);
            v = t;
        } else {
            v = raw[i];
        }
        if (v < 0 || v > INT32_MAX)
            st = fm_error_set(err, FM_ERR_FORMAT, "%s: label[%lld] = %lld out of range", path,
                              (long long)i, (long long)v);
        lab[i] = (int32_t)v;
        if (v > maxl)
            maxl = (int)v;
    }
    free(raw);
    close(fd);
    if (st) {
        free(lab);
        return st;
    }
    *out = lab;
    *num_classes = maxl + 1;
    return FM_OK;
}

static fm_status npy_read_one(const fm_dataset *ds, int64_t i, float *out, int32_t *label,
                              fm_scratch *s, fm_error *err)
{
    const npy_src *src = ds->impl;
    size_t plane = (size_t)src->h * src->w, n = (size_t)src->c * plane;
    size_t bytes = n * (src->is_u8 ? 1 : 4);
    /* u8 with 3 channels is transposed CHW -> HWC into the second half. */
    size_t need = src->is_u8 && src->c == 3 ? 2 * bytes : bytes;
    if (fm_scratch_u8(s, need))
        return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", src->path);
    if (pread_all(src->fd, s->u8, bytes, src->data_off + i * (int64_t)bytes) != bytes)
        return fm_error_set(err, FM_ERR_IO, "%s: short read of sample %lld", src->path,
                            (long long)i);
    *label = src->labels ? src->labels[i] : -1;
    char what[4200];
    snprintf(what, sizeof what, "%s[%lld]", src->path, (long long)i);
    if (!src->is_u8)
        return fm_pp_apply_f32(ds, (const float *)(void *)s->u8, src->h, src->w, src->c, out, s,
                               what, err);
    if (src->c == 1)
        return fm_pp_apply_u8(ds, s->u8, src->h, src->w, 1, out, s, what, err);
    uint8_t *hwc = s->u8 + bytes;
    for (size_t p = 0; p < plane; p++)
        for (int k = 0; k < 3; k++)
            hwc[p * 3 + k] = s->u8[k * plane + p];
    return fm_pp_apply_u8(ds, hwc, src->h, src->w, 3, out, s, what, err);
}

static void npy_close(void *impl)
{
    npy_src *src = impl;
    if (!src)
        return;
    if (src->fd >= 0)
        close(src->fd);
    free(src->labels);
    free(src->path);
    free(src);
}

static void npy_sample_name(const fm_dataset *ds, int64_t i, char *buf, size_t n)
{
    const npy_src *src = ds->impl;
    snprintf(buf, n, "%s[%lld]", src->path, (long long)i);
}

static const fm_dataset_ops npy_ops = {"npy", npy_read_one, npy_close, npy_sample_name};

fm_status fm_npy_open(fm_dataset *ds, const char *x, const char *y, fm_error *err)
{
    npy_src *src = calloc(1, sizeof *src);
    if (!src)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    src->fd = -1;
    ds->ops = &npy_ops;
    ds->impl = src;
    if (!(src->path = strdup(x)))
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    fm_status st = open_fd(x, &src->fd, err);
    if (st)
        return st;
    npy_header h;
    if ((st = read_header(src->fd, x, &h, err)))
        return st;
    if (!strcmp(h.descr, "|u1") || !strcmp(h.descr, "<u1"))
        src->is_u8 = 1;
    else if (strcmp(h.descr, "<f4") != 0)
        return fm_error_set(err, FM_ERR_UNSUPPORTED,
                            "%s: image dtype '%s' (supported: <f4, |u1)", x, h.descr);
    if (h.ndim == 3) {
        src->c = 1;
        src->h = (int)h.shape[1];
        src->w = (int)h.shape[2];
    } else if (h.ndim == 4) {
        src->c = (int)h.shape[1];
        src->h = (int)h.shape[2];
        src->w = (int)h.shape[3];
    } else {
        return fm_error_set(err, FM_ERR_SHAPE,
                            "%s: images must be (N,H,W) or (N,C,H,W), got %d dims", x, h.ndim);
    }
    if (src->c != 1 && src->c != 3)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: %d channels (expected 1 or 3)", x,
                            src->c);
    if (h.shape[0] == 0 || src->h == 0 || src->w == 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: empty array", x);
    size_t sample = (size_t)src->c * src->h * src->w * (src->is_u8 ? 1 : 4);
    if (sample > FM_DATA_MAX_IMAGE_BYTES)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: samples of %zu bytes are too large",
                            x, sample);
    if ((st = check_size(src->fd, x, &h, h.shape[0], sample, err)))
        return st;
    src->data_off = h.data_off;
    ds->count = h.shape[0];
    if (y && (st = load_labels(y, ds->count, &src->labels, &ds->num_classes, err)))
        return st;
    return fm_pp_init(ds, src->h, src->w, src->c, x, err);
}
