/* Byte table mapping: every ISA gives the scalar bytes for every length
 * 0..200 and a long run, every byte value as index, random and edge tables
 * (identity, constant, top-bit patterns); nothing outside dst[0, n) is
 * written (guard bytes), so the masked tail stays in bounds. The
 * multi-plane form likewise, row by row. */
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/kernels.h"

enum { LONG = 4096 + 37, GUARD = 64 };

static void check_table(const uint8_t table[256], const uint8_t *src)
{
    static uint8_t ref[LONG], got[LONG + 2 * GUARD];
    for (size_t n = 0; n <= LONG; n = n < 200 ? n + 1 : n == 200 ? LONG - 1 : n + 1) {
        fm_map_u8_ref(table, src, n, ref);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(ref[i], table[src[i]]);
        for (int isa = 0; isa <= (int)fm_cpu_best_isa(); isa++) {
            memset(got, 0xA5, sizeof got);
            fm_map_u8((fm_isa)isa, table, src, n, got + GUARD);
            assert_memory_equal(ref, got + GUARD, n);
            for (size_t i = 0; i < GUARD; i++) {
                assert_int_equal(got[i], 0xA5);
                assert_int_equal(got[GUARD + n + i], 0xA5);
            }
        }
    }
}

static void test_map_tables(void **state)
{
    (void)state;
    static uint8_t src[LONG], table[256];
    uint64_t s = 11;
    for (int i = 0; i < LONG; i++) /* every byte value first, then random */
        src[i] = i < 256 ? (uint8_t)i : (uint8_t)fm_test_rand(&s);
    for (int t = 0; t < 6; t++) {
        for (int v = 0; v < 256; v++)
            switch (t) {
            case 0: table[v] = (uint8_t)v; break;                 /* identity */
            case 1: table[v] = 0x80; break;                       /* constant */
            case 2: table[v] = (uint8_t)(255 - v); break;         /* reversal */
            case 3: table[v] = (uint8_t)(v < 128 ? 0xFF : 0x00); break; /* top-bit split */
            default: table[v] = (uint8_t)fm_test_rand(&s); break; /* random */
            }
        check_table(table, src);
    }
}

static void test_map_in_place(void **state)
{
    (void)state;
    uint8_t table[256], buf[300], ref[300];
    for (int v = 0; v < 256; v++)
        table[v] = (uint8_t)(v * 7 + 3);
    for (int isa = 0; isa <= (int)fm_cpu_best_isa(); isa++) {
        for (int i = 0; i < 300; i++)
            buf[i] = ref[i] = (uint8_t)(i * 13);
        fm_map_u8_ref(table, ref, 300, ref);
        fm_map_u8((fm_isa)isa, table, buf, 300, buf);
        assert_memory_equal(ref, buf, 300);
    }
}

/* Several tables side by side (fm_map_planes_u8): every ISA writes the
 * reference's bytes into each row's G segments, NULL tables copy, and the
 * gaps between rows (ldd > G*K) and the bytes after the last row stay as
 * they were; source rows with lds > K. */
static void test_map_planes(void **state)
{
    (void)state;
    enum { ROWS = 5, MAXK = 200, MAXG = 5, GAP = 7 };
    static uint8_t tabs[MAXG][256], src[ROWS * (MAXK + 3)];
    static uint8_t ref[ROWS * (MAXG * MAXK + GAP) + 64], got[ROWS * (MAXG * MAXK + GAP) + 64];
    uint64_t s = 5;
    /* plane 1 an AND mask (the fast path), plane 3 the same mask but one
     * entry (must not take it), plane 2 NULL below, the rest random */
    for (int p = 0; p < MAXG; p++)
        for (int v = 0; v < 256; v++)
            tabs[p][v] = p == 1 || p == 3 ? (uint8_t)(v & 0x3C) : (uint8_t)fm_test_rand(&s);
    tabs[3][77] ^= 1;
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)fm_test_rand(&s);
    for (int G = 1; G <= MAXG; G++)
        for (int K = 1; K <= MAXK; K += K < 70 ? 1 : 13) {
            const uint8_t *t[MAXG];
            for (int p = 0; p < G; p++)
                t[p] = p == 2 ? NULL : tabs[p]; /* plane 2: identity */
            const int lds = K + 3, ldd = G * K + GAP;
            memset(ref, 0x5A, sizeof ref);
            fm_map_planes_u8_ref(t, G, src, ROWS, K, lds, ref, ldd);
            for (int r = 0; r < ROWS; r++)
                for (int p = 0; p < G; p++)
                    for (int k = 0; k < K; k++) {
                        uint8_t x = src[r * lds + k];
                        assert_int_equal(ref[r * ldd + p * K + k], t[p] ? t[p][x] : x);
                    }
            for (int isa = 0; isa <= (int)fm_cpu_best_isa(); isa++) {
                memset(got, 0x5A, sizeof got);
                fm_map_planes_u8((fm_isa)isa, t, G, src, ROWS, K, lds, got, ldd);
                assert_memory_equal(ref, got, sizeof got); /* gaps and tail included */
            }
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_tables),
        cmocka_unit_test(test_map_in_place),
        cmocka_unit_test(test_map_planes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
