/* Ax-BxP fast-path decomposition: covers the product set P with as few
 * plain GEMMs as possible. Because the product is bilinear,
 *   sum_{(r,s) in P} X_r W_s = sum_g (sum_{r in R_g} X_r)(sum_{s in S_g} W_s)
 * whenever the groups (R_g x S_g) partition P. Ranks whose partner sets are
 * identical share one group. X_r is the "plane" value of rank r: the kept
 * block shifted into place, signed (fm_axbxp_plane_value). */
#include "flexmac/arith.h"

/* Rank count the plan must cover: the largest kept count over both
 * signednesses (unsigned data has the most blocks); ranks a signed operand
 * lacks have plane value 0, exactly as they are absent from the reference. */
static int plan_ranks(const fm_operand_arith *o)
{
    return fm_axbxp_kept(o, 0);
}

/* Groups rows of a n_rows x n_cols 0/1 matrix (bit c of rows[r]) by equal
 * row pattern; writes groups as (row set, column set) pairs. */
static int group_rows(const uint16_t *rows, int n_rows, uint16_t row_sets[], uint16_t col_sets[])
{
    int ng = 0;
    for (int r = 0; r < n_rows; r++) {
        if (!rows[r])
            continue;
        int g = 0;
        while (g < ng && col_sets[g] != rows[r])
            g++;
        if (g == ng) {
            col_sets[ng] = rows[r];
            row_sets[ng] = 0;
            ng++;
        }
        row_sets[g] |= (uint16_t)(1u << r);
    }
    return ng;
}

int fm_axbxp_plan(const fm_layer_arith *a, fm_axbxp_group groups[], int max)
{
    const int Lx = plan_ranks(&a->x), Lw = plan_ranks(&a->w);
    const uint16_t wmask = (uint16_t)((1u << Lw) - 1);
    uint16_t by_x[FM_MAX_BLOCKS] = {0}, by_w[FM_MAX_BLOCKS] = {0};
    for (int r = 0; r < Lx; r++) {
        by_x[r] = a->pset[r] & wmask;
        for (int s = 0; s < Lw; s++)
            if ((by_x[r] >> s) & 1)
                by_w[s] |= (uint16_t)(1u << r);
    }
    uint16_t xr[FM_MAX_BLOCKS], ws[FM_MAX_BLOCKS], wr[FM_MAX_BLOCKS], xs[FM_MAX_BLOCKS];
    int nx = group_rows(by_x, Lx, xr, ws);
    int nw = group_rows(by_w, Lw, wr, xs);
    int use_w = nw < nx;
    int n = use_w ? nw : nx;
    for (int g = 0; g < n && g < max; g++) {
        groups[g].x_ranks = use_w ? xs[g] : xr[g];
        groups[g].w_ranks = use_w ? wr[g] : ws[g];
    }
    return n;
}

int32_t fm_axbxp_plane_value(const fm_operand_arith *o, int is_signed, int32_t v,
                             uint16_t rank_mask)
{
    fm_kept k;
    fm_axbxp_keep(o, is_signed, v, &k);
    int32_t sum = 0;
    for (int r = 0; r < k.n; r++)
        if ((rank_mask >> r) & 1)
            sum += k.blk[r] << k.shift[r];
    return k.sign * sum;
}
