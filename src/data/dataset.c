/* fm_dataset: picks a reader from the spec string and serves samples by
 * index. The spec forms are documented in include/flexmac/data.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/dataset_internal.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* "A,B" -> a and b (malloc'd copies). Returns 0 when there is no comma. */
static int split_pair(const char *s, char **a, char **b)
{
    const char *comma = strchr(s, ',');
    if (!comma)
        return 0;
    *a = strndup(s, (size_t)(comma - s));
    *b = strdup(comma + 1);
    return 1;
}

/* IMAGES path -> LABELS path by replacing "images-idx3" with "labels-idx1". */
static char *idx_labels_path(const char *images)
{
    const char *at = strstr(images, "images-idx3");
    if (!at)
        return NULL;
    size_t pre = (size_t)(at - images);
    char *out = malloc(strlen(images) + 1);
    if (!out)
        return NULL;
    memcpy(out, images, pre);
    memcpy(out + pre, "labels-idx1", 11);
    strcpy(out + pre + 11, at + 11);
    return out;
}

static fm_status open_idx_images(fm_dataset *ds, const char *images, fm_error *err)
{
    char *labels = idx_labels_path(images);
    if (!labels)
        return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", images);
    fm_status st = fm_idx_open(ds, images, labels, err);
    free(labels);
    return st;
}

/* PREFIX -> PREFIX-images-idx3-ubyte.gz or PREFIX-images-idx3-ubyte when one
 * exists (e.g. ".../fashion-mnist/train"). */
static int idx_prefix(const char *spec, char *buf, size_t n)
{
    static const char *const suffixes[] = {"-images-idx3-ubyte.gz", "-images-idx3-ubyte"};
    for (int i = 0; i < 2; i++) {
        if ((size_t)snprintf(buf, n, "%s%s", spec, suffixes[i]) < n && exists(buf))
            return 1;
    }
    return 0;
}

static fm_status dispatch(fm_dataset *ds, const char *spec, fm_error *err)
{
    char buf[4096];
    if (strncmp(spec, "idx:", 4) == 0) {
        char *a, *b;
        if (!split_pair(spec + 4, &a, &b))
            return fm_error_set(err, FM_ERR_INVALID,
                                "data set '%s': expected idx:IMAGES,LABELS", spec);
        fm_status st = a && b ? fm_idx_open(ds, a, b, err)
                              : fm_error_set(err, FM_ERR_NOMEM, "out of memory");
        free(a);
        free(b);
        return st;
    }
    if (ends_with(spec, ".npy")) {
        char *a, *b;
        if (split_pair(spec, &a, &b)) {
            fm_status st = a && b ? fm_npy_open(ds, a, b, err)
                                  : fm_error_set(err, FM_ERR_NOMEM, "out of memory");
            free(a);
            free(b);
            return st;
        }
        return fm_npy_open(ds, spec, NULL, err);
    }
    if (is_dir(spec)) {
        char probe[4096];
        snprintf(probe, sizeof probe, "%s/t10k", spec);
        if (idx_prefix(probe, buf, sizeof buf))
            return fm_error_set(err, FM_ERR_INVALID,
                                "data set '%s' is a folder of IDX files: name a split prefix "
                                "such as '%s/t10k' or '%s/train'",
                                spec, spec, spec);
        return fm_folder_open(ds, spec, err);
    }
    if (strstr(spec, "images-idx3") && exists(spec))
        return open_idx_images(ds, spec, err);
    if (!exists(spec) && idx_prefix(spec, buf, sizeof buf))
        return open_idx_images(ds, buf, err);
    if (!exists(spec))
        return fm_error_set(err, FM_ERR_IO, "data set '%s': no such file or folder", spec);
    return fm_list_open(ds, spec, err);
}

fm_status fm_dataset_open(const char *spec, const fm_preprocess *p, fm_dataset **out,
                          fm_error *err)
{
    if (!out)
        return fm_error_set(err, FM_ERR_INVALID, "fm_dataset_open: out is NULL");
    *out = NULL;
    if (!spec || !*spec)
        return fm_error_set(err, FM_ERR_INVALID, "fm_dataset_open: empty data set spec");
    fm_dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    if (p)
        ds->pp = *p;
    else
        fm_preprocess_preset("raw", &ds->pp);
    fm_status st = fm_pp_check(&ds->pp, err);
    if (!st)
        st = dispatch(ds, spec, err);
    if (st) {
        fm_dataset_close(ds);
        return st;
    }
    *out = ds;
    return FM_OK;
}

void fm_dataset_close(fm_dataset *ds)
{
    if (!ds)
        return;
    if (ds->ops && ds->ops->close)
        ds->ops->close(ds->impl);
    if (ds->class_names) {
        for (int i = 0; i < ds->num_classes; i++)
            free(ds->class_names[i]);
        free(ds->class_names);
    }
    free(ds);
}

int64_t fm_dataset_count(const fm_dataset *ds)
{
    return ds ? ds->count : 0;
}

void fm_dataset_shape(const fm_dataset *ds, int *c, int *h, int *w)
{
    if (c)
        *c = ds ? ds->c : 0;
    if (h)
        *h = ds ? ds->h : 0;
    if (w)
        *w = ds ? ds->w : 0;
}

int fm_dataset_num_classes(const fm_dataset *ds)
{
    return ds ? ds->num_classes : 0;
}

const char *fm_dataset_class_name(const fm_dataset *ds, int c)
{
    if (!ds || !ds->class_names || c < 0 || c >= ds->num_classes)
        return NULL;
    return ds->class_names[c];
}

const char *fm_dataset_sample_name(const fm_dataset *ds, int64_t i, char *buf, size_t n)
{
    if (!buf || n == 0)
        return buf;
    if (!ds || i < 0 || i >= ds->count)
        snprintf(buf, n, "sample %lld (out of range)", (long long)i);
    else
        ds->ops->sample_name(ds, i, buf, n);
    return buf;
}

static fm_status read_some(fm_dataset *ds, const int64_t *idx, int64_t start, int n, float *x,
                           int32_t *labels, fm_error *err)
{
    if (!ds || (n > 0 && !x) || n < 0)
        return fm_error_set(err, FM_ERR_INVALID, "fm_dataset_read: bad arguments");
    size_t per = (size_t)ds->c * ds->h * ds->w;
    fm_scratch s = {0};
    fm_status st = FM_OK;
    for (int k = 0; k < n && !st; k++) {
        int64_t i = idx ? idx[k] : start + k;
        if (i < 0 || i >= ds->count) {
            st = fm_error_set(err, FM_ERR_INVALID, "sample index %lld outside 0..%lld",
                              (long long)i, (long long)ds->count - 1);
            break;
        }
        int32_t lab = -1;
        st = ds->ops->read_one(ds, i, x + (size_t)k * per, &lab, &s, err);
        if (labels)
            labels[k] = lab;
    }
    fm_scratch_free(&s);
    return st;
}

fm_status fm_dataset_read(fm_dataset *ds, const int64_t *idx, int n, float *x, int32_t *labels,
                          fm_error *err)
{
    if (n > 0 && !idx)
        return fm_error_set(err, FM_ERR_INVALID, "fm_dataset_read: idx is NULL");
    return read_some(ds, idx, 0, n, x, labels, err);
}

fm_status fm_dataset_read_range(fm_dataset *ds, int64_t start, int n, float *x,
                                int32_t *labels, fm_error *err)
{
    return read_some(ds, NULL, start, n, x, labels, err);
}
