/* Image-file source shared by class folders and list files: only the list
 * of paths (one string pool plus offsets) and the labels stay in memory;
 * each read opens and decodes its file into the call's scratch buffer. */
#include <stdlib.h>
#include <string.h>

#include "data/dataset_internal.h"

typedef struct files_src {
    char *root;      /* folder the names are relative to */
    char *pool;      /* NUL-terminated names */
    int64_t *off;    /* name i starts at pool + off[i] */
    int32_t *labels;
} files_src;

/* Full path of sample i; returns 0 when it does not fit in n bytes. */
static int sample_path(const files_src *src, int64_t i, char *buf, size_t n)
{
    const char *name = src->pool + src->off[i];
    int len = name[0] == '/' ? snprintf(buf, n, "%s", name)
                             : snprintf(buf, n, "%s/%s", src->root, name);
    return len >= 0 && (size_t)len < n;
}

static fm_status files_read_one(const fm_dataset *ds, int64_t i, float *out, int32_t *label,
                                fm_scratch *s, fm_error *err)
{
    const files_src *src = ds->impl;
    char path[4096];
    if (!sample_path(src, i, path, sizeof path))
        return fm_error_set(err, FM_ERR_INVALID, "%s/%.200s...: path too long", src->root,
                            src->pool + src->off[i]);
    int h, w, c;
    fm_status st = fm_image_decode(path, s, &h, &w, &c, err);
    if (st)
        return st;
    *label = src->labels[i];
    return fm_pp_apply_u8(ds, s->u8, h, w, c, out, s, path, err);
}

static void files_close(void *impl)
{
    files_src *src = impl;
    if (!src)
        return;
    free(src->root);
    free(src->pool);
    free(src->off);
    free(src->labels);
    free(src);
}

static void files_sample_name(const fm_dataset *ds, int64_t i, char *buf, size_t n)
{
    if (!sample_path(ds->impl, i, buf, n) && n > 0)
        buf[n - 1] = '\0';
}

static const fm_dataset_ops files_ops = {"image-files", files_read_one, files_close,
                                         files_sample_name};

fm_status fm_files_open(fm_dataset *ds, char *root, char *pool, int64_t *offsets,
                        int32_t *labels, int64_t count, const char *what, fm_error *err)
{
    files_src *src = calloc(1, sizeof *src);
    if (!src) {
        free(root);
        free(pool);
        free(offsets);
        free(labels);
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    }
    src->root = root;
    src->pool = pool;
    src->off = offsets;
    src->labels = labels;
    ds->ops = &files_ops;
    ds->impl = src;
    ds->count = count;
    if (count <= 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: no images", what);
    /* The first image fixes the native size and channel count. */
    char path[4096];
    if (!sample_path(src, 0, path, sizeof path))
        return fm_error_set(err, FM_ERR_INVALID, "%s: first image path too long", what);
    fm_scratch s = {0};
    int h, w, c;
    fm_status st = fm_image_decode(path, &s, &h, &w, &c, err);
    fm_scratch_free(&s);
    if (st)
        return st;
    return fm_pp_init(ds, h, w, c, path, err);
}
