/* Conv, depthwise conv and fully connected layers of the fast TFLite path.
 *
 * TFLite accumulates acc = bias + sum over in-image taps of (x - zx)(w - zw).
 * Padding taps hold x = zx here, so they add zero and every window has all
 * K taps. The kernels multiply u8 activations by s8 weights, so each
 * channel's weight differences v = w - zw (which span at most 255 values)
 * are fed as wp = v - d with one offset d per channel: d = 0 when v fits
 * int8, else d = min(v) + 128. Then
 *   acc = sum x*wp + d * sum x - zx * sum wp - K * zx * d + bias
 *       = G + d * R + corr,
 * G the kernel's product, R the window's sum of x (a GEMM row of ones, or a
 * depthwise pass with unit weights; needed only when some d != 0) and corr
 * a per-channel constant. Every term is exact modulo 2^32, which is the
 * int32 arithmetic TFLite's accumulator does. */
#include <stdlib.h>
#include <string.h>

#include "exec/tflite_fast_internal.h"

#define FAIL(code, ...) fm_error_set(err, (code), __VA_ARGS__)

static int32_t weight_int(const fm_tensor *w, int64_t i)
{
    return w->dtype == FM_U8 ? ((const uint8_t *)w->data)[i] : ((const int8_t *)w->data)[i];
}

/* Shape checks of the reference (tflite_ref_ops.c conv/gemm), so that the
 * fast path refuses exactly what the reference refuses. */
static fm_status describe(const fm_graph *g, const fm_node *n, tfast_mac *m, fm_error *err)
{
    const fm_tensor *x = &g->tensors[n->in[0]], *w = &g->tensors[n->in[1]], *y = &g->tensors[n->out[0]];
    if (n->op == FM_OP_GEMM) {
        if (x->ndim != 2 || w->ndim != 2 || y->ndim != 2 || !n->a.gemm.trans_b || n->a.gemm.trans_a ||
            x->shape[1] != w->shape[1] || y->shape[0] != x->shape[0] || y->shape[1] != w->shape[0] ||
            x->shape[0] != 1)
            return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (Gemm): only x (1,K) * W(N,K)^T is supported", n->name);
        m->C = (int)x->shape[1];
        m->H = m->W = m->OH = m->OW = 1;
        m->OC = (int)w->shape[0];
        m->kh = m->kw = m->sh = m->sw = m->dh = m->dw = 1;
        m->group = 1;
    } else {
        const fm_conv_attr *a = &n->a.conv;
        if (x->ndim != 4 || w->ndim != 4 || y->ndim != 4 || a->group < 1 || x->shape[0] != 1)
            return FAIL(FM_ERR_SHAPE, "node '%s' (Conv): needs 4-D input, filter and output", n->name);
        int64_t C = x->shape[1], H = x->shape[2], W = x->shape[3];
        int64_t O = w->shape[0], I = w->shape[1], KH = w->shape[2], KW = w->shape[3];
        int64_t OH = y->shape[2], OW = y->shape[3];
        if (KH != a->kh || KW != a->kw || I * a->group != C || O % a->group != 0 || y->shape[1] != O ||
            a->sh < 1 || a->sw < 1 || a->dh < 1 || a->dw < 1 || a->pad_t < 0 || a->pad_l < 0 ||
            OH != (H + a->pad_t + a->pad_b - ((KH - 1) * a->dh + 1)) / a->sh + 1 ||
            OW != (W + a->pad_l + a->pad_r - ((KW - 1) * a->dw + 1)) / a->sw + 1 || OH < 1 || OW < 1)
            return FAIL(FM_ERR_SHAPE, "node '%s' (Conv): inconsistent shapes/attributes", n->name);
        m->C = (int)C; m->H = (int)H; m->W = (int)W;
        m->OC = (int)O; m->OH = (int)OH; m->OW = (int)OW;
        m->kh = a->kh; m->kw = a->kw; m->sh = a->sh; m->sw = a->sw;
        m->dh = a->dh; m->dw = a->dw; m->pad_t = a->pad_t; m->pad_l = a->pad_l;
        m->group = a->group;
    }
    m->cg = m->C / m->group;
    m->ocg = m->OC / m->group;
    m->K = m->kh * m->kw * m->cg;
    m->pointwise = m->kh == 1 && m->kw == 1 && m->sh == 1 && m->sw == 1 && m->pad_t == 0 && m->pad_l == 0 &&
                   m->group == 1;
    if (fm_tensor_numel(w) != (int64_t)m->OC * m->K)
        return FAIL(FM_ERR_SHAPE, "node '%s' (%s): weight shape does not match", n->name, fm_op_name(n->op));
    if (w->q.n != 1 && w->q.n != m->OC)
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (%s): filter '%s' has %d scales for %d channels", n->name,
                    fm_op_name(n->op), w->name, w->q.n, m->OC);
    if ((w->dtype != FM_U8 && w->dtype != FM_I8) || !w->data)
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (%s): filter '%s' must be constant uint8/int8 (is %s)",
                    n->name, fm_op_name(n->op), w->name, fm_dtype_name(w->dtype));
    return FM_OK;
}

fm_status tfast_mac_prepare(fm_tflite_fast *f, int node, tfast_mac *m, fm_error *err)
{
    const fm_graph *g = f->g;
    const fm_node *n = &g->nodes[node];
    const fm_tensor *x = &g->tensors[n->in[0]], *w = &g->tensors[n->in[1]], *y = &g->tensors[n->out[0]];
    const fm_tensor *b = n->n_in > 2 && n->in[2] >= 0 ? &g->tensors[n->in[2]] : NULL;
    fm_status st;
    float sx, sy;
    int32_t zx, zy;
    if ((st = tref_qp(n, x, &sx, &zx, err)) != FM_OK || (st = tref_qp(n, y, &sy, &zy, err)) != FM_OK)
        return st;
    if ((st = describe(g, n, m, err)) != FM_OK)
        return st;
    if (b && (b->dtype != FM_I32 || fm_tensor_numel(b) != m->OC || !b->data))
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (%s): bias must be %d constant int32 values", n->name,
                    fm_op_name(n->op), m->OC);
    int32_t lo, hi;
    tref_act_range(n, y, sy, zy, &lo, &hi);
    int32_t offx = f->t[n->in[0]].off, offy = f->t[n->out[0]].off;
    m->zx = (uint8_t)(zx + offx);
    tfast_requant *q = &m->rq;
    q->zy = zy + offy;
    q->lo = lo + offy;
    q->hi = hi + offy;
    int OC = m->OC, K = m->K;
    q->d = calloc((size_t)OC, sizeof *q->d);
    q->corr = calloc((size_t)OC, sizeof *q->corr);
    q->mult = calloc((size_t)OC, sizeof *q->mult);
    q->shift = calloc((size_t)OC, sizeof *q->shift);
    int8_t *wp = malloc((size_t)OC * K);
    if (!q->d || !q->corr || !q->mult || !q->shift || !wp) {
        free(wp);
        return FAIL(FM_ERR_NOMEM, "node '%s': out of memory", n->name);
    }
    /* wp in [OC][K] with K in (ky, kx, c) order, from the IR's OIHW */
    for (int o = 0; o < OC; o++) {
        int pc = w->q.n == 1 ? 0 : o;
        int32_t zw = w->q.zero_point[pc], vmin = INT32_MAX, vmax = INT32_MIN;
        for (int64_t i = (int64_t)o * K; i < (int64_t)(o + 1) * K; i++) {
            int32_t v = weight_int(w, i) - zw;
            vmin = v < vmin ? v : vmin;
            vmax = v > vmax ? v : vmax;
        }
        int32_t d = vmin >= -128 && vmax <= 127 ? 0 : vmin + 128;
        uint32_t sum = 0;
        for (int c = 0; c < m->cg; c++)
            for (int ky = 0; ky < m->kh; ky++)
                for (int kx = 0; kx < m->kw; kx++) {
                    int32_t v = weight_int(w, (((int64_t)o * m->cg + c) * m->kh + ky) * m->kw + kx) - zw - d;
                    wp[(size_t)o * K + (ky * m->kw + kx) * m->cg + c] = (int8_t)v;
                    sum += (uint32_t)v;
                }
        int32_t bias = b ? ((const int32_t *)b->data)[o] : 0;
        q->d[o] = d;
        q->corr[o] = (int32_t)((uint32_t)bias - (uint32_t)m->zx * sum - (uint32_t)K * m->zx * (uint32_t)d);
        if (d)
            m->need_r = 1;
        double real = tref_conv_real_multiplier(sx, w->q.scale[pc], sy, w->q.n == 1);
        int sh;
        fm_tfl_quantize_multiplier(real, &q->mult[o], &sh);
        q->shift[o] = sh;
    }
    int depthwise = n->op == FM_OP_CONV && m->group == m->C && m->ocg == 1 && m->cg == 1 && m->dh == 1 &&
                    m->dw == 1 && m->group > 1;
    if (depthwise) {
        int T = m->kh * m->kw;
        m->dw_w = malloc((size_t)T * m->C);
        m->dw_ones = malloc((size_t)T * m->C);
        if (!m->dw_w || !m->dw_ones) {
            free(wp);
            return FAIL(FM_ERR_NOMEM, "node '%s': out of memory", n->name);
        }
        for (int c = 0; c < m->C; c++)
            for (int k = 0; k < T; k++)
                m->dw_w[(size_t)k * m->C + c] = wp[(size_t)c * T + k];
        memset(m->dw_ones, 1, (size_t)T * m->C);
        if (T <= 32) {
            /* the one-pass 16-bit kernel (tflite_fast_dw_avx2.c): v = wp + d,
             * taps paired, an odd last tap paired with zero; its accumulator
             * needs only the bias */
            int np = (T + 1) / 2;
            m->dw_pairs = calloc((size_t)np * m->C * 2, sizeof *m->dw_pairs);
            tfast_requant *qd = &m->rq_direct;
            qd->corr = malloc(sizeof *qd->corr * (size_t)OC);
            if (!m->dw_pairs || !qd->corr) {
                free(wp);
                return FAIL(FM_ERR_NOMEM, "node '%s': out of memory", n->name);
            }
            for (int c = 0; c < m->C; c++)
                for (int k = 0; k < T; k++)
                    m->dw_pairs[((size_t)(k / 2) * m->C + c) * 2 + k % 2] =
                        (int16_t)(wp[(size_t)c * T + k] + q->d[c]);
            for (int c = 0; c < OC; c++)
                qd->corr[c] = b ? ((const int32_t *)b->data)[c] : 0;
            qd->d = q->d; /* not read: no window sums */
            qd->mult = q->mult;
            qd->shift = q->shift;
            qd->zy = q->zy;
            qd->lo = q->lo;
            qd->hi = q->hi;
        }
        free(wp);
        return FM_OK;
    }
    /* per group: ocg weight rows, plus a row of ones whose "output" is the
     * im2col row's sum R */
    int rows = m->ocg + (m->need_r ? 1 : 0);
    int8_t *gb = malloc((size_t)rows * K);
    m->packed = calloc((size_t)m->group, sizeof *m->packed);
    if (!gb || !m->packed) {
        free(gb);
        free(wp);
        return FAIL(FM_ERR_NOMEM, "node '%s': out of memory", n->name);
    }
    memset(gb, 1, (size_t)rows * K);
    for (int gi = 0; gi < m->group; gi++) {
        memcpy(gb, wp + (size_t)gi * m->ocg * K, (size_t)m->ocg * K);
        if (!(m->packed[gi] = fm_pack_s8(f->isa, rows, K, gb, K))) {
            free(gb);
            free(wp);
            return FAIL(FM_ERR_NOMEM, "node '%s': out of memory packing weights", n->name);
        }
    }
    free(gb);
    free(wp);
    return FM_OK;
}

void tfast_mac_free(tfast_mac *m)
{
    if (!m)
        return;
    if (m->packed)
        for (int gi = 0; gi < m->group; gi++)
            fm_packed_s8_free(m->packed[gi]);
    free(m->packed);
    free(m->dw_w);
    free(m->dw_ones);
    free(m->dw_pairs);
    free(m->rq_direct.corr);
    free(m->rq.d);
    free(m->rq.corr);
    free(m->rq.mult);
    free(m->rq.shift);
}

static void run_depthwise(const fm_tflite_fast *f, tfast_worker *w, const tfast_mac *m, const uint8_t *x,
                          uint8_t *y)
{
    if (f->isa >= FM_ISA_AVX2 && m->dw_pairs) {
        if (f->isa >= FM_ISA_AVX512VNNI)
            tfast_dw_avx512(x, m->H, m->W, m->C, m->dw_pairs, m->kh, m->kw, m->sh, m->sw, m->pad_t, m->pad_l, m->OH,
                            m->OW, m->zx, w->acc);
        else
            tfast_dw_avx2(x, m->H, m->W, m->C, m->dw_pairs, m->kh, m->kw, m->sh, m->sw, m->pad_t, m->pad_l, m->OH,
                          m->OW, m->zx, w->acc);
        tfast_requant_rows(f->isa, w->acc, m->C, m->OH * m->OW, m->C, NULL, 0, 0, &m->rq_direct, 0, y, m->C);
        return;
    }
    fm_dwconv_nhwc_u8s8s32(f->isa, x, m->H, m->W, m->C, m->dw_w, m->kh, m->kw, m->sh, m->sw, m->pad_t, m->pad_l,
                           m->OH, m->OW, m->zx, w->acc);
    if (m->need_r)
        fm_dwconv_nhwc_u8s8s32(f->isa, x, m->H, m->W, m->C, m->dw_ones, m->kh, m->kw, m->sh, m->sw, m->pad_t,
                               m->pad_l, m->OH, m->OW, m->zx, w->accr);
    tfast_requant_rows(f->isa, w->acc, m->C, m->OH * m->OW, m->C, m->need_r ? w->accr : NULL, m->C, 1, &m->rq, 0,
                       y, m->C);
}

void tfast_mac_run(const fm_tflite_fast *f, tfast_worker *w, const tfast_mac *m, const uint8_t *x, uint8_t *y)
{
    if (m->dw_w) {
        run_depthwise(f, w, m, x, y);
        return;
    }
    int rows = m->OH * m->OW, ldc = m->ocg + (m->need_r ? 1 : 0);
    for (int gi = 0; gi < m->group; gi++) {
        const uint8_t *xg = x;
        if (m->group > 1) {
            for (int p = 0; p < m->H * m->W; p++)
                memcpy(w->grp + (size_t)p * m->cg, x + (size_t)p * m->C + (size_t)gi * m->cg, (size_t)m->cg);
            xg = w->grp;
        }
        for (int r0 = 0; r0 < rows; r0 += TFAST_ROW_TILE) {
            int nr = rows - r0 < TFAST_ROW_TILE ? rows - r0 : TFAST_ROW_TILE;
            const uint8_t *a;
            if (m->pointwise) {
                a = xg + (size_t)r0 * m->C;
            } else {
                fm_im2col_nhwc_u8(xg, m->H, m->W, m->cg, m->kh, m->kw, m->sh, m->sw, m->dh, m->dw, m->pad_t,
                                  m->pad_l, m->OH, m->OW, r0, nr, m->zx, w->col, m->K);
                a = w->col;
            }
            fm_gemm_u8s8s32(m->packed[gi], nr, a, m->K, w->acc, ldc);
            tfast_requant_rows(f->isa, w->acc, ldc, nr, m->ocg, m->need_r ? w->acc + m->ocg : NULL, ldc, 0, &m->rq,
                               gi * m->ocg, y + (size_t)r0 * m->OC + (size_t)gi * m->ocg, m->OC);
        }
    }
}
