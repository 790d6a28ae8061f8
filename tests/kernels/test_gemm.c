/* The packed GEMM paths against the scalar reference, bit for bit, for every
 * ISA this CPU has: random and extreme operands, every kind of M/N/K tail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/fm_test.h"
#include "flexmac/kernels.h"

enum { FILL_RANDOM, FILL_MAX, FILL_ZERO, FILL_ALT };

typedef struct {
    int M, N, K, lda_pad, ldc_pad;
    int afill, bfill; /* FILL_* ; FILL_MAX: A 255, B -128 (bfill_val) */
    int bval;
} gemm_case;

static void fill_a(uint8_t *a, size_t n, int how, uint64_t *rs)
{
    for (size_t i = 0; i < n; i++)
        a[i] = how == FILL_MAX ? 255 : how == FILL_ZERO ? 0 : (uint8_t)fm_test_rand(rs);
}

static void fill_b(int8_t *b, size_t n, int how, int val, uint64_t *rs)
{
    for (size_t i = 0; i < n; i++)
        b[i] = how == FILL_MAX    ? (int8_t)val
               : how == FILL_ZERO ? 0
               : how == FILL_ALT  ? (int8_t)((i & 1) ? 127 : -128)
                                  : (int8_t)fm_test_rand(rs);
}

/* Runs one case on every ISA, plain and accumulating; returns mismatches. */
static int check_case(const gemm_case *t, uint64_t *rs)
{
    const int lda = t->K + t->lda_pad, ldb = t->K + 3, ldc = t->N + t->ldc_pad;
    uint8_t *A = malloc((size_t)t->M * lda);
    int8_t *B = malloc((size_t)t->N * ldb);
    int32_t *ref = malloc(sizeof(int32_t) * (size_t)t->M * ldc);
    int32_t *got = malloc(sizeof(int32_t) * (size_t)t->M * ldc);
    int32_t *init = malloc(sizeof(int32_t) * (size_t)t->M * ldc);
    assert_non_null(A);
    assert_non_null(B);
    assert_non_null(ref);
    assert_non_null(got);
    assert_non_null(init);
    fill_a(A, (size_t)t->M * lda, t->afill, rs);
    fill_b(B, (size_t)t->N * ldb, t->bfill, t->bval, rs);
    for (size_t i = 0; i < (size_t)t->M * ldc; i++)
        init[i] = (int32_t)fm_test_rand(rs);
    int bad = 0;
    for (int isa = FM_ISA_SCALAR; isa <= (int)fm_cpu_best_isa(); isa++) {
        fm_packed_s8 *P = fm_pack_s8((fm_isa)isa, t->N, t->K, B, ldb);
        assert_non_null(P);
        assert_int_equal(fm_packed_s8_isa(P), isa);
        /* colsum */
        for (int n = 0; n < t->N; n++) {
            int32_t s = 0;
            for (int k = 0; k < t->K; k++)
                s += B[(size_t)n * ldb + k];
            assert_int_equal(fm_packed_s8_colsum(P)[n], s);
        }
        /* plain: padding columns of C (n >= N) must stay untouched */
        memcpy(ref, init, sizeof(int32_t) * (size_t)t->M * ldc);
        memcpy(got, init, sizeof(int32_t) * (size_t)t->M * ldc);
        fm_gemm_u8s8s32_ref(t->M, t->N, t->K, A, lda, B, ldb, ref, ldc);
        fm_gemm_u8s8s32(P, t->M, A, lda, got, ldc);
        if (memcmp(ref, got, sizeof(int32_t) * (size_t)t->M * ldc) != 0) {
            fprintf(stderr, "mismatch isa=%s M=%d N=%d K=%d\n", fm_isa_name((fm_isa)isa), t->M,
                    t->N, t->K);
            bad++;
        }
        /* accumulate: got = init + A*B^T (mod 2^32) */
        memcpy(got, init, sizeof(int32_t) * (size_t)t->M * ldc);
        fm_gemm_u8s8s32_acc(P, t->M, A, lda, got, ldc);
        for (int m = 0; m < t->M; m++)
            for (int n = 0; n < ldc; n++) {
                size_t i = (size_t)m * ldc + n;
                int32_t want =
                    n < t->N ? (int32_t)((uint32_t)init[i] + (uint32_t)ref[i]) : init[i];
                if (got[i] != want) {
                    fprintf(stderr, "acc mismatch isa=%s M=%d N=%d K=%d at %d,%d\n",
                            fm_isa_name((fm_isa)isa), t->M, t->N, t->K, m, n);
                    bad++;
                    m = t->M;
                    break;
                }
            }
        fm_packed_s8_free(P);
    }
    free(A);
    free(B);
    free(ref);
    free(got);
    free(init);
    return bad;
}

static void test_tails_random(void **state)
{
    (void)state;
    uint64_t rs = 0x1234567;
    static const int Ms[] = {1, 2, 5, 6, 7, 13, 16, 17, 49, 100};
    static const int Ns[] = {1, 3, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 100, 130};
    static const int Ks[] = {1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 127, 144, 513, 1030};
    int bad = 0;
    for (size_t a = 0; a < sizeof Ms / sizeof *Ms; a++)
        for (size_t b = 0; b < sizeof Ns / sizeof *Ns; b++)
            for (size_t c = 0; c < sizeof Ks / sizeof *Ks; c++) {
                if (Ms[a] * Ns[b] * Ks[c] > 500000)
                    continue;
                gemm_case t = {Ms[a], Ns[b], Ks[c], (int)(a + c) % 5, (int)b % 3,
                               FILL_RANDOM, FILL_RANDOM, 0};
                bad += check_case(&t, &rs);
            }
    assert_int_equal(bad, 0);
}

static void test_extremes(void **state)
{
    (void)state;
    uint64_t rs = 99;
    const gemm_case cases[] = {
        /* largest |sums|: 255 * -128 and 255 * 127 over big K, still exact int32 */
        {37, 70, 4608, 0, 0, FILL_MAX, FILL_MAX, -128},
        {37, 70, 4608, 1, 2, FILL_MAX, FILL_MAX, 127},
        {9, 33, 4611, 3, 0, FILL_MAX, FILL_ALT, 0},
        {20, 20, 300, 0, 0, FILL_ZERO, FILL_RANDOM, 0},
        {20, 20, 300, 0, 0, FILL_RANDOM, FILL_ZERO, 0},
        {1, 1, 1, 0, 0, FILL_MAX, FILL_MAX, -128},
        {1, 512, 4608, 0, 0, FILL_RANDOM, FILL_RANDOM, 0},
        {200, 1, 577, 2, 0, FILL_RANDOM, FILL_RANDOM, 0},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        bad += check_case(&cases[i], &rs);
    assert_int_equal(bad, 0);
}

static void test_conv_shapes(void **state)
{
    (void)state;
    uint64_t rs = 7;
    /* ResNet-20 style layers (smaller M) */
    const gemm_case cases[] = {
        {300, 16, 144, 0, 0, FILL_RANDOM, FILL_RANDOM, 0},
        {300, 32, 288, 0, 0, FILL_RANDOM, FILL_RANDOM, 0},
        {130, 64, 576, 0, 0, FILL_RANDOM, FILL_RANDOM, 0},
        {50, 256, 2304, 0, 0, FILL_RANDOM, FILL_RANDOM, 0},
        {3, 10, 27, 0, 0, FILL_RANDOM, FILL_RANDOM, 0},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        bad += check_case(&cases[i], &rs);
    assert_int_equal(bad, 0);
}

/* A ends exactly at a page that faults (PROT_NONE): every K tail of every
 * kernel (quad and broadcast layouts, N tails) must read only its row's K
 * bytes, or this test dies with SIGSEGV. */
static void test_tails_at_page_end(void **state)
{
    (void)state;
    const long page = sysconf(_SC_PAGESIZE);
    static const int Ns[] = {1, 10, 16, 17, 40, 64, 70};
    static const int Ks[] = {1, 2, 3, 5, 15, 17, 27, 33, 63, 65, 77, 145};
    uint64_t rs = 42;
    int bad = 0;
    for (size_t a = 0; a < sizeof Ns / sizeof *Ns; a++)
        for (size_t b = 0; b < sizeof Ks / sizeof *Ks; b++) {
            const int M = 7, N = Ns[a], K = Ks[b];
            size_t bytes = (size_t)M * K, span = ((bytes + page - 1) / page + 1) * page;
            uint8_t *map = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                -1, 0);
            assert_true(map != MAP_FAILED);
            assert_int_equal(mprotect(map + span - page, (size_t)page, PROT_NONE), 0);
            uint8_t *A = map + span - page - bytes;
            int8_t *B = malloc((size_t)N * K);
            int32_t *ref = malloc(sizeof(int32_t) * M * N), *got = malloc(sizeof(int32_t) * M * N);
            assert_non_null(B);
            assert_non_null(ref);
            assert_non_null(got);
            fill_a(A, bytes, FILL_RANDOM, &rs);
            fill_b(B, (size_t)N * K, FILL_RANDOM, 0, &rs);
            fm_gemm_u8s8s32_ref(M, N, K, A, K, B, K, ref, N);
            for (int isa = FM_ISA_SCALAR; isa <= (int)fm_cpu_best_isa(); isa++) {
                fm_packed_s8 *P = fm_pack_s8((fm_isa)isa, N, K, B, K);
                assert_non_null(P);
                fm_gemm_u8s8s32(P, M, A, K, got, N);
                bad += memcmp(ref, got, sizeof(int32_t) * M * N) != 0;
                fm_packed_s8_free(P);
            }
            free(B);
            free(ref);
            free(got);
            munmap(map, span);
        }
    assert_int_equal(bad, 0);
}

static void test_pack_bad_input(void **state)
{
    (void)state;
    int8_t b[8] = {0};
    assert_null(fm_pack_s8(FM_ISA_SCALAR, 0, 4, b, 4));
    assert_null(fm_pack_s8(FM_ISA_SCALAR, 1, 0, b, 4));
    assert_null(fm_pack_s8(FM_ISA_SCALAR, 1, 4, NULL, 4));
    assert_null(fm_pack_s8(FM_ISA_SCALAR, 2, 4, b, 3)); /* ldb < K */
    /* an ISA beyond this CPU is capped, never a layout that would fault */
    fm_packed_s8 *p = fm_pack_s8((fm_isa)FM_ISA_COUNT, 2, 4, b, 4);
    assert_non_null(p);
    assert_int_equal(fm_packed_s8_isa(p), fm_cpu_best_isa());
    assert_int_equal(fm_packed_s8_n(p), 2);
    assert_int_equal(fm_packed_s8_k(p), 4);
    fm_packed_s8_free(p);
    fm_packed_s8_free(NULL);
}

static void test_s16_ref(void **state)
{
    (void)state;
    /* int16 extremes need int64: 4 * 32768 * 32768 = 2^32 */
    int16_t a[4] = {-32768, -32768, -32768, -32768}, b[4] = {-32768, -32768, -32768, -32768};
    int64_t c[2] = {0, 0};
    fm_gemm_s16s16s64_ref(1, 1, 4, a, 4, b, 4, c, 2);
    assert_true(c[0] == (int64_t)4 * 32768 * 32768);
    int16_t a2[6] = {1, 2, 3, 4, 5, 6}, b2[6] = {-1, 0, 1, 32767, -32768, 2};
    int64_t c2[4];
    fm_gemm_s16s16s64_ref(2, 2, 3, a2, 3, b2, 3, c2, 2);
    assert_true(c2[0] == -1 + 3);
    assert_true(c2[1] == 32767 - 2 * 32768 + 6);
    assert_true(c2[2] == -4 + 6);
    assert_true(c2[3] == 4 * 32767 - 5 * 32768 + 12);
}

static void test_isa_names(void **state)
{
    (void)state;
    for (int i = 0; i < FM_ISA_COUNT; i++)
        assert_int_equal(fm_isa_parse(fm_isa_name((fm_isa)i)), i);
    assert_int_equal(fm_isa_parse("avx9000"), -1);
    assert_int_equal(fm_isa_parse(NULL), -1);
    assert_true(fm_cpu_best_isa() >= FM_ISA_SCALAR && fm_cpu_best_isa() < FM_ISA_COUNT);
    fprintf(stderr, "best isa here: %s\n", fm_isa_name(fm_cpu_best_isa()));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isa_names),     cmocka_unit_test(test_tails_random),
        cmocka_unit_test(test_extremes),      cmocka_unit_test(test_conv_shapes),
        cmocka_unit_test(test_tails_at_page_end),
        cmocka_unit_test(test_pack_bad_input), cmocka_unit_test(test_s16_ref),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
