/* Network arithmetic configuration: the inline forms of docs/config.md and
 * the dispatch to the JSON reader (arith_json.c). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arith/arith_internal.h"
#include "util/file.h"

#define FORM_MAX 1024
#define CONFIG_MAX_FILE (16L << 20)

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static fm_status parse_int(const char *s, const char *key, int *v, fm_error *err)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *end || errno || x < -1000000 || x > 1000000)
        return fm_error_set(err, FM_ERR_INVALID, "%s: '%s' is not an integer", key, s);
    *v = (int)x;
    return FM_OK;
}

/* "{1,3,5}" or "all" (every odd value: exact). */
static fm_status parse_alphabet(const char *s, const char *key, int Q, uint16_t *out,
                                fm_error *err)
{
    if (!strcmp(s, "all") || !strcmp(s, "exact")) {
        *out = fm_asm_alphabet_all(Q);
        return FM_OK;
    }
    size_t n = strlen(s);
    if (n < 2 || s[0] != '{' || s[n - 1] != '}')
        return fm_error_set(err, FM_ERR_INVALID,
                            "%s: '%s': expected an alphabet such as {1,3} or all", key, s);
    char buf[FORM_MAX];
    snprintf(buf, sizeof buf, "%.*s", (int)(n - 2), s + 1);
    uint16_t m = 0;
    int i = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), i++) {
        int a = 0;
        if (parse_int(trim(t), key, &a, err))
            return err ? err->code : FM_ERR_INVALID;
        if (a < 1 || a > 15)
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: entry %d (%d) outside the odd quartet values 1..15", key, i,
                                a);
        if (!(a & 1))
            return fm_error_set(err, FM_ERR_INVALID, "%s: entry %d (%d) is even", key, i, a);
        m |= (uint16_t)(1u << a);
    }
    if (!m)
        return fm_error_set(err, FM_ERR_INVALID, "%s: empty alphabet", key);
    *out = m;
    return FM_OK;
}

/* Splits "a=1,P={(0,0),(0,1)},b=2" at the commas outside braces/parens. */
static int split_top(char *s, char *parts[], int max)
{
    int n = 0, depth = 0;
    char *start = s;
    for (char *p = s;; p++) {
        if (*p == '{' || *p == '(')
            depth++;
        else if (*p == '}' || *p == ')')
            depth--;
        if ((*p == ',' && depth == 0) || *p == '\0') {
            int end = *p == '\0';
            *p = '\0';
            if (n < max)
                parts[n] = trim(start);
            n++;
            if (end)
                break;
            start = p + 1;
        }
    }
    return n;
}

enum scheme { SCH_FXP, SCH_AXBXP, SCH_ASM };

static fm_status set_bits(fm_layer_arith *a, const char *key, const char *val, int which,
                          fm_error *err)
{
    int v = 0;
    if (parse_int(val, key, &v, err))
        return FM_ERR_INVALID;
    if (which & 1)
        a->w.bits = v;
    if (which & 2)
        a->x.bits = v;
    return FM_OK;
}

static fm_status set_select(fm_layer_arith *a, const char *key, const char *val, int which,
                            fm_error *err)
{
    int sel = fm_arith_select_parse(val);
    if (sel < 0)
        return fm_error_set(err, FM_ERR_INVALID, "%s: '%s': expected static, dynamic or round",
                            key, val);
    if (which & 1)
        a->w.select = (fm_select)sel;
    if (which & 2)
        a->x.select = (fm_select)sel;
    return FM_OK;
}

static fm_status set_int2(int *w, int *x, const char *key, const char *val, int which,
                          fm_error *err)
{
    int v = 0;
    if (parse_int(val, key, &v, err))
        return FM_ERR_INVALID;
    if (which & 1)
        *w = v;
    if (which & 2)
        *x = v;
    return FM_OK;
}

/* One key=value of a scheme's option list. P, lut and the alphabets are
 * returned for after the list, when bits, K, L and Q are all known. */
static fm_status apply_key(fm_layer_arith *a, enum scheme sch, const char *key, const char *val,
                           const char **pval, const char **lut, const char **alw,
                           const char **alx, int *blocked, fm_error *err)
{
    if (!strcmp(key, "bits"))
        return set_bits(a, key, val, 3, err);
    if (!strcmp(key, "bits_w"))
        return set_bits(a, key, val, 1, err);
    if (!strcmp(key, "bits_x"))
        return set_bits(a, key, val, 2, err);
    if (sch != SCH_ASM && (!strcmp(key, "w") || !strcmp(key, "x")))
        return set_bits(a, key, val, key[0] == 'w' ? 1 : 2, err);
    if (sch == SCH_FXP && !strcmp(key, "lut")) {
        *lut = val;
        return FM_OK;
    }
    if (sch == SCH_AXBXP) {
        int which = 0;
        const char *base = key;
        if (!strcmp(key, "K") || !strcmp(key, "L") || !strcmp(key, "select"))
            which = 3;
        else if (!strcmp(key, "Kw") || !strcmp(key, "Lw") || !strcmp(key, "select_w"))
            which = 1;
        else if (!strcmp(key, "Kx") || !strcmp(key, "Lx") || !strcmp(key, "select_x"))
            which = 2;
        if (which && base[0] == 'K') {
            *blocked = 1;
            return set_int2(&a->w.K, &a->x.K, key, val, which, err);
        }
        if (which && base[0] == 'L') {
            int v = 0;
            if (parse_int(val, key, &v, err))
                return FM_ERR_INVALID;
            if (v < 1)
                return fm_error_set(err, FM_ERR_INVALID, "%s: %d below 1", key, v);
            return set_int2(&a->w.L, &a->x.L, key, val, which, err);
        }
        if (which)
            return set_select(a, key, val, which, err);
        if (!strcmp(key, "P")) {
            *pval = val;
            return FM_OK;
        }
    }
    if (sch == SCH_ASM) {
        if (!strcmp(key, "w") || !strcmp(key, "x")) {
            *(key[0] == 'w' ? alw : alx) = val;
            return FM_OK;
        }
        if (!strcmp(key, "Q") || !strcmp(key, "quartet"))
            return set_int2(&a->w.quartet, &a->x.quartet, key, val, 3, err);
        if (!strcmp(key, "proj")) {
            int p = fm_arith_proj_parse(val);
            if (p < 0)
                return fm_error_set(err, FM_ERR_INVALID, "%s: '%s': expected nearest or quartet",
                                    key, val);
            a->w.proj = a->x.proj = (fm_asm_proj)p;
            return FM_OK;
        }
    }
    static const char *const known[] = {
        "w, x (bits), bits, bits_w, bits_x, lut",
        "K, Kx, Kw, L, Lx, Lw, select, select_x, select_w, P, w, x (bits), bits, bits_w, bits_x",
        "w, x (alphabets), Q, proj, bits, bits_w, bits_x"};
    return fm_error_set(err, FM_ERR_INVALID, "unknown key '%s' (expected %s)", key, known[sch]);
}

static fm_status parse_form_body(char *form, fm_layer_arith *a, fm_net_arith *n, fm_error *err)
{
    fm_layer_arith_fxp(a, 8, 8);
    if (!strcmp(form, "fp32") || !strcmp(form, "float") || !strcmp(form, "f32")) {
        a->is_float = 1;
        return FM_OK;
    }
    char *colon = strchr(form, ':');
    char *opts = colon ? colon + 1 : NULL;
    if (colon)
        *colon = '\0';
    char *scheme = trim(form);
    enum scheme sch;
    if (!strcmp(scheme, "fxp")) {
        sch = SCH_FXP;
    } else if (!strncmp(scheme, "fxp", 3)) {
        int b = 0;
        if (parse_int(scheme + 3, "fxpN", &b, err))
            return FM_ERR_INVALID;
        a->w.bits = a->x.bits = b;
        sch = SCH_FXP;
    } else if (!strcmp(scheme, "axbxp")) {
        sch = SCH_AXBXP;
    } else if (!strcmp(scheme, "asm")) {
        sch = SCH_ASM;
    } else {
        return fm_error_set(err, FM_ERR_INVALID,
                            "unknown scheme '%s' (expected fp32, fxpN, fxp:, axbxp:, asm:)",
                            scheme);
    }
    const char *pval = NULL, *lut = NULL, *alw = NULL, *alx = NULL;
    int blocked = 0;
    if (opts && *trim(opts)) {
        char *parts[64];
        int np = split_top(opts, parts, 64);
        if (np > 64)
            return fm_error_set(err, FM_ERR_INVALID, "more than 64 options");
        for (int i = 0; i < np; i++) {
            char *eq = strchr(parts[i], '=');
            if (!eq)
                return fm_error_set(err, FM_ERR_INVALID, "'%s': expected key=value", parts[i]);
            *eq = '\0';
            char *key = trim(parts[i]), *val = trim(eq + 1);
            fm_status st = apply_key(a, sch, key, val, &pval, &lut, &alw, &alx, &blocked, err);
            if (st)
                return st;
        }
    }
    if (sch == SCH_AXBXP && !blocked)
        return fm_error_set(err, FM_ERR_INVALID, "axbxp needs a block size: K, Kx or Kw");
    if (sch == SCH_ASM && !alw && !alx)
        return fm_error_set(err, FM_ERR_INVALID, "asm needs an alphabet: w={...} or x={...}");
    if (alw && parse_alphabet(alw, "w", a->w.quartet, &a->w.alphabet, err))
        return FM_ERR_INVALID;
    if (alx && parse_alphabet(alx, "x", a->x.quartet, &a->x.alphabet, err))
        return FM_ERR_INVALID;
    fm_arith_normalize(a);
    /* Range-check K and L before P refers to them. */
    fm_layer_arith probe = *a;
    probe.pset[0] = 1;
    fm_status st = fm_layer_arith_validate(&probe, "", err);
    if (st)
        return st;
    if (pval && fm_arith_parse_products(pval, a, a->pset, "P", err))
        return FM_ERR_INVALID;
    if (lut && (st = fm_arith_net_lut(n, NULL, lut, &a->lut, err)))
        return st;
    return fm_layer_arith_validate(a, "", err);
}

fm_status fm_arith_parse_form(const char *form, fm_layer_arith *a, fm_net_arith *n, fm_error *err)
{
    char buf[FORM_MAX];
    if (strlen(form) >= sizeof buf)
        return fm_error_set(err, FM_ERR_INVALID, "'%.40s...': longer than %d characters", form,
                            FORM_MAX - 1);
    snprintf(buf, sizeof buf, "%s", form);
    fm_status st = parse_form_body(trim(buf), a, n, err);
    if (st)
        fm_error_prefix(err, "'%s'", form);
    return st;
}

static fm_status add_rule(fm_net_arith *n, const char *glob, int index, const fm_layer_arith *a,
                          fm_error *err)
{
    fm_arith_rule *grown = realloc(n->rules, sizeof *grown * (size_t)(n->n_rules + 1));
    if (!grown)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    n->rules = grown;
    fm_arith_rule *r = &n->rules[n->n_rules];
    r->pattern = glob ? strdup(glob) : NULL;
    if (glob && !r->pattern)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    r->index = index;
    r->a = *a;
    n->n_rules++;
    return FM_OK;
}

/* "form[;@glob=form][;@#index=form]..." */
static fm_status parse_inline(const char *spec, fm_net_arith *n, fm_error *err)
{
    char *copy = strdup(spec);
    if (!copy)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    fm_status st = FM_OK;
    int seg = 0;
    for (char *save = NULL, *t = strtok_r(copy, ";", &save); t && !st;
         t = strtok_r(NULL, ";", &save), seg++) {
        t = trim(t);
        if (seg == 0) {
            st = fm_arith_parse_form(t, &n->deflt, n, err);
            continue;
        }
        char *eq = strchr(t, '=');
        if (t[0] != '@' || !eq || eq == t + 1) {
            st = fm_error_set(err, FM_ERR_INVALID,
                              "'%s': a rule after ';' is @glob=form or @#index=form", t);
            break;
        }
        *eq = '\0';
        char *match = trim(t + 1);
        fm_layer_arith a;
        st = fm_arith_parse_form(trim(eq + 1), &a, n, err);
        if (st)
            break;
        if (match[0] == '#') {
            int idx = 0;
            st = parse_int(match + 1, "rule index", &idx, err);
            if (!st && idx < 0)
                st = fm_error_set(err, FM_ERR_INVALID, "rule index: %d below 0", idx);
            if (!st)
                st = add_rule(n, NULL, idx, &a, err);
        } else {
            st = add_rule(n, match, -1, &a, err);
        }
    }
    if (!st && seg == 0)
        st = fm_error_set(err, FM_ERR_INVALID, "empty configuration");
    free(copy);
    return st;
}


static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

fm_status fm_net_arith_parse(const char *spec, fm_net_arith *out, fm_error *err)
{
    fm_net_arith n;
    memset(&n, 0, sizeof n);
    memset(out, 0, sizeof *out);
    if (!spec)
        return fm_error_set(err, FM_ERR_INVALID, "no arithmetic configuration given");
    while (isspace((unsigned char)*spec))
        spec++;
    fm_status st;
    if (spec[0] == '{') {
        st = fm_arith_parse_json(spec, "JSON text", NULL, &n, err);
    } else if (ends_with(spec, ".json")) {
        char *text = NULL, dir[4096];
        size_t len;
        st = fm_read_file(spec, "configuration", CONFIG_MAX_FILE, &text, &len, err);
        if (!st && strlen(text) != len)
            st = fm_error_set(err, FM_ERR_FORMAT, "%s: contains a NUL byte: not JSON text", spec);
        if (!st) {
            snprintf(dir, sizeof dir, "%s", spec);
            char *slash = strrchr(dir, '/');
            if (slash)
                *slash = '\0';
            else
                snprintf(dir, sizeof dir, ".");
            st = fm_arith_parse_json(text, spec, dir, &n, err);
        }
        free(text);
    } else {
        st = parse_inline(spec, &n, err);
    }
    if (!st && !n.name) {
        char label[256];
        fm_net_arith_label(&n, label, sizeof label);
        if (!(n.name = strdup(label)))
            st = fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    }
    if (st) {
        fm_net_arith_free(&n);
        return st;
    }
    *out = n;
    return FM_OK;
}
