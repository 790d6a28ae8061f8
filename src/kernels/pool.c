/* Fixed thread pool. Workers sleep on a condition variable between jobs (no
 * spinning: the machine's cores are shared); a job's tasks are handed out
 * one at a time through an atomic counter so uneven tasks balance, and the
 * calling thread works too (it is worker 0). */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "flexmac/kernels.h"

struct fm_pool {
    int n;               /* workers including the caller */
    pthread_t *threads;  /* n - 1 helpers */
    pthread_mutex_t mu;
    pthread_cond_t wake; /* a new job or shutdown */
    pthread_cond_t done; /* last helper finished the job */
    unsigned long gen;   /* job generation, bumped per fm_pool_run */
    int stop;
    int busy;            /* helpers still inside the current job */
    /* current job */
    void (*fn)(void *ctx, int task, int worker);
    void *ctx;
    int ntasks;
    int next; /* atomic: next task to take */
};

typedef struct {
    fm_pool *p;
    int id;
} worker_arg;

static void run_tasks(fm_pool *p, int worker)
{
    for (;;) {
        int t = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
        if (t >= p->ntasks)
            break;
        p->fn(p->ctx, t, worker);
    }
}

static void *worker_main(void *arg)
{
    worker_arg wa = *(worker_arg *)arg;
    free(arg);
    fm_pool *p = wa.p;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->gen == seen)
            pthread_cond_wait(&p->wake, &p->mu);
        if (p->stop)
            break;
        seen = p->gen;
        pthread_mutex_unlock(&p->mu);
        run_tasks(p, wa.id);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

fm_pool *fm_pool_new(int nthreads)
{
    if (nthreads <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        nthreads = c > 0 ? (int)c : 1;
    }
    fm_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->n = nthreads;
    if (pthread_mutex_init(&p->mu, NULL)) {
        free(p);
        return NULL;
    }
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    p->threads = calloc((size_t)nthreads, sizeof(pthread_t));
    if (!p->threads) {
        p->n = 1;
        fm_pool_free(p);
        return NULL;
    }
    for (int i = 1; i < nthreads; i++) {
        worker_arg *wa = malloc(sizeof *wa);
        if (wa) {
            wa->p = p;
            wa->id = i;
        }
        if (!wa || pthread_create(&p->threads[i - 1], NULL, worker_main, wa) != 0) {
            free(wa);
            p->n = i; /* the helpers started so far are joined by free */
            fm_pool_free(p);
            return NULL;
        }
    }
    return p;
}

void fm_pool_free(fm_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i + 1 < p->n; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
}

int fm_pool_size(const fm_pool *p) { return p ? p->n : 1; }

void fm_pool_run(fm_pool *p, int ntasks, void (*fn)(void *ctx, int task, int worker), void *ctx)
{
    if (ntasks <= 0 || !fn)
        return;
    if (!p || p->n == 1 || ntasks == 1) {
        for (int t = 0; t < ntasks; t++)
            fn(ctx, t, 0);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->ntasks = ntasks;
    __atomic_store_n(&p->next, 0, __ATOMIC_RELAXED);
    p->busy = p->n - 1;
    p->gen++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    run_tasks(p, 0);
    pthread_mutex_lock(&p->mu);
    while (p->busy > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
