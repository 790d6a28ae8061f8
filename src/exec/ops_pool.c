/* Pooling and reductions over channels-last tensors: MaxPool, AveragePool,
 * GlobalAveragePool, Mean, plus Softmax and LRN. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec_internal.h"

static void pool2d(const fm_node *nd, const float *x, float *y, int n, int C, int H, int W, int OH,
                   int OW)
{
    const fm_pool_attr *p = &nd->a.pool;
    int is_max = nd->op == FM_OP_MAXPOOL;
    for (int b = 0; b < n; b++) {
        const float *xb = x + (size_t)b * H * W * C;
        for (int oh = 0; oh < OH; oh++)
            for (int ow = 0; ow < OW; ow++) {
                float *yo = y + (((size_t)b * OH + oh) * OW + ow) * C;
                int h0 = oh * p->sh - p->pad_t, w0 = ow * p->sw - p->pad_l;
                int cnt = 0;
                for (int c = 0; c < C; c++)
                    yo[c] = is_max ? -FLT_MAX : 0.0f;
                for (int ky = 0; ky < p->kh; ky++)
                    for (int kx = 0; kx < p->kw; kx++) {
                        int ih = h0 + ky, iw = w0 + kx;
                        if (ih < 0 || iw < 0 || ih >= H || iw >= W)
                            continue;
                        const float *xi = xb + ((size_t)ih * W + iw) * C;
                        cnt++;
                        if (is_max)
                            for (int c = 0; c < C; c++)
                                yo[c] = xi[c] > yo[c] ? xi[c] : yo[c];
                        else
                            for (int c = 0; c < C; c++)
                                yo[c] += xi[c];
                    }
                if (!is_max) {
                    /* window clipped to the padded input when counting pads */
                    int den = cnt;
                    if (p->count_include_pad) {
                        int he = h0 + p->kh, we = w0 + p->kw;
                        int hmax = H + p->pad_b, wmax = W + p->pad_r;
                        den = ((he < hmax ? he : hmax) - h0) * ((we < wmax ? we : wmax) - w0);
                    }
                    float inv = den > 0 ? 1.0f / (float)den : 0.0f;
                    for (int c = 0; c < C; c++)
                        yo[c] *= inv;
                }
            }
    }
}

static void softmax_rows(float *y, const float *x, int64_t outer, int64_t len, int64_t inner)
{
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const float *xs = x + o * len * inner + i;
            float *ys = y + o * len * inner + i;
            float mx = -FLT_MAX;
            for (int64_t k = 0; k < len; k++)
                mx = xs[k * inner] > mx ? xs[k * inner] : mx;
            double sum = 0;
            for (int64_t k = 0; k < len; k++) {
                float v = expf(xs[k * inner] - mx);
                ys[k * inner] = v;
                sum += v;
            }
            for (int64_t k = 0; k < len; k++)
                ys[k * inner] = (float)(ys[k * inner] / sum);
        }
}

fm_status fm_op_pool(fm_exec *e, fm_worker *w, const fm_node *nd, int n, fm_error *err)
{
    const fm_tensor *ti = &e->g->tensors[nd->in[0]], *to = &e->g->tensors[nd->out[0]];
    const float *x = fm_exec_cbuf(e, w, nd->in[0]);
    float *y = fm_exec_buf(e, w, nd->out[0]);
    switch (nd->op) {
    case FM_OP_MAXPOOL:
    case FM_OP_AVGPOOL:
        if (ti->ndim != 4)
            return fm_error_set(err, FM_ERR_UNSUPPORTED, "node '%s' (%s): only 2-D pooling", nd->name,
                                fm_op_name(nd->op));
        pool2d(nd, x, y, n, (int)ti->shape[1], (int)ti->shape[2], (int)ti->shape[3],
               (int)to->shape[2], (int)to->shape[3]);
        return FM_OK;
    case FM_OP_GLOBALAVGPOOL:
    case FM_OP_MEAN: {
        if (ti->ndim != 4 || (nd->op == FM_OP_MEAN && (nd->a.reduce.axes_mask & 0xF) != 0xC))
            return fm_error_set(err, FM_ERR_UNSUPPORTED, "node '%s' (%s): only spatial means of 4-D tensors",
                                nd->name, fm_op_name(nd->op));
        int C = (int)ti->shape[1], HW = (int)(ti->shape[2] * ti->shape[3]);
        for (int b = 0; b < n; b++) {
            float *yb = y + (size_t)b * C;
            const float *xb = x + (size_t)b * HW * C;
            for (int c = 0; c < C; c++)
                yb[c] = 0;
            for (int p = 0; p < HW; p++)
                for (int c = 0; c < C; c++)
                    yb[c] += xb[(size_t)p * C + c];
            for (int c = 0; c < C; c++)
                yb[c] /= (float)HW;
        }
        return FM_OK;
    }
    case FM_OP_SOFTMAX: {
        int r = ti->ndim;
        int ax = nd->a.axis.axis < 0 ? nd->a.axis.axis + r : nd->a.axis.axis;
        int p = e->xt[nd->in[0]].nhwc ? fm_phys_axis(ax) : ax;
        int64_t d[FM_MAX_DIMS], outer = 1, inner = 1;
        d[0] = n;
        for (int i = 0; i < e->xt[nd->in[0]].phys_ndim; i++)
            d[i + 1] = e->xt[nd->in[0]].phys[i];
        for (int i = 0; i < p; i++)
            outer *= d[i];
        for (int i = p + 1; i < r; i++)
            inner *= d[i];
        softmax_rows(y, x, outer, d[p], inner);
        return FM_OK;
    }
    case FM_OP_LRN: {
        if (ti->ndim != 4)
            return fm_error_set(err, FM_ERR_UNSUPPORTED, "node '%s' (LRN): only 4-D input", nd->name);
        int C = (int)ti->shape[1];
        int64_t pix = (int64_t)n * ti->shape[2] * ti->shape[3];
        int size = nd->a.lrn.size, lo = (size - 1) / 2, hi = size - 1 - lo;
        for (int64_t q = 0; q < pix; q++) {
            const float *xp = x + q * C;
            float *yp = y + q * C;
            for (int c = 0; c < C; c++) {
                float ss = 0;
                for (int k = c - lo; k <= c + hi; k++)
                    if (k >= 0 && k < C)
                        ss += xp[k] * xp[k];
                yp[c] = xp[c] / powf(nd->a.lrn.bias + nd->a.lrn.alpha / (float)size * ss, nd->a.lrn.beta);
            }
        }
        return FM_OK;
    }
    default:
        return fm_error_set(err, FM_ERR_INTERNAL, "node '%s': not a pooling op", nd->name);
    }
}
