/* Kernels of the TFLite reference executor. Each follows the TFLite
 * reference kernel named in its comment (tensorflow/lite/kernels/internal/
 * reference/...), over the IR's NCHW layout instead of NHWC: the layout
 * changes only the loop order, never an accumulated value, because every
 * sum here is exact integer arithmetic. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/tflite_ref_internal.h"

#define FAIL(code, ...) fm_error_set(err, (code), __VA_ARGS__)

void tref_dtype_range(fm_dtype d, int32_t *lo, int32_t *hi)
{
    switch (d) {
    case FM_U8: *lo = 0; *hi = 255; break;
    case FM_I8: *lo = -128; *hi = 127; break;
    case FM_I16: *lo = -32768; *hi = 32767; break;
    default: *lo = INT32_MIN; *hi = INT32_MAX; break;
    }
}



fm_status tref_qp(const fm_node *n, const fm_tensor *t, float *s, int32_t *zp, fm_error *err)
{
    *s = 1.0f;
    *zp = 0;
    if (t->q.n != 1 || !(t->q.scale[0] > 0.0f))
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (%s): tensor '%s' needs one positive scale (has %d)",
                    n->name, fm_op_name(n->op), t->name, t->q.n);
    *s = t->q.scale[0];
    *zp = t->q.zero_point[0];
    return FM_OK;
}

/* TFLite CalculateActivationRangeQuantized: the fused activation's bounds
 * quantized with the output's scale (round half away from zero, in float). */
void tref_act_range(const fm_node *n, const fm_tensor *y, float s, int32_t zp, int32_t *lo, int32_t *hi)
{
    tref_dtype_range(y->dtype, lo, hi);
#define QUANT(f) ((int64_t)zp + (int64_t)roundf((f) / s))
    switch (n->act) {
    case FM_ACT_RELU: {
        int64_t q0 = QUANT(0.0f);
        if (q0 > *lo)
            *lo = q0 > *hi ? *hi : (int32_t)q0;
        break;
    }
    case FM_ACT_RELU6:
    case FM_ACT_CLIP: {
        float a = n->act == FM_ACT_RELU6 ? 0.0f : n->act_min;
        float b = n->act == FM_ACT_RELU6 ? 6.0f : n->act_max;
        int64_t qa = QUANT(a), qb = QUANT(b);
        if (qa > *lo)
            *lo = qa > *hi ? *hi : (int32_t)qa;
        if (qb < *hi)
            *hi = qb < *lo ? *lo : (int32_t)qb;
        break;
    }
    default:
        break;
    }
#undef QUANT
}

/* The conv / FC output multiplier: per tensor, GetQuantizedConvolutionMultipler
 * forms s_in * s_w in float; per channel, PopulateConvolutionQuantizationParams
 * works in double. */
double tref_conv_real_multiplier(float sx, float sw, float sy, int per_tensor)
{
    return per_tensor ? (double)(sx * sw) / (double)sy : (double)sx * (double)sw / (double)sy;
}

/* reference/conv.h (uint8), reference/depthwiseconv_uint8.h,
 * reference/integer_ops/conv.h and depthwise_conv.h (int8 per channel):
 * acc = sum (x - x_zp)(w - w_zp) + bias; y = MBQM(acc) + y_zp, clamped. */
static fm_status conv(const tref *r, const fm_node *n, fm_error *err)
{
    const fm_graph *g = r->g;
    const fm_tensor *x = &g->tensors[n->in[0]], *w = &g->tensors[n->in[1]], *y = &g->tensors[n->out[0]];
    const fm_tensor *b = n->n_in > 2 && n->in[2] >= 0 ? &g->tensors[n->in[2]] : NULL;
    const fm_conv_attr *a = &n->a.conv;
    fm_status st;
    float sx, sy;
    int32_t zx, zy;
    if ((st = tref_qp(n, x, &sx, &zx, err)) != FM_OK || (st = tref_qp(n, y, &sy, &zy, err)) != FM_OK)
        return st;
    if (x->ndim != 4 || w->ndim != 4 || y->ndim != 4 || a->group < 1)
        return FAIL(FM_ERR_SHAPE, "node '%s' (Conv): needs 4-D input, filter and output", n->name);
    int64_t C = x->shape[1], H = x->shape[2], W = x->shape[3];
    int64_t O = w->shape[0], I = w->shape[1], KH = w->shape[2], KW = w->shape[3];
    int64_t OH = y->shape[2], OW = y->shape[3];
    if (KH != a->kh || KW != a->kw || I * a->group != C || O % a->group != 0 || y->shape[1] != O ||
        a->sh < 1 || a->sw < 1 || a->dh < 1 || a->dw < 1 ||
        OH != (H + a->pad_t + a->pad_b - ((KH - 1) * a->dh + 1)) / a->sh + 1 ||
        OW != (W + a->pad_l + a->pad_r - ((KW - 1) * a->dw + 1)) / a->sw + 1)
        return FAIL(FM_ERR_SHAPE, "node '%s' (Conv): inconsistent shapes/attributes", n->name);
    if (w->q.n != 1 && w->q.n != O)
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (Conv): filter '%s' has %d scales for %lld channels",
                    n->name, w->name, w->q.n, (long long)O);
    if (b && (b->dtype != FM_I32 || fm_tensor_numel(b) != O))
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (Conv): bias must be %lld int32 values", n->name,
                    (long long)O);
    int32_t lo, hi;
    tref_act_range(n, y, sy, zy, &lo, &hi);
    const int32_t *xv = r->v[n->in[0]].q, *wv = r->v[n->in[1]].q;
    const int32_t *bv = b ? r->v[n->in[2]].q : NULL;
    int32_t *yv = r->v[n->out[0]].q;
    int64_t opg = O / a->group;
    /* One output plane at a time, accumulated tap by tap over whole rows.
     * Accumulation is modulo 2^32 (uint32_t): the same bits as TFLite's
     * int32 accumulator, without signed-overflow UB, and the inner loop is
     * a plain strided multiply-add. */
    uint32_t *acc = malloc(sizeof(uint32_t) * (size_t)(OH * OW > 0 ? OH * OW : 1));
    if (!acc)
        return FAIL(FM_ERR_NOMEM, "node '%s' (Conv): out of memory", n->name);
    for (int64_t oc = 0; oc < O; oc++) {
        int pc = w->q.n == 1 ? 0 : (int)oc;
        double real = tref_conv_real_multiplier(sx, w->q.scale[pc], sy, w->q.n == 1);
        int32_t m;
        int sh;
        fm_tfl_quantize_multiplier(real, &m, &sh);
        int32_t zw = w->q.zero_point[pc];
        int64_t ic0 = (oc / opg) * I;
        memset(acc, 0, sizeof(uint32_t) * (size_t)(OH * OW));
        for (int64_t i = 0; i < I; i++) {
            const int32_t *xc = xv + (ic0 + i) * H * W;
            const int32_t *wc = wv + (oc * I + i) * KH * KW;
            for (int64_t ky = 0; ky < KH; ky++)
                for (int64_t kx = 0; kx < KW; kx++) {
                    uint32_t wq = (uint32_t)wc[ky * KW + kx] - (uint32_t)zw;
                    int64_t xoff = kx * a->dw - a->pad_l;
                    /* output columns whose tap lands inside the image; taps in
                     * the padding contribute nothing (TFLite skips them) */
                    int64_t ox0 = xoff >= 0 ? 0 : (-xoff + a->sw - 1) / a->sw;
                    int64_t ox1 = W - 1 - xoff < 0 ? 0 : (W - 1 - xoff) / a->sw + 1;
                    if (ox1 > OW)
                        ox1 = OW;
                    for (int64_t oy = 0; oy < OH; oy++) {
                        int64_t iy = oy * a->sh - a->pad_t + ky * a->dh;
                        if (iy < 0 || iy >= H)
                            continue;
                        const int64_t row = iy * W + xoff; /* + ox * sw stays inside the row */
                        uint32_t *ar = acc + oy * OW;
                        for (int64_t ox = ox0; ox < ox1; ox++)
                            ar[ox] += ((uint32_t)xc[row + ox * a->sw] - (uint32_t)zx) * wq;
                    }
                }
        }
        uint32_t bias = bv ? (uint32_t)bv[oc] : 0;
        for (int64_t k = 0; k < OH * OW; k++) {
            int32_t acc32 = (int32_t)(acc[k] + bias);
            int64_t out = (int64_t)fm_tfl_mul_by_quantized_multiplier(acc32, m, sh) + zy;
            yv[oc * OH * OW + k] = tref_clamp32(out, lo, hi);
        }
    }
    free(acc);
    return FM_OK;
}

/* reference/fully_connected.h (uint8) and integer_ops/fully_connected.h. */
static fm_status gemm(const tref *r, const fm_node *n, fm_error *err)
{
    const fm_graph *g = r->g;
    const fm_tensor *x = &g->tensors[n->in[0]], *w = &g->tensors[n->in[1]], *y = &g->tensors[n->out[0]];
    const fm_tensor *b = n->n_in > 2 && n->in[2] >= 0 ? &g->tensors[n->in[2]] : NULL;
    fm_status st;
    float sx, sy;
    int32_t zx, zy;
    if ((st = tref_qp(n, x, &sx, &zx, err)) != FM_OK || (st = tref_qp(n, y, &sy, &zy, err)) != FM_OK)
        return st;
    if (x->ndim != 2 || w->ndim != 2 || y->ndim != 2 || !n->a.gemm.trans_b || n->a.gemm.trans_a ||
        x->shape[1] != w->shape[1] || y->shape[0] != x->shape[0] || y->shape[1] != w->shape[0])
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (Gemm): only x (M,K) * W(N,K)^T is supported", n->name);
    int64_t M = x->shape[0], K = x->shape[1], N = w->shape[0];
    if (w->q.n != 1 && w->q.n != N)
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (Gemm): weights have %d scales", n->name, w->q.n);
    if (b && (b->dtype != FM_I32 || fm_tensor_numel(b) != N))
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (Gemm): bias must be %lld int32 values", n->name,
                    (long long)N);
    int32_t lo, hi;
    tref_act_range(n, y, sy, zy, &lo, &hi);
    const int32_t *xv = r->v[n->in[0]].q, *wv = r->v[n->in[1]].q, *bv = b ? r->v[n->in[2]].q : NULL;
    int32_t *yv = r->v[n->out[0]].q;
    for (int64_t j = 0; j < N; j++) {
        int pc = w->q.n == 1 ? 0 : (int)j;
        double real = tref_conv_real_multiplier(sx, w->q.scale[pc], sy, w->q.n == 1);
        int32_t m;
        int sh;
        fm_tfl_quantize_multiplier(real, &m, &sh);
        for (int64_t i = 0; i < M; i++) {
            int64_t acc = 0;
            for (int64_t k = 0; k < K; k++)
                acc += (int64_t)(xv[i * K + k] - zx) * (wv[j * K + k] - w->q.zero_point[pc]);
            int32_t acc32 = tref_wrap32(acc + (bv ? bv[j] : 0));
            yv[i * N + j] = tref_clamp32((int64_t)fm_tfl_mul_by_quantized_multiplier(acc32, m, sh) + zy, lo, hi);
        }
    }
    return FM_OK;
}

/* reference/add.h (uint8) and integer_ops/add.h: both inputs are shifted
 * left by 20 bits, rescaled to twice the larger input scale, summed, and
 * the sum rescaled to the output. */
static fm_status add(const tref *r, const fm_node *n, fm_error *err)
{
    const fm_graph *g = r->g;
    const fm_tensor *a = &g->tensors[n->in[0]], *b = &g->tensors[n->in[1]], *y = &g->tensors[n->out[0]];
    fm_status st;
    float sa, sb, sy;
    int32_t za, zb, zy;
    if ((st = tref_qp(n, a, &sa, &za, err)) != FM_OK || (st = tref_qp(n, b, &sb, &zb, err)) != FM_OK ||
        (st = tref_qp(n, y, &sy, &zy, err)) != FM_OK)
        return st;
    int64_t cnt = fm_tensor_numel(y);
    if (fm_tensor_numel(a) != cnt || fm_tensor_numel(b) != cnt)
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (Add): broadcasting not supported", n->name);
    if (y->dtype != FM_U8 && y->dtype != FM_I8)
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (Add): %s output", n->name, fm_dtype_name(y->dtype));
    int32_t lo, hi;
    tref_act_range(n, y, sy, zy, &lo, &hi);
    tref_add_params p;
    tref_add_prepare(sa, za, sb, zb, sy, zy, lo, hi, &p);
    const int32_t *av = r->v[n->in[0]].q, *bv = r->v[n->in[1]].q;
    int32_t *yv = r->v[n->out[0]].q;
    for (int64_t i = 0; i < cnt; i++)
        yv[i] = tref_add_one(&p, av[i], bv[i]);
    return FM_OK;
}

void tref_add_prepare(float sa, int32_t za, float sb, int32_t zb, float sy, int32_t zy, int32_t lo, int32_t hi,
                      tref_add_params *p)
{
    float smax = sa > sb ? sa : sb;
    double twice_max = (double)(2.0f * smax);
    p->za = za;
    p->zb = zb;
    p->zy = zy;
    p->lo = lo;
    p->hi = hi;
    fm_tfl_quantize_multiplier((double)sa / twice_max, &p->ma, &p->ea);
    fm_tfl_quantize_multiplier((double)sb / twice_max, &p->mb, &p->eb);
    fm_tfl_quantize_multiplier(twice_max / (double)((float)(1 << TREF_ADD_LEFT_SHIFT) * sy), &p->my, &p->ey);
}

/* reference/pooling.h (uint8) and integer_ops/pooling.h: the window is
 * clipped to the image; the average divides by the number of in-image taps
 * with rounding to nearest (halves away from zero); max starts from the
 * dtype's lowest value. Both work in the input's quantized domain. */
static fm_status pool(const tref *r, const fm_node *n, fm_error *err)
{
    const fm_graph *g = r->g;
    const fm_tensor *x = &g->tensors[n->in[0]], *y = &g->tensors[n->out[0]];
    const fm_pool_attr *a = &n->a.pool;
    fm_status st;
    float sx, sy;
    int32_t zx, zy;
    if ((st = tref_qp(n, x, &sx, &zx, err)) != FM_OK || (st = tref_qp(n, y, &sy, &zy, err)) != FM_OK)
        return st;
    if (x->ndim != 4 || y->ndim != 4 || x->shape[1] != y->shape[1] || a->kh < 1 || a->kw < 1 || a->sh < 1 ||
        a->sw < 1)
        return FAIL(FM_ERR_SHAPE, "node '%s' (%s): bad shapes or attributes", n->name, fm_op_name(n->op));
    int64_t C = x->shape[1], H = x->shape[2], W = x->shape[3], OH = y->shape[2], OW = y->shape[3];
    int32_t lo, hi, dlo, dhi;
    tref_act_range(n, y, sy, zy, &lo, &hi);
    tref_dtype_range(x->dtype, &dlo, &dhi);
    const int32_t *xv = r->v[n->in[0]].q;
    int32_t *yv = r->v[n->out[0]].q;
    for (int64_t c = 0; c < C; c++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                int64_t y0 = oy * a->sh - a->pad_t, x0 = ox * a->sw - a->pad_l;
                int64_t fy0 = y0 < 0 ? -y0 : 0, fx0 = x0 < 0 ? -x0 : 0;
                int64_t fy1 = H - y0 < a->kh ? H - y0 : a->kh, fx1 = W - x0 < a->kw ? W - x0 : a->kw;
                int64_t acc = 0, count = 0;
                int32_t mx = dlo;
                for (int64_t fy = fy0; fy < fy1; fy++)
                    for (int64_t fx = fx0; fx < fx1; fx++) {
                        int32_t v = xv[(c * H + y0 + fy) * W + x0 + fx];
                        acc += v;
                        count++;
                        if (v > mx)
                            mx = v;
                    }
                int64_t out;
                if (n->op == FM_OP_MAXPOOL) {
                    out = mx;
                } else {
                    if (count == 0)
                        return FAIL(FM_ERR_SHAPE, "node '%s' (AveragePool): window outside the image", n->name);
                    out = acc >= 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                }
                yv[(c * OH + oy) * OW + ox] = tref_clamp32(out, lo, hi);
            }
    return FM_OK;
}

/* SOFTMAX over the node's axis. For 8-bit tensors with TFLite's output
 * quantization (scale 1/256, zero point at the dtype's minimum) this is
 * TFLite's fixed-point reference kernel (tflite_softmax.c). Otherwise it is
 * computed in double on the dequantized inputs and quantized with the
 * output's scale and zero point (round half away from zero), a documented
 * fallback that TFLite's converter never produces for uint8/int8. */
static fm_status softmax(const tref *r, const fm_node *n, fm_error *err)
{
    const fm_graph *g = r->g;
    const fm_tensor *x = &g->tensors[n->in[0]], *y = &g->tensors[n->out[0]];
    fm_status st;
    float sx, sy;
    int32_t zx, zy;
    if ((st = tref_qp(n, x, &sx, &zx, err)) != FM_OK || (st = tref_qp(n, y, &sy, &zy, err)) != FM_OK)
        return st;
    int axis = n->a.axis.axis;
    if (axis < 0)
        axis += x->ndim;
    if (axis < 0 || axis >= x->ndim || fm_tensor_numel(x) != fm_tensor_numel(y))
        return FAIL(FM_ERR_SHAPE, "node '%s' (Softmax): bad axis %d", n->name, n->a.axis.axis);
    int64_t outer = 1, len = x->shape[axis], inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= x->shape[d];
    for (int d = axis + 1; d < x->ndim; d++)
        inner *= x->shape[d];
    int32_t lo, hi;
    tref_dtype_range(y->dtype, &lo, &hi);
    const int32_t *xv = r->v[n->in[0]].q;
    int32_t *yv = r->v[n->out[0]].q;
    int eight_bit = (x->dtype == FM_U8 || x->dtype == FM_I8) && (y->dtype == FM_U8 || y->dtype == FM_I8);
    if (eight_bit && sy == 1.0f / 256.0f && zy == lo) {
        st = tref_softmax_fixed(xv, yv, outer, len, inner, sx, 1.0f, lo, hi, 8);
        if (st != FM_OK)
            return FAIL(st, "node '%s' (Softmax): input scale %g too small for TFLite's fixed-point kernel",
                        n->name, (double)sx);
        return FM_OK;
    }
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const int32_t *xs = xv + o * len * inner + i;
            int32_t *ys = yv + o * len * inner + i;
            int32_t mx = INT32_MIN;
            for (int64_t k = 0; k < len; k++)
                if (xs[k * inner] > mx)
                    mx = xs[k * inner];
            double sum = 0.0;
            for (int64_t k = 0; k < len; k++)
                sum += exp((double)sx * (double)(xs[k * inner] - mx));
            for (int64_t k = 0; k < len; k++) {
                double p = exp((double)sx * (double)(xs[k * inner] - mx)) / sum;
                ys[k * inner] = tref_clamp32((int64_t)zy + (int64_t)round(p / (double)sy), lo, hi);
            }
        }
    return FM_OK;
}

/* reference/concatenation.h ConcatenationWithScaling: inputs whose
 * quantization equals the output's are copied; others are requantized in
 * float as round(q * s_in/s_out - zp_in * s_in/s_out) + zp_out. */
static fm_status concat(const tref *r, const fm_node *n, fm_error *err)
{
    const fm_graph *g = r->g;
    const fm_tensor *y = &g->tensors[n->out[0]];
    fm_status st;
    float sy;
    int32_t zy;
    if ((st = tref_qp(n, y, &sy, &zy, err)) != FM_OK)
        return st;
    int axis = n->a.axis.axis;
    if (axis < 0 || axis >= y->ndim)
        return FAIL(FM_ERR_SHAPE, "node '%s' (Concat): bad axis %d", n->name, axis);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= y->shape[d];
    for (int d = axis + 1; d < y->ndim; d++)
        inner *= y->shape[d];
    int32_t lo, hi;
    tref_act_range(n, y, sy, zy, &lo, &hi);
    int32_t *yv = r->v[n->out[0]].q;
    int64_t off = 0, ylen = y->shape[axis] * inner;
    const float inv = 1.0f / sy;
    for (int k = 0; k < n->n_in; k++) {
        const fm_tensor *x = &g->tensors[n->in[k]];
        float sx;
        int32_t zx;
        if ((st = tref_qp(n, x, &sx, &zx, err)) != FM_OK)
            return st;
        if (x->ndim != y->ndim || off + x->shape[axis] * inner > ylen ||
            fm_tensor_numel(x) != outer * x->shape[axis] * inner)
            return FAIL(FM_ERR_SHAPE, "node '%s' (Concat): input %d does not fit", n->name, k);
        int64_t xlen = x->shape[axis] * inner;
        int same = sx == sy && zx == zy;
        const float scale = sx * inv, bias = -(float)zx * scale;
        const int32_t *xv = r->v[n->in[k]].q;
        for (int64_t o = 0; o < outer; o++)
            for (int64_t i = 0; i < xlen; i++) {
                int32_t v = xv[o * xlen + i];
                int64_t q = same ? v : (int64_t)roundf((float)v * scale + bias) + zy;
                yv[o * ylen + off + i] = tref_clamp32(q, lo, hi);
            }
        off += xlen;
    }
    if (off != ylen)
        return FAIL(FM_ERR_SHAPE, "node '%s' (Concat): inputs do not fill the output", n->name);
    return FM_OK;
}

/* reference/pad.h: padded positions take the output zero point (real 0). */
static fm_status pad(const tref *r, const fm_node *n, fm_error *err)
{
    const fm_graph *g = r->g;
    const fm_tensor *x = &g->tensors[n->in[0]], *y = &g->tensors[n->out[0]];
    fm_status st;
    float sy;
    int32_t zy;
    if ((st = tref_qp(n, y, &sy, &zy, err)) != FM_OK)
        return st;
    if (x->ndim != y->ndim)
        return FAIL(FM_ERR_SHAPE, "node '%s' (Pad): ranks differ", n->name);
    for (int d = 0; d < x->ndim; d++)
        if (n->a.pad.begin[d] < 0 || n->a.pad.end[d] < 0 ||
            x->shape[d] + n->a.pad.begin[d] + n->a.pad.end[d] != y->shape[d])
            return FAIL(FM_ERR_SHAPE, "node '%s' (Pad): axis %d does not add up", n->name, d);
    const int32_t *xv = r->v[n->in[0]].q;
    int32_t *yv = r->v[n->out[0]].q;
    int64_t cnt = fm_tensor_numel(y);
    for (int64_t i = 0; i < cnt; i++)
        yv[i] = zy;
    int64_t xn = fm_tensor_numel(x);
    for (int64_t i = 0; i < xn; i++) {
        int64_t rem = i, yi = 0, stride = 1;
        for (int d = x->ndim - 1; d >= 0; d--) {
            int64_t c = rem % x->shape[d];
            rem /= x->shape[d];
            yi += (c + n->a.pad.begin[d]) * stride;
            stride *= y->shape[d];
        }
        yv[yi] = xv[i];
    }
    return FM_OK;
}

/* MEAN over H and W of a 4-D tensor follows reference/reduce.h Mean
 * (uint8): sum, rescale by in_scale / (count * out_scale) with MBQM, add
 * out_zp - round(in_zp * in_scale / out_scale). Other axes: mean of the
 * dequantized values requantized with rounding (documented fallback). */
static fm_status mean(const tref *r, const fm_node *n, fm_error *err)
{
    const fm_graph *g = r->g;
    const fm_tensor *x = &g->tensors[n->in[0]], *y = &g->tensors[n->out[0]];
    fm_status st;
    float sx, sy;
    int32_t zx, zy;
    if ((st = tref_qp(n, x, &sx, &zx, err)) != FM_OK || (st = tref_qp(n, y, &sy, &zy, err)) != FM_OK)
        return st;
    int mask = n->a.reduce.axes_mask;
    int64_t kept = 1, red = 1;
    for (int d = 0; d < x->ndim; d++)
        if (mask & (1 << d))
            red *= x->shape[d];
        else
            kept *= x->shape[d];
    if (fm_tensor_numel(y) != kept || red < 1 || (mask >> x->ndim) != 0)
        return FAIL(FM_ERR_SHAPE, "node '%s' (Mean): output size does not match the reduced axes", n->name);
    int32_t lo, hi;
    tref_dtype_range(y->dtype, &lo, &hi);
    const int32_t *xv = r->v[n->in[0]].q;
    int32_t *yv = r->v[n->out[0]].q;
    if (x->ndim == 4 && mask == 0xC) {
        int64_t C = x->shape[0] * x->shape[1], HW = x->shape[2] * x->shape[3];
        float temp = (float)zx * sx / sy;
        temp = temp > 0 ? temp + 0.5f : temp - 0.5f;
        int32_t bias = zy - (int32_t)temp;
        double real = (double)(sx / ((float)HW * sy));
        int32_t m;
        int sh;
        fm_tfl_quantize_multiplier(real, &m, &sh);
        for (int64_t c = 0; c < C; c++) {
            int64_t acc = 0;
            for (int64_t i = 0; i < HW; i++)
                acc += xv[c * HW + i];
            int64_t out = (int64_t)fm_tfl_mul_by_quantized_multiplier(tref_wrap32(acc), m, sh) + bias;
            yv[c] = tref_clamp32(out, lo, hi);
        }
        return FM_OK;
    }
    /* general axes: walk every input element, add into its output slot */
    double *acc = calloc((size_t)kept, sizeof *acc);
    if (!acc)
        return FAIL(FM_ERR_NOMEM, "node '%s' (Mean): out of memory", n->name);
    int64_t xn = fm_tensor_numel(x);
    for (int64_t i = 0; i < xn; i++) {
        int64_t rem = i, oi = 0, stride = 1;
        for (int d = x->ndim - 1; d >= 0; d--) {
            int64_t c = rem % x->shape[d];
            rem /= x->shape[d];
            if (!(mask & (1 << d))) {
                oi += c * stride;
                stride *= x->shape[d];
            }
        }
        acc[oi] += (double)sx * (double)(xv[i] - zx);
    }
    for (int64_t k = 0; k < kept; k++)
        yv[k] = tref_clamp32((int64_t)zy + (int64_t)round(acc[k] / (double)red / (double)sy), lo, hi);
    free(acc);
    return FM_OK;
}

/* reference/quantize.h (AffineQuantize, float -> int) and Requantize
 * (int -> int with MBQM of s_in/s_out); reference/dequantize.h. */
static fm_status quantize(const tref *r, const fm_node *n, fm_error *err)
{
    const fm_graph *g = r->g;
    const fm_tensor *x = &g->tensors[n->in[0]], *y = &g->tensors[n->out[0]];
    fm_status st;
    float sy, sx;
    int32_t zy, zx;
    int64_t cnt = fm_tensor_numel(y);
    if (fm_tensor_numel(x) != cnt)
        return FAIL(FM_ERR_SHAPE, "node '%s' (%s): sizes differ", n->name, fm_op_name(n->op));
    if (n->op == FM_OP_DEQUANTIZE) {
        if ((st = tref_qp(n, x, &sx, &zx, err)) != FM_OK)
            return st;
        if (y->dtype != FM_F32)
            return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (Dequantize): output must be float", n->name);
        for (int64_t i = 0; i < cnt; i++)
            r->v[n->out[0]].f[i] = (float)((double)sx * (double)(r->v[n->in[0]].q[i] - zx));
        return FM_OK;
    }
    if ((st = tref_qp(n, y, &sy, &zy, err)) != FM_OK)
        return st;
    int32_t lo, hi;
    tref_dtype_range(y->dtype, &lo, &hi);
    if (x->dtype == FM_F32) {
        for (int64_t i = 0; i < cnt; i++) {
            float q = roundf(r->v[n->in[0]].f[i] / sy);
            int64_t qi = isfinite(q) ? (q > 4e9f ? (int64_t)4e9 : q < -4e9f ? (int64_t)-4e9 : (int64_t)q) : 0;
            r->v[n->out[0]].q[i] = tref_clamp32(qi + zy, lo, hi);
        }
        return FM_OK;
    }
    if ((st = tref_qp(n, x, &sx, &zx, err)) != FM_OK)
        return st;
    int32_t m;
    int sh;
    fm_tfl_quantize_multiplier((double)sx / (double)sy, &m, &sh);
    for (int64_t i = 0; i < cnt; i++) {
        int32_t v = fm_tfl_mul_by_quantized_multiplier(tref_wrap32((int64_t)r->v[n->in[0]].q[i] - zx), m, sh);
        r->v[n->out[0]].q[i] = tref_clamp32((int64_t)v + zy, lo, hi);
    }
    return FM_OK;
}

/* Reshape copies; Transpose permutes (perm[i] = input axis of output axis i). */
static fm_status move(const tref *r, const fm_node *n, fm_error *err)
{
    const fm_graph *g = r->g;
    const fm_tensor *x = &g->tensors[n->in[0]], *y = &g->tensors[n->out[0]];
    int64_t cnt = fm_tensor_numel(y);
    if (fm_tensor_numel(x) != cnt || (x->dtype == FM_F32) != (y->dtype == FM_F32))
        return FAIL(FM_ERR_SHAPE, "node '%s' (%s): sizes or types differ", n->name, fm_op_name(n->op));
    size_t es = x->dtype == FM_F32 ? sizeof(float) : sizeof(int32_t);
    const uint8_t *src = x->dtype == FM_F32 ? (const uint8_t *)r->v[n->in[0]].f : (const uint8_t *)r->v[n->in[0]].q;
    uint8_t *dst = y->dtype == FM_F32 ? (uint8_t *)r->v[n->out[0]].f : (uint8_t *)r->v[n->out[0]].q;
    if (n->op != FM_OP_TRANSPOSE) {
        memcpy(dst, src, (size_t)cnt * es);
        return FM_OK;
    }
    const int *perm = n->a.transpose.perm;
    int nd = x->ndim;
    int64_t xstride[FM_MAX_DIMS];
    int seen = 0;
    if (y->ndim != nd)
        return FAIL(FM_ERR_SHAPE, "node '%s' (Transpose): ranks differ", n->name);
    for (int d = nd - 1, s = 1; d >= 0; d--) {
        xstride[d] = s;
        s *= (int)x->shape[d];
    }
    for (int d = 0; d < nd; d++) {
        if (perm[d] < 0 || perm[d] >= nd || (seen & (1 << perm[d])) || y->shape[d] != x->shape[perm[d]])
            return FAIL(FM_ERR_SHAPE, "node '%s' (Transpose): bad permutation", n->name);
        seen |= 1 << perm[d];
    }
    for (int64_t i = 0; i < cnt; i++) {
        int64_t rem = i, xi = 0;
        for (int d = nd - 1; d >= 0; d--) {
            xi += (rem % y->shape[d]) * xstride[perm[d]];
            rem /= y->shape[d];
        }
        memcpy(dst + (size_t)i * es, src + (size_t)xi * es, es);
    }
    return FM_OK;
}

fm_status tref_node(const tref *r, const fm_node *n, fm_error *err)
{
    int is_float = 0;
    for (int k = 0; k < n->n_in; k++)
        if (n->in[k] >= 0 && r->g->tensors[n->in[k]].dtype == FM_F32)
            is_float = 1;
    if (r->g->tensors[n->out[0]].dtype == FM_F32)
        is_float = 1;
    if (is_float && n->op != FM_OP_QUANTIZE && n->op != FM_OP_DEQUANTIZE && n->op != FM_OP_RESHAPE &&
        n->op != FM_OP_TRANSPOSE && n->op != FM_OP_IDENTITY)
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (%s): float tensors (the reference executor is integer-only)",
                    n->name, fm_op_name(n->op));
    switch (n->op) {
    case FM_OP_CONV: return conv(r, n, err);
    case FM_OP_GEMM: return gemm(r, n, err);
    case FM_OP_ADD: return add(r, n, err);
    case FM_OP_AVGPOOL:
    case FM_OP_MAXPOOL: return pool(r, n, err);
    case FM_OP_SOFTMAX: return softmax(r, n, err);
    case FM_OP_CONCAT: return concat(r, n, err);
    case FM_OP_PAD: return pad(r, n, err);
    case FM_OP_MEAN: return mean(r, n, err);
    case FM_OP_QUANTIZE:
    case FM_OP_DEQUANTIZE: return quantize(r, n, err);
    case FM_OP_RESHAPE:
    case FM_OP_FLATTEN:
    case FM_OP_IDENTITY:
    case FM_OP_TRANSPOSE: return move(r, n, err);
    default:
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (%s): not a TFLite integer operator", n->name,
                    fm_op_name(n->op));
    }
}
