/* The thread pool: every task runs exactly once, on a valid worker, for many
 * runs, odd task counts, a pool of 1 and zero tasks. */
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/kernels.h"

typedef struct {
    int *hits;    /* per task */
    int nworkers;
    int bad_worker;
    long long sum;
} job;

static void task_fn(void *ctx, int task, int worker)
{
    job *j = ctx;
    __atomic_fetch_add(&j->hits[task], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&j->sum, (long long)task, __ATOMIC_RELAXED);
    if (worker < 0 || worker >= j->nworkers)
        __atomic_store_n(&j->bad_worker, 1, __ATOMIC_RELAXED);
}

static void run_many(int nthreads)
{
    fm_pool *p = fm_pool_new(nthreads);
    assert_non_null(p);
    int n = fm_pool_size(p);
    assert_true(n >= 1);
    if (nthreads > 0)
        assert_int_equal(n, nthreads);
    int hits[1000];
    for (int run = 0; run < 300; run++) {
        int ntasks = (run * 37) % 1000;
        memset(hits, 0, sizeof hits);
        job j = {hits, n, 0, 0};
        fm_pool_run(p, ntasks, task_fn, &j);
        for (int t = 0; t < ntasks; t++)
            assert_int_equal(hits[t], 1);
        assert_true(j.sum == (long long)ntasks * (ntasks - 1) / 2);
        assert_int_equal(j.bad_worker, 0);
    }
    fm_pool_free(p);
}

static void test_pool_default(void **state)
{
    (void)state;
    run_many(0);
}

static void test_pool_one(void **state)
{
    (void)state;
    run_many(1);
}

static void test_pool_many(void **state)
{
    (void)state;
    run_many(4); /* more workers than cores */
}

static void test_pool_zero_tasks(void **state)
{
    (void)state;
    fm_pool *p = fm_pool_new(3);
    assert_non_null(p);
    int hits[1] = {0};
    job j = {hits, 3, 0, 0};
    fm_pool_run(p, 0, task_fn, &j);
    fm_pool_run(p, -5, task_fn, &j);
    assert_int_equal(hits[0], 0);
    fm_pool_run(p, 1, task_fn, &j);
    assert_int_equal(hits[0], 1);
    fm_pool_free(p);
    fm_pool_free(NULL);
    assert_int_equal(fm_pool_size(NULL), 1);
}

static void test_pool_create_free(void **state)
{
    (void)state;
    for (int i = 0; i < 50; i++) { /* no job ever run: shutdown must not hang */
        fm_pool *p = fm_pool_new(1 + i % 4);
        assert_non_null(p);
        fm_pool_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_default),    cmocka_unit_test(test_pool_one),
        cmocka_unit_test(test_pool_many),       cmocka_unit_test(test_pool_zero_tasks),
        cmocka_unit_test(test_pool_create_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
