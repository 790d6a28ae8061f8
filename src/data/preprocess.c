/* Per-sample preprocessing: channel conversion, resize, centre crop and
 * normalisation (value = (pixel * scale - mean[c]) / std[c]).
 *
 * The common case (uint8 pixels, no resize) goes through a 256-entry table
 * per channel that holds exactly the formula's float result, so it is both
 * fast and identical to the direct computation. */
#include <stdlib.h>
#include <string.h>

#include "data/dataset_internal.h"

int fm_preprocess_preset(const char *name, fm_preprocess *p)
{
    if (!name || !p)
        return 0;
    memset(p, 0, sizeof *p);
    p->scale = 1.0f;
    for (int c = 0; c < 3; c++)
        p->std[c] = 1.0f;
    if (strcmp(name, "raw") == 0)
        return 1;
    if (strcmp(name, "unit") == 0) {
        p->scale = 1.0f / 255.0f;
        return 1;
    }
    if (strcmp(name, "cifar") == 0) {
        static const float mean[3] = {0.485f, 0.456f, 0.406f};
        static const float std[3] = {0.229f, 0.224f, 0.225f};
        p->channels = 3;
        p->scale = 1.0f / 255.0f;
        memcpy(p->mean, mean, sizeof mean);
        memcpy(p->std, std, sizeof std);
        return 1;
    }
    if (strcmp(name, "imagenet-uint8") == 0) {
        p->channels = 3;
        return 1;
    }
    return 0;
}

fm_status fm_pp_check(const fm_preprocess *p, fm_error *err)
{
    if (p->channels != 0 && p->channels != 1 && p->channels != 3)
        return fm_error_set(err, FM_ERR_INVALID, "preprocess: channels %d (expected 0, 1 or 3)",
                            p->channels);
    if (p->resize < 0 || p->crop_h < 0 || p->crop_w < 0 || p->resize > 65535 ||
        p->crop_h > 65535 || p->crop_w > 65535)
        return fm_error_set(err, FM_ERR_INVALID,
                            "preprocess: resize %d / crop %dx%d out of range 0..65535",
                            p->resize, p->crop_h, p->crop_w);
    int nc = p->channels ? p->channels : 3;
    for (int c = 0; c < nc; c++)
        if (p->std[c] == 0.0f)
            return fm_error_set(err, FM_ERR_INVALID,
                                "preprocess: std[%d] is 0 (use a preset or set std)", c);
    return FM_OK;
}

static void resized_size(const fm_preprocess *p, int h, int w, int *rh, int *rw)
{
    *rh = h;
    *rw = w;
    if (p->resize <= 0)
        return;
    /* torchvision: the shorter side becomes `resize`, the longer side
     * int(resize * long / short). */
    if (h <= w) {
        *rh = p->resize;
        *rw = (int)((int64_t)p->resize * w / h);
    } else {
        *rw = p->resize;
        *rh = (int)((int64_t)p->resize * h / w);
    }
}

fm_status fm_pp_out_size(const fm_preprocess *p, int h, int w, int *oh, int *ow,
                         const char *what, fm_error *err)
{
    int rh, rw;
    resized_size(p, h, w, &rh, &rw);
    int ch = p->crop_h ? p->crop_h : rh, cw = p->crop_w ? p->crop_w : rw;
    if (ch > rh || cw > rw)
        return fm_error_set(err, FM_ERR_SHAPE,
                            "%s: image %dx%d (after resize %dx%d) is smaller than the crop %dx%d",
                            what, h, w, rh, rw, ch, cw);
    *oh = ch;
    *ow = cw;
    return FM_OK;
}

fm_status fm_pp_init(fm_dataset *ds, int native_h, int native_w, int native_c,
                     const char *what, fm_error *err)
{
    if (native_c != 1 && native_c != 3)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: %d channels (expected 1 or 3)", what,
                            native_c);
    if (native_h <= 0 || native_w <= 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: empty image %dx%d", what, native_h,
                            native_w);
    fm_status st = fm_pp_out_size(&ds->pp, native_h, native_w, &ds->h, &ds->w, what, err);
    if (st)
        return st;
    ds->c = ds->pp.channels ? ds->pp.channels : native_c;
    for (int c = 0; c < ds->c; c++)
        for (int v = 0; v < 256; v++)
            ds->lut[c][v] = ((float)v * ds->pp.scale - ds->pp.mean[c]) / ds->pp.std[c];
    return FM_OK;
}

/* Checks one sample's geometry against the data set's and returns the crop
 * offsets inside the resized image. */
static fm_status plan(const fm_dataset *ds, int h, int w, int *rh, int *rw, int *oy, int *ox,
                      const char *what, fm_error *err)
{
    int ch, cw;
    if (h <= 0 || w <= 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: empty image %dx%d", what, h, w);
    fm_status st = fm_pp_out_size(&ds->pp, h, w, &ch, &cw, what, err);
    if (st)
        return st;
    if (ch != ds->h || cw != ds->w)
        return fm_error_set(err, FM_ERR_SHAPE,
                            "%s: image %dx%d becomes %dx%d after preprocessing but the first "
                            "sample became %dx%d (set resize/crop to make sizes agree)",
                            what, h, w, ch, cw, ds->h, ds->w);
    resized_size(&ds->pp, h, w, rh, rw);
    *oy = (*rh - ch) / 2;
    *ox = (*rw - cw) / 2;
    return FM_OK;
}

static inline float grey_of(float r, float g, float b)
{
    return 0.299f * r + 0.587f * g + 0.114f * b;
}

static inline float norm(const fm_preprocess *p, int c, float v)
{
    return (v * p->scale - p->mean[c]) / p->std[c];
}

/* Resize (if needed), crop and normalise a float CHW image that already has
 * ds->c channels. */
static fm_status core_f32(const fm_dataset *ds, const float *chw, int h, int w, float *out,
                          fm_scratch *s, const char *what, fm_error *err)
{
    int rh = 0, rw = 0, oy = 0, ox = 0;
    fm_status st = plan(ds, h, w, &rh, &rw, &oy, &ox, what, err);
    if (st)
        return st;
    const float *src = chw;
    if (rh != h || rw != w) {
        if (fm_scratch_f32b(s, (size_t)ds->c * rh * rw))
            return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory resizing", what);
        for (int c = 0; c < ds->c; c++)
            fm_resize_bilinear(chw + (size_t)c * h * w, h, w, s->f32b + (size_t)c * rh * rw, rh,
                               rw);
        src = s->f32b;
    }
    for (int c = 0; c < ds->c; c++)
        for (int y = 0; y < ds->h; y++) {
            const float *r = src + ((size_t)c * rh + y + oy) * rw + ox;
            float *d = out + ((size_t)c * ds->h + y) * ds->w;
            for (int x = 0; x < ds->w; x++)
                d[x] = norm(&ds->pp, c, r[x]);
        }
    return FM_OK;
}

fm_status fm_pp_apply_f32(const fm_dataset *ds, const float *chw, int h, int w, int c,
                          float *out, fm_scratch *s, const char *what, fm_error *err)
{
    if (c != 1 && c != 3)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: %d channels (expected 1 or 3)", what, c);
    if (c == ds->c)
        return core_f32(ds, chw, h, w, out, s, what, err);
    size_t plane = (size_t)h * w;
    if (fm_scratch_f32(s, (size_t)ds->c * plane))
        return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", what);
    float *t = s->f32;
    if (c == 1) {
        for (int k = 0; k < 3; k++)
            memcpy(t + k * plane, chw, plane * sizeof(float));
    } else {
        for (size_t i = 0; i < plane; i++)
            t[i] = grey_of(chw[i], chw[plane + i], chw[2 * plane + i]);
    }
    return core_f32(ds, t, h, w, out, s, what, err);
}

fm_status fm_pp_apply_u8(const fm_dataset *ds, const uint8_t *hwc, int h, int w, int c,
                         float *out, fm_scratch *s, const char *what, fm_error *err)
{
    if (c != 1 && c != 3)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: %d channels (expected 1 or 3)", what, c);
    int rh = 0, rw = 0, oy = 0, ox = 0;
    fm_status st = plan(ds, h, w, &rh, &rw, &oy, &ox, what, err);
    if (st)
        return st;
    const int oc = ds->c, oh = ds->h, ow = ds->w;
    if (rh != h || rw != w) {
        /* Resize works on floats: convert to CHW with ds->c channels first. */
        size_t plane = (size_t)h * w;
        if (fm_scratch_f32(s, (size_t)oc * plane))
            return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", what);
        float *t = s->f32;
        for (size_t i = 0; i < plane; i++) {
            const uint8_t *px = hwc + i * c;
            if (oc == c)
                for (int k = 0; k < c; k++)
                    t[k * plane + i] = px[k];
            else if (oc == 3)
                t[i] = t[plane + i] = t[2 * plane + i] = px[0];
            else
                t[i] = grey_of(px[0], px[1], px[2]);
        }
        return core_f32(ds, t, h, w, out, s, what, err);
    }
    size_t oplane = (size_t)oh * ow;
    if (oc == 1 && c == 3) {
        for (int y = 0; y < oh; y++) {
            const uint8_t *r = hwc + ((size_t)(y + oy) * w + ox) * 3;
            float *d = out + (size_t)y * ow;
            for (int x = 0; x < ow; x++)
                d[x] = norm(&ds->pp, 0, grey_of(r[3 * x], r[3 * x + 1], r[3 * x + 2]));
        }
        return FM_OK;
    }
    /* Same channel count, or grey repeated into RGB (source channel 0). */
    for (int k = 0; k < oc; k++) {
        const float *lut = ds->lut[k];
        int sk = c == 1 ? 0 : k;
        for (int y = 0; y < oh; y++) {
            const uint8_t *r = hwc + ((size_t)(y + oy) * w + ox) * c + sk;
            float *d = out + k * oplane + (size_t)y * ow;
            if (c == 1)
                for (int x = 0; x < ow; x++)
                    d[x] = lut[r[x]];
            else
                for (int x = 0; x < ow; x++)
                    d[x] = lut[r[3 * x]];
        }
    }
    return FM_OK;
}

/* ---- scratch buffers ---- */

static int grow(void **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

int fm_scratch_u8(fm_scratch *s, size_t n)
{
    return grow((void **)&s->u8, &s->u8_cap, n);
}

int fm_scratch_f32(fm_scratch *s, size_t n)
{
    size_t cap = s->f32_cap * sizeof(float);
    int r = grow((void **)&s->f32, &cap, n * sizeof(float));
    s->f32_cap = cap / sizeof(float);
    return r;
}

int fm_scratch_f32b(fm_scratch *s, size_t n)
{
    size_t cap = s->f32b_cap * sizeof(float);
    int r = grow((void **)&s->f32b, &cap, n * sizeof(float));
    s->f32b_cap = cap / sizeof(float);
    return r;
}

int fm_scratch_rows(fm_scratch *s, size_t n)
{
    size_t cap = s->rows_cap * sizeof(void *);
    int r = grow((void **)&s->rows, &cap, n * sizeof(void *));
    s->rows_cap = cap / sizeof(void *);
    return r;
}

void fm_scratch_free(fm_scratch *s)
{
    free(s->u8);
    free(s->f32);
    free(s->f32b);
    free(s->rows);
    memset(s, 0, sizeof *s);
}
