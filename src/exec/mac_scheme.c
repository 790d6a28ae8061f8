/* Turns a layer's arithmetic scheme into plane pairs for the integer MAC.
 *
 * Every scheme flexmac emulates is a sum over plane pairs of exact integer
 * dot products, sum_p X_p . W_p, where X_p depends only on the activation
 * code and W_p only on the weight code:
 *   - FxP-N: one pair, X = code, W = code;
 *   - ASM: one pair with the alphabet projection applied to the weights (and
 *     to the activations when they are restricted too): the select/shift/add
 *     MAC of the hardware equals x * q(w) exactly (tests/arith shows it), so
 *     it runs as an exact GEMM on projected codes;
 *   - Ax-BxP: one pair per GEMM group of fm_axbxp_plan: X_g sums the shifted
 *     kept blocks of the activation ranks in the group, W_g those of the
 *     weight ranks, so sum_g X_g W_g = sign * sum_{(r,s) in P} x~_r w~_s
 *     2^(p_r + q_s)K, the blocked product (tests/exec/test_schemes.c checks
 *     this against fm_axbxp_mul_ref on every 8-bit pair).
 * Plane values of 8-bit operands fit the u8 x s8 GEMM, so each pair is one
 * packed GEMM accumulated into the same int32 tile. */
#include <stdlib.h>
#include <string.h>

#include "exec/exec_internal.h"

static int32_t plane_of(const fm_operand_arith *o, int is_signed, const fm_asm_set *set, int blocked,
                        uint16_t ranks, int32_t code)
{
    int32_t v = set ? fm_asm_project(set, code) : code;
    return blocked ? fm_axbxp_plane_value(o, is_signed, v, ranks) : v;
}

void fm_mac_scheme_free(fm_mac *m)
{
    for (int p = 0; p < m->n_planes; p++) {
        fm_mac_plane *pl = &m->planes[p];
        if (pl->packed)
            for (int g = 0; g < m->group; g++)
                fm_packed_s8_free(pl->packed[g]);
        free(pl->packed);
        free(pl->dw);
        free(pl->xtab);
        free(pl->wq);
    }
    free(m->planes);
    fm_packed_s8_free(m->cat);
    m->cat = NULL;
    free(m->corr);
    free(m->wcode);
    m->planes = NULL;
    m->n_planes = 0;
}

/* Weights of all planes as one matrix [OC][(plane, k)], matching the
 * plane-mapped im2col rows of run_concatenated (see fm_mac.cat). */
static fm_status pack_concatenated(fm_exec *e, fm_mac *m, fm_error *err)
{
    int G = m->n_planes, K = m->K, Kc = G * K;
    int8_t *w = malloc((size_t)m->OC * Kc);
    if (!w)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    for (int o = 0; o < m->OC; o++)
        for (int p = 0; p < G; p++)
            for (int k = 0; k < K; k++)
                w[(size_t)o * Kc + (size_t)p * K + k] = (int8_t)m->planes[p].wq[(size_t)o * K + k];
    m->cat = fm_pack_s8(e->isa, m->OC, Kc, w, Kc);
    free(w);
    return m->cat ? FM_OK : fm_error_set(err, FM_ERR_NOMEM, "out of memory");
}

static fm_status prepare_lut(fm_mac *m, const fm_node *nd, const int32_t *wcodes, fm_error *err)
{
    const fm_layer_arith *a = m->arith;
    if (a->x.K || a->w.K || a->x.alphabet || a->w.alphabet)
        return fm_error_set(err, FM_ERR_INVALID,
                            "node '%s': a user multiplier (lut) replaces the whole 8x8 product and "
                            "cannot be combined with Ax-BxP blocks or ASM alphabets", nd->name);
    if (m->xbits > 8 || m->wbits > 8)
        return fm_error_set(err, FM_ERR_INVALID,
                            "node '%s': a user multiplier takes 8-bit operands (w=%d, x=%d bits)",
                            nd->name, m->wbits, m->xbits);
    size_t n = (size_t)m->OC * m->K;
    m->wcode = malloc(n * sizeof *m->wcode);
    if (!m->wcode)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    memcpy(m->wcode, wcodes, n * sizeof *m->wcode);
    m->lut = a->lut;
    return FM_OK;
}

fm_status fm_mac_scheme_prepare(fm_exec *e, fm_mac *m, const int32_t *wcodes, fm_error *err)
{
    const fm_node *nd = &e->g->nodes[m->node];
    const fm_layer_arith *a = m->arith;
    fm_asm_set *xs = NULL, *ws = NULL;
    fm_axbxp_group grp[FM_MAX_BLOCKS];
    fm_status st = FM_OK;
    int blocked = a->x.K > 0 || a->w.K > 0;
    if ((st = fm_layer_arith_validate(a, nd->name, err)) != FM_OK)
        return st;
    if (a->lut)
        return prepare_lut(m, nd, wcodes, err);
    if (a->x.alphabet && (st = fm_asm_set_from_operand(&a->x, m->x_signed, &xs, err)) != FM_OK)
        goto out;
    if (a->w.alphabet && (st = fm_asm_set_from_operand(&a->w, 1, &ws, err)) != FM_OK)
        goto out;
    int G = 1;
    grp[0].x_ranks = grp[0].w_ranks = 1;
    if (blocked && (G = fm_axbxp_plan(a, grp, FM_MAX_BLOCKS)) == 0) {
        st = fm_error_set(err, FM_ERR_INVALID,
                          "node '%s': the product set P selects no pair of kept blocks", nd->name);
        goto out;
    }
    m->planes = calloc((size_t)G, sizeof *m->planes);
    m->corr = calloc((size_t)m->OC, sizeof *m->corr);
    if (!m->planes || !m->corr) {
        st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
        goto out;
    }
    m->n_planes = G;
    int32_t off = m->x_signed ? 128 : 0, xlo = m->x_signed ? -m->xmax : 0;
    int eight = m->xbits <= 8 && m->wbits <= 8;
    size_t nw = (size_t)m->OC * m->K;
    for (int p = 0; p < G; p++) {
        fm_mac_plane *pl = &m->planes[p];
        pl->xtab = malloc((size_t)(2 * m->xmax + 1) * sizeof *pl->xtab);
        pl->wq = malloc(nw * sizeof *pl->wq);
        if (!pl->xtab || !pl->wq) {
            st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
            goto out;
        }
        pl->identity = 1;
        for (int32_t c = -m->xmax; c <= m->xmax; c++) {
            int32_t v = c < xlo ? 0 : plane_of(&a->x, m->x_signed, xs, blocked, grp[p].x_ranks, c);
            pl->xtab[c + m->xmax] = v;
            pl->identity &= c < xlo || v == c;
        }
        for (size_t i = 0; i < nw; i++)
            pl->wq[i] = plane_of(&a->w, 1, ws, blocked, grp[p].w_ranks, wcodes[i]);
        if (!eight)
            continue;
        for (int u = 0; u < 256; u++) {
            int32_t c = u - off;
            pl->xmap[u] = (uint8_t)(c >= xlo && c <= m->xmax ? pl->xtab[c + m->xmax] + off : off);
        }
        int8_t *w8 = malloc((size_t)m->ocg * m->K);
        pl->packed = calloc((size_t)m->group, sizeof *pl->packed);
        if (!w8 || !pl->packed) {
            free(w8);
            st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (int g = 0; g < m->group && st == FM_OK; g++) {
            for (size_t i = 0; i < (size_t)m->ocg * m->K; i++)
                w8[i] = (int8_t)pl->wq[(size_t)g * m->ocg * m->K + i];
            pl->packed[g] = fm_pack_s8(e->isa, m->ocg, m->K, w8, m->K);
            if (!pl->packed[g]) {
                st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
                break;
            }
            /* each plane's GEMM sees X + off, adding off * sum(W) */
            const int32_t *cs = fm_packed_s8_colsum(pl->packed[g]);
            for (int o = 0; o < m->ocg; o++)
                m->corr[g * m->ocg + o] += off * cs[o];
        }
        free(w8);
        if (st == FM_OK && fm_mac_is_depthwise(m)) {
            int taps = m->kh * m->kw;
            pl->dw = malloc((size_t)taps * m->C);
            if (!pl->dw) {
                st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
                goto out;
            }
            for (int c = 0; c < m->C; c++)
                for (int t = 0; t < taps; t++)
                    pl->dw[(size_t)t * m->C + c] = (int8_t)pl->wq[(size_t)c * m->K + t];
        }
    }
    if (st == FM_OK && eight && G > 1 && m->group == 1)
        st = pack_concatenated(e, m, err);
out:
    fm_asm_set_free(xs);
    fm_asm_set_free(ws);
    return st;
}
