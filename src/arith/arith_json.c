/* The JSON configuration file (schema in docs/config.md): a default layer
 * configuration and ordered per-layer rules, each inheriting the default
 * and overriding the fields it names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arith/arith_internal.h"

#define PATH_MAX_LEN 256

static fm_status get_int(const cJSON *it, const char *path, int *v, fm_error *err)
{
    if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble) ||
        fabs(it->valuedouble) > 1e6)
        return fm_error_set(err, FM_ERR_INVALID, "%s: expected an integer", path);
    *v = (int)it->valuedouble;
    return FM_OK;
}

static fm_status get_string(const cJSON *it, const char *path, const char **s, fm_error *err)
{
    if (!cJSON_IsString(it))
        return fm_error_set(err, FM_ERR_INVALID, "%s: expected a string", path);
    *s = it->valuestring;
    return FM_OK;
}

static fm_status parse_alphabet(const cJSON *it, const char *path, uint16_t *out, int *all,
                                fm_error *err)
{
    if (cJSON_IsString(it) && (!strcmp(it->valuestring, "all") ||
                               !strcmp(it->valuestring, "exact"))) {
        *all = 1;
        return FM_OK;
    }
    if (!cJSON_IsArray(it))
        return fm_error_set(err, FM_ERR_INVALID,
                            "%s: expected a list of odd numbers such as [1, 3], or \"all\"",
                            path);
    uint16_t m = 0;
    int i = 0;
    for (const cJSON *e = it->child; e; e = e->next, i++) {
        char p[2 * PATH_MAX_LEN];
        snprintf(p, sizeof p, "%.400s[%d]", path, i);
        int a = 0;
        if (get_int(e, p, &a, err))
            return FM_ERR_INVALID;
        if (a < 1 || a > 15)
            return fm_error_set(err, FM_ERR_INVALID, "%s: %d outside the odd quartet values 1..15",
                                p, a);
        if (!(a & 1))
            return fm_error_set(err, FM_ERR_INVALID, "%s: %d is even", p, a);
        m |= (uint16_t)(1u << a);
    }
    *all = 0;
    *out = m; /* [] = no alphabet restriction */
    return FM_OK;
}

static fm_status parse_operand(const cJSON *obj, fm_operand_arith *o, const char *path,
                               fm_error *err)
{
    if (!cJSON_IsObject(obj))
        return fm_error_set(err, FM_ERR_INVALID, "%s: expected an object", path);
    int all = 0, have_alphabet = 0;
    for (const cJSON *it = obj->child; it; it = it->next) {
        char p[2 * PATH_MAX_LEN];
        const char *k = it->string, *s = NULL;
        snprintf(p, sizeof p, "%.400s.%.100s", path, k);
        fm_status st = FM_OK;
        if (!strcmp(k, "bits")) {
            st = get_int(it, p, &o->bits, err);
        } else if (!strcmp(k, "K")) {
            st = get_int(it, p, &o->K, err);
            o->L = 0; /* a new block size: L defaults to N unless given */
        } else if (!strcmp(k, "L")) {
            if (!(st = get_int(it, p, &o->L, err)) && o->L < 1)
                st = fm_error_set(err, FM_ERR_INVALID, "%s: %d below 1", p, o->L);
        } else if (!strcmp(k, "select")) {
            int sel = -1;
            if (!(st = get_string(it, p, &s, err)) && (sel = fm_arith_select_parse(s)) < 0)
                st = fm_error_set(err, FM_ERR_INVALID,
                                  "%s: '%s': expected static, dynamic or round", p, s);
            if (!st)
                o->select = (fm_select)sel;
        } else if (!strcmp(k, "alphabet")) {
            st = parse_alphabet(it, p, &o->alphabet, &all, err);
            have_alphabet = 1;
        } else if (!strcmp(k, "quartet")) {
            st = get_int(it, p, &o->quartet, err);
        } else if (!strcmp(k, "proj")) {
            int pr = -1;
            if (!(st = get_string(it, p, &s, err)) && (pr = fm_arith_proj_parse(s)) < 0)
                st = fm_error_set(err, FM_ERR_INVALID, "%s: '%s': expected nearest or quartet",
                                  p, s);
            if (!st)
                o->proj = (fm_asm_proj)pr;
        } else {
            st = fm_error_set(err, FM_ERR_INVALID,
                              "%s: unknown key (expected bits, K, L, select, alphabet, quartet, "
                              "proj)",
                              p);
        }
        if (st)
            return st;
    }
    /* K given before L in the object must not discard that L: re-read it. */
    const cJSON *L = cJSON_GetObjectItemCaseSensitive(obj, "L");
    if (L)
        o->L = (int)L->valuedouble;
    if (have_alphabet && all)
        o->alphabet = fm_asm_alphabet_all(o->quartet >= 2 && o->quartet <= 4 ? o->quartet : 4);
    return FM_OK;
}

static fm_status parse_products(const cJSON *it, fm_layer_arith *a, const char *path,
                                fm_error *err)
{
    if (cJSON_IsString(it))
        return fm_arith_parse_products(it->valuestring, a, a->pset, path, err);
    if (cJSON_IsObject(it)) {
        const cJSON *c = it->child;
        int T = 0;
        char p[2 * PATH_MAX_LEN];
        if (!c || c->next)
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: expected {\"max_rank_sum\": T} or {\"rank_sum_below\": T}",
                                path);
        snprintf(p, sizeof p, "%.400s.%.100s", path, c->string);
        int le = !strcmp(c->string, "max_rank_sum");
        if (!le && strcmp(c->string, "rank_sum_below"))
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: unknown key (expected max_rank_sum or rank_sum_below)", p);
        if (get_int(c, p, &T, err))
            return FM_ERR_INVALID;
        if (T + le < 1)
            return fm_error_set(err, FM_ERR_INVALID, "%s: %d keeps no product", p, T);
        fm_arith_pset_below(a->pset, T + le); /* r + s <= T  ==  r + s < T + 1 */
        return FM_OK;
    }
    if (!cJSON_IsArray(it))
        return fm_error_set(err, FM_ERR_INVALID,
                            "%s: expected \"all\", a list of [r, s] pairs or {\"max_rank_sum\": T}",
                            path);
    int Lx, Lw, i = 0;
    fm_arith_square(a, &Lx, &Lw);
    uint16_t ps[FM_MAX_BLOCKS] = {0};
    for (const cJSON *e = it->child; e; e = e->next, i++) {
        int r = 0, s = 0;
        char p[2 * PATH_MAX_LEN];
        snprintf(p, sizeof p, "%.400s[%d]", path, i);
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 ||
            get_int(e->child, p, &r, err) || get_int(e->child->next, p, &s, err) || r < 0 ||
            s < 0)
            return fm_error_set(err, FM_ERR_INVALID, "%s: expected a pair [r, s] of ranks", p);
        if (r >= Lx)
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: [%d, %d]: activation rank %d not below Lx=%d", p, r, s, r, Lx);
        if (s >= Lw)
            return fm_error_set(err, FM_ERR_INVALID, "%s: [%d, %d]: weight rank %d not below Lw=%d",
                                p, r, s, s, Lw);
        ps[r] |= (uint16_t)(1u << s);
    }
    memcpy(a->pset, ps, sizeof ps);
    return FM_OK;
}

/* One layer configuration object into a (which holds what it inherits). */
static fm_status parse_layer(const cJSON *obj, fm_layer_arith *a, int is_rule, fm_net_arith *n,
                             const char *base_dir, const char *path, fm_error *err)
{
    char p[2 * PATH_MAX_LEN];
    fm_status st;
    if (cJSON_IsString(obj)) { /* a whole layer as an inline form */
        if ((st = fm_arith_parse_form(obj->valuestring, a, n, err)))
            return fm_error_prefix(err, "%s", path);
        return FM_OK;
    }
    if (!cJSON_IsObject(obj))
        return fm_error_set(err, FM_ERR_INVALID, "%s: expected an object or an inline form",
                            path);
    const cJSON *form = cJSON_GetObjectItemCaseSensitive(obj, "form");
    if (form) {
        snprintf(p, sizeof p, "%s.form", path);
        if (!cJSON_IsString(form))
            return fm_error_set(err, FM_ERR_INVALID, "%s: expected a string", p);
        if ((st = fm_arith_parse_form(form->valuestring, a, n, err)))
            return fm_error_prefix(err, "%s", p);
    }
    const cJSON *products = NULL, *lut = NULL;
    int lut_given = 0;
    for (const cJSON *it = obj->child; it; it = it->next) {
        const char *k = it->string;
        snprintf(p, sizeof p, "%.400s.%.100s", path, k);
        st = FM_OK;
        if (!strcmp(k, "weights")) {
            st = parse_operand(it, &a->w, p, err);
        } else if (!strcmp(k, "activations")) {
            st = parse_operand(it, &a->x, p, err);
        } else if (!strcmp(k, "products")) {
            products = it;
        } else if (!strcmp(k, "float")) {
            if (!cJSON_IsBool(it))
                st = fm_error_set(err, FM_ERR_INVALID, "%s: expected true or false", p);
            a->is_float = cJSON_IsTrue(it);
        } else if (!strcmp(k, "lut")) {
            if (!cJSON_IsNull(it) && !cJSON_IsString(it))
                st = fm_error_set(err, FM_ERR_INVALID, "%s: expected a path or null", p);
            lut = it;
            lut_given = 1;
        } else if (!strcmp(k, "form") || (is_rule && (!strcmp(k, "match") ||
                                                       !strcmp(k, "index")))) {
            /* handled by the caller or above */
        } else {
            st = fm_error_set(err, FM_ERR_INVALID,
                              "%s: unknown key (expected %sform, weights, activations, products, "
                              "float, lut)",
                              p, is_rule ? "match, index, " : "");
        }
        if (st)
            return st;
    }
    fm_arith_normalize(a);
    /* Fields in range before the product set refers to the ranks. */
    fm_layer_arith probe = *a;
    probe.pset[0] = 1;
    probe.lut = NULL;
    if ((st = fm_layer_arith_validate(&probe, path, err)))
        return st;
    if (products) {
        snprintf(p, sizeof p, "%s.products", path);
        if ((st = parse_products(products, a, p, err)))
            return st;
    }
    if (lut_given) {
        a->lut = NULL;
        snprintf(p, sizeof p, "%s.lut", path);
        if (cJSON_IsString(lut) && (st = fm_arith_net_lut(n, base_dir, lut->valuestring,
                                                          &a->lut, err)))
            return fm_error_prefix(err, "%s", p);
    }
    return fm_layer_arith_validate(a, path, err);
}

static fm_status parse_rule(const cJSON *obj, fm_net_arith *n, const char *base_dir, int i,
                            fm_error *err)
{
    char path[PATH_MAX_LEN];
    snprintf(path, sizeof path, "layers[%d]", i);
    if (!cJSON_IsObject(obj))
        return fm_error_set(err, FM_ERR_INVALID, "%s: expected an object", path);
    const cJSON *match = cJSON_GetObjectItemCaseSensitive(obj, "match");
    const cJSON *index = cJSON_GetObjectItemCaseSensitive(obj, "index");
    if (!match == !index)
        return fm_error_set(err, FM_ERR_INVALID, "%s: give exactly one of match (a layer-name "
                            "glob) and index (a MAC-layer index)", path);
    int idx = -1;
    char p[2 * PATH_MAX_LEN];
    if (index) {
        snprintf(p, sizeof p, "%s.index", path);
        if (get_int(index, p, &idx, err))
            return FM_ERR_INVALID;
        if (idx < 0)
            return fm_error_set(err, FM_ERR_INVALID, "%s: %d below 0", p, idx);
    } else if (!cJSON_IsString(match) || !match->valuestring[0]) {
        return fm_error_set(err, FM_ERR_INVALID, "%s.match: expected a non-empty glob", path);
    }
    fm_arith_rule *grown = realloc(n->rules, sizeof *grown * (size_t)(n->n_rules + 1));
    if (!grown)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    n->rules = grown;
    fm_arith_rule *r = &n->rules[n->n_rules];
    memset(r, 0, sizeof *r);
    r->index = idx;
    r->a = n->deflt; /* inherit, then override */
    if (match && !(r->pattern = strdup(match->valuestring)))
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    n->n_rules++;
    return parse_layer(obj, &r->a, 1, n, base_dir, path, err);
}

fm_status fm_arith_parse_json(const char *text, const char *src, const char *base_dir,
                              fm_net_arith *n, fm_error *err)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root) {
        long off = end ? (long)(end - text) : -1;
        return fm_error_set(err, FM_ERR_FORMAT, "%s: invalid JSON at byte %ld near '%.20s'", src,
                            off, end ? end : "");
    }
    fm_status st = FM_OK;
    fm_layer_arith_fxp(&n->deflt, 8, 8);
    if (!cJSON_IsObject(root))
        st = fm_error_set(err, FM_ERR_INVALID, "top level: expected an object");
    for (const cJSON *it = root->child; !st && it; it = it->next)
        if (strcmp(it->string, "name") && strcmp(it->string, "default") &&
            strcmp(it->string, "layers"))
            st = fm_error_set(err, FM_ERR_INVALID, "%s: unknown key (expected name, default, "
                              "layers)", it->string);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (!st && name) {
        if (!cJSON_IsString(name))
            st = fm_error_set(err, FM_ERR_INVALID, "name: expected a string");
        else if (!(n->name = strdup(name->valuestring)))
            st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    }
    const cJSON *deflt = cJSON_GetObjectItemCaseSensitive(root, "default");
    if (!st && deflt)
        st = parse_layer(deflt, &n->deflt, 0, n, base_dir, "default", err);
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    if (!st && layers && !cJSON_IsArray(layers))
        st = fm_error_set(err, FM_ERR_INVALID, "layers: expected a list");
    int i = 0;
    for (const cJSON *it = layers ? layers->child : NULL; !st && it; it = it->next, i++)
        st = parse_rule(it, n, base_dir, i, err);
    cJSON_Delete(root);
    if (st)
        fm_error_prefix(err, "%s", src);
    return st;
}
