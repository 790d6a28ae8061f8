/* Cost of one MAC on each PE type: cycles per MAC, energy per MAC, and the
 * bits each operand really occupies in memory. Every formula is derived in
 * docs/hardware.md ("PE types"); the unit energies come from the
 * architecture's energy table:
 *   multiplier a x b bits : mult8_pj * a*b/64   (array multiplier ~ a*b)
 *   adder of n bits       : add32_pj * n/32     (ripple/prefix ~ n)
 *   2:1 mux bit           : mux2_pj_per_bit */
#include <string.h>

#include "flexmac/hw.h"

static double mult_pj(const fm_hw_arch *a, int x, int y) { return a->e.mult8_pj * x * y / 64.0; }
static double add_pj(const fm_hw_arch *a, double bits) { return a->e.add32_pj * bits / 32.0; }

/* n values of lo..hi bits summed by an adder tree: n-1 adders of average width. */
static double tree_pj(const fm_hw_arch *a, int n, int lo, int hi)
{
    return n > 1 ? (n - 1) * add_pj(a, (lo + hi) / 2.0) : 0.0;
}

static int ceil_div(int a, int b) { return (a + b - 1) / b; }

static int ceil_log2(int n)
{
    int b = 0;
    while ((1 << b) < n)
        b++;
    return b;
}

static int popcount16(unsigned v)
{
    int c = 0;
    for (; v; v &= v - 1)
        c++;
    return c;
}

/* Magnitude bits in sign + magnitude: signed weights B-1, activations
 * (post-ReLU, unsigned) B (ARITHMETIC.md, notation). */
static int mag_bits(const fm_operand_arith *o, int is_weight)
{
    int m = is_weight ? o->bits - 1 : o->bits;
    return m > 0 ? m : 1;
}

/* Block view of an operand for a blocked PE: k bits per block, L kept of N. */
typedef struct blockview {
    int Bm, k, L, N, dynamic;
} blockview;

static blockview block_view(const fm_operand_arith *o, int is_weight)
{
    blockview v;
    v.Bm = mag_bits(o, is_weight);
    if (o->K > 0) {
        v.k = o->K;
        v.N = ceil_div(v.Bm, v.k);
        v.L = o->L < 1 ? 1 : o->L > v.N ? v.N : o->L;
        v.dynamic = o->select != FM_SEL_STATIC;
    } else { /* exact FxP: one block of the whole magnitude */
        v.k = v.Bm;
        v.N = 1;
        v.L = 1;
        v.dynamic = 0;
    }
    return v;
}

/* Bits stored per element: sign (weights) + kept blocks + window metadata. */
static double block_bits(const blockview *v, int is_weight, const fm_operand_arith *o)
{
    if (o->K <= 0)
        return o->bits;
    int kept = v->L * v->k < v->Bm ? v->L * v->k : v->Bm;
    int meta = v->dynamic ? ceil_log2(v->N - v->L + 1) : 0;
    return (is_weight ? 1 : 0) + kept + meta;
}

/* Quartet values 0..2^Q-1 representable with alphabet mask (0 or a*2^s). */
static int asm_representable(unsigned alphabet, int Q)
{
    int n = 0;
    for (int v = 0; v < (1 << Q); v++) {
        if (v == 0 || alphabet == 0) {
            n++;
            continue;
        }
        int a = v;
        while (!(a & 1))
            a >>= 1;
        n += a < 16 ? (alphabet >> a) & 1 : 0; /* the mask holds odd values below 16 */
    }
    return n;
}

static int asm_alphabet_size(unsigned alphabet, int Q)
{
    unsigned odd = 0;
    for (int a = 1; a < (1 << Q) && a < 16; a += 2)
        odd |= 1u << a;
    return alphabet ? popcount16(alphabet & odd) : 1 << (Q - 1);
}

static void set_cpm(fm_hw_mac_cost *c, int64_t num, int64_t den)
{
    c->cpm_num = num;
    c->cpm_den = den;
}

static fm_status cost_fxp(const fm_hw_arch *a, const fm_layer_arith *la, fm_hw_mac_cost *c)
{
    int mb = a->pe.mult_bits;
    int passes = ceil_div(la->w.bits, mb) * ceil_div(la->x.bits, mb);
    set_cpm(c, passes, 1);
    c->products = passes;
    c->mac_pj = passes * (mult_pj(a, mb, mb) + add_pj(a, a->psum_bits));
    return FM_OK;
}

static fm_status cost_bitserial(const fm_hw_arch *a, const fm_layer_arith *la, fm_hw_mac_cost *c)
{
    int bx = la->x.bits, bw = la->w.bits;
    set_cpm(c, bx, a->pe.lanes);
    c->products = bx;
    /* one shift-accumulate of a (bw + bx)-bit partial product per activation bit */
    c->mac_pj = bx * add_pj(a, bw + bx) + add_pj(a, a->psum_bits);
    return FM_OK;
}

static fm_status cost_bitfusion(const fm_hw_arch *a, const fm_layer_arith *la, fm_hw_mac_cost *c)
{
    int bb = a->pe.brick_bits, nb = a->pe.bricks;
    int nw = ceil_div(la->w.bits, bb), nx = ceil_div(la->x.bits, bb);
    int bn = nw * nx;
    if (bn <= nb)
        set_cpm(c, 1, nb / bn); /* whole fused PEs per fusion unit */
    else
        set_cpm(c, ceil_div(bn, nb), 1);
    c->products = bn;
    int out = la->w.bits + la->x.bits;
    c->mac_pj = bn * (mult_pj(a, bb, bb) + a->e.mux2_pj_per_bit * 2 * bb * ceil_log2(nw + nx - 1)) +
                tree_pj(a, bn, 2 * bb, out) + add_pj(a, a->psum_bits);
    return FM_OK;
}

static fm_status cost_axbxp(const fm_hw_arch *a, const fm_layer_arith *la, fm_hw_mac_cost *c,
                            fm_error *err)
{
    blockview vx = block_view(&la->x, 0), vw = block_view(&la->w, 1);
    int P = 0;
    for (int r = 0; r < vx.L; r++)
        P += popcount16(la->pset[r] & ((1u << vw.L) - 1u));
    if (P == 0)
        return fm_error_set(err, FM_ERR_INVALID, "product set P is empty within %dx%d kept blocks",
                            vx.L, vw.L);
    int Kp = a->pe.K;
    /* an arithmetic block wider than the PE's multiplier takes several */
    int sub = ceil_div(vx.k, Kp) * ceil_div(vw.k, Kp);
    int products = P * sub;
    set_cpm(c, products, a->pe.multipliers);
    c->products = products;
    int nx = ceil_div(vx.Bm, Kp), nw = ceil_div(vw.Bm, Kp);
    int out = vx.Bm + vw.Bm;
    c->mac_pj = products * (mult_pj(a, Kp, Kp) +
                            a->e.mux2_pj_per_bit * 2 * Kp * ceil_log2(nx + nw - 1)) +
                tree_pj(a, products, 2 * Kp, out) + add_pj(a, a->psum_bits);
    c->xbits = block_bits(&vx, 0, &la->x);
    c->wbits = block_bits(&vw, 1, &la->w);
    /* leading-block detection of each activation when it is produced:
     * a priority encoder and a window mux over the magnitude, plus the
     * rounding increment for select=round */
    if (vx.dynamic && vx.N > vx.L)
        c->per_input_pj = a->e.mux2_pj_per_bit * vx.Bm * ceil_log2(vx.N) +
                          (la->x.select == FM_SEL_ROUND ? add_pj(a, vx.L * vx.k) : 0.0);
    return FM_OK;
}

static fm_status cost_asm(const fm_hw_arch *a, const fm_layer_arith *la, int Mg,
                          fm_hw_mac_cost *c, fm_error *err)
{
    const fm_hw_pe *p = &a->pe;
    int Q = p->quartet;
    unsigned alpha = la->w.K > 0 ? 0 : la->w.alphabet; /* blocked weights: exact */
    int nA = asm_alphabet_size(alpha, Q);
    if (nA > p->max_alphabet)
        return fm_error_set(err, FM_ERR_UNSUPPORTED,
                            "weights need %d alphabet multiples but pe.max_alphabet is %d", nA,
                            p->max_alphabet);
    int bx = la->x.bits, bmw = mag_bits(&la->w, 1);
    int nq = ceil_div(bmw, Q);
    set_cpm(c, ceil_div(nq, p->quartets_per_cycle), 1);
    c->products = nq;
    int wid = bx + Q;
    /* per quartet: select one of |A| multiples or zero, shift by 0..Q-1,
     * then add the nq shifted terms */
    double sel = a->e.mux2_pj_per_bit * wid * nA;
    double shf = a->e.mux2_pj_per_bit * wid * ceil_log2(Q);
    c->mac_pj = nq * (sel + shf) + tree_pj(a, nq, wid, bx + bmw) + add_pj(a, a->psum_bits);
    /* odd multiples a > 1 of the input: one add each, shared by the
     * neurons of a bank */
    int has1 = alpha == 0 || (alpha & 2u);
    int share = Mg < p->bank_neurons ? Mg : p->bank_neurons;
    c->share_pj_per_mac = (nA - has1) * add_pj(a, wid) / (share > 0 ? share : 1);
    if (alpha) { /* sign + per quartet an index into the representable values,
                  * or the raw word when that is shorter (wide quartets) */
        int enc = 1 + nq * ceil_log2(asm_representable(alpha, Q));
        c->wbits = enc < la->w.bits ? enc : la->w.bits;
    }
    c->w_read_pj_per_bit = p->weight_read_pj_per_bit;
    return FM_OK;
}

fm_status fm_hw_mac_cost_of(const fm_hw_arch *a, const fm_layer_arith *la, int Mg,
                            fm_hw_mac_cost *out, fm_error *err)
{
    memset(out, 0, sizeof *out);
    if (la->is_float)
        return fm_error_set(err, FM_ERR_UNSUPPORTED,
                            "float layer: the accelerator model needs integer arithmetic");
    if (la->w.bits < 1 || la->w.bits > 16 || la->x.bits < 1 || la->x.bits > 16)
        return fm_error_set(err, FM_ERR_INVALID, "bit-widths w=%d x=%d out of range 1..16",
                            la->w.bits, la->x.bits);
    if (la->w.K < 0 || la->x.K < 0 || la->w.K > 16 || la->x.K > 16)
        return fm_error_set(err, FM_ERR_INVALID, "block size K out of range 0..16");
    out->wbits = la->w.bits;
    out->xbits = la->x.bits;
    out->w_read_pj_per_bit = -1.0;
    switch (a->pe.type) {
    case FM_PE_FXP: return cost_fxp(a, la, out);
    case FM_PE_BITSERIAL: return cost_bitserial(a, la, out);
    case FM_PE_BITFUSION: return cost_bitfusion(a, la, out);
    case FM_PE_AXBXP: return cost_axbxp(a, la, out, err);
    case FM_PE_ASM_NEARMEM:
    case FM_PE_ASM_INMEM: return cost_asm(a, la, Mg, out, err);
    default: return fm_error_set(err, FM_ERR_INVALID, "unknown PE type %d", (int)a->pe.type);
    }
}
