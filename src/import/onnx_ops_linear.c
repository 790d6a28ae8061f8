/* Gemm and MatMul. The IR's fully connected layer is GEMM with constant
 * weights stored (out_features, in_features), trans_b = 1 and
 * alpha = beta = 1: transposition and scaling happen here, once, so that
 * executors and the arithmetic models see one layout only. */
#include <stdlib.h>
#include <string.h>

#include "import/onnx_internal.h"

/* W (N, K) from B, which is (N, K) when trans_b else (K, N), times alpha. */
static float *weights_nk(const ox_value *b, int trans_b, float alpha)
{
    int64_t r = b->shape[0], cols = b->shape[1];
    const float *src = b->data;
    float *w = malloc((size_t)(r * cols > 0 ? r * cols : 1) * sizeof *w);
    if (!w)
        return NULL;
    for (int64_t i = 0; i < r; i++)
        for (int64_t j = 0; j < cols; j++) {
            float v = src[i * cols + j] * alpha;
            if (trans_b)
                w[i * cols + j] = v;
            else
                w[j * r + i] = v;
        }
    return w;
}

static fm_status add_gemm(ox_ctx *c, const ox_node *n, int tx, int tw, int tb)
{
    fm_node *fn = ox_new_node(c, n, FM_OP_GEMM);
    if (!fn)
        return FM_ERR_NOMEM;
    fn->n_in = tb >= 0 ? 3 : 2;
    fn->in[0] = tx;
    fn->in[1] = tw;
    fn->in[2] = tb;
    fn->a.gemm.trans_a = 0;
    fn->a.gemm.trans_b = 1;
    fn->a.gemm.alpha = 1.0f;
    fn->a.gemm.beta = 1.0f;
    return ox_finish_node(c, n, 1, -1, NULL);
}

fm_status ox_map_gemm(ox_ctx *c, const ox_node *n)
{
    int tx;
    fm_status st = ox_activation(c, n, 0, &tx);
    if (st != FM_OK)
        return st;
    int64_t ta, tb_;
    float alpha, beta;
    if ((st = ox_attr_int(c, n, "transA", 0, &ta)) != FM_OK ||
        (st = ox_attr_int(c, n, "transB", 0, &tb_)) != FM_OK ||
        (st = ox_attr_float(c, n, "alpha", 1.0f, &alpha)) != FM_OK ||
        (st = ox_attr_float(c, n, "beta", 1.0f, &beta)) != FM_OK)
        return st;
    if (ta)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "attribute 'transA' = 1 is not supported");
    ox_value *b = ox_input(c, n, 1), *cv = ox_input(c, n, 2);
    if (!b || !b->is_const || b->dtype != FM_F32 || b->ndim != 2)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "B must be a 2-D float constant");
    if (cv && (!cv->is_const || cv->dtype != FM_F32))
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "C must be a float constant");
    int64_t nout = tb_ ? b->shape[0] : b->shape[1];
    int64_t wshape[2] = {nout, tb_ ? b->shape[1] : b->shape[0]};
    int tw, tbias = -1;
    if (tb_ && alpha == 1.0f) {
        st = ox_tensor_of(c, n, b, &tw); /* already in IR layout: share it */
    } else {
        float *w = weights_nk(b, (int)tb_, alpha);
        st = w ? ox_add_const(c, n->name, ".weight", 2, wshape, w, &tw)
               : fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
    }
    if (st != FM_OK)
        return st;
    if (cv) {
        /* C broadcasts to (M, N); a per-output bias is all the IR has */
        int64_t cn = fm_shape_numel(cv->ndim, cv->shape);
        int per_out = cv->ndim >= 1 && cv->shape[cv->ndim - 1] == nout && cn == nout;
        if (cn != 1 && !per_out)
            return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "C must have 1 or %lld values",
                                 (long long)nout);
        if (cn == nout && beta == 1.0f) {
            st = ox_tensor_of(c, n, cv, &tbias);
        } else {
            float *bias = malloc((size_t)(nout ? nout : 1) * sizeof *bias);
            const float *src = cv->data;
            if (bias)
                for (int64_t i = 0; i < nout; i++)
                    bias[i] = src[cn == 1 ? 0 : i] * beta;
            int64_t bshape[1] = {nout};
            st = bias ? ox_add_const(c, n->name, ".bias", 1, bshape, bias, &tbias)
                      : fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
        }
        if (st != FM_OK)
            return st;
    }
    return add_gemm(c, n, tx, tw, tbias);
}

fm_status ox_map_matmul(ox_ctx *c, const ox_node *n)
{
    int ta, tb;
    fm_status st = ox_activation(c, n, 0, &ta);
    if (st != FM_OK)
        return st;
    ox_value *b = ox_input(c, n, 1);
    if (!b)
        return ox_node_error(c, n, FM_ERR_FORMAT, "input B is missing");
    /* x (M, K) @ B (K, N) with constant B is a fully connected layer */
    if (b->is_const && b->ndim == 2 && b->dtype == FM_F32 && c->g->tensors[ta].ndim == 2) {
        int64_t wshape[2] = {b->shape[1], b->shape[0]};
        float *w = weights_nk(b, 0, 1.0f);
        int tw;
        st = w ? ox_add_const(c, n->name, ".weight", 2, wshape, w, &tw)
               : fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
        return st != FM_OK ? st : add_gemm(c, n, ta, tw, -1);
    }
    if ((st = ox_tensor_of(c, n, b, &tb)) != FM_OK)
        return st;
    fm_node *fn = ox_new_node(c, n, FM_OP_MATMUL);
    if (!fn)
        return FM_ERR_NOMEM;
    fn->n_in = 2;
    fn->in[0] = ta;
    fn->in[1] = tb;
    return ox_finish_node(c, n, 1, -1, NULL);
}
