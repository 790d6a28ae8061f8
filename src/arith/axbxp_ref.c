/* Ax-BxP reference model: what a blocked datapath keeps of each operand and
 * the approximate product it computes (../shared/ARITHMETIC.md section 2,
 * docs/schemes.md). Plain scalar code; the fast paths are checked
 * against it. */
#include <stdlib.h>
#include <string.h>

#include "flexmac/arith.h"

int fm_axbxp_mag_bits(int bits, int is_signed)
{
    return is_signed ? bits - 1 : bits;
}

int fm_axbxp_nblocks(int Bm, int K)
{
    if (K <= 0)
        return 1;
    return (Bm + K - 1) / K;
}

/* L as the hardware uses it: <= 0 or > N means all N blocks. Never more
 * than FM_MAX_BLOCKS, so an unvalidated configuration cannot overrun the
 * per-rank arrays. */
static int kept_count(int L, int N)
{
    int n = (L <= 0 || L > N) ? N : L;
    return n < FM_MAX_BLOCKS ? n : FM_MAX_BLOCKS;
}

int fm_axbxp_kept(const fm_operand_arith *o, int is_signed)
{
    if (o->K <= 0)
        return 1;
    return kept_count(o->L, fm_axbxp_nblocks(fm_axbxp_mag_bits(o->bits, is_signed), o->K));
}

int fm_axbxp_meta_bits(int N, int L, fm_select sel)
{
    if (sel == FM_SEL_STATIC)
        return 0; /* the window never moves: nothing to store */
    int choices = N - L + 1, b = 0;
    while ((1 << b) < choices)
        b++;
    return b;
}

static int floor_log2(uint32_t m)
{
    int b = -1;
    while (m) {
        m >>= 1;
        b++;
    }
    return b;
}

void fm_axbxp_keep(const fm_operand_arith *o, int is_signed, int32_t v, fm_kept *out)
{
    /* Validated configurations have 1 <= Bm <= 16; clamping keeps every
     * shift below defined even for ones that were not. */
    int Bm = fm_axbxp_mag_bits(o->bits, is_signed);
    Bm = Bm < 1 ? 1 : Bm > 30 ? 30 : Bm;
    const int64_t maxm = ((int64_t)1 << Bm) - 1;
    int64_t m = v < 0 ? -(int64_t)v : (int64_t)v;
    if (m > maxm)
        m = maxm; /* sign-magnitude saturation: -2^(B-1) is not representable */

    memset(out, 0, sizeof *out);
    out->sign = v < 0 ? -1 : 1;
    if (o->K <= 0) { /* no blocking: exact FxP */
        out->n = 1;
        out->blk[0] = (int32_t)m;
        out->mag = (int32_t)m;
        return;
    }

    const int K = o->K < Bm ? o->K : Bm; /* K >= Bm: one block either way */
    const int N = fm_axbxp_nblocks(Bm, K);
    const int L = kept_count(o->L, N);
    const int64_t kmask = ((int64_t)1 << K) - 1;
    int s; /* window start block: the window is blocks s .. s+L-1 */

    if (o->select == FM_SEL_STATIC) {
        s = N - L;
    } else {
        int lead = m ? floor_log2((uint32_t)m) / K : 0; /* leading non-zero block */
        s = lead - L + 1 > 0 ? lead - L + 1 : 0;
    }
    int64_t kept = m >> (s * K);

    if (o->select == FM_SEL_ROUND && s > 0 && ((m >> (s * K - 1)) & 1)) {
        kept += 1; /* half up on the first dropped bit */
        if (kept >> (L * K)) {
            /* The carry left the window: the value is now 2^((s+L)K), whose
             * leading block is one higher. Move the window up if the format
             * has room; otherwise the saturation below catches it. */
            if (s < N - L) {
                s += 1;
                kept >>= K;
            }
        }
        /* Saturate at the top of the format: never above 2^Bm - 1, the
         * largest magnitude this window can hold is maxm >> sK. */
        if ((kept << (s * K)) > maxm)
            kept = maxm >> (s * K);
    }

    out->n = L;
    out->start = s;
    out->meta_bits = fm_axbxp_meta_bits(N, L, o->select);
    int64_t mag = 0;
    for (int r = 0; r < L; r++) {
        int p = s + L - 1 - r;
        out->blk[r] = (int32_t)((kept >> ((L - 1 - r) * K)) & kmask);
        out->pos[r] = p;
        out->shift[r] = p * K;
        mag += (int64_t)out->blk[r] << out->shift[r];
    }
    out->mag = (int32_t)mag;
}

int64_t fm_axbxp_mul_ref(const fm_layer_arith *a, int x_signed, int32_t x, int w_signed,
                         int32_t w)
{
    fm_kept kx, kw;
    fm_axbxp_keep(&a->x, x_signed, x, &kx);
    fm_axbxp_keep(&a->w, w_signed, w, &kw);
    int64_t acc = 0;
    for (int r = 0; r < kx.n; r++)
        for (int s = 0; s < kw.n; s++)
            if ((a->pset[r] >> s) & 1)
                acc += (int64_t)kx.blk[r] * kw.blk[s] *
                       ((int64_t)1 << (kx.shift[r] + kw.shift[s]));
    return kx.sign * kw.sign * acc;
}
