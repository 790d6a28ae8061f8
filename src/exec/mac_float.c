/* Float Conv/Gemm: channels-last im2col tiles multiplied by OpenBLAS sgemm.
 * A tile gathers rows from consecutive samples so that small late layers
 * still make one reasonably sized GEMM. */
#include <cblas.h>
#include <string.h>

#include "exec/exec_internal.h"

/* Copies the channels of group g of x (n x H x W x C) into a dense
 * H x W x cg image so that im2col can treat it as an ordinary input. */
static const float *group_slice(const fm_mac *m, const float *x, int g, float *tmp)
{
    if (m->group == 1)
        return x;
    for (int p = 0; p < m->H * m->W; p++)
        memcpy(tmp + (size_t)p * m->cg, x + (size_t)p * m->C + (size_t)g * m->cg,
               (size_t)m->cg * sizeof *tmp);
    return tmp;
}

/* Fills col with rows [r0, r0+nrows) of the whole chunk's im2col matrix. */
static void gather_rows(const fm_mac *m, const float *x, int g, int64_t r0, int nrows, float *col,
                        float *tmp)
{
    int64_t pix = (int64_t)m->OH * m->OW;
    while (nrows > 0) {
        int64_t b = r0 / pix, p = r0 % pix;
        int take = (int)(pix - p < nrows ? pix - p : nrows);
        const float *xb = group_slice(m, x + (size_t)b * m->H * m->W * m->C, g, tmp);
        fm_im2col_nhwc_f32(xb, m->H, m->W, m->cg, m->kh, m->kw, m->sh, m->sw, m->dh, m->dw, m->pad_t,
                           m->pad_l, m->OH, m->OW, (int)p, take, 0.0f, col, m->K);
        col += (size_t)take * m->K;
        r0 += take;
        nrows -= take;
    }
}

void fm_mac_float_run(fm_exec *e, fm_worker *w, const fm_mac *m, const float *x, float *y, int n)
{
    int64_t rows = (int64_t)n * m->OH * m->OW;
    float *tmp = w->col + (size_t)FM_MAC_ROW_TILE * m->K; /* group slice scratch */
    for (int g = 0; g < m->group; g++) {
        const float *wg = m->wf + (size_t)g * m->ocg * m->K;
        for (int64_t r0 = 0; r0 < rows; r0 += FM_MAC_ROW_TILE) {
            int nr = (int)(rows - r0 < FM_MAC_ROW_TILE ? rows - r0 : FM_MAC_ROW_TILE);
            const float *a;
            if (fm_mac_is_pointwise(m)) {
                a = x + (size_t)r0 * m->C;
            } else {
                gather_rows(m, x, g, r0, nr, w->col, tmp);
                a = w->col;
            }
            float *yt = y + (size_t)r0 * m->OC + (size_t)g * m->ocg;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nr, m->ocg, m->K, 1.0f, a, m->K, wg,
                        m->K, 0.0f, yt, m->OC);
            for (int r = 0; r < nr; r++) {
                float *yr = yt + (size_t)r * m->OC;
                const float *b = m->bias + (size_t)g * m->ocg;
                for (int o = 0; o < m->ocg; o++)
                    yr[o] += b[o];
            }
        }
    }
    fm_apply_act(y, rows * m->OC, m->act, m->act_min, m->act_max);
    (void)e;
}
