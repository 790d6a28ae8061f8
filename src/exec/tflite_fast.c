/* Driver of the fast TFLite executor: plan (tensor layouts, prepared MAC
 * layers and ADDs), per-worker buffers, and the per-sample node loop.
 *
 * Conv / depthwise / fully connected layers and ADD run on bytes with the
 * fast kernels (tflite_fast_mac.c). Every other node (pooling, MEAN,
 * softmax, reshape, concat, pad, ...) is cheap in the MobileNets and runs
 * the reference kernel itself (tref_node) on int32 NCHW copies of its
 * operands, so the two paths share that code rather than duplicate it.
 * Each sample is one task: the thread count cannot change a result. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec/tflite_fast_internal.h"

#define FAIL(code, ...) fm_error_set(err, (code), __VA_ARGS__)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int is_int(fm_dtype d)
{
    return d == FM_U8 || d == FM_I8 || d == FM_I16 || d == FM_I32;
}

/* Activations must be 8-bit with one scale; constants any integer dtype. */
static fm_status describe_tensors(fm_tflite_fast *f, fm_error *err)
{
    const fm_graph *g = f->g;
    for (int t = 0; t < g->n_tensors; t++) {
        const fm_tensor *ts = &g->tensors[t];
        tfast_tensor *x = &f->t[t];
        x->numel = fm_tensor_numel(ts);
        if (ts->data)
            continue;
        int used = t == g->input || t == g->output || fm_graph_producer(g, t) >= 0 || fm_graph_consumers(g, t) > 0;
        if (!used)
            continue;
        if (ts->dtype != FM_U8 && ts->dtype != FM_I8)
            return FAIL(FM_ERR_UNSUPPORTED, "tensor '%s': %s activation (the fast TFLite path holds 8-bit ones)",
                        ts->name, fm_dtype_name(ts->dtype));
        if (ts->q.n != 1 || !(ts->q.scale[0] > 0.0f))
            return FAIL(FM_ERR_UNSUPPORTED, "tensor '%s': needs one positive scale (has %d)", ts->name, ts->q.n);
        int32_t lo, hi;
        tref_dtype_range(ts->dtype, &lo, &hi);
        if (ts->q.zero_point[0] < lo || ts->q.zero_point[0] > hi)
            return FAIL(FM_ERR_UNSUPPORTED, "tensor '%s': zero point %d outside its dtype", ts->name,
                        ts->q.zero_point[0]);
        if (x->numel <= 0 || x->numel > ((int64_t)1 << 28))
            return FAIL(FM_ERR_UNSUPPORTED, "tensor '%s': %lld elements", ts->name, (long long)x->numel);
        x->is_act = 1;
        x->off = ts->dtype == FM_I8 ? 128 : 0;
        if (ts->ndim == 4) {
            if (ts->shape[0] != 1)
                return FAIL(FM_ERR_SHAPE, "tensor '%s': batch %lld (graphs hold batch 1)", ts->name,
                            (long long)ts->shape[0]);
            x->nhwc = 1;
            x->C = (int)ts->shape[1];
            x->H = (int)ts->shape[2];
            x->W = (int)ts->shape[3];
        }
    }
    return FM_OK;
}

static fm_status plan_node(fm_tflite_fast *f, int i, fm_error *err)
{
    const fm_graph *g = f->g;
    const fm_node *n = &g->nodes[i];
    tfast_node *fn = &f->nodes[i];
    fm_status st;
    if (n->n_out != 1 || n->n_in < 1 || n->n_in > FM_MAX_IO)
        return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (%s): %d inputs / %d outputs", n->name, fm_op_name(n->op),
                    n->n_in, n->n_out);
    for (int k = 0; k < n->n_in + 1; k++) {
        int t = k < n->n_in ? n->in[k] : n->out[0];
        if (t < 0 && k < n->n_in && k >= 2)
            continue;
        if (t < 0 || t >= g->n_tensors)
            return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (%s): operand %d has no tensor", n->name, fm_op_name(n->op),
                        k);
        if (!g->tensors[t].data && !f->t[t].is_act)
            return FAIL(FM_ERR_INTERNAL, "node '%s': tensor '%s' not described", n->name, g->tensors[t].name);
        if (g->tensors[t].data && !is_int(g->tensors[t].dtype))
            return FAIL(FM_ERR_UNSUPPORTED, "node '%s' (%s): constant '%s' is %s", n->name, fm_op_name(n->op),
                        g->tensors[t].name, fm_dtype_name(g->tensors[t].dtype));
    }
    if (g->tensors[n->out[0]].data)
        return FAIL(FM_ERR_INVALID, "node '%s' (%s): writes a constant", n->name, fm_op_name(n->op));
    if ((n->op == FM_OP_CONV || n->op == FM_OP_GEMM) && f->t[n->in[0]].is_act) {
        if (!(fn->mac = calloc(1, sizeof *fn->mac)))
            return FAIL(FM_ERR_NOMEM, "out of memory");
        if ((st = tfast_mac_prepare(f, i, fn->mac, err)) != FM_OK)
            return st;
        fn->kind = fn->mac->dw_w ? TFAST_DW : TFAST_GEMM;
        fn->prof = fn->mac->dw_w ? FM_TFAST_DEPTHWISE : FM_TFAST_CONV;
        return FM_OK;
    }
    if (n->op == FM_OP_ADD && n->n_in == 2 && f->t[n->in[0]].is_act && f->t[n->in[1]].is_act) {
        const fm_tensor *a = &g->tensors[n->in[0]], *b = &g->tensors[n->in[1]], *y = &g->tensors[n->out[0]];
        int same = a->ndim == y->ndim && b->ndim == y->ndim;
        for (int d = 0; same && d < y->ndim; d++)
            same = a->shape[d] == y->shape[d] && b->shape[d] == y->shape[d];
        if (same) {
            int32_t lo, hi;
            tref_act_range(n, y, y->q.scale[0], y->q.zero_point[0], &lo, &hi);
            tref_add_prepare(a->q.scale[0], a->q.zero_point[0], b->q.scale[0], b->q.zero_point[0], y->q.scale[0],
                             y->q.zero_point[0], lo, hi, &fn->add);
            fn->kind = TFAST_ADD;
            fn->prof = FM_TFAST_ADD;
            return FM_OK;
        }
    }
    /* everything else: the reference kernel on int32 copies */
    fn->kind = TFAST_REF;
    fn->prof = FM_TFAST_OTHER;
    for (int k = 0; k < n->n_in; k++) {
        int t = n->in[k];
        if (t < 0 || !g->tensors[t].data || f->cq32[t])
            continue;
        const fm_tensor *ts = &g->tensors[t];
        int64_t cnt = f->t[t].numel;
        if (cnt < 0 || cnt > ((int64_t)1 << 28) || !(f->cq32[t] = malloc((size_t)(cnt > 0 ? cnt : 1) * 4)))
            return FAIL(FM_ERR_NOMEM, "constant '%s': out of memory", ts->name);
        for (int64_t j = 0; j < cnt; j++) {
            switch (ts->dtype) {
            case FM_U8: f->cq32[t][j] = ((const uint8_t *)ts->data)[j]; break;
            case FM_I8: f->cq32[t][j] = ((const int8_t *)ts->data)[j]; break;
            case FM_I16: { int16_t v; memcpy(&v, (const uint8_t *)ts->data + 2 * j, 2); f->cq32[t][j] = v; break; }
            default: memcpy(&f->cq32[t][j], (const uint8_t *)ts->data + 4 * j, 4); break;
            }
        }
    }
    return FM_OK;
}

static fm_status alloc_worker(fm_tflite_fast *f, tfast_worker *w, fm_error *err)
{
    const fm_graph *g = f->g;
    w->buf = calloc((size_t)g->n_tensors, sizeof *w->buf);
    w->q32 = calloc((size_t)g->n_tensors, sizeof *w->q32);
    w->view = calloc((size_t)g->n_tensors, sizeof *w->view);
    if (!w->buf || !w->q32 || !w->view)
        return FAIL(FM_ERR_NOMEM, "out of memory");
    for (int t = 0; t < g->n_tensors; t++)
        if (f->t[t].is_act && !(w->buf[t] = malloc((size_t)f->t[t].numel)))
            return FAIL(FM_ERR_NOMEM, "tensor '%s': out of memory", g->tensors[t].name);
    for (int i = 0; i < g->n_nodes; i++) {
        const fm_node *n = &g->nodes[i];
        if (f->nodes[i].kind != TFAST_REF)
            continue;
        for (int k = 0; k < n->n_in + 1; k++) {
            int t = k < n->n_in ? n->in[k] : n->out[0];
            if (t >= 0 && f->t[t].is_act && !w->q32[t] && !(w->q32[t] = malloc((size_t)f->t[t].numel * 4)))
                return FAIL(FM_ERR_NOMEM, "tensor '%s': out of memory", g->tensors[t].name);
        }
    }
    w->col = malloc(f->col_cap + 64);
    w->grp = malloc(f->grp_cap + 64);
    w->acc = malloc(f->acc_cap * sizeof(int32_t) + 64);
    w->accr = malloc(f->acc_cap * sizeof(int32_t) + 64);
    if (!w->col || !w->grp || !w->acc || !w->accr)
        return FAIL(FM_ERR_NOMEM, "out of memory");
    return FM_OK;
}

static void free_worker(const fm_tflite_fast *f, tfast_worker *w)
{
    if (w->buf)
        for (int t = 0; t < f->g->n_tensors; t++)
            free(w->buf[t]);
    if (w->q32)
        for (int t = 0; t < f->g->n_tensors; t++)
            free(w->q32[t]);
    free(w->buf);
    free(w->q32);
    free(w->view);
    free(w->col);
    free(w->grp);
    free(w->acc);
    free(w->accr);
}

fm_status fm_tflite_fast_create(const fm_graph *g, int threads, fm_isa isa_cap, fm_tflite_fast **out,
                                fm_error *err)
{
    fm_status st;
    *out = NULL;
    if (!g || g->input < 0 || g->output < 0 || g->input >= g->n_tensors || g->output >= g->n_tensors)
        return FAIL(FM_ERR_INVALID, "tflite_fast: graph without input/output");
    fm_tflite_fast *f = calloc(1, sizeof *f);
    if (!f)
        return FAIL(FM_ERR_NOMEM, "out of memory");
    f->g = g;
    fm_isa best = fm_cpu_best_isa();
    f->isa = isa_cap < best ? isa_cap : best;
    if (threads <= 0)
        threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    f->n_workers = threads < 1 ? 1 : threads;
    f->t = calloc((size_t)g->n_tensors, sizeof *f->t);
    f->nodes = calloc((size_t)(g->n_nodes ? g->n_nodes : 1), sizeof *f->nodes);
    f->cq32 = calloc((size_t)g->n_tensors, sizeof *f->cq32);
    if (!f->t || !f->nodes || !f->cq32) {
        st = FAIL(FM_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((st = describe_tensors(f, err)) != FM_OK)
        goto fail;
    if (!f->t[g->input].is_act || !f->t[g->output].is_act) {
        st = FAIL(FM_ERR_UNSUPPORTED, "tflite_fast: input and output must be 8-bit activations");
        goto fail;
    }
    for (int i = 0; i < g->n_nodes; i++)
        if ((st = plan_node(f, i, err)) != FM_OK)
            goto fail;
    for (int i = 0; i < g->n_nodes; i++) {
        const tfast_mac *m = f->nodes[i].mac;
        if (!m)
            continue;
        size_t col = m->pointwise || m->dw_w ? 0 : (size_t)TFAST_ROW_TILE * m->K;
        size_t grp = m->group > 1 && !m->dw_w ? (size_t)m->H * m->W * m->cg : 0;
        size_t acc = m->dw_w ? (size_t)m->OH * m->OW * m->C : (size_t)TFAST_ROW_TILE * (m->ocg + 1);
        f->col_cap = col > f->col_cap ? col : f->col_cap;
        f->grp_cap = grp > f->grp_cap ? grp : f->grp_cap;
        f->acc_cap = acc > f->acc_cap ? acc : f->acc_cap;
    }
    f->pool = fm_pool_new(f->n_workers);
    f->w = calloc((size_t)f->n_workers, sizeof *f->w);
    if (!f->pool || !f->w) {
        st = FAIL(FM_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int i = 0; i < f->n_workers; i++)
        if ((st = alloc_worker(f, &f->w[i], err)) != FM_OK)
            goto fail;
    *out = f;
    return FM_OK;
fail:
    if (g->path)
        fm_error_prefix(err, "%s", g->path);
    fm_tflite_fast_free(f);
    return st;
}

void fm_tflite_fast_free(fm_tflite_fast *f)
{
    if (!f)
        return;
    if (f->w)
        for (int i = 0; i < f->n_workers; i++)
            free_worker(f, &f->w[i]);
    free(f->w);
    fm_pool_free(f->pool);
    if (f->nodes)
        for (int i = 0; i < f->g->n_nodes; i++) {
            tfast_mac_free(f->nodes[i].mac);
            free(f->nodes[i].mac);
        }
    if (f->cq32)
        for (int t = 0; t < f->g->n_tensors; t++)
            free(f->cq32[t]);
    free(f->cq32);
    free(f->nodes);
    free(f->t);
    free(f);
}

int64_t fm_tflite_fast_input_numel(const fm_tflite_fast *f) { return f->t[f->g->input].numel; }
int64_t fm_tflite_fast_output_numel(const fm_tflite_fast *f) { return f->t[f->g->output].numel; }
fm_isa fm_tflite_fast_isa(const fm_tflite_fast *f) { return f->isa; }

void fm_tflite_fast_profile(fm_tflite_fast *f, int enable)
{
    f->profile = enable;
    for (int i = 0; i < f->n_workers; i++)
        memset(f->w[i].prof, 0, sizeof f->w[i].prof);
}

void fm_tflite_fast_profile_get(const fm_tflite_fast *f, double seconds[FM_TFAST_KINDS])
{
    for (int k = 0; k < FM_TFAST_KINDS; k++) {
        seconds[k] = 0;
        for (int i = 0; i < f->n_workers; i++)
            seconds[k] += f->w[i].prof[k];
    }
}

/* Bytes (layout of t) <-> int32 values in NCHW order, q = u - off. */
static void bytes_to_q32(const tfast_tensor *t, const uint8_t *u, int32_t *q)
{
    if (!t->nhwc) {
        for (int64_t i = 0; i < t->numel; i++)
            q[i] = (int32_t)u[i] - t->off;
        return;
    }
    int64_t hw = (int64_t)t->H * t->W;
    for (int64_t p = 0; p < hw; p++)
        for (int c = 0; c < t->C; c++)
            q[c * hw + p] = (int32_t)u[p * t->C + c] - t->off;
}

static void q32_to_bytes(const tfast_tensor *t, const int32_t *q, uint8_t *u)
{
    int64_t hw = t->nhwc ? (int64_t)t->H * t->W : t->numel;
    int C = t->nhwc ? t->C : 1;
    for (int64_t p = 0; p < hw; p++)
        for (int c = 0; c < C; c++)
            u[p * C + c] = (uint8_t)(q[c * hw + p] + t->off); /* reference kernels clamp to the dtype */
}

static fm_status run_ref_node(const fm_tflite_fast *f, tfast_worker *w, const fm_node *n, fm_error *err)
{
    /* tref_node reads r->v[t] of its operands only: a sparse view, cleared
     * again afterwards */
    tref_val *view = w->view;
    for (int k = 0; k < n->n_in; k++) {
        int t = n->in[k];
        if (t < 0)
            continue;
        if (f->t[t].is_act) {
            bytes_to_q32(&f->t[t], w->buf[t], w->q32[t]);
            view[t].q = w->q32[t];
        } else {
            view[t].q = f->cq32[t];
        }
    }
    int to = n->out[0];
    view[to].q = w->q32[to];
    tref r = {.g = f->g, .v = view};
    fm_status st = tref_node(&r, n, err);
    if (st == FM_OK)
        q32_to_bytes(&f->t[to], w->q32[to], w->buf[to]);
    for (int k = 0; k < n->n_in; k++)
        if (n->in[k] >= 0)
            view[n->in[k]].q = NULL;
    view[to].q = NULL;
    return st;
}

static fm_status run_node(const fm_tflite_fast *f, tfast_worker *w, int i, fm_error *err)
{
    const fm_node *n = &f->g->nodes[i];
    const tfast_node *fn = &f->nodes[i];
    switch (fn->kind) {
    case TFAST_GEMM:
    case TFAST_DW:
        tfast_mac_run(f, w, fn->mac, w->buf[n->in[0]], w->buf[n->out[0]]);
        return FM_OK;
    case TFAST_ADD: {
        const uint8_t *a = w->buf[n->in[0]], *b = w->buf[n->in[1]];
        uint8_t *y = w->buf[n->out[0]];
        int32_t oa = f->t[n->in[0]].off, ob = f->t[n->in[1]].off, oy = f->t[n->out[0]].off;
        for (int64_t k = 0; k < f->t[n->out[0]].numel; k++)
            y[k] = (uint8_t)(tref_add_one(&fn->add, (int32_t)a[k] - oa, (int32_t)b[k] - ob) + oy);
        return FM_OK;
    }
    default:
        return run_ref_node(f, w, n, err);
    }
}

typedef struct run_ctx {
    fm_tflite_fast *f;
    const void *in;
    int in_f32;
    void *out;
    float *out_f;
} run_ctx;

/* One sample: input (NCHW, dtype or float) -> bytes; nodes; output. */
static void run_sample(void *arg, int task, int worker)
{
    run_ctx *c = arg;
    fm_tflite_fast *f = c->f;
    tfast_worker *w = &f->w[worker];
    const fm_graph *g = f->g;
    if (w->status != FM_OK)
        return;
    const tfast_tensor *ti = &f->t[g->input], *to = &f->t[g->output];
    const fm_tensor *tin = &g->tensors[g->input], *tout = &g->tensors[g->output];
    int64_t nin = ti->numel, nout = to->numel;
    int64_t hw = ti->nhwc ? (int64_t)ti->H * ti->W : nin;
    int C = ti->nhwc ? ti->C : 1;
    int32_t lo, hi;
    tref_dtype_range(tin->dtype, &lo, &hi);
    uint8_t *xb = w->buf[g->input];
    for (int64_t p = 0; p < hw; p++)
        for (int ch = 0; ch < C; ch++) {
            int64_t si = (int64_t)task * nin + (int64_t)ch * hw + p;
            int32_t q;
            if (c->in_f32) {
                float v = ((const float *)c->in)[si];
                /* round half away from zero, saturate (NaN -> lo) */
                q = v >= (float)hi ? hi : v > (float)lo ? (int32_t)lroundf(v) : lo;
            } else {
                q = tin->dtype == FM_U8 ? ((const uint8_t *)c->in)[si] : ((const int8_t *)c->in)[si];
            }
            xb[p * C + ch] = (uint8_t)(q + ti->off);
        }
    for (int i = 0; i < g->n_nodes; i++) {
        double t0 = f->profile ? now_s() : 0.0;
        if ((w->status = run_node(f, w, i, &w->err)) != FM_OK) {
            fm_error_prefix(&w->err, "%s", g->path ? g->path : "graph");
            return;
        }
        if (f->profile)
            w->prof[f->nodes[i].prof] += now_s() - t0;
    }
    const uint8_t *yb = w->buf[g->output];
    float s = tout->q.scale[0];
    int32_t zp = tout->q.zero_point[0];
    hw = to->nhwc ? (int64_t)to->H * to->W : nout;
    C = to->nhwc ? to->C : 1;
    for (int64_t p = 0; p < hw; p++)
        for (int ch = 0; ch < C; ch++) {
            int64_t di = (int64_t)task * nout + (int64_t)ch * hw + p;
            int32_t q = (int32_t)yb[p * C + ch] - to->off;
            if (c->out) {
                if (tout->dtype == FM_U8)
                    ((uint8_t *)c->out)[di] = (uint8_t)q;
                else
                    ((int8_t *)c->out)[di] = (int8_t)q;
            }
            if (c->out_f)
                c->out_f[di] = (float)((double)s * (double)(q - zp));
        }
}

static fm_status run(fm_tflite_fast *f, const void *in, int in_f32, int n, void *out, float *out_f, fm_error *err)
{
    if (n < 0 || (n > 0 && !in))
        return FAIL(FM_ERR_INVALID, "tflite_fast: %d samples, input %p", n, in);
    run_ctx c = {f, in, in_f32, out, out_f};
    fm_pool_run(f->pool, n, run_sample, &c);
    for (int i = 0; i < f->n_workers; i++)
        if (f->w[i].status != FM_OK) {
            fm_status st = f->w[i].status;
            if (err)
                *err = f->w[i].err;
            for (int j = 0; j < f->n_workers; j++)
                f->w[j].status = FM_OK;
            return st;
        }
    return FM_OK;
}

fm_status fm_tflite_fast_run(fm_tflite_fast *f, const void *input, int n, void *output, float *output_f,
                             fm_error *err)
{
    return run(f, input, 0, n, output, output_f, err);
}

fm_status fm_tflite_fast_run_f32(fm_tflite_fast *f, const float *x, int n, float *y, fm_error *err)
{
    return run(f, x, 1, n, NULL, y, err);
}
