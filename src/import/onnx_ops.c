/* Mapping of ONNX operators (those not folded away) onto fm_op nodes.
 * Conv/pooling live in onnx_ops_conv.c, Gemm/MatMul in onnx_ops_linear.c. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "import/onnx_internal.h"

static int64_t norm_axis(int64_t a, int rank) { return a < 0 ? a + rank : a; }

static const fm_tensor *tensor(ox_ctx *c, int t) { return &c->g->tensors[t]; }

/* One-input node with the same shape out as in: Relu, Identity, ... */
static fm_status map_unary(ox_ctx *c, const ox_node *n, fm_op op, fm_node **out)
{
    int tx;
    fm_status st = ox_activation(c, n, 0, &tx);
    if (st != FM_OK)
        return st;
    fm_node *fn = ox_new_node(c, n, op);
    if (!fn)
        return FM_ERR_NOMEM;
    fn->n_in = 1;
    fn->in[0] = tx;
    *out = fn;
    return FM_OK;
}

#define UNARY_OR_FAIL(op)                                      \
    fm_node *fn;                                               \
    do {                                                       \
        fm_status st_ = map_unary(c, n, (op), &fn);            \
        if (st_ != FM_OK)                                      \
            return st_;                                        \
    } while (0)

static fm_status map_clip(ox_ctx *c, const ox_node *n)
{
    float lo = -FLT_MAX, hi = FLT_MAX;
    fm_status st;
    if (c->opset >= 11) {
        /* min and max are optional scalar inputs since opset 11 */
        for (int i = 1; i <= 2; i++) {
            const ox_value *v = ox_input(c, n, i);
            if (!v)
                continue;
            if (!v->is_const || fm_shape_numel(v->ndim, v->shape) != 1)
                return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "%s must be a constant scalar",
                                     i == 1 ? "min" : "max");
            float f = v->dtype == FM_F32 ? ((const float *)v->data)[0]
                                         : (float)((const int64_t *)v->data)[0];
            *(i == 1 ? &lo : &hi) = f;
        }
    } else if ((st = ox_attr_float(c, n, "min", -FLT_MAX, &lo)) != FM_OK ||
               (st = ox_attr_float(c, n, "max", FLT_MAX, &hi)) != FM_OK) {
        return st;
    }
    UNARY_OR_FAIL(FM_OP_CLIP);
    fn->a.clip.min = lo;
    fn->a.clip.max = hi;
    return ox_finish_node(c, n, 1, -1, NULL);
}

/* Add/Mul with any mix of one activation and one constant (or two
 * activations). Sub and Div by a constant become Add/Mul with the negated
 * or inverted constant, which keeps the IR's operator set small. */
static fm_status map_binary(ox_ctx *c, const ox_node *n, int sub, int div)
{
    ox_value *a = ox_input(c, n, 0), *b = ox_input(c, n, 1);
    if (!a || !b)
        return ox_node_error(c, n, FM_ERR_FORMAT, "needs 2 inputs");
    if (a->is_const && b->is_const)
        return ox_node_error(c, n, FM_ERR_INTERNAL, "constant operands should have been folded");
    if ((sub || div) && (a->is_const || !b->is_const))
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED,
                             "only tensor %s constant is supported", sub ? "minus" : "divided by");
    if (a->is_const) { /* activation first: executors need not check */
        ox_value *t = a;
        a = b;
        b = t;
    }
    int ta = a->tensor, tb;
    fm_status st;
    if (b->is_const && (sub || div)) {
        if (b->dtype != FM_F32)
            return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "integer constant operand");
        int64_t cnt = fm_shape_numel(b->ndim, b->shape);
        float *d = malloc((size_t)(cnt ? cnt : 1) * sizeof *d);
        if (!d)
            return fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
        for (int64_t i = 0; i < cnt; i++)
            d[i] = sub ? -((const float *)b->data)[i] : 1.0f / ((const float *)b->data)[i];
        st = ox_add_const(c, b->name, sub ? ".neg" : ".recip", b->ndim, b->shape, d, &tb);
    } else {
        st = ox_tensor_of(c, n, b, &tb);
    }
    if (st != FM_OK)
        return st;
    fm_node *fn = ox_new_node(c, n, (sub || !strcmp(n->op, "Add")) ? FM_OP_ADD : FM_OP_MUL);
    if (!fn)
        return FM_ERR_NOMEM;
    fn->n_in = 2;
    fn->in[0] = ta;
    fn->in[1] = tb;
    return ox_finish_node(c, n, 1, -1, NULL);
}

static fm_status map_batchnorm(ox_ctx *c, const ox_node *n)
{
    int64_t training;
    float eps;
    fm_status st;
    if ((st = ox_attr_int(c, n, "training_mode", 0, &training)) != FM_OK ||
        (st = ox_attr_float(c, n, "epsilon", 1e-5f, &eps)) != FM_OK)
        return st;
    if (training)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "attribute 'training_mode' = 1 is not supported");
    int t[5];
    if ((st = ox_activation(c, n, 0, &t[0])) != FM_OK)
        return st;
    static const char *names[5] = {"X", "scale", "B", "mean", "var"};
    for (int i = 1; i < 5; i++) {
        ox_value *v = ox_input(c, n, i);
        if (!v || !v->is_const)
            return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "%s must be a constant", names[i]);
        if ((st = ox_tensor_of(c, n, v, &t[i])) != FM_OK)
            return st;
    }
    fm_node *fn = ox_new_node(c, n, FM_OP_BATCHNORM);
    if (!fn)
        return FM_ERR_NOMEM;
    fn->n_in = 5;
    memcpy(fn->in, t, sizeof t);
    fn->a.bn.eps = eps;
    return ox_finish_node(c, n, 1, -1, NULL);
}

static fm_status map_reduce_mean(ox_ctx *c, const ox_node *n)
{
    int tx;
    fm_status st = ox_activation(c, n, 0, &tx);
    if (st != FM_OK)
        return st;
    int rank = tensor(c, tx)->ndim;
    int64_t axes[FM_MAX_DIMS], keep, noop;
    int na;
    if (c->opset >= 18 && ox_input(c, n, 1))
        st = ox_const_ints(c, n, 1, "axes", axes, FM_MAX_DIMS, &na);
    else if (c->opset >= 18)
        na = -1;
    else
        st = ox_attr_ints(c, n, "axes", axes, FM_MAX_DIMS, &na);
    if (st == FM_OK)
        st = ox_attr_int(c, n, "keepdims", 1, &keep);
    if (st == FM_OK)
        st = ox_attr_int(c, n, "noop_with_empty_axes", 0, &noop);
    if (st != FM_OK)
        return st;
    if (na <= 0 && noop)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "noop_with_empty_axes with no axes");
    int mask = 0;
    for (int i = 0; i < (na <= 0 ? rank : na); i++) {
        int64_t a = na <= 0 ? i : norm_axis(axes[i], rank);
        if (a < 0 || a >= rank)
            return ox_node_error(c, n, FM_ERR_FORMAT, "axis %lld out of range", (long long)axes[i]);
        mask |= 1 << a;
    }
    /* the spatial mean of NCHW is the global average pool executors know */
    fm_op op = (rank == 4 && mask == 0xC && keep) ? FM_OP_GLOBALAVGPOOL : FM_OP_MEAN;
    fm_node *fn = ox_new_node(c, n, op);
    if (!fn)
        return FM_ERR_NOMEM;
    fn->n_in = 1;
    fn->in[0] = tx;
    if (op == FM_OP_MEAN) {
        fn->a.reduce.axes_mask = mask;
        fn->a.reduce.keepdims = keep != 0;
    }
    return ox_finish_node(c, n, 1, -1, NULL);
}

/* Reshape, and Squeeze/Unsqueeze/Flatten-like shape changes of activations,
 * become FM_OP_RESHAPE whose output tensor carries the shape. */
static fm_status map_reshape(ox_ctx *c, const ox_node *n)
{
    int tx;
    fm_status st = ox_activation(c, n, 0, &tx);
    if (st != FM_OK)
        return st;
    const fm_tensor *x = tensor(c, tx);
    int64_t shape[FM_MAX_DIMS], in[FM_MAX_DIMS];
    int nd, rank = x->ndim;
    memcpy(in, x->shape, sizeof in);
    if (!strcmp(n->op, "Reshape"))
        st = ox_reshape_target(c, n, rank, in, &nd, shape);
    else
        st = ox_squeeze_shape(c, n, rank, in, n->op[0] == 'U', &nd, shape);
    if (st != FM_OK)
        return st;
    fm_node *fn = ox_new_node(c, n, FM_OP_RESHAPE);
    if (!fn)
        return FM_ERR_NOMEM;
    fn->n_in = 1;
    fn->in[0] = tx;
    return ox_finish_node(c, n, 1, nd, shape);
}

static fm_status map_flatten(ox_ctx *c, const ox_node *n)
{
    int64_t axis;
    fm_status st = ox_attr_int(c, n, "axis", 1, &axis);
    if (st != FM_OK)
        return st;
    UNARY_OR_FAIL(FM_OP_FLATTEN);
    int rank = tensor(c, fn->in[0])->ndim;
    axis = norm_axis(axis, rank);
    if (axis < 0 || axis > rank)
        return ox_node_error(c, n, FM_ERR_FORMAT, "attribute 'axis' out of range");
    fn->a.axis.axis = (int)axis;
    return ox_finish_node(c, n, 1, -1, NULL);
}

static fm_status map_pad(ox_ctx *c, const ox_node *n)
{
    int tx;
    fm_status st = ox_activation(c, n, 0, &tx);
    if (st != FM_OK)
        return st;
    int64_t b[FM_MAX_DIMS], e[FM_MAX_DIMS];
    float value;
    if ((st = ox_pad_params(c, n, tensor(c, tx)->ndim, b, e, &value)) != FM_OK)
        return st;
    fm_node *fn = ox_new_node(c, n, FM_OP_PAD);
    if (!fn)
        return FM_ERR_NOMEM;
    fn->n_in = 1;
    fn->in[0] = tx;
    memcpy(fn->a.pad.begin, b, sizeof b);
    memcpy(fn->a.pad.end, e, sizeof e);
    fn->a.pad.value = value;
    return ox_finish_node(c, n, 1, -1, NULL);
}

static fm_status map_slice(ox_ctx *c, const ox_node *n)
{
    int tx;
    fm_status st = ox_activation(c, n, 0, &tx);
    if (st != FM_OK)
        return st;
    int64_t s[FM_MAX_DIMS], e[FM_MAX_DIMS], p[FM_MAX_DIMS];
    const fm_tensor *x = tensor(c, tx);
    if ((st = ox_slice_params(c, n, x->ndim, x->shape, s, e, p)) != FM_OK)
        return st;
    fm_node *fn = ox_new_node(c, n, FM_OP_SLICE);
    if (!fn)
        return FM_ERR_NOMEM;
    fn->n_in = 1;
    fn->in[0] = tx;
    memcpy(fn->a.slice.start, s, sizeof s);
    memcpy(fn->a.slice.end, e, sizeof e);
    memcpy(fn->a.slice.step, p, sizeof p);
    return ox_finish_node(c, n, 1, -1, NULL);
}

static fm_status map_concat(ox_ctx *c, const ox_node *n)
{
    int nin = (int)n->p->n_input, t[FM_MAX_IO];
    if (nin < 1 || nin > FM_MAX_IO)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "has %d inputs (1..%d supported)", nin, FM_MAX_IO);
    int64_t axis;
    fm_status st = ox_attr_int(c, n, "axis", 0, &axis);
    if (st != FM_OK)
        return st;
    for (int i = 0; i < nin; i++) {
        ox_value *v = ox_input(c, n, i);
        if (!v)
            return ox_node_error(c, n, FM_ERR_FORMAT, "input %d is missing", i);
        if ((st = ox_tensor_of(c, n, v, &t[i])) != FM_OK)
            return st;
    }
    axis = norm_axis(axis, tensor(c, t[0])->ndim);
    fm_node *fn = ox_new_node(c, n, FM_OP_CONCAT);
    if (!fn)
        return FM_ERR_NOMEM;
    fn->n_in = nin;
    memcpy(fn->in, t, (size_t)nin * sizeof t[0]);
    fn->a.axis.axis = (int)axis;
    return ox_finish_node(c, n, 1, -1, NULL);
}

static fm_status map_transpose(ox_ctx *c, const ox_node *n)
{
    int64_t perm[FM_MAX_DIMS];
    int np;
    fm_status st = ox_attr_ints(c, n, "perm", perm, FM_MAX_DIMS, &np);
    if (st != FM_OK)
        return st;
    UNARY_OR_FAIL(FM_OP_TRANSPOSE);
    int rank = tensor(c, fn->in[0])->ndim;
    if (np >= 0 && np != rank)
        return ox_node_error(c, n, FM_ERR_FORMAT, "attribute 'perm' has %d entries for rank %d", np, rank);
    for (int i = 0; i < rank; i++)
        fn->a.transpose.perm[i] = np < 0 ? rank - 1 - i : (int)perm[i];
    return ox_finish_node(c, n, 1, -1, NULL);
}

static fm_status map_softmax(ox_ctx *c, const ox_node *n)
{
    int64_t axis;
    fm_status st = ox_attr_int(c, n, "axis", c->opset >= 13 ? -1 : 1, &axis);
    if (st != FM_OK)
        return st;
    UNARY_OR_FAIL(FM_OP_SOFTMAX);
    int rank = tensor(c, fn->in[0])->ndim;
    axis = norm_axis(axis, rank);
    /* before opset 13 Softmax normalized over all dims from axis on; that
     * equals the per-axis softmax only for the last axis */
    if (c->opset < 13 && axis != rank - 1)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED,
                             "attribute 'axis' = %lld flattens trailing dims (opset < 13)", (long long)axis);
    fn->a.axis.axis = (int)axis;
    return ox_finish_node(c, n, 1, -1, NULL);
}

static fm_status map_lrn(ox_ctx *c, const ox_node *n)
{
    int64_t size;
    float alpha, beta, bias;
    fm_status st;
    if ((st = ox_attr_int(c, n, "size", 0, &size)) != FM_OK ||
        (st = ox_attr_float(c, n, "alpha", 1e-4f, &alpha)) != FM_OK ||
        (st = ox_attr_float(c, n, "beta", 0.75f, &beta)) != FM_OK ||
        (st = ox_attr_float(c, n, "bias", 1.0f, &bias)) != FM_OK)
        return st;
    if (size < 1 || size > 1 << 16)
        return ox_node_error(c, n, FM_ERR_FORMAT, "attribute 'size' is missing or invalid");
    UNARY_OR_FAIL(FM_OP_LRN);
    fn->a.lrn.size = (int)size;
    fn->a.lrn.alpha = alpha;
    fn->a.lrn.beta = beta;
    fn->a.lrn.bias = bias;
    return ox_finish_node(c, n, 1, -1, NULL);
}

fm_status ox_map_node(ox_ctx *c, const ox_node *n)
{
    const char *op = n->op;
    if (!strcmp(op, "Conv"))
        return ox_map_conv(c, n);
    if (!strcmp(op, "MaxPool"))
        return ox_map_pool(c, n, FM_OP_MAXPOOL);
    if (!strcmp(op, "AveragePool"))
        return ox_map_pool(c, n, FM_OP_AVGPOOL);
    if (!strcmp(op, "Gemm"))
        return ox_map_gemm(c, n);
    if (!strcmp(op, "MatMul"))
        return ox_map_matmul(c, n);
    if (!strcmp(op, "Add") || !strcmp(op, "Mul"))
        return map_binary(c, n, 0, 0);
    if (!strcmp(op, "Sub"))
        return map_binary(c, n, 1, 0);
    if (!strcmp(op, "Div"))
        return map_binary(c, n, 0, 1);
    if (!strcmp(op, "Clip"))
        return map_clip(c, n);
    if (!strcmp(op, "BatchNormalization"))
        return map_batchnorm(c, n);
    if (!strcmp(op, "ReduceMean"))
        return map_reduce_mean(c, n);
    if (!strcmp(op, "Reshape") || !strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze"))
        return map_reshape(c, n);
    if (!strcmp(op, "Flatten"))
        return map_flatten(c, n);
    if (!strcmp(op, "Pad"))
        return map_pad(c, n);
    if (!strcmp(op, "Slice"))
        return map_slice(c, n);
    if (!strcmp(op, "Concat"))
        return map_concat(c, n);
    if (!strcmp(op, "Transpose"))
        return map_transpose(c, n);
    if (!strcmp(op, "Softmax"))
        return map_softmax(c, n);
    if (!strcmp(op, "LRN"))
        return map_lrn(c, n);
    if (!strcmp(op, "Relu") || !strcmp(op, "GlobalAveragePool") || !strcmp(op, "Identity") ||
        !strcmp(op, "Dropout")) {
        fm_op fop = !strcmp(op, "Relu")                ? FM_OP_RELU
                    : !strcmp(op, "GlobalAveragePool") ? FM_OP_GLOBALAVGPOOL
                                                       : FM_OP_IDENTITY;
        UNARY_OR_FAIL(fop);
        return ox_finish_node(c, n, 1, -1, NULL);
    }
    return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "unsupported operator");
}
