/* Per-layer and per-network estimates: mapping onto the array (SCALE-Sim's
 * analytical model), stalls, buffer and DRAM traffic, energy. The equations
 * are written out in docs/hardware.md ("Per-layer model"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/hw.h"

static int64_t ceil_div64(int64_t a, int64_t b) { return (a + b - 1) / b; }

static int64_t words(double bits, int word_bits)
{
    return bits > 0 ? (int64_t)ceil(bits / word_bits - 1e-9) : 0;
}

static fm_status check_layer(const fm_hw_layer *l, fm_error *err)
{
    const struct { int v; const char *f; } f[] = {
        {l->M, "M"}, {l->C, "C"}, {l->R, "R"}, {l->S, "S"}, {l->H, "H"}, {l->W, "W"},
        {l->E, "E"}, {l->F, "F"}, {l->stride, "stride"}, {l->groups, "groups"}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v <= 0)
            return fm_error_set(err, FM_ERR_SHAPE, "layer '%s': %s = %d must be positive",
                                l->name, f[i].f, f[i].v);
    /* keeps every product below in int64 with room for cycles per MAC */
    double macs = (double)l->M * l->C * l->R * l->S * l->E * l->F;
    double in = (double)l->groups * l->C * l->H * l->W;
    if (macs > 1e15 || in > 1e15)
        return fm_error_set(err, FM_ERR_SHAPE, "layer '%s': shape too large (%.3g MACs)", l->name,
                            macs);
    if (l->M % l->groups)
        return fm_error_set(err, FM_ERR_SHAPE, "layer '%s': M = %d not divisible by groups = %d",
                            l->name, l->M, l->groups);
    return FM_OK;
}

fm_status fm_hw_estimate_layer(const fm_hw_arch *a, const fm_hw_layer *l,
                               const fm_layer_arith *la, fm_hw_layer_result *out, fm_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", l->name);
    fm_status st = fm_hw_arch_validate(a, a->name, err);
    if (!st)
        st = check_layer(l, err);
    if (st)
        return st;
    const int64_t G = l->groups, Mg = l->M / l->groups;
    fm_hw_mac_cost c;
    st = fm_hw_mac_cost_of(a, la, (int)Mg, &c, err);
    if (st)
        return fm_error_prefix(err, "layer '%s'", l->name);

    /* one fold's R x C operands must fit each buffer at the bits stored */
    const double tile = (double)a->rows * a->cols;
    const double need[FM_DS_COUNT] = {tile * c.xbits / 8, tile * c.wbits / 8,
                                      tile * a->psum_bits / 8};
    static const char *ds[FM_DS_COUNT] = {"inputs", "weights", "outputs"};
    const double bits[FM_DS_COUNT] = {c.xbits, c.wbits, a->psum_bits};
    for (int d = 0; d < FM_DS_COUNT; d++)
        if ((double)a->buf[d].bytes < need[d])
            return fm_error_set(err, FM_ERR_INVALID,
                                "layer '%s': field 'buffers.%s.bytes' = %lld is smaller than one "
                                "%dx%d tile at %g bits (%.0f bytes)",
                                l->name, ds[d], (long long)a->buf[d].bytes, a->rows, a->cols,
                                bits[d], ceil(need[d]));

    /* ---- mapping: operand matrices of one group (SCALE-Sim, ISPASS 2020) */
    const int64_t Nofmap = (int64_t)l->E * l->F, Wconv = (int64_t)l->C * l->R * l->S;
    int64_t Sr, Sc, T;
    switch (a->dataflow) {
    case FM_DF_OS: Sr = Nofmap; Sc = Mg; T = Wconv; break;
    case FM_DF_IS: Sr = Wconv; Sc = Nofmap; T = Mg; break;
    default: Sr = Wconv; Sc = Mg; T = Nofmap; break;
    }
    const int64_t R = a->rows, C = a->cols;
    const int64_t fr = ceil_div64(Sr, R), fc = ceil_div64(Sc, C);
    /* the temporal stream stretches by the PE's cycles per MAC */
    const int64_t Teff = ceil_div64(T * c.cpm_num, c.cpm_den);
    out->Sr = Sr;
    out->Sc = Sc;
    out->T = T;
    out->folds = fr * fc * G;
    out->cpm_num = c.cpm_num;
    out->cpm_den = c.cpm_den;
    out->compute_cycles = G * fr * fc * (2 * R + C + Teff - 2);
    out->map_util = (double)(Sr * Sc) / (double)(fr * R * fc * C);
    out->macs = fm_hw_layer_macs(l);
    out->wbits = c.wbits;
    out->xbits = c.xbits;
    out->obits = c.xbits; /* outputs stored in the layer's activation format */

    /* ---- SRAM traffic in operand elements, one group */
    double in_rd, w_rd, ps_wr, ps_rd;
    switch (a->dataflow) {
    case FM_DF_OS:
        in_rd = (double)T * Sr * fc;
        w_rd = (double)T * Sc * fr;
        ps_wr = (double)Sr * Sc;
        ps_rd = 0;
        break;
    case FM_DF_IS:
        in_rd = (double)Sr * Sc;
        w_rd = (double)T * Sr * fc;
        ps_wr = (double)T * Sc * fr;
        ps_rd = (double)T * Sc * (fr - 1);
        break;
    default:
        w_rd = (double)Sr * Sc;
        in_rd = (double)T * Sr * fc;
        ps_wr = (double)T * Sc * fr;
        ps_rd = (double)T * Sc * (fr - 1);
        break;
    }
    const double n_in = (double)G * l->C * l->H * l->W;
    const double n_w = (double)l->M * l->C * l->R * l->S;
    const double n_out = (double)l->M * l->E * l->F;

    /* ---- DRAM: each operand once if it fits its buffer, else the other
     * is re-read per tile of it; the cheaper loop order is taken */
    const double Ib = n_in * c.xbits / 8, Wb = n_w * c.wbits / 8, Ob = n_out * out->obits / 8;
    const double ibuf = (double)a->buf[FM_DS_IN].bytes, wbuf = (double)a->buf[FM_DS_W].bytes;
    const double wtiles = ceil(Wb / wbuf), itiles = ceil(Ib / ibuf);
    const double orderA_in = Ib <= ibuf ? Ib : Ib * wtiles; /* weights outer */
    const double orderB_w = Wb <= wbuf ? Wb : Wb * itiles;  /* inputs outer */
    if (Wb + orderA_in <= Ib + orderB_w) {
        out->dram_bytes[FM_DS_W] = Wb;
        out->dram_bytes[FM_DS_IN] = orderA_in;
    } else {
        out->dram_bytes[FM_DS_W] = orderB_w;
        out->dram_bytes[FM_DS_IN] = Ib;
    }
    out->dram_bytes[FM_DS_OUT] = Ob;

    const double bits_rd[FM_DS_COUNT] = {G * in_rd * c.xbits, G * w_rd * c.wbits,
                                         G * ps_rd * a->psum_bits + n_out * out->obits};
    const double bits_wr[FM_DS_COUNT] = {out->dram_bytes[FM_DS_IN] * 8,
                                         out->dram_bytes[FM_DS_W] * 8, G * ps_wr * a->psum_bits};
    double e_buf = 0;
    for (int d = 0; d < FM_DS_COUNT; d++) {
        out->buf_reads[d] = words(bits_rd[d], a->buf[d].word_bits);
        out->buf_writes[d] = words(bits_wr[d], a->buf[d].word_bits);
        double rd = out->buf_reads[d] * a->buf[d].read_pj;
        if (d == FM_DS_W && c.w_read_pj_per_bit >= 0) /* ASM: read inside the bank */
            rd = bits_rd[d] * c.w_read_pj_per_bit;
        e_buf += rd + out->buf_writes[d] * a->buf[d].write_pj;
    }

    /* ---- stalls: transfers overlap compute (double buffering) */
    const double dram_total =
        out->dram_bytes[FM_DS_IN] + out->dram_bytes[FM_DS_W] + out->dram_bytes[FM_DS_OUT];
    const int64_t dram_cycles = (int64_t)ceil(dram_total / a->dram_bytes_per_cycle - 1e-9);
    out->stall_cycles = dram_cycles > out->compute_cycles ? dram_cycles - out->compute_cycles : 0;
    out->total_cycles = out->compute_cycles + out->stall_cycles;
    out->util = (double)out->macs * c.cpm_num / c.cpm_den /
                ((double)R * C * (double)out->total_cycles);

    out->e.mac = out->macs * (c.mac_pj + c.share_pj_per_mac) + n_in * c.per_input_pj;
    out->e.buffers = e_buf;
    out->e.dram = dram_total * a->e.dram_pj_per_byte;
    out->e.leakage = out->total_cycles * a->e.leakage_pj_per_cycle;
    out->e.total = out->e.mac + out->e.buffers + out->e.dram + out->e.leakage;
    return FM_OK;
}

static void accumulate(fm_hw_totals *t, const fm_hw_layer_result *r, double *useful)
{
    t->macs += r->macs;
    t->compute_cycles += r->compute_cycles;
    t->stall_cycles += r->stall_cycles;
    t->total_cycles += r->total_cycles;
    for (int d = 0; d < FM_DS_COUNT; d++) {
        t->buf_reads[d] += r->buf_reads[d];
        t->buf_writes[d] += r->buf_writes[d];
        t->dram_bytes[d] += r->dram_bytes[d];
    }
    t->e.mac += r->e.mac;
    t->e.buffers += r->e.buffers;
    t->e.dram += r->e.dram;
    t->e.leakage += r->e.leakage;
    t->e.total += r->e.total;
    *useful += (double)r->macs * r->cpm_num / r->cpm_den;
}

static void finish(fm_hw_totals *t, const fm_hw_arch *a, double useful)
{
    t->util = t->total_cycles ? useful / ((double)a->rows * a->cols * t->total_cycles) : 0;
    t->time_us = t->total_cycles / a->clock_mhz;
}

fm_status fm_hw_estimate(const fm_hw_arch *a, const fm_hw_net *net, const fm_net_arith *arith,
                         fm_hw_result *out, fm_error *err)
{
    memset(out, 0, sizeof *out);
    if (net->n <= 0)
        return fm_error_set(err, FM_ERR_INVALID, "%s: network has no MAC layers", net->name);
    fm_status st = fm_hw_arch_validate(a, a->name, err);
    if (st)
        return st;
    out->layers = calloc((size_t)net->n, sizeof *out->layers);
    if (!out->layers)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    out->n = net->n;
    snprintf(out->net, sizeof out->net, "%s", net->name);
    snprintf(out->arch, sizeof out->arch, "%s", a->name);
    snprintf(out->arith, sizeof out->arith, "%s",
             arith && arith->name ? arith->name : arith ? "custom" : "fxp8");

    fm_hw_arch base;
    fm_hw_arch_baseline(a, &base);
    fm_layer_arith fxp8;
    fm_layer_arith_fxp(&fxp8, 8, 8);
    double useful = 0, base_useful = 0;
    for (int i = 0; i < net->n; i++) {
        const fm_hw_layer *l = &net->layers[i];
        const fm_layer_arith *la = arith ? fm_net_arith_for(arith, l->name, l->mac_index) : &fxp8;
        fm_hw_layer_result *r = &out->layers[i], b;
        st = fm_hw_estimate_layer(a, l, la, r, err);
        if (!st)
            st = fm_hw_estimate_layer(&base, l, &fxp8, &b, err);
        if (st) {
            fm_hw_result_free(out);
            return fm_error_prefix(err, "%s", net->name);
        }
        r->base_cycles = b.total_cycles;
        r->base_energy = b.e.total;
        accumulate(&out->tot, r, &useful);
        accumulate(&out->base, &b, &base_useful);
    }
    finish(&out->tot, a, useful);
    finish(&out->base, &base, base_useful);
    out->speedup = (double)out->base.total_cycles / (double)out->tot.total_cycles;
    out->energy_ratio = out->tot.e.total / out->base.e.total;
    return FM_OK;
}

void fm_hw_result_free(fm_hw_result *r)
{
    if (!r)
        return;
    free(r->layers);
    memset(r, 0, sizeof *r);
}

fm_status fm_hw_dbr_expected(const fm_hw_totals *levels, const double *reach, int n,
                             fm_hw_totals *out, fm_error *err)
{
    memset(out, 0, sizeof *out);
    if (n <= 0)
        return fm_error_set(err, FM_ERR_INVALID, "DBR ladder has no levels");
    for (int i = 0; i < n; i++) {
        if (!(reach[i] >= 0 && reach[i] <= 1) || (i == 0 && reach[0] != 1) ||
            (i > 0 && reach[i] > reach[i - 1]))
            return fm_error_set(err, FM_ERR_INVALID,
                                "DBR reach[%d] = %g: must be 1 for level 0, then non-increasing "
                                "in [0,1]",
                                i, reach[i]);
    }
    double cyc = 0, comp = 0, stall = 0, macs = 0, util_num = 0;
    for (int i = 0; i < n; i++) {
        const fm_hw_totals *t = &levels[i];
        double p = reach[i];
        macs += p * t->macs;
        comp += p * t->compute_cycles;
        stall += p * t->stall_cycles;
        cyc += p * t->total_cycles;
        util_num += p * t->util * t->total_cycles;
        for (int d = 0; d < FM_DS_COUNT; d++) {
            out->buf_reads[d] += (int64_t)llround(p * t->buf_reads[d]);
            out->buf_writes[d] += (int64_t)llround(p * t->buf_writes[d]);
            out->dram_bytes[d] += p * t->dram_bytes[d];
        }
        out->e.mac += p * t->e.mac;
        out->e.buffers += p * t->e.buffers;
        out->e.dram += p * t->e.dram;
        out->e.leakage += p * t->e.leakage;
        out->e.total += p * t->e.total;
        out->time_us += p * t->time_us;
    }
    out->macs = llround(macs);
    out->compute_cycles = llround(comp);
    out->stall_cycles = llround(stall);
    out->total_cycles = llround(cyc);
    out->util = cyc > 0 ? util_num / cyc : 0;
    return FM_OK;
}
