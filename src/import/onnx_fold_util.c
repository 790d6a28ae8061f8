/* Element access and result allocation for the constant folder: values
 * are float32 or int64 (see onnx_internal.h), read here as double or int64
 * whatever they hold, so each folding rule is written once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/onnx_internal.h"

/* Largest folded constant (elements): far above any shape subgraph, enough
 * to fold transposes of real weight tensors. */
#define OX_FOLD_MAX ((int64_t)1 << 26)

int64_t ox_numel(const ox_value *v) { return fm_shape_numel(v->ndim, v->shape); }

double ox_get_f(const ox_value *v, int64_t i)
{
    return v->dtype == FM_F32 ? (double)((const float *)v->data)[i]
                              : (double)((const int64_t *)v->data)[i];
}

int64_t ox_get_i(const ox_value *v, int64_t i)
{
    if (v->dtype == FM_I64)
        return ((const int64_t *)v->data)[i];
    float f = ((const float *)v->data)[i];
    /* float -> int outside int64 is UB in C; saturate instead */
    if (!(f == f))
        return 0;
    if (f >= 9.2233720e18f)
        return INT64_MAX;
    if (f <= -9.2233720e18f)
        return INT64_MIN;
    return (int64_t)f;
}

/* Registers output j of n as a constant with a fresh zeroed buffer. */
ox_value *ox_fold_out(ox_ctx *c, const ox_node *n, int j, fm_dtype dt, int ndim,
                         const int64_t *shape)
{
    if ((size_t)j >= n->p->n_output || !n->p->output[j] || !n->p->output[j][0]) {
        ox_node_error(c, n, FM_ERR_FORMAT, "output %d has no name", j);
        return NULL;
    }
    if (ndim > FM_MAX_DIMS) {
        ox_node_error(c, n, FM_ERR_UNSUPPORTED, "result has %d dims (at most %d)", ndim, FM_MAX_DIMS);
        return NULL;
    }
    int64_t ne = 1;
    for (int i = 0; i < ndim; i++) {
        /* checked per dim so that a corrupt shape cannot overflow */
        if (shape[i] < 0 || (shape[i] > 0 && ne > OX_FOLD_MAX / shape[i])) {
            ox_node_error(c, n, FM_ERR_UNSUPPORTED, "constant result dim %d = %lld is negative or too large",
                          i, (long long)shape[i]);
            return NULL;
        }
        ne *= shape[i];
    }
    ox_value *v = ox_add_value(c, n->p->output[j]);
    void *data = calloc((size_t)(ne ? ne : 1), 8);
    if (!v || !data) {
        free(data);
        fm_error_set(c->err, FM_ERR_NOMEM, "%s: out of memory", c->path);
        return NULL;
    }
    v->is_const = 1;
    v->dtype = dt;
    v->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        v->shape[i] = shape[i];
    v->data = data;
    return v;
}

void ox_put(ox_value *v, int64_t i, double f, int64_t q)
{
    if (v->dtype == FM_F32)
        ((float *)v->data)[i] = (float)f;
    else
        ((int64_t *)v->data)[i] = q;
}

/* Copies element si of s into element di of d (same dtype). */
void ox_copy_el(ox_value *d, int64_t di, const ox_value *s, int64_t si)
{
    if (d->dtype == FM_F32)
        ((float *)d->data)[di] = ((const float *)s->data)[si];
    else
        ((int64_t *)d->data)[di] = ((const int64_t *)s->data)[si];
}
