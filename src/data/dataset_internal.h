/* Internal parts shared by the data set readers (not public API).
 *
 * Every source (IDX, image files, npy) implements fm_dataset_ops; the
 * dispatcher in dataset.c picks one from the spec. Sources hand one decoded
 * sample (uint8 HWC or float CHW, native size) to the preprocessing in
 * preprocess.c, which writes the final float CHW sample. */
#ifndef FLEXMAC_DATA_INTERNAL_H
#define FLEXMAC_DATA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flexmac/data.h"

/* Largest decoded image accepted (pixels * channels): guards against
 * corrupt headers that claim gigantic sizes. */
#define FM_DATA_MAX_IMAGE_BYTES ((size_t)1 << 28)

/* Decode buffers owned by one fm_dataset_read call, so concurrent calls share
 * nothing mutable. They grow on demand and are freed at the end of the call. */
typedef struct fm_scratch {
    uint8_t *u8;
    size_t u8_cap;
    float *f32;       /* float CHW staging (resize input, npy samples) */
    size_t f32_cap;
    float *f32b;      /* second float buffer (resize output) */
    size_t f32b_cap;
    void **rows;      /* row pointers for libpng */
    size_t rows_cap;
} fm_scratch;

void fm_scratch_free(fm_scratch *s);
/* Grow helpers; return 0 on success, -1 when out of memory. */
int fm_scratch_u8(fm_scratch *s, size_t n);
int fm_scratch_f32(fm_scratch *s, size_t n);
int fm_scratch_f32b(fm_scratch *s, size_t n);
int fm_scratch_rows(fm_scratch *s, size_t n);

typedef struct fm_dataset_ops {
    const char *kind;
    /* Decodes sample i (0 <= i < count, checked by the caller) into out
     * (C*H*W floats) and *label. */
    fm_status (*read_one)(const fm_dataset *ds, int64_t i, float *out, int32_t *label,
                          fm_scratch *s, fm_error *err);
    void (*close)(void *impl);
    void (*sample_name)(const fm_dataset *ds, int64_t i, char *buf, size_t n);
} fm_dataset_ops;

struct fm_dataset {
    const fm_dataset_ops *ops;
    void *impl;
    fm_preprocess pp;
    int64_t count;
    int c, h, w;           /* output sample shape */
    int num_classes;
    char **class_names;    /* image folders only; n = num_classes */
    /* lut[c][v] = (v * scale - mean[c]) / std[c]: the exact formula,
     * tabulated for uint8 pixels that need no resize. */
    float lut[3][256];
};

/* ---- preprocessing (preprocess.c, resize.c) ---- */

/* Validates p (channels 0/1/3, sizes >= 0, nonzero std). */
fm_status fm_pp_check(const fm_preprocess *p, fm_error *err);
/* Size after resize (shorter side to p->resize) and crop; error naming
 * `what` when the crop does not fit. */
fm_status fm_pp_out_size(const fm_preprocess *p, int h, int w, int *oh, int *ow,
                         const char *what, fm_error *err);
/* Sets ds->c/h/w from the first sample's native size and channel count, and
 * fills ds->lut. */
fm_status fm_pp_init(fm_dataset *ds, int native_h, int native_w, int native_c,
                     const char *what, fm_error *err);
/* Preprocesses one uint8 HWC image (c = 1 or 3) into out (ds->c x h x w). */
fm_status fm_pp_apply_u8(const fm_dataset *ds, const uint8_t *hwc, int h, int w, int c,
                         float *out, fm_scratch *s, const char *what, fm_error *err);
/* Same for a float CHW image. */
fm_status fm_pp_apply_f32(const fm_dataset *ds, const float *chw, int h, int w, int c,
                          float *out, fm_scratch *s, const char *what, fm_error *err);
/* Bilinear resize with half-pixel centres of one channel plane. */
void fm_resize_bilinear(const float *src, int h, int w, float *dst, int oh, int ow);

/* ---- image decoding (image_decode.c, png_decode.c, jpeg_decode.c) ---- */

/* Decodes a PNG or JPEG file (type from its magic bytes) into s->u8 as
 * uint8 HWC with *c = 1 (grey) or 3 (RGB). Errors name path. */
fm_status fm_image_decode(const char *path, fm_scratch *s, int *h, int *w, int *c,
                          fm_error *err);
fm_status fm_png_decode(const char *path, FILE *f, fm_scratch *s, int *h, int *w, int *c,
                        fm_error *err);
fm_status fm_jpeg_decode(const char *path, FILE *f, fm_scratch *s, int *h, int *w, int *c,
                         fm_error *err);

/* ---- sources ---- */

/* Each fills ds->ops/impl/count/num_classes and calls fm_pp_init. */
fm_status fm_idx_open(fm_dataset *ds, const char *images, const char *labels, fm_error *err);
fm_status fm_folder_open(fm_dataset *ds, const char *dir, fm_error *err);
fm_status fm_list_open(fm_dataset *ds, const char *list, fm_error *err);
fm_status fm_npy_open(fm_dataset *ds, const char *x, const char *y, fm_error *err);

/* Image-file source shared by folders and lists: `names` is a pool of
 * NUL-terminated paths relative to `root`; takes ownership of all arrays. */
fm_status fm_files_open(fm_dataset *ds, char *root, char *pool, int64_t *offsets,
                        int32_t *labels, int64_t count, const char *what, fm_error *err);

#endif
