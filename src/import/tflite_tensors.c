/* TFLite tensors -> IR tensors: type, shape (NHWC -> NCHW and filter
 * layouts), constant data (transposed to the IR layout, kept in its
 * quantized type) and quantization parameters. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/tflite_internal.h"
#include "flexmac/status.h"

static fm_status map_type(int t, fm_dtype *d)
{
    switch (t) {
    case TFL_FLOAT32: *d = FM_F32; return FM_OK;
    case TFL_INT32: *d = FM_I32; return FM_OK;
    case TFL_UINT8: *d = FM_U8; return FM_OK;
    case TFL_INT8: *d = FM_I8; return FM_OK;
    case TFL_INT16: *d = FM_I16; return FM_OK;
    case TFL_INT64: *d = FM_I64; return FM_OK;
    default: return FM_ERR_UNSUPPORTED;
    }
}

/* Copies a [d0,d1,d2,d3] array into [d0,d3,d1,d2] order: NHWC -> NCHW, and
 * equally OHWI -> OIHW and [1,kh,kw,OC] -> [OC,kh,kw] (same permutation). */
static void permute_0312(const uint8_t *src, uint8_t *dst, const int64_t *d, size_t es)
{
    for (int64_t a = 0; a < d[0]; a++)
        for (int64_t h = 0; h < d[1]; h++)
            for (int64_t w = 0; w < d[2]; w++)
                for (int64_t ch = 0; ch < d[3]; ch++) {
                    size_t s = (size_t)(((a * d[1] + h) * d[2] + w) * d[3] + ch);
                    size_t o = (size_t)(((a * d[3] + ch) * d[1] + h) * d[2] + w);
                    if (es == 1) /* the common case (quantized weights), kept cheap */
                        dst[o] = src[s];
                    else
                        memcpy(dst + o * es, src + s * es, es);
                }
}

static char *tensor_name(const tfl_tensor *t, int32_t idx)
{
    char tmp[32];
    const char *s = t->name;
    size_t n = t->name_len;
    if (!s || n == 0) {
        snprintf(tmp, sizeof tmp, "tensor_%d", (int)idx);
        s = tmp;
        n = strlen(tmp);
    }
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

fm_status tfl_get_tensor(tfl_ctx *c, int32_t idx, tfl_role role, int *ir, fm_error *err)
{
    *ir = -1;
    if (idx < 0 || (uint32_t)idx >= c->n_tensors)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: tensor index %d out of range (%u tensors)",
                            c->path, (int)idx, c->n_tensors);
    tfl_tensor t;
    if (tfl_read_tensor(&c->b, &c->sg, (uint32_t)idx, &t) != 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: tensor %d: corrupt table", c->path, (int)idx);
    int ndim = (int)t.shape.n;
    if (c->ir[idx] >= 0) {
        if (ndim == 4 && c->role[idx] != role)
            return fm_error_set(err, FM_ERR_UNSUPPORTED,
                                "%s: tensor %d: used both as activation and as filter", c->path, (int)idx);
        *ir = c->ir[idx];
        return FM_OK;
    }
    char *name = tensor_name(&t, idx);
    if (!name)
        return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", c->path);
    fm_status st = FM_OK;
    void *data = NULL;
    float *scale = NULL;
    int32_t *zp = NULL;
    fm_dtype dt;
    if (map_type(t.type, &dt) != FM_OK) {
        st = fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: tensor %d '%s': type %s not supported", c->path,
                          (int)idx, name, tfl_type_name(t.type));
        goto done;
    }
    if (ndim > FM_MAX_DIMS) {
        st = fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: tensor %d '%s': rank %d exceeds %d", c->path,
                          (int)idx, name, ndim, FM_MAX_DIMS);
        goto done;
    }
    int64_t src[FM_MAX_DIMS], shp[FM_MAX_DIMS];
    int64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        src[i] = fb_vec_i32(&c->b, &t.shape, (uint32_t)i);
        /* bound every dim and the product so later size arithmetic cannot overflow */
        if (src[i] < 0 || src[i] > (1 << 24) || (numel *= src[i]) > ((int64_t)1 << 32)) {
            st = fm_error_set(err, FM_ERR_FORMAT, "%s: tensor %d '%s': bad dimension %d = %lld",
                              c->path, (int)idx, name, i, (long long)src[i]);
            goto done;
        }
    }
    int permute = ndim == 4;
    if (permute && role == TFL_ROLE_DW_W) {
        shp[0] = src[3]; shp[1] = src[0]; shp[2] = src[1]; shp[3] = src[2];
    } else if (permute) {
        shp[0] = src[0]; shp[1] = src[3]; shp[2] = src[1]; shp[3] = src[2];
    } else {
        memcpy(shp, src, sizeof(int64_t) * (size_t)ndim);
    }

    /* constant data */
    if (t.buffer >= c->m.buffers.n) {
        st = fm_error_set(err, FM_ERR_FORMAT, "%s: tensor %d '%s': buffer %u out of range (%u buffers)",
                          c->path, (int)idx, name, t.buffer, c->m.buffers.n);
        goto done;
    }
    const uint8_t *bytes;
    size_t nbytes;
    if (tfl_read_buffer(&c->b, &c->m, t.buffer, &bytes, &nbytes) != 0) {
        st = fm_error_set(err, FM_ERR_FORMAT, "%s: tensor %d '%s': corrupt buffer %u", c->path,
                          (int)idx, name, t.buffer);
        goto done;
    }
    size_t es = fm_dtype_size(dt);
    if (nbytes > 0) {
        if (nbytes != (size_t)numel * es) {
            st = fm_error_set(err, FM_ERR_FORMAT,
                              "%s: tensor %d '%s': buffer holds %zu bytes, shape needs %zu", c->path,
                              (int)idx, name, nbytes, (size_t)numel * es);
            goto done;
        }
        data = malloc(nbytes);
        if (!data) {
            st = fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", c->path);
            goto done;
        }
        if (permute)
            permute_0312(bytes, data, src, es);
        else
            memcpy(data, bytes, nbytes);
    }

    /* quantization: scales (float) and zero points (int64 in the file) */
    uint32_t nq = t.q.scale.n;
    int qaxis = 0;
    if (nq > 0) {
        if (t.q.zero_point.n != 0 && t.q.zero_point.n != nq) {
            st = fm_error_set(err, FM_ERR_FORMAT, "%s: tensor %d '%s': %u scales but %u zero points",
                              c->path, (int)idx, name, nq, t.q.zero_point.n);
            goto done;
        }
        if (nq > 1) {
            int d = t.q.dim;
            if (d < 0 || d >= ndim || src[d] != (int64_t)nq) {
                st = fm_error_set(err, FM_ERR_FORMAT,
                                  "%s: tensor %d '%s': %u per-channel scales do not match dimension %d",
                                  c->path, (int)idx, name, nq, d);
                goto done;
            }
            static const int dw_map[4] = {1, 2, 3, 0};
            qaxis = !permute ? d : role == TFL_ROLE_DW_W ? dw_map[d] : tfl_nhwc_axis(d);
        }
        scale = malloc(nq * sizeof *scale);
        zp = malloc(nq * sizeof *zp);
        if (!scale || !zp) {
            st = fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", c->path);
            goto done;
        }
        for (uint32_t i = 0; i < nq; i++) {
            scale[i] = fb_vec_f32(&c->b, &t.q.scale, i);
            int64_t z = t.q.zero_point.n ? fb_vec_i64(&c->b, &t.q.zero_point, i) : 0;
            if (!isfinite(scale[i]) || scale[i] < 0.0f || z < INT32_MIN || z > INT32_MAX) {
                st = fm_error_set(err, FM_ERR_FORMAT, "%s: tensor %d '%s': bad scale/zero point #%u",
                                  c->path, (int)idx, name, i);
                goto done;
            }
            zp[i] = (int32_t)z;
        }
    }

    int k = fm_graph_add_tensor(c->g, name, dt, ndim, shp, data);
    data = NULL; /* owned by the graph now, or freed by it on failure */
    if (k < 0) {
        st = fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", c->path);
        goto done;
    }
    if (nq > 0) {
        fm_qparams *q = &c->g->tensors[k].q;
        q->n = (int)nq;
        q->axis = qaxis;
        q->scale = scale;
        q->zero_point = zp;
        scale = NULL;
        zp = NULL;
    }
    c->ir[idx] = k;
    c->role[idx] = role;
    *ir = k;
done:
    free(name);
    free(data);
    free(scale);
    free(zp);
    return st;
}

fm_status tfl_const_ints(tfl_ctx *c, int32_t idx, int64_t *vals, int max, int *n, fm_error *err)
{
    tfl_tensor t;
    const uint8_t *bytes;
    size_t nbytes;
    *n = 0;
    if (idx < 0 || (uint32_t)idx >= c->n_tensors)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: tensor index %d out of range", c->path, (int)idx);
    if (tfl_read_tensor(&c->b, &c->sg, (uint32_t)idx, &t) != 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: tensor %d: corrupt table", c->path, (int)idx);
    if (t.type != TFL_INT32 && t.type != TFL_INT64)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: tensor %d: constant of type %s, want INT32",
                            c->path, (int)idx, tfl_type_name(t.type));
    if (t.buffer >= c->m.buffers.n || tfl_read_buffer(&c->b, &c->m, t.buffer, &bytes, &nbytes) != 0)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: tensor %d: bad buffer %u", c->path, (int)idx,
                            t.buffer);
    if (nbytes == 0)
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: tensor %d: must be a constant", c->path,
                            (int)idx);
    size_t es = t.type == TFL_INT32 ? 4 : 8;
    if (nbytes % es != 0 || nbytes / es > (size_t)max)
        return fm_error_set(err, FM_ERR_FORMAT, "%s: tensor %d: %zu bytes of constant integers",
                            c->path, (int)idx, nbytes);
    for (size_t i = 0; i < nbytes / es; i++) {
        if (es == 4) {
            int32_t v;
            memcpy(&v, bytes + 4 * i, 4);
            vals[i] = v;
        } else {
            memcpy(&vals[i], bytes + 8 * i, 8);
        }
    }
    *n = (int)(nbytes / es);
    return FM_OK;
}
