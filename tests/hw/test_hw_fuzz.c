/* Robustness: random arithmetic configurations on every PE type and random
 * layer shapes either give a sane estimate or a clean error; mutated and
 * truncated architecture files never crash the parser (run under the
 * sanitizer build for out-of-bounds and UB). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/hw.h"

static int rnd(uint64_t *s, int lo, int hi)
{
    return lo + (int)(fm_test_rand(s) % (uint64_t)(hi - lo + 1));
}

static void random_operand(uint64_t *s, fm_operand_arith *o)
{
    o->bits = rnd(s, 0, 17); /* 0 and 17 are out of range on purpose */
    o->K = rnd(s, 0, 4) == 0 ? 0 : rnd(s, -1, 9);
    o->L = rnd(s, 0, 9);
    o->select = (fm_select)rnd(s, 0, 2);
    o->alphabet = rnd(s, 0, 2) ? 0 : (uint16_t)(fm_test_rand(s) & 0xFFFF);
    o->quartet = 4;
}

static void test_random_configs(void **state)
{
    (void)state;
    uint64_t s = 12345;
    int ok = 0, rejected = 0;
    for (int it = 0; it < 3000; it++) {
        fm_hw_arch a;
        fm_hw_arch_default(&a);
        a.rows = rnd(&s, 1, 32);
        a.cols = rnd(&s, 1, 32);
        a.dataflow = (fm_hw_dataflow)rnd(&s, 0, 2);
        a.pe.type = (fm_hw_pe_type)rnd(&s, 0, FM_PE_TYPE_COUNT - 1);
        a.pe.K = rnd(&s, 1, 8);
        a.pe.multipliers = rnd(&s, 1, 32);
        a.pe.lanes = rnd(&s, 1, 16);
        a.pe.bricks = rnd(&s, 1, 64);
        a.pe.quartet = rnd(&s, 1, 8);
        a.pe.max_alphabet = rnd(&s, 1, 128);
        a.pe.quartets_per_cycle = rnd(&s, 1, 4);
        a.dram_bytes_per_cycle = rnd(&s, 1, 64) / 4.0;
        fm_layer_arith la;
        fm_layer_arith_fxp(&la, 8, 8);
        random_operand(&s, &la.w);
        random_operand(&s, &la.x);
        for (int r = 0; r < FM_MAX_BLOCKS; r++)
            la.pset[r] = (uint16_t)(fm_test_rand(&s) & 0xFFFF);
        int groups = rnd(&s, 1, 4);
        fm_hw_layer l = {"l", groups * rnd(&s, 1, 40), rnd(&s, 1, 40), rnd(&s, 1, 5), 0, 0, 0,
                         0, 0, rnd(&s, 1, 3), groups, it};
        l.S = l.R;
        l.H = l.W = rnd(&s, l.R, 40);
        l.E = l.F = (l.H - l.R) / l.stride + 1;
        if (rnd(&s, 0, 20) == 0)
            l.C = 0; /* a bad shape now and then */
        fm_hw_layer_result r;
        fm_error err = {0};
        fm_status st = fm_hw_estimate_layer(&a, &l, &la, &r, &err);
        if (st) {
            assert_true(strlen(err.msg) > 0);
            rejected++;
            continue;
        }
        ok++;
        assert_true(r.cpm_num > 0 && r.cpm_den > 0);
        assert_true(r.compute_cycles >= r.folds * (2 * a.rows + a.cols - 1));
        assert_true(r.util > 0 && r.util <= 1.0 + 1e-12);
        assert_true(r.map_util > 0 && r.map_util <= 1.0 + 1e-12);
        const double parts[5] = {r.e.mac, r.e.buffers, r.e.dram, r.e.leakage, r.e.total};
        for (int k = 0; k < 5; k++)
            assert_true(isfinite(parts[k]) && parts[k] >= 0);
        assert_true(fabs(r.e.total - (r.e.mac + r.e.buffers + r.e.dram + r.e.leakage)) <=
                    1e-9 * r.e.total);
        assert_true(r.wbits > 0 && r.wbits <= 17 && r.xbits > 0 && r.xbits <= 17);
    }
    /* both outcomes are exercised */
    assert_true(ok > 500);
    assert_true(rejected > 100);
}

static void test_mutated_arch_files(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/hw/asm_nearmem.json", FLEXMAC_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char good[8192];
    size_t n = fread(good, 1, sizeof good - 1, f);
    fclose(f);
    good[n] = '\0';
    static const char junk[] = "{}[]\":,-0123456789.eE ntfaxyz\\";
    uint64_t s = 777;
    char buf[8192];
    for (int it = 0; it < 2000; it++) {
        memcpy(buf, good, n + 1);
        int edits = rnd(&s, 1, 4);
        for (int e = 0; e < edits; e++)
            buf[rnd(&s, 0, (int)n - 1)] = junk[rnd(&s, 0, (int)sizeof junk - 2)];
        if (rnd(&s, 0, 3) == 0)
            buf[rnd(&s, 0, (int)n - 1)] = '\0'; /* truncation */
        fm_hw_arch a;
        fm_error err = {0};
        fm_status st = fm_hw_arch_parse(buf, "m.json", &a, &err);
        if (st) {
            assert_non_null(strstr(err.msg, "m.json"));
        } else {
            assert_int_equal(fm_hw_arch_validate(&a, "m.json", &err), FM_OK);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_configs),
        cmocka_unit_test(test_mutated_arch_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
