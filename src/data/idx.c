/* IDX (MNIST / Fashion-MNIST) reader: an images file (magic 0x00000803,
 * uint8, dims N x H x W) and a labels file (magic 0x00000801, uint8, dim N),
 * each gzip-compressed or plain; zlib's gzread reads both transparently.
 *
 * IDX data sets are small (Fashion-MNIST train is 47 MB uncompressed), so
 * both files are loaded whole at open; reads then just index memory, which
 * keeps concurrent reads trivially safe. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/dataset_internal.h"

#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u
/* Refuse headers that claim more than 4 GiB: no real IDX set is that big and
 * a corrupt header must not drive huge allocations. */
#define IDX_MAX_BYTES ((uint64_t)1 << 32)

typedef struct idx_src {
    uint8_t *images;
    uint8_t *labels;
    int h, w;
    char *path;
} idx_src;

/* Reads up to n bytes; returns how many arrived (fewer = truncated/error). */
static size_t gz_read_all(gzFile gz, uint8_t *dst, size_t n)
{
    size_t got = 0;
    while (got < n) {
        size_t want = n - got;
        if (want > (1u << 30))
            want = 1u << 30;
        int r = gzread(gz, dst + got, (unsigned)want);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static const char *gz_why(gzFile gz)
{
    int code = 0;
    const char *m = gzerror(gz, &code);
    return code != Z_OK && m && *m ? m : "end of file";
}

/* Loads an IDX file whose magic must be `magic` with `ndims` dimensions. */
static fm_status load_idx(const char *path, uint32_t magic, int ndims, uint32_t *dims,
                          uint8_t **data, fm_error *err)
{
    *data = NULL;
    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return fm_error_set(err, FM_ERR_IO, "%s: cannot open (%s)", path,
                            errno ? strerror(errno) : "zlib error");
    gzbuffer(gz, 1u << 17);
    fm_status st = FM_OK;
    uint8_t hdr[16];
    size_t hdr_len = 4 + 4 * (size_t)ndims;
    size_t got = gz_read_all(gz, hdr, hdr_len);
    uint32_t found = 0;
    if (got >= 4)
        found = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (got < 4) {
        st = fm_error_set(err, FM_ERR_FORMAT, "%s: truncated IDX header (%zu bytes; %s)", path,
                          got, gz_why(gz));
        goto done;
    }
    if (found != magic) {
        st = fm_error_set(err, FM_ERR_FORMAT,
                          "%s: IDX magic 0x%08x, expected 0x%08x (uint8 %s file)", path, found,
                          magic, magic == IDX_MAGIC_IMAGES ? "images" : "labels");
        goto done;
    }
    if (got < hdr_len) {
        st = fm_error_set(err, FM_ERR_FORMAT, "%s: truncated IDX header (%zu of %zu bytes)",
                          path, got, hdr_len);
        goto done;
    }
    uint64_t total = 1;
    for (int i = 0; i < ndims; i++) {
        const uint8_t *b = hdr + 4 + 4 * i;
        dims[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (dims[i] == 0 || dims[i] > INT32_MAX) {
            st = fm_error_set(err, FM_ERR_FORMAT, "%s: IDX dimension %d is %u", path, i,
                              dims[i]);
            goto done;
        }
        total *= dims[i];
        if (total > IDX_MAX_BYTES) {
            st = fm_error_set(err, FM_ERR_FORMAT, "%s: IDX header claims more than 4 GiB",
                              path);
            goto done;
        }
    }
    /* Grow the buffer as data arrives so a lying header in a short file
     * costs no more memory than the file holds. */
    size_t cap = 0, have = 0;
    uint8_t *buf = NULL;
    while (have < total) {
        size_t ncap = cap ? cap * 2 : (size_t)1 << 20;
        if (ncap > total)
            ncap = (size_t)total;
        uint8_t *nb = realloc(buf, ncap);
        if (!nb) {
            free(buf);
            st = fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory (%zu bytes)", path, ncap);
            goto done;
        }
        buf = nb;
        cap = ncap;
        size_t r = gz_read_all(gz, buf + have, cap - have);
        have += r;
        if (have < cap)
            break;
    }
    if (have < total) {
        free(buf);
        st = fm_error_set(err, FM_ERR_FORMAT, "%s: truncated IDX data: %zu of %llu bytes (%s)",
                          path, have, (unsigned long long)total, gz_why(gz));
        goto done;
    }
    *data = buf;
done:
    gzclose(gz);
    return st;
}

static fm_status idx_read_one(const fm_dataset *ds, int64_t i, float *out, int32_t *label,
                              fm_scratch *s, fm_error *err)
{
    const idx_src *src = ds->impl;
    size_t per = (size_t)src->h * src->w;
    *label = src->labels[i];
    fm_status st = fm_pp_apply_u8(ds, src->images + (size_t)i * per, src->h, src->w, 1, out, s,
                                  src->path, err);
    return st;
}

static void idx_close(void *impl)
{
    idx_src *src = impl;
    if (!src)
        return;
    free(src->images);
    free(src->labels);
    free(src->path);
    free(src);
}

static void idx_sample_name(const fm_dataset *ds, int64_t i, char *buf, size_t n)
{
    const idx_src *src = ds->impl;
    snprintf(buf, n, "%s[%lld]", src->path, (long long)i);
}

static const fm_dataset_ops idx_ops = {"idx", idx_read_one, idx_close, idx_sample_name};

fm_status fm_idx_open(fm_dataset *ds, const char *images, const char *labels, fm_error *err)
{
    idx_src *src = calloc(1, sizeof *src);
    if (!src)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    ds->ops = &idx_ops;
    ds->impl = src;
    src->path = strdup(images);
    if (!src->path)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    uint32_t idims[3], ldims[1];
    fm_status st = load_idx(images, IDX_MAGIC_IMAGES, 3, idims, &src->images, err);
    if (st)
        return st;
    st = load_idx(labels, IDX_MAGIC_LABELS, 1, ldims, &src->labels, err);
    if (st)
        return st;
    if (idims[0] != ldims[0])
        return fm_error_set(err, FM_ERR_FORMAT, "%s has %u images but %s has %u labels", images,
                            idims[0], labels, ldims[0]);
    ds->count = idims[0];
    src->h = (int)idims[1];
    src->w = (int)idims[2];
    int maxl = 0;
    for (int64_t i = 0; i < ds->count; i++)
        if (src->labels[i] > maxl)
            maxl = src->labels[i];
    ds->num_classes = maxl + 1;
    return fm_pp_init(ds, src->h, src->w, 1, images, err);
}
