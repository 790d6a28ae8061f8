/* Hand-worked cycle counts, tiling, traffic and energy sums of the
 * accelerator model on small layers (SCALE-Sim's analytical equations,
 * docs/hardware.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/hw.h"

/* 4x4 array, buffers large enough, no DRAM stalls. */
static void small_arch(fm_hw_arch *a, fm_hw_dataflow df)
{
    fm_hw_arch_default(a);
    a->rows = a->cols = 4;
    a->dataflow = df;
    a->dram_bytes_per_cycle = 1e9;
}

/* C=2, 3x3 kernel, M=6, 6x6 input, stride 1, no padding: E=F=4.
 * Wconv = C*R*S = 18, Nofmap = E*F = 16, Nfilter = 6, MACs = 1728. */
static fm_hw_layer conv_layer(void)
{
    fm_hw_layer l = {"conv", 6, 2, 3, 3, 6, 6, 4, 4, 1, 1, 0};
    return l;
}

static fm_hw_layer_result run(const fm_hw_arch *a, const fm_hw_layer *l, const fm_layer_arith *la)
{
    fm_hw_layer_result r;
    fm_error err = {0};
    fm_status st = fm_hw_estimate_layer(a, l, la, &r, &err);
    if (st)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(st, FM_OK);
    return r;
}

static void test_ws_by_hand(void **state)
{
    (void)state;
    fm_hw_arch a;
    small_arch(&a, FM_DF_WS);
    fm_hw_layer l = conv_layer();
    fm_layer_arith la;
    fm_layer_arith_fxp(&la, 8, 8);
    fm_hw_layer_result r = run(&a, &l, &la);
    /* WS: Sr = Wconv = 18, Sc = Nfilter = 6, T = Nofmap = 16.
     * folds = ceil(18/4) * ceil(6/4) = 5 * 2 = 10;
     * per fold 2R + C + T - 2 = 8 + 4 + 16 - 2 = 26; total 260. */
    assert_int_equal(r.macs, 1728);
    assert_int_equal(r.Sr, 18);
    assert_int_equal(r.Sc, 6);
    assert_int_equal(r.T, 16);
    assert_int_equal(r.folds, 10);
    assert_int_equal(r.compute_cycles, 260);
    assert_int_equal(r.stall_cycles, 0);
    assert_int_equal(r.total_cycles, 260);
    /* mapped 18*6 of 20*8 PE slots */
    assert_true(fabs(r.map_util - 108.0 / 160.0) < 1e-12);
    /* 1728 useful PE-cycles of 16 PEs * 260 cycles */
    assert_true(fabs(r.util - 1728.0 / (16.0 * 260.0)) < 1e-12);
}

static void test_os_by_hand(void **state)
{
    (void)state;
    fm_hw_arch a;
    small_arch(&a, FM_DF_OS);
    fm_hw_layer l = conv_layer();
    fm_layer_arith la;
    fm_layer_arith_fxp(&la, 8, 8);
    fm_hw_layer_result r = run(&a, &l, &la);
    /* OS: Sr = Nofmap = 16, Sc = Nfilter = 6, T = Wconv = 18.
     * folds = 4 * 2 = 8; per fold 8 + 4 + 18 - 2 = 28; total 224. */
    assert_int_equal(r.Sr, 16);
    assert_int_equal(r.Sc, 6);
    assert_int_equal(r.T, 18);
    assert_int_equal(r.folds, 8);
    assert_int_equal(r.compute_cycles, 224);
    assert_true(fabs(r.map_util - 96.0 / 128.0) < 1e-12);
}

static void test_is_by_hand(void **state)
{
    (void)state;
    fm_hw_arch a;
    small_arch(&a, FM_DF_IS);
    fm_hw_layer l = conv_layer();
    fm_layer_arith la;
    fm_layer_arith_fxp(&la, 8, 8);
    fm_hw_layer_result r = run(&a, &l, &la);
    /* IS: Sr = Wconv = 18, Sc = Nofmap = 16, T = Nfilter = 6.
     * folds = 5 * 4 = 20; per fold 8 + 4 + 6 - 2 = 16; total 320. */
    assert_int_equal(r.Sr, 18);
    assert_int_equal(r.Sc, 16);
    assert_int_equal(r.T, 6);
    assert_int_equal(r.folds, 20);
    assert_int_equal(r.compute_cycles, 320);
}

static void test_fc_and_depthwise_by_hand(void **state)
{
    (void)state;
    fm_hw_arch a;
    small_arch(&a, FM_DF_WS);
    fm_layer_arith la;
    fm_layer_arith_fxp(&la, 8, 8);
    /* FC 10 -> 3: Sr = 10, Sc = 3, T = 1; folds 3 * 1; per fold 8+4+1-2 = 11 */
    fm_hw_layer fc = {"fc", 3, 10, 1, 1, 1, 1, 1, 1, 1, 1, 0};
    fm_hw_layer_result r = run(&a, &fc, &la);
    assert_int_equal(r.folds, 3);
    assert_int_equal(r.compute_cycles, 33);
    /* depthwise 3x3, 4 channels, 5x5 -> 3x3: each group Sr = 9, Sc = 1,
     * T = 9: 3 folds of 8+4+9-2 = 19 cycles, times 4 groups = 228 */
    fm_hw_layer dw = {"dw", 4, 1, 3, 3, 5, 5, 3, 3, 1, 4, 0};
    r = run(&a, &dw, &la);
    assert_int_equal(r.macs, 4 * 9 * 9);
    assert_int_equal(r.folds, 12);
    assert_int_equal(r.compute_cycles, 228);
    assert_true(fabs(r.map_util - 9.0 / 48.0) < 1e-12); /* 9 of 3 row folds x 4 x 4 */
}

static void test_traffic_by_hand(void **state)
{
    (void)state;
    fm_hw_arch a;
    small_arch(&a, FM_DF_WS);
    fm_hw_layer l = conv_layer();
    fm_layer_arith la;
    fm_layer_arith_fxp(&la, 8, 8);
    fm_hw_layer_result r = run(&a, &l, &la);
    /* weights read once: 108 x 8 bits = 864 bits = 13.5 -> 14 64-bit words */
    assert_int_equal(r.buf_reads[FM_DS_W], 14);
    /* inputs streamed once per column fold: T*Sr*fc = 16*18*2 = 576 bytes = 72 words */
    assert_int_equal(r.buf_reads[FM_DS_IN], 72);
    /* psums written T*Sc*fr = 480 x 32 bits = 240 words; read back
     * T*Sc*(fr-1) = 384 x 32 bits = 192 words plus 96 final 8-bit outputs = 12 */
    assert_int_equal(r.buf_writes[FM_DS_OUT], 240);
    assert_int_equal(r.buf_reads[FM_DS_OUT], 204);
    /* everything fits: DRAM moves each structure once */
    assert_true(r.dram_bytes[FM_DS_IN] == 72.0);
    assert_true(r.dram_bytes[FM_DS_W] == 108.0);
    assert_true(r.dram_bytes[FM_DS_OUT] == 96.0);
    /* DRAM fills written into the buffers: 72 B = 9 words, 108 B = 13.5 -> 14 */
    assert_int_equal(r.buf_writes[FM_DS_IN], 9);
    assert_int_equal(r.buf_writes[FM_DS_W], 14);
    /* energies: FxP8 MAC = 8x8 mult + 32-bit add */
    assert_true(fabs(r.e.mac - 1728 * (0.2 + 0.1)) < 1e-9);
    assert_true(fabs(r.e.dram - 276 * 162.5) < 1e-9);
    assert_true(fabs(r.e.leakage - 260 * 10.0) < 1e-9);
    double buf = (72 + 14 + 204) * 20.0 + (9 + 14 + 240) * 20.0;
    assert_true(fabs(r.e.buffers - buf) < 1e-9);
    assert_true(fabs(r.e.total - (r.e.mac + r.e.buffers + r.e.dram + r.e.leakage)) < 1e-6);
}

static void test_weights_refetched_when_too_big(void **state)
{
    (void)state;
    fm_hw_arch a;
    small_arch(&a, FM_DF_WS);
    fm_hw_layer l = conv_layer();
    fm_layer_arith la;
    fm_layer_arith_fxp(&la, 8, 8);
    /* weights 108 B in a 16 B buffer: 7 tiles; inputs 72 B in a 16 B
     * buffer: 5 tiles. Weights outer: 108 + 72*7 = 612; inputs outer:
     * 72 + 108*5 = 612 -> tie, weights outer is taken. */
    a.buf[FM_DS_W].bytes = 16;
    a.buf[FM_DS_IN].bytes = 16;
    fm_hw_layer_result r = run(&a, &l, &la);
    assert_true(r.dram_bytes[FM_DS_W] == 108.0);
    assert_true(r.dram_bytes[FM_DS_IN] == 72.0 * 7);
    /* inputs fit again: both read once */
    a.buf[FM_DS_IN].bytes = 1024;
    r = run(&a, &l, &la);
    assert_true(r.dram_bytes[FM_DS_IN] == 72.0);
    assert_true(r.dram_bytes[FM_DS_W] == 108.0);
}

static void test_stalls_when_bandwidth_bound(void **state)
{
    (void)state;
    fm_hw_arch a;
    small_arch(&a, FM_DF_WS);
    a.dram_bytes_per_cycle = 0.5; /* 276 B take 552 cycles, compute 260 */
    fm_hw_layer l = conv_layer();
    fm_layer_arith la;
    fm_layer_arith_fxp(&la, 8, 8);
    fm_hw_layer_result r = run(&a, &l, &la);
    assert_int_equal(r.compute_cycles, 260);
    assert_int_equal(r.stall_cycles, 552 - 260);
    assert_int_equal(r.total_cycles, 552);
    assert_true(fabs(r.e.leakage - 552 * 10.0) < 1e-9);
}

static void set_axbxp(fm_layer_arith *la, int K, int L, fm_select sel)
{
    fm_layer_arith_fxp(la, 8, 8);
    la->w.K = la->x.K = K;
    la->w.L = la->x.L = L;
    la->w.select = la->x.select = sel;
}

static void test_axbxp_throughput(void **state)
{
    (void)state;
    fm_hw_arch a;
    small_arch(&a, FM_DF_WS);
    a.pe.type = FM_PE_AXBXP;
    a.pe.K = 2;
    a.pe.multipliers = 4;
    fm_hw_layer l = conv_layer();
    fm_layer_arith la;
    set_axbxp(&la, 2, 2, FM_SEL_DYNAMIC);
    /* |P| = 4 on M = 4: one MAC per cycle, T stays 16 -> 260 cycles */
    fm_hw_layer_result r = run(&a, &l, &la);
    assert_int_equal(r.cpm_num, 4);
    assert_int_equal(r.cpm_den, 4);
    assert_int_equal(r.compute_cycles, 260);
    /* drop (1,1): |P| = 3 -> T_eff = ceil(16*3/4) = 12: 10 * (8+4+12-2) */
    la.pset[1] = 0x1;
    r = run(&a, &l, &la);
    assert_int_equal(r.cpm_num, 3);
    assert_int_equal(r.compute_cycles, 220);
    /* M = 8 multipliers, |P| = 4: 2 MACs per cycle -> T_eff 8 */
    la.pset[1] = 0x3;
    a.pe.multipliers = 8;
    r = run(&a, &l, &la);
    assert_int_equal(r.compute_cycles, 10 * (8 + 4 + 8 - 2));
    /* exact FxP8 on the blocked PE: 7-bit weight magnitude and 8-bit
     * activation are 4 x 4 blocks of 2 bits = 16 products / 4 = 4 cycles */
    a.pe.multipliers = 4;
    fm_layer_arith_fxp(&la, 8, 8);
    r = run(&a, &l, &la);
    assert_int_equal(r.cpm_num, 16);
    assert_int_equal(r.compute_cycles, 10 * (8 + 4 + 64 - 2));
    /* throughput on a long stream approaches M/|P| */
    fm_hw_layer big = {"big", 4, 4, 1, 1, 128, 128, 128, 128, 1, 1, 0};
    set_axbxp(&la, 2, 2, FM_SEL_DYNAMIC);
    int64_t c4 = run(&a, &big, &la).compute_cycles;
    la.pset[0] = 0x1;
    la.pset[1] = 0x0; /* |P| = 1 */
    int64_t c1 = run(&a, &big, &la).compute_cycles;
    assert_true(fabs((double)c4 / c1 - 4.0) < 0.01);
}

static void test_axbxp_stored_bits_and_metadata(void **state)
{
    (void)state;
    fm_hw_arch a;
    small_arch(&a, FM_DF_WS);
    a.pe.type = FM_PE_AXBXP;
    fm_hw_layer l = conv_layer();
    fm_layer_arith la;
    /* dynamic, K=2, L=2 of N=4 blocks: weights 1 sign + 4 + ceil(log2 3) = 7,
     * activations 4 + 2 = 6 */
    set_axbxp(&la, 2, 2, FM_SEL_DYNAMIC);
    fm_hw_layer_result dyn = run(&a, &l, &la);
    assert_true(dyn.wbits == 7.0);
    assert_true(dyn.xbits == 6.0);
    /* static keeps no metadata and needs no leading-block detection */
    set_axbxp(&la, 2, 2, FM_SEL_STATIC);
    fm_hw_layer_result st = run(&a, &l, &la);
    assert_true(st.wbits == 5.0);
    assert_true(st.xbits == 4.0);
    assert_true(dyn.e.mac > st.e.mac);
    /* detection cost: 72 input elements x one priority encoder + window mux */
    double lbd = 72 * a.e.mux2_pj_per_bit * 8 * 2;
    assert_true(fabs(dyn.e.mac - st.e.mac - lbd) < 1e-9);
    /* fewer stored bits -> less DRAM traffic */
    assert_true(st.dram_bytes[FM_DS_W] < dyn.dram_bytes[FM_DS_W]);
    assert_true(fabs(st.dram_bytes[FM_DS_W] - 108 * 5 / 8.0) < 1e-9);
}

static void test_bitserial_scales_with_activation_bits(void **state)
{
    (void)state;
    fm_hw_arch a;
    small_arch(&a, FM_DF_WS);
    a.pe.type = FM_PE_BITSERIAL;
    a.pe.lanes = 8;
    fm_hw_layer l = conv_layer();
    fm_layer_arith la;
    const int bits[4] = {2, 4, 8, 16};
    const int64_t want[4] = {10 * (8 + 4 + 4 - 2), 10 * (8 + 4 + 8 - 2), 260,
                             10 * (8 + 4 + 32 - 2)};
    for (int i = 0; i < 4; i++) {
        fm_layer_arith_fxp(&la, 8, bits[i]);
        fm_hw_layer_result r = run(&a, &l, &la);
        assert_int_equal(r.cpm_num, bits[i]);
        assert_int_equal(r.cpm_den, 8);
        assert_int_equal(r.compute_cycles, want[i]);
    }
    /* weight bits do not change bit-serial cycles */
    fm_layer_arith_fxp(&la, 4, 8);
    assert_int_equal(run(&a, &l, &la).compute_cycles, 260);
}

static void test_bitfusion_and_fxp_pe(void **state)
{
    (void)state;
    fm_hw_arch a;
    small_arch(&a, FM_DF_WS);
    fm_hw_layer l = conv_layer();
    fm_layer_arith la;
    a.pe.type = FM_PE_BITFUSION; /* 16 bricks of 2 bits */
    fm_layer_arith_fxp(&la, 8, 8);   /* 16 bricks: 1 MAC/cycle */
    fm_hw_layer_result r = run(&a, &l, &la);
    assert_int_equal(r.cpm_num * 1, r.cpm_den);
    fm_layer_arith_fxp(&la, 4, 4);   /* 4 bricks: 4 MACs/cycle */
    r = run(&a, &l, &la);
    assert_int_equal(r.cpm_den, 4);
    assert_int_equal(r.compute_cycles, 10 * (8 + 4 + 4 - 2));
    fm_layer_arith_fxp(&la, 16, 8);  /* 32 bricks: 2 cycles */
    r = run(&a, &l, &la);
    assert_int_equal(r.cpm_num, 2);
    /* fixed 8x8 FxP PE: narrower operands gain nothing, 16 bits take 2 passes */
    a.pe.type = FM_PE_FXP;
    fm_layer_arith_fxp(&la, 4, 4);
    assert_int_equal(run(&a, &l, &la).compute_cycles, 260);
    fm_layer_arith_fxp(&la, 16, 8);
    assert_int_equal(run(&a, &l, &la).compute_cycles, 10 * (8 + 4 + 32 - 2));
}

static void test_asm_pe(void **state)
{
    (void)state;
    fm_hw_arch a;
    small_arch(&a, FM_DF_WS);
    a.pe.type = FM_PE_ASM_NEARMEM;
    a.pe.quartet = 4;
    a.pe.max_alphabet = 8;
    a.pe.bank_neurons = 16;
    a.pe.quartets_per_cycle = 2;
    a.pe.weight_read_pj_per_bit = 0.1;
    fm_hw_layer l = conv_layer();
    fm_layer_arith la;
    fm_layer_arith_fxp(&la, 8, 8);
    la.w.alphabet = 0x2; /* {1}: quartets 0,1,2,4,8 -> 3 bits each */
    fm_hw_layer_result r1 = run(&a, &l, &la);
    assert_true(r1.wbits == 1 + 2 * 3);
    assert_int_equal(r1.compute_cycles, 260); /* both quartets in one cycle */
    la.w.alphabet = 0xAA; /* {1,3,5,7}: 12 values -> 4 bits: 1 + 2*4 = 9 > 8, raw word kept */
    fm_hw_layer_result r4 = run(&a, &l, &la);
    assert_true(r4.wbits == 8);
    assert_true(r4.e.mac > r1.e.mac); /* more multiples to precompute and select */
    /* weights read inside the bank: 108 weights x 7 bits x 0.1 pJ */
    la.w.alphabet = 0x2;
    double wr = 108 * 7 * 0.1 + r1.buf_writes[FM_DS_W] * a.buf[FM_DS_W].write_pj;
    double other = r1.buf_reads[FM_DS_IN] * 20.0 + r1.buf_writes[FM_DS_IN] * 20.0 +
                   r1.buf_reads[FM_DS_OUT] * 20.0 + r1.buf_writes[FM_DS_OUT] * 20.0;
    assert_true(fabs(r1.e.buffers - wr - other) < 1e-9);
    /* in-memory: one quartet per cycle -> 2 cycles per MAC */
    a.pe.type = FM_PE_ASM_INMEM;
    a.pe.quartets_per_cycle = 1;
    assert_int_equal(run(&a, &l, &la).compute_cycles, 10 * (8 + 4 + 32 - 2));
    /* an alphabet beyond the select unit is refused */
    a.pe.max_alphabet = 2;
    la.w.alphabet = 0xAA;
    fm_hw_layer_result r;
    fm_error err = {0};
    assert_int_equal(fm_hw_estimate_layer(&a, &l, &la, &r, &err), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "conv"));
    assert_non_null(strstr(err.msg, "max_alphabet"));
}

static void test_bad_layer_and_float(void **state)
{
    (void)state;
    fm_hw_arch a;
    small_arch(&a, FM_DF_WS);
    fm_layer_arith la;
    fm_layer_arith_fxp(&la, 8, 8);
    fm_hw_layer l = conv_layer();
    l.groups = 4; /* 6 not divisible by 4 */
    fm_hw_layer_result r;
    fm_error err = {0};
    assert_int_equal(fm_hw_estimate_layer(&a, &l, &la, &r, &err), FM_ERR_SHAPE);
    assert_non_null(strstr(err.msg, "groups"));
    l = conv_layer();
    l.E = 0;
    assert_int_equal(fm_hw_estimate_layer(&a, &l, &la, &r, &err), FM_ERR_SHAPE);
    /* 16-bit weights need a 32-byte tile on the 4x4 array; the buffer holds 16 */
    l = conv_layer();
    a.buf[FM_DS_W].bytes = 16;
    fm_layer_arith_fxp(&la, 16, 8);
    assert_int_equal(fm_hw_estimate_layer(&a, &l, &la, &r, &err), FM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "buffers.weights.bytes"));
    assert_non_null(strstr(err.msg, "tile"));
    fm_layer_arith_fxp(&la, 8, 8);
    assert_int_equal(fm_hw_estimate_layer(&a, &l, &la, &r, &err), FM_OK);
    a.buf[FM_DS_W].bytes = 65536;
    la.is_float = 1;
    assert_int_equal(fm_hw_estimate_layer(&a, &l, &la, &r, &err), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "float"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ws_by_hand),
        cmocka_unit_test(test_os_by_hand),
        cmocka_unit_test(test_is_by_hand),
        cmocka_unit_test(test_fc_and_depthwise_by_hand),
        cmocka_unit_test(test_traffic_by_hand),
        cmocka_unit_test(test_weights_refetched_when_too_big),
        cmocka_unit_test(test_stalls_when_bandwidth_bound),
        cmocka_unit_test(test_axbxp_throughput),
        cmocka_unit_test(test_axbxp_stored_bits_and_metadata),
        cmocka_unit_test(test_bitserial_scales_with_activation_bits),
        cmocka_unit_test(test_bitfusion_and_fxp_pe),
        cmocka_unit_test(test_asm_pe),
        cmocka_unit_test(test_bad_layer_and_float),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
