/* Integer Conv/Gemm (FxP-N, ARITHMETIC.md section 1).
 *
 * Activations: per-tensor symmetric scale from calibration; unsigned codes
 * 0..2^B-1 when the calibrated range is non-negative (post-ReLU), else
 * sign-magnitude codes in +-(2^(B-1)-1). Weights: per output channel
 * symmetric codes in +-(2^(B-1)-1). Both <= 8 bits: the packed u8 x s8 GEMM
 * (signed activations enter as code + 128, corrected by 128 * column sum).
 * Wider operands: the plain scalar loop with int64 sums. The scheme
 * (Ax-BxP, ASM) arrives as plane pairs built by mac_scheme.c; a user
 * multiplier (LUT) runs the plain table loop, the slow baseline that the
 * decomposed paths are measured against. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec_internal.h"

fm_status fm_mac_int_prepare(fm_exec *e, fm_mac *m, fm_error *err)
{
    const fm_node *nd = &e->g->nodes[m->node];
    const fm_layer_arith *a = m->arith;
    fm_status st;
    float lo, hi;
    if (a->w.bits < 2 || a->w.bits > 16 || a->x.bits < 2 || a->x.bits > 16)
        return fm_error_set(err, FM_ERR_INVALID, "node '%s': bit widths must be 2..16 (w=%d, x=%d)",
                            nd->name, a->w.bits, a->x.bits);
    if (!e->opts.calib)
        return fm_error_set(err, FM_ERR_INVALID, "node '%s': integer arithmetic needs a calibration",
                            nd->name);
    if ((st = fm_calib_range(e->opts.calib, nd->in[0], &lo, &hi, err)) != FM_OK)
        return st;
    m->quant = 1;
    m->xbits = a->x.bits;
    m->wbits = a->w.bits;
    m->x_signed = lo < 0.0f;
    m->xmax = m->x_signed ? (1 << (m->xbits - 1)) - 1 : (1 << m->xbits) - 1;
    /* a signed 8x8 table multiplies -128..127: non-negative activations then
     * get 7-bit magnitudes too, rather than saturating in the table */
    if (a->lut && fm_lut_is_signed(a->lut) && !m->x_signed)
        m->xmax = (1 << (m->xbits - 1)) - 1;
    float range = m->x_signed ? fmaxf(-lo, hi) : hi;
    m->sx = range > 0.0f ? range / (float)m->xmax : 1.0f;

    int32_t wmax = (1 << (m->wbits - 1)) - 1;
    size_t nw = (size_t)m->OC * m->K;
    int32_t *wq = malloc(nw * sizeof *wq);
    m->wscale = malloc((size_t)m->OC * sizeof *m->wscale);
    m->oscale = malloc((size_t)m->OC * sizeof *m->oscale);
    if (!m->wscale || !m->oscale || !wq) {
        free(wq);
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    }
    for (int o = 0; o < m->OC; o++) {
        const float *wr = m->wf + (size_t)o * m->K;
        float mx = 0.0f;
        for (int k = 0; k < m->K; k++)
            mx = fmaxf(mx, fabsf(wr[k]));
        m->wscale[o] = mx > 0.0f ? mx / (float)wmax : 1.0f;
        float inv = 1.0f / m->wscale[o];
        for (int k = 0; k < m->K; k++)
            wq[(size_t)o * m->K + k] = fm_quantize_code(wr[k], inv, -wmax, wmax);
        m->oscale[o] = m->sx * m->wscale[o];
    }
    st = fm_mac_scheme_prepare(e, m, wq, err);
    free(wq);
    return st;
}

void fm_mac_int_free(fm_mac *m)
{
    fm_mac_scheme_free(m);
    free(m->wscale);
    free(m->oscale);
}

/* u8 view of the codes: offset by 128 when signed (see file comment). */
static void quantize_input_u8(const fm_exec *e, const fm_mac *m, const float *x, int64_t count,
                              uint8_t *q)
{
    int32_t lo = m->x_signed ? -m->xmax : 0, off = m->x_signed ? 128 : 0;
    fm_quantize_u8(e->isa, x, count, 1.0f / m->sx, lo, m->xmax, off, q);
}

/* im2col rows [r0, r0 + nrows) of the whole chunk (rows may span samples)
 * of conv group g, for an input of C channels per pixel; rows are
 * kh*kw*C/group bytes long. */
static void gather_rows_u8(const fm_mac *m, const uint8_t *q, int C, int g, int64_t r0, int nrows,
                           uint8_t pad, uint8_t *col, uint8_t *tmp)
{
    int64_t pix = (int64_t)m->OH * m->OW;
    int cg = C / m->group, K = m->kh * m->kw * cg;
    while (nrows > 0) {
        int64_t b = r0 / pix, p = r0 % pix;
        int take = (int)(pix - p < nrows ? pix - p : nrows);
        const uint8_t *xb = q + (size_t)b * m->H * m->W * C;
        if (m->group > 1) {
            for (int i = 0; i < m->H * m->W; i++)
                memcpy(tmp + (size_t)i * cg, xb + (size_t)i * C + (size_t)g * cg, (size_t)cg);
            xb = tmp;
        }
        fm_im2col_nhwc_u8(xb, m->H, m->W, cg, m->kh, m->kw, m->sh, m->sw, m->dh, m->dw, m->pad_t,
                          m->pad_l, m->OH, m->OW, (int)p, take, pad, col, K);
        col += (size_t)take * K;
        r0 += take;
        nrows -= take;
    }
}

/* The user multiplier: table look-up per product, sign-magnitude for an
 * unsigned table (the sign is applied after the magnitude product). */
static void lut_tile(const fm_mac *m, const uint8_t *a, int nr, int g, int32_t *acc)
{
    int off = m->x_signed ? 128 : 0, sgn = fm_lut_is_signed(m->lut);
    for (int r = 0; r < nr; r++)
        for (int o = 0; o < m->ocg; o++) {
            const int32_t *wr = m->wcode + (size_t)(g * m->ocg + o) * m->K;
            const uint8_t *ar = a + (size_t)r * m->K;
            int32_t s = 0;
            for (int k = 0; k < m->K; k++) {
                int32_t x = (int32_t)ar[k] - off, w = wr[k];
                if (sgn) {
                    s += fm_lut_mul(m->lut, x, w);
                } else {
                    int32_t p = fm_lut_mul(m->lut, x < 0 ? -x : x, w < 0 ? -w : w);
                    s += (x < 0) != (w < 0) ? -p : p;
                }
            }
            acc[(size_t)r * m->ocg + o] = s;
        }
}

/* Depthwise: each plane is one pass of the depthwise kernel per sample
 * over the sample's input mapped through the plane's byte table (the
 * padding byte needs no mapping: code 0 has plane value 0 in every
 * scheme), the planes' int32 sums added, then the usual epilogue. */
static void run_depthwise(fm_exec *e, fm_worker *w, const fm_mac *m, float *y, int n)
{
    int64_t hwc = (int64_t)m->H * m->W * m->C, opix = (int64_t)m->OH * m->OW;
    uint8_t pad = m->x_signed ? 128 : 0;
    int32_t *acc = w->acc, *tmp = w->acc + opix * m->C;
    for (int b = 0; b < n; b++) {
        const uint8_t *xb = w->q8 + b * hwc;
        for (int p = 0; p < m->n_planes; p++) {
            const fm_mac_plane *pl = &m->planes[p];
            const uint8_t *src = xb;
            if (!pl->identity) {
                fm_map_u8(e->isa, pl->xmap, xb, (size_t)hwc, w->map8);
                src = w->map8;
            }
            fm_dwconv_nhwc_u8s8s32(e->isa, src, m->H, m->W, m->C, pl->dw, m->kh, m->kw, m->sh, m->sw,
                                   m->pad_t, m->pad_l, m->OH, m->OW, pad, p ? tmp : acc);
            if (p)
                for (int64_t i = 0; i < opix * m->C; i++)
                    acc[i] += tmp[i];
        }
        fm_dequant_rows(e->isa, acc, m->C, (int)opix, m->C, m->corr, m->oscale, m->bias,
                        m->act == FM_ACT_RELU, y + b * opix * m->C, m->C);
    }
}

/* Several planes as one GEMM (fm_mac.cat): per tile, im2col once (a 1x1
 * layer reads its input rows directly), then every plane's table maps the
 * tile into one row of K' = G*K bytes, (plane, ky, kx, c), and one GEMM
 * runs over it: the im2col is FxP8's, and the planes' sums add up inside
 * the GEMM's accumulators instead of in passes over C. Tiles are
 * fm_mac_cat_tile rows, so the mapped rows are still in L1 for the GEMM. */
static void run_concatenated(fm_exec *e, fm_worker *w, const fm_mac *m, float *y, int n)
{
    int G = m->n_planes, K = m->K, Kc = G * K, tile = fm_mac_cat_tile(m);
    int64_t rows = (int64_t)n * m->OH * m->OW;
    const uint8_t *tables[FM_MAX_BLOCKS];
    for (int p = 0; p < G; p++)
        tables[p] = m->planes[p].identity ? NULL : m->planes[p].xmap;
    uint8_t pad = m->x_signed ? 128 : 0;
    int pointwise = fm_mac_is_pointwise(m);
    for (int64_t r0 = 0; r0 < rows; r0 += tile) {
        int nr = (int)(rows - r0 < tile ? rows - r0 : tile);
        const uint8_t *a = w->q8 + (size_t)r0 * m->C;
        if (!pointwise) {
            gather_rows_u8(m, w->q8, m->C, 0, r0, nr, pad, w->col8, NULL);
            a = w->col8;
        }
        fm_map_planes_u8(e->isa, tables, G, a, nr, K, K, w->map8, Kc);
        fm_gemm_u8s8s32(m->cat, nr, w->map8, Kc, w->acc, m->OC);
        fm_dequant_rows(e->isa, w->acc, m->OC, nr, m->OC, m->corr, m->oscale, m->bias,
                        m->act == FM_ACT_RELU, y + (size_t)r0 * m->OC, m->OC);
    }
}

static void run_8bit(fm_exec *e, fm_worker *w, const fm_mac *m, const float *x, float *y, int n)
{
    int64_t rows = (int64_t)n * m->OH * m->OW;
    quantize_input_u8(e, m, x, (int64_t)n * m->H * m->W * m->C, w->q8);
    uint8_t pad = m->x_signed ? 128 : 0;
    uint8_t *tmp = w->col8 + (size_t)FM_MAC_ROW_TILE * m->K;
    if (!m->lut && (m->planes[0].dw || m->cat)) {
        if (m->cat)
            run_concatenated(e, w, m, y, n);
        else
            run_depthwise(e, w, m, y, n);
        if (m->act != FM_ACT_RELU)
            fm_apply_act(y, rows * m->OC, m->act, m->act_min, m->act_max);
        return;
    }
    for (int g = 0; g < m->group; g++) {
        for (int64_t r0 = 0; r0 < rows; r0 += FM_MAC_ROW_TILE) {
            int nr = (int)(rows - r0 < FM_MAC_ROW_TILE ? rows - r0 : FM_MAC_ROW_TILE);
            const uint8_t *a;
            if (fm_mac_is_pointwise(m)) {
                a = w->q8 + (size_t)r0 * m->C;
            } else {
                gather_rows_u8(m, w->q8, m->C, g, r0, nr, pad, w->col8, tmp);
                a = w->col8;
            }
            if (m->lut) {
                lut_tile(m, a, nr, g, w->acc);
            } else {
                for (int p = 0; p < m->n_planes; p++) {
                    const fm_mac_plane *pl = &m->planes[p];
                    const uint8_t *ap = a;
                    if (!pl->identity) {
                        fm_map_u8(e->isa, pl->xmap, a, (size_t)nr * m->K, w->map8);
                        ap = w->map8;
                    }
                    if (p == 0)
                        fm_gemm_u8s8s32(pl->packed[g], nr, ap, m->K, w->acc, m->ocg);
                    else
                        fm_gemm_u8s8s32_acc(pl->packed[g], nr, ap, m->K, w->acc, m->ocg);
                }
            }
            int go = g * m->ocg;
            fm_dequant_rows(e->isa, w->acc, m->ocg, nr, m->ocg, m->lut ? NULL : m->corr + go,
                            m->oscale + go, m->bias + go, m->act == FM_ACT_RELU,
                            y + (size_t)r0 * m->OC + go, m->OC);
        }
    }
    if (m->act != FM_ACT_RELU)
        fm_apply_act(y, rows * m->OC, m->act, m->act_min, m->act_max);
}

/* Reference path for operands wider than 8 bits: codes are carried as
 * floats (exact below 2^24) through the float im2col, mapped to plane
 * values, multiplied and summed in int64. */
static void run_wide(fm_exec *e, fm_worker *w, const fm_mac *m, const float *x, float *y, int n)
{
    int64_t rows = (int64_t)n * m->OH * m->OW;
    int64_t count = (int64_t)n * m->H * m->W * m->C;
    float *codes = malloc((size_t)count * sizeof *codes);
    float *tmp = malloc((size_t)m->H * m->W * m->cg * sizeof *tmp);
    float *col = malloc((size_t)m->K * sizeof *col);
    if (!codes || !tmp || !col) {
        w->status = fm_error_set(&w->err, FM_ERR_NOMEM, "out of memory");
        goto out;
    }
    float inv = 1.0f / m->sx;
    int32_t lo = m->x_signed ? -m->xmax : 0;
    for (int64_t i = 0; i < count; i++)
        codes[i] = (float)fm_quantize_code(x[i], inv, lo, m->xmax);
    int64_t pix = (int64_t)m->OH * m->OW;
    for (int64_t r = 0; r < rows; r++) {
        int64_t b = r / pix, p = r % pix;
        for (int g = 0; g < m->group; g++) {
            const float *xb = codes + (size_t)b * m->H * m->W * m->C;
            if (m->group > 1) {
                for (int i = 0; i < m->H * m->W; i++)
                    memcpy(tmp + (size_t)i * m->cg, xb + (size_t)i * m->C + (size_t)g * m->cg,
                           (size_t)m->cg * sizeof *tmp);
                xb = tmp;
            }
            fm_im2col_nhwc_f32(xb, m->H, m->W, m->cg, m->kh, m->kw, m->sh, m->sw, m->dh, m->dw,
                               m->pad_t, m->pad_l, m->OH, m->OW, (int)p, 1, 0.0f, col, m->K);
            for (int o = 0; o < m->ocg; o++) {
                int oc = g * m->ocg + o;
                int64_t acc = 0;
                for (int q = 0; q < m->n_planes; q++) {
                    const fm_mac_plane *pl = &m->planes[q];
                    const int32_t *wr = pl->wq + (size_t)oc * m->K;
                    for (int k = 0; k < m->K; k++)
                        acc += (int64_t)pl->xtab[(int32_t)col[k] + m->xmax] * wr[k];
                }
                y[(size_t)r * m->OC + oc] = (float)((double)acc * m->oscale[oc]) + m->bias[oc];
            }
        }
    }
    fm_apply_act(y, rows * m->OC, m->act, m->act_min, m->act_max);
out:
    free(codes);
    free(tmp);
    free(col);
    (void)e;
}

void fm_mac_int_run(fm_exec *e, fm_worker *w, const fm_mac *m, const float *x, float *y, int n)
{
    if (m->xbits <= 8 && m->wbits <= 8)
        run_8bit(e, w, m, x, y, n);
    else
        run_wide(e, w, m, x, y, n);
}
