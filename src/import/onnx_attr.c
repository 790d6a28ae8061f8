/* Node attributes and node-level error messages of the ONNX importer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "import/onnx_internal.h"

fm_status ox_node_error(ox_ctx *c, const ox_node *n, fm_status code, const char *fmt, ...)
{
    char msg[FM_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fm_error_set(c->err, code, "%s: node '%s' (%s): %s", c->path, n->name, n->op, msg);
}

const Onnx__AttributeProto *ox_attr(const ox_node *n, const char *name)
{
    for (size_t i = 0; i < n->p->n_attribute; i++) {
        const Onnx__AttributeProto *a = n->p->attribute[i];
        if (a && a->name && strcmp(a->name, name) == 0)
            return a;
    }
    return NULL;
}

/* Older exporters leave `type` unset (IR < 2); then the filled field tells. */
static int attr_is(const Onnx__AttributeProto *a, Onnx__AttributeProto__AttributeType t)
{
    if (a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED)
        return a->type == t;
    switch (t) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: return a->has_i;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: return a->has_f;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: return a->has_s;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS: return a->n_ints > 0;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: return a->t != NULL;
    default: return 0;
    }
}

static fm_status wrong_type(ox_ctx *c, const ox_node *n, const char *name, const char *want)
{
    return ox_node_error(c, n, FM_ERR_FORMAT, "attribute '%s' is not %s", name, want);
}

fm_status ox_attr_int(ox_ctx *c, const ox_node *n, const char *name, int64_t def, int64_t *out)
{
    const Onnx__AttributeProto *a = ox_attr(n, name);
    *out = def;
    if (!a)
        return FM_OK;
    if (!attr_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT))
        return wrong_type(c, n, name, "an int");
    *out = a->i;
    return FM_OK;
}

fm_status ox_attr_float(ox_ctx *c, const ox_node *n, const char *name, float def, float *out)
{
    const Onnx__AttributeProto *a = ox_attr(n, name);
    *out = def;
    if (!a)
        return FM_OK;
    if (!attr_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT))
        return wrong_type(c, n, name, "a float");
    *out = a->f;
    return FM_OK;
}

fm_status ox_attr_ints(ox_ctx *c, const ox_node *n, const char *name, int64_t *out, int max,
                       int *count)
{
    const Onnx__AttributeProto *a = ox_attr(n, name);
    *count = -1;
    if (!a)
        return FM_OK;
    /* an empty list is legal and indistinguishable from "unset" by fields */
    if (a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS)
        return wrong_type(c, n, name, "a list of ints");
    if (a->n_ints > (size_t)max)
        return ox_node_error(c, n, FM_ERR_UNSUPPORTED, "attribute '%s' has %zu values (at most %d)",
                             name, a->n_ints, max);
    for (size_t i = 0; i < a->n_ints; i++)
        out[i] = a->ints[i];
    *count = (int)a->n_ints;
    return FM_OK;
}

fm_status ox_attr_string(ox_ctx *c, const ox_node *n, const char *name, const char *def,
                         char *out, size_t size)
{
    const Onnx__AttributeProto *a = ox_attr(n, name);
    if (!a) {
        snprintf(out, size, "%s", def);
        return FM_OK;
    }
    if (!attr_is(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING))
        return wrong_type(c, n, name, "a string");
    size_t len = a->s.len < size - 1 ? a->s.len : size - 1;
    if (len)
        memcpy(out, a->s.data, len);
    out[len] = '\0';
    return FM_OK;
}
