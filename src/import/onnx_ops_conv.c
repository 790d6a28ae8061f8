/* Conv, MaxPool and AveragePool: window attributes, with auto_pad turned
 * into explicit pads so the IR has one padding convention. */
#include <string.h>

#include "import/onnx_internal.h"

/* SAME_UPPER/SAME_LOWER: output = ceil(in / stride); the extra pixel of an
 * odd total padding goes at the end (UPPER) or the beginning (LOWER). */
static void same_pads(int64_t in, int k, int s, int d, int upper, int *b, int *e)
{
    int64_t out = (in + s - 1) / s;
    int64_t total = (out - 1) * s + (int64_t)(k - 1) * d + 1 - in;
    if (total < 0)
        total = 0;
    int64_t small = total / 2, big = total - small;
    *b = (int)(upper ? small : big);
    *e = (int)(upper ? big : small);
}

typedef struct {
    int k[2], s[2], d[2], pad[4]; /* pad: top, left, bottom, right */
} window;

/* Reads kernel_shape (or kdef when the attr is absent), strides, dilations,
 * pads and auto_pad for a 2-D window over x (NCHW). */
static fm_status read_window(ox_ctx *c, const ox_node *n, const fm_tensor *x, const int *kdef,
                             window *w)
{
    int64_t v[8];
    int cnt;
    fm_status st = ox_attr_ints(c, n, "kernel_shape", v, 8, &cnt);
    if (st != FM_OK)
        return st;
    if (cnt < 0 && !kdef)
        return ox_node_error(c, n, FM_ERR_FORMAT, "attribute 'kernel_shape' is missing");
    if (cnt >= 0 && cnt != 2)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED,
                             "attribute 'kernel_shape' has %d dims (only 2-D windows)", cnt);
    for (int i = 0; i < 2; i++)
        w->k[i] = cnt < 0 ? kdef[i] : (int)v[i];
    const char *names[3] = {"strides", "dilations", "pads"};
    int *dst[3] = {w->s, w->d, w->pad};
    int want[3] = {2, 2, 4};
    for (int a = 0; a < 3; a++) {
        if ((st = ox_attr_ints(c, n, names[a], v, 8, &cnt)) != FM_OK)
            return st;
        if (cnt >= 0 && cnt != want[a])
            return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "attribute '%s' has %d values (want %d)",
                                 names[a], cnt, want[a]);
        for (int i = 0; i < want[a]; i++) {
            int64_t def = a == 2 ? 0 : 1;
            int64_t val = cnt < 0 ? def : v[i];
            if (val < (a == 2 ? 0 : 1) || val > 65535)
                return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "attribute '%s' value %lld is out of range",
                                     names[a], (long long)val);
            dst[a][i] = (int)val;
        }
    }
    /* ONNX pads: [top, left, bottom, right] = [x1_begin, x2_begin, x1_end, x2_end] */
    char ap[32];
    if ((st = ox_attr_string(c, n, "auto_pad", "NOTSET", ap, sizeof ap)) != FM_OK)
        return st;
    if (strcmp(ap, "NOTSET") == 0)
        return FM_OK;
    if (strcmp(ap, "VALID") == 0) {
        memset(w->pad, 0, sizeof w->pad);
        return FM_OK;
    }
    int upper = strcmp(ap, "SAME_UPPER") == 0;
    if (!upper && strcmp(ap, "SAME_LOWER") != 0)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "attribute 'auto_pad' = '%s' is not supported", ap);
    for (int i = 0; i < 2; i++)
        same_pads(x->shape[2 + i], w->k[i], w->s[i], w->d[i], upper, &w->pad[i], &w->pad[2 + i]);
    return FM_OK;
}

static fm_status activation_4d(ox_ctx *c, const ox_node *n, int *t)
{
    ox_value *x = ox_input(c, n, 0);
    if (!x)
        return ox_node_error(c, n, FM_ERR_FORMAT, "input X is missing");
    if (x->is_const)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "input X is a constant");
    if (c->g->tensors[x->tensor].ndim != 4)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "input X has rank %d (only 4-D NCHW)",
                             c->g->tensors[x->tensor].ndim);
    *t = x->tensor;
    return FM_OK;
}

fm_status ox_map_conv(ox_ctx *c, const ox_node *n)
{
    int tx = -1, tw, tb = -1;
    fm_status st = activation_4d(c, n, &tx);
    if (st != FM_OK)
        return st;
    ox_value *w = ox_input(c, n, 1), *b = ox_input(c, n, 2);
    if (!w || !w->is_const)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "weights W must be a constant");
    if (w->ndim != 4)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "weights W have rank %d (only 2-D conv)", w->ndim);
    if (b && !b->is_const)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "bias B must be a constant");
    if ((st = ox_tensor_of(c, n, w, &tw)) != FM_OK || (b && (st = ox_tensor_of(c, n, b, &tb)) != FM_OK))
        return st;
    int64_t group;
    if ((st = ox_attr_int(c, n, "group", 1, &group)) != FM_OK)
        return st;
    if (group < 1 || group > 1 << 20)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "attribute 'group' = %lld", (long long)group);
    window win;
    int kdef[2] = {(int)w->shape[2], (int)w->shape[3]};
    if ((st = read_window(c, n, &c->g->tensors[tx], kdef, &win)) != FM_OK)
        return st;
    fm_node *fn = ox_new_node(c, n, FM_OP_CONV);
    if (!fn)
        return FM_ERR_NOMEM;
    fn->n_in = b ? 3 : 2;
    fn->in[0] = tx;
    fn->in[1] = tw;
    fn->in[2] = tb;
    fm_conv_attr *a = &fn->a.conv;
    a->kh = win.k[0];
    a->kw = win.k[1];
    a->sh = win.s[0];
    a->sw = win.s[1];
    a->dh = win.d[0];
    a->dw = win.d[1];
    a->pad_t = win.pad[0];
    a->pad_l = win.pad[1];
    a->pad_b = win.pad[2];
    a->pad_r = win.pad[3];
    a->group = (int)group;
    return ox_finish_node(c, n, 1, -1, NULL);
}

fm_status ox_map_pool(ox_ctx *c, const ox_node *n, fm_op op)
{
    int tx = -1;
    fm_status st = activation_4d(c, n, &tx);
    if (st != FM_OK)
        return st;
    window win;
    if ((st = read_window(c, n, &c->g->tensors[tx], NULL, &win)) != FM_OK)
        return st;
    if (win.d[0] != 1 || win.d[1] != 1)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "attribute 'dilations' must be 1 for pooling");
    int64_t ceil_mode, cip = 0;
    if ((st = ox_attr_int(c, n, "ceil_mode", 0, &ceil_mode)) != FM_OK)
        return st;
    if (op == FM_OP_AVGPOOL && (st = ox_attr_int(c, n, "count_include_pad", 0, &cip)) != FM_OK)
        return st;
    fm_node *fn = ox_new_node(c, n, op);
    if (!fn)
        return FM_ERR_NOMEM;
    fn->n_in = 1;
    fn->in[0] = tx;
    fm_pool_attr *a = &fn->a.pool;
    a->kh = win.k[0];
    a->kw = win.k[1];
    a->sh = win.s[0];
    a->sw = win.s[1];
    a->pad_t = win.pad[0];
    a->pad_l = win.pad[1];
    a->pad_b = win.pad[2];
    a->pad_r = win.pad[3];
    a->ceil_mode = ceil_mode != 0;
    a->count_include_pad = cip != 0;
    return ox_finish_node(c, n, 1, -1, NULL);
}
