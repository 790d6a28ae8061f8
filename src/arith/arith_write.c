/* Writing configurations back out: JSON for reports (every field explicit,
 * so a rule read back does not depend on the default) and short labels for
 * tables. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arith/arith_internal.h"

static cJSON *operand_json(const fm_operand_arith *o)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "bits", o->bits);
    cJSON_AddNumberToObject(j, "K", o->K);
    if (o->K > 0) {
        cJSON_AddNumberToObject(j, "L", o->L);
        cJSON_AddStringToObject(j, "select", fm_arith_select_name(o->select));
    }
    cJSON *al = cJSON_AddArrayToObject(j, "alphabet");
    for (int a = 1; a < 16; a += 2)
        if ((o->alphabet >> a) & 1)
            cJSON_AddItemToArray(al, cJSON_CreateNumber(a));
    if (o->alphabet) {
        cJSON_AddNumberToObject(j, "quartet", o->quartet);
        cJSON_AddStringToObject(j, "proj", fm_arith_proj_name(o->proj));
    }
    return j;
}

static cJSON *layer_json(const fm_layer_arith *a)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddBoolToObject(j, "float", a->is_float);
    cJSON_AddItemToObject(j, "weights", operand_json(&a->w));
    cJSON_AddItemToObject(j, "activations", operand_json(&a->x));
    int Lx, Lw;
    fm_arith_square(a, &Lx, &Lw);
    if (fm_arith_pcount(a) == Lx * Lw) {
        cJSON_AddStringToObject(j, "products", "all");
    } else {
        cJSON *ps = cJSON_AddArrayToObject(j, "products");
        for (int r = 0; r < Lx; r++)
            for (int s = 0; s < Lw; s++)
                if ((a->pset[r] >> s) & 1) {
                    int pair[2] = {r, s};
                    cJSON_AddItemToArray(ps, cJSON_CreateIntArray(pair, 2));
                }
    }
    if (a->lut)
        cJSON_AddStringToObject(j, "lut", fm_lut_path(a->lut));
    else
        cJSON_AddNullToObject(j, "lut");
    return j;
}

fm_status fm_net_arith_to_json(const fm_net_arith *n, char **out, fm_error *err)
{
    *out = NULL;
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    if (n->name)
        cJSON_AddStringToObject(root, "name", n->name);
    cJSON_AddItemToObject(root, "default", layer_json(&n->deflt));
    cJSON *layers = cJSON_AddArrayToObject(root, "layers");
    for (int i = 0; i < n->n_rules; i++) {
        const fm_arith_rule *r = &n->rules[i];
        cJSON *j = layer_json(&r->a);
        if (r->pattern)
            cJSON_AddStringToObject(j, "match", r->pattern);
        else
            cJSON_AddNumberToObject(j, "index", r->index);
        cJSON_AddItemToArray(layers, j);
    }
    *out = cJSON_Print(root);
    cJSON_Delete(root);
    /* cJSON returns NULL for any allocation failure along the way. */
    return *out ? FM_OK : fm_error_set(err, FM_ERR_NOMEM, "out of memory");
}

/* Appends to a label buffer, never past its end. */
typedef struct sbuf {
    char *p;
    size_t n, len;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    if (b->len >= b->n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->len, b->n - b->len, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->len = b->len + (size_t)k < b->n ? b->len + (size_t)k : b->n - 1;
}

static void put_alphabet(sbuf *b, const char *who, uint16_t al)
{
    put(b, " %s{", who);
    const char *sep = "";
    for (int a = 1; a < 16; a += 2)
        if ((al >> a) & 1) {
            put(b, "%s%d", sep, a);
            sep = ",";
        }
    put(b, "}");
}

static const char *sel_short(fm_select s)
{
    return s == FM_SEL_STATIC ? "st" : s == FM_SEL_DYNAMIC ? "dyn" : "rnd";
}

void fm_layer_arith_label(const fm_layer_arith *a, char *buf, size_t n)
{
    sbuf b = {buf, n, 0};
    if (!n)
        return;
    buf[0] = '\0';
    if (a->is_float) {
        put(&b, "fp32");
        return;
    }
    const fm_operand_arith *x = &a->x, *w = &a->w;
    int blocked = x->K > 0 || w->K > 0, alpha = x->alphabet || w->alphabet;
    if (!blocked && !alpha) {
        if (w->bits == x->bits)
            put(&b, "fxp%d", w->bits);
        else
            put(&b, "fxp w%d x%d", w->bits, x->bits);
    } else {
        if (blocked) { /* pairs are activations/weights, like (r, s) in P */
            int Lx, Lw;
            fm_arith_square(a, &Lx, &Lw);
            put(&b, "axbxp");
            if (x->K == w->K)
                put(&b, " K%d", x->K);
            else
                put(&b, " K%d/%d", x->K, w->K);
            put(&b, " L%d/%d", Lx, Lw);
            if (x->select == w->select || x->K == 0 || w->K == 0)
                put(&b, " %s", sel_short(x->K ? x->select : w->select));
            else
                put(&b, " %s/%s", sel_short(x->select), sel_short(w->select));
            put(&b, " |P|=%d", fm_arith_pcount(a));
        }
        if (alpha) {
            put(&b, blocked ? " asm" : "asm");
            if (w->alphabet)
                put_alphabet(&b, "w", w->alphabet);
            if (x->alphabet)
                put_alphabet(&b, "x", x->alphabet);
            const fm_operand_arith *o = w->alphabet ? w : x;
            if (o->quartet != 4)
                put(&b, " Q%d", o->quartet);
            if (o->proj == FM_ASM_QUARTET)
                put(&b, " quartet");
        }
        if (w->bits != 8 || x->bits != 8)
            put(&b, " w%db x%db", w->bits, x->bits);
    }
    if (a->lut) {
        const char *p = fm_lut_path(a->lut), *slash = strrchr(p, '/');
        put(&b, " lut:%s", slash ? slash + 1 : p);
    }
}

void fm_net_arith_label(const fm_net_arith *n, char *buf, size_t len)
{
    if (!len)
        return;
    if (n->name) {
        snprintf(buf, len, "%s", n->name);
        return;
    }
    fm_layer_arith_label(&n->deflt, buf, len);
    if (n->n_rules) {
        size_t k = strlen(buf);
        snprintf(buf + k, len - k, " +%d rule%s", n->n_rules, n->n_rules == 1 ? "" : "s");
    }
}
