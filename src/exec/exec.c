/* Executor life cycle and the per-worker node loop. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/exec_internal.h"

void openblas_set_num_threads(int);

void fm_exec_opts_default(fm_exec_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_batch = 64;
    o->isa_cap = FM_ISA_COUNT;
}

static fm_status alloc_worker(fm_exec *e, fm_worker *w, fm_error *err)
{
    size_t max_in = 0, max_col = 0, max_acc = 0, max_map = 0;
    w->slot = calloc((size_t)(e->n_slots ? e->n_slots : 1), sizeof *w->slot);
    if (!w->slot)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    for (int s = 0; s < e->n_slots; s++) {
        w->slot[s] = malloc((size_t)e->chunk * (size_t)e->slot_elems[s] * sizeof(float));
        if (!w->slot[s])
            return fm_error_set(err, FM_ERR_NOMEM, "out of memory for %lld activations",
                                (long long)e->chunk * e->slot_elems[s]);
    }
    for (int i = 0; i < e->n_macs; i++) {
        const fm_mac *m = &e->macs[i];
        size_t in = (size_t)e->chunk * m->H * m->W * m->C;
        size_t col = (size_t)FM_MAC_ROW_TILE * m->K + (m->group > 1 ? (size_t)m->H * m->W * m->cg : 0);
        size_t map = col;
        if (m->cat) /* a tile mapped into all planes, side by side */
            map = (size_t)fm_mac_cat_tile(m) * m->K * (size_t)m->n_planes;
        map = map > col ? map : col;
        size_t acc = (size_t)FM_MAC_ROW_TILE * m->ocg;
        if (fm_mac_is_depthwise(m)) {
            /* one sample's outputs, twice (sum of planes); its mapped input */
            acc = acc > 2 * (size_t)m->OH * m->OW * m->C ? acc : 2 * (size_t)m->OH * m->OW * m->C;
            size_t hwc = (size_t)m->H * m->W * m->C;
            map = map > hwc ? map : hwc;
        }
        max_in = in > max_in ? in : max_in;
        max_col = col > max_col ? col : max_col;
        max_map = map > max_map ? map : max_map;
        max_acc = acc > max_acc ? acc : max_acc;
    }
    w->q8 = malloc(max_in + 64);
    w->col = malloc(max_col * sizeof(float) + 64);
    w->col8 = malloc(max_col + 64);
    w->map8 = malloc(max_map + 64);
    w->acc = malloc(max_acc * sizeof(int32_t) + 64);
    if (!w->q8 || !w->col || !w->col8 || !w->map8 || !w->acc)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    return FM_OK;
}

static void free_worker(const fm_exec *e, fm_worker *w)
{
    if (w->slot)
        for (int s = 0; s < e->n_slots; s++)
            free(w->slot[s]);
    free(w->slot);
    free(w->q8);
    free(w->col);
    free(w->col8);
    free(w->map8);
    free(w->acc);
}

/* The FxP8 baseline: 8-bit exact products in every layer, no scheme. */
static int is_fxp8_baseline(const fm_layer_arith *a)
{
    return !a->is_float && !a->lut && a->w.bits == 8 && a->x.bits == 8 && a->w.K == 0 && a->x.K == 0 &&
           a->w.alphabet == 0 && a->x.alphabet == 0;
}

int fm_exec_tflite_native(const fm_graph *g, const fm_exec_opts *o)
{
    if (g->source != FM_SRC_TFLITE || (o && o->observe))
        return 0;
    if (!o || !o->arith)
        return 1;
    const fm_net_arith *n = o->arith;
    if (!is_fxp8_baseline(&n->deflt))
        return 0;
    for (int i = 0; i < n->n_rules; i++)
        if (!is_fxp8_baseline(&n->rules[i].a))
            return 0;
    return 1;
}

fm_status fm_exec_create(const fm_graph *g, const fm_exec_opts *o, fm_exec **out, fm_error *err)
{
    fm_status st;
    *out = NULL;
    if (g->input < 0 || g->output < 0)
        return fm_error_set(err, FM_ERR_INVALID, "graph has no input or output");
    fm_exec *e = calloc(1, sizeof *e);
    if (!e)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    e->g = g;
    fm_exec_opts_default(&e->opts);
    if (o)
        e->opts = *o;
    if (e->opts.max_batch <= 0)
        e->opts.max_batch = 64;
    fm_isa best = fm_cpu_best_isa();
    e->isa = e->opts.isa_cap < best ? e->opts.isa_cap : best;
    e->observe = e->opts.observe;
    int threads = e->opts.threads > 0 ? e->opts.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (fm_exec_tflite_native(g, &e->opts)) {
        if ((st = fm_tflite_fast_create(g, threads, e->isa, &e->tfl, err)) != FM_OK)
            goto fail;
        *out = e;
        return FM_OK;
    }
    if (g->source == FM_SRC_TFLITE && e->opts.arith && !e->opts.calib) {
        /* other schemes on a quantized model: its own activation ranges */
        if ((st = fm_calib_from_qparams(g, &e->own_calib, err)) != FM_OK)
            goto fail;
        e->opts.calib = e->own_calib;
    }
    if (threads < 1 || e->observe)
        threads = 1; /* calibration observes in a fixed order */
    /* each worker takes a slice of the batch; OpenBLAS must not add its own threads */
    openblas_set_num_threads(1);
    e->n_workers = threads;
    if ((st = fm_exec_plan(e, err)) != FM_OK || (st = fm_exec_memplan(e, err)) != FM_OK)
        goto fail;
    /* samples per worker step: the batch split across workers, capped so a
     * worker's activations stay within FM_WORKER_BYTES */
    int64_t per_sample = 0;
    for (int s = 0; s < e->n_slots; s++)
        per_sample += e->slot_elems[s] * (int64_t)sizeof(float);
    e->chunk = (e->opts.max_batch + threads - 1) / threads;
    if (per_sample > 0 && (int64_t)e->chunk * per_sample > FM_WORKER_BYTES)
        e->chunk = (int)(FM_WORKER_BYTES / per_sample) > 1 ? (int)(FM_WORKER_BYTES / per_sample) : 1;
    e->pool = fm_pool_new(threads);
    e->workers = calloc((size_t)threads, sizeof *e->workers);
    if (!e->pool || !e->workers) {
        st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int i = 0; i < threads; i++)
        if ((st = alloc_worker(e, &e->workers[i], err)) != FM_OK)
            goto fail;
    *out = e;
    return FM_OK;
fail:
    fm_exec_free(e);
    return st;
}

void fm_exec_free(fm_exec *e)
{
    if (!e)
        return;
    fm_tflite_fast_free(e->tfl);
    fm_calib_free(e->own_calib);
    if (e->workers)
        for (int i = 0; i < e->n_workers; i++)
            free_worker(e, &e->workers[i]);
    free(e->workers);
    fm_pool_free(e->pool);
    if (e->macs)
        for (int i = 0; i < e->n_macs; i++) {
            fm_mac_int_free(&e->macs[i]);
            free(e->macs[i].wf);
            free(e->macs[i].bias);
        }
    free(e->macs);
    if (e->xt)
        for (int t = 0; t < e->g->n_tensors; t++)
            if (e->xt[t].is_const && e->xt[t].cdata != e->g->tensors[t].data)
                free((void *)e->xt[t].cdata);
    free(e->xt);
    free(e->slot_of);
    free(e->slot_elems);
    free(e->skip);
    free(e->mac_of);
    free(e->act);
    free(e->act_lo);
    free(e->act_hi);
    free(e);
}

int64_t fm_exec_output_numel(const fm_exec *e)
{
    return e->tfl ? fm_tflite_fast_output_numel(e->tfl) : e->xt[e->g->output].per_sample;
}

int64_t fm_exec_input_numel(const fm_exec *e)
{
    return e->tfl ? fm_tflite_fast_input_numel(e->tfl) : e->xt[e->g->input].per_sample;
}

fm_isa fm_exec_isa(const fm_exec *e) { return e->isa; }

static fm_status run_node(fm_exec *e, fm_worker *w, int i, int n, fm_error *err)
{
    const fm_node *nd = &e->g->nodes[i];
    if (e->skip[i])
        return FM_OK;
    switch (nd->op) {
    case FM_OP_CONV:
    case FM_OP_GEMM: {
        const fm_mac *m = e->mac_of[i];
        const float *x = fm_exec_cbuf(e, w, nd->in[0]);
        float *y = fm_exec_buf(e, w, nd->out[0]);
        if (m->quant)
            fm_mac_int_run(e, w, m, x, y, n);
        else
            fm_mac_float_run(e, w, m, x, y, n);
        return w->status;
    }
    case FM_OP_ADD:
    case FM_OP_MUL:
    case FM_OP_RELU:
    case FM_OP_CLIP:
    case FM_OP_BATCHNORM:
        return fm_op_elementwise(e, w, nd, n, err);
    case FM_OP_MAXPOOL:
    case FM_OP_AVGPOOL:
    case FM_OP_GLOBALAVGPOOL:
    case FM_OP_MEAN:
    case FM_OP_SOFTMAX:
    case FM_OP_LRN:
        return fm_op_pool(e, w, nd, n, err);
    case FM_OP_FLATTEN:
    case FM_OP_RESHAPE:
    case FM_OP_PAD:
    case FM_OP_SLICE:
    case FM_OP_CONCAT:
    case FM_OP_TRANSPOSE:
        return fm_op_shape(e, w, nd, n, err);
    default:
        return fm_error_set(err, FM_ERR_UNSUPPORTED, "node '%s' (%s): not supported by the executor",
                            nd->name, fm_op_name(nd->op));
    }
}

typedef struct run_ctx {
    fm_exec *e;
    const float *x;
    float *y;
    int n;
} run_ctx;

static void run_slice(void *arg, int task, int worker)
{
    run_ctx *c = arg;
    fm_exec *e = c->e;
    fm_worker *w = &e->workers[worker];
    const fm_graph *g = e->g;
    int b0 = task * e->chunk;
    int n = c->n - b0 < e->chunk ? c->n - b0 : e->chunk;
    const fm_tensor *tin = &g->tensors[g->input];
    int64_t in_ps = e->xt[g->input].per_sample, out_ps = e->xt[g->output].per_sample;
    if (w->status != FM_OK || n <= 0)
        return;
    const float *xs = c->x + (size_t)b0 * in_ps;
    float *xin = fm_exec_buf(e, w, g->input);
    if (e->xt[g->input].nhwc)
        fm_nchw_to_nhwc(xs, xin, n, (int)tin->shape[1], (int)tin->shape[2], (int)tin->shape[3]);
    else
        memcpy(xin, xs, (size_t)n * in_ps * sizeof *xin);
    if (tin->dtype != FM_F32 && tin->q.n == 1) {
        /* a quantized input (TFLite) arrives as its integer values: the
         * float view runs on the real values s * (q - zp) */
        float s = tin->q.scale[0], zp = (float)tin->q.zero_point[0];
        for (int64_t i = 0; i < (int64_t)n * in_ps; i++)
            xin[i] = s * (xin[i] - zp);
    }
    /* observed now: the input's buffer may be reused by later nodes */
    if (e->observe && fm_calib_tracks(e->observe, g->input))
        fm_calib_observe(e->observe, g->input, xin, (int64_t)n * in_ps, n);
    for (int i = 0; i < g->n_nodes; i++) {
        if ((w->status = run_node(e, w, i, n, &w->err)) != FM_OK) {
            fm_error_prefix(&w->err, "%s", g->path ? g->path : "graph");
            return;
        }
        if (e->observe)
            for (int k = 0; k < g->nodes[i].n_out; k++) {
                int t = g->nodes[i].out[k];
                if (fm_calib_tracks(e->observe, t))
                    fm_calib_observe(e->observe, t, fm_exec_cbuf(e, w, t), (int64_t)n * e->xt[t].per_sample, n);
            }
    }
    const float *yo = fm_exec_cbuf(e, w, g->output);
    const fm_tensor *tout = &g->tensors[g->output];
    float *ys = c->y + (size_t)b0 * out_ps;
    if (e->xt[g->output].nhwc)
        fm_nhwc_to_nchw(yo, ys, n, (int)tout->shape[1], (int)tout->shape[2], (int)tout->shape[3]);
    else
        memcpy(ys, yo, (size_t)n * out_ps * sizeof *ys);
}

fm_status fm_exec_run(fm_exec *e, const float *x, int n, float *y, fm_error *err)
{
    if (e->tfl)
        return fm_tflite_fast_run_f32(e->tfl, x, n, y, err);
    int step = e->chunk * e->n_workers;
    for (int b = 0; b < n; b += step) {
        int nb = n - b < step ? n - b : step;
        run_ctx c = {e, x + (size_t)b * fm_exec_input_numel(e), y + (size_t)b * fm_exec_output_numel(e), nb};
        int tasks = (nb + e->chunk - 1) / e->chunk;
        fm_pool_run(e->pool, tasks, run_slice, &c);
        for (int i = 0; i < e->n_workers; i++)
            if (e->workers[i].status != FM_OK) {
                fm_status st = e->workers[i].status;
                if (err)
                    *err = e->workers[i].err;
                e->workers[i].status = FM_OK;
                return st;
            }
        if (e->observe)
            fm_calib_add_samples(e->observe, nb);
    }
    return FM_OK;
}
