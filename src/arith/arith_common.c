/* Small helpers shared by the configuration parser, validator and writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arith/arith_internal.h"

int fm_arith_select_parse(const char *s)
{
    if (!strcmp(s, "static") || !strcmp(s, "st"))
        return FM_SEL_STATIC;
    if (!strcmp(s, "dynamic") || !strcmp(s, "dyn"))
        return FM_SEL_DYNAMIC;
    if (!strcmp(s, "round") || !strcmp(s, "rnd"))
        return FM_SEL_ROUND;
    return -1;
}

const char *fm_arith_select_name(fm_select s)
{
    switch (s) {
    case FM_SEL_STATIC: return "static";
    case FM_SEL_DYNAMIC: return "dynamic";
    case FM_SEL_ROUND: return "round";
    }
    return "?";
}

const char *fm_arith_proj_name(fm_asm_proj p)
{
    return p == FM_ASM_QUARTET ? "quartet" : "nearest";
}

int fm_arith_proj_parse(const char *s)
{
    if (!strcmp(s, "nearest"))
        return FM_ASM_NEAREST_WORD;
    if (!strcmp(s, "quartet"))
        return FM_ASM_QUARTET;
    return -1;
}

void fm_arith_square(const fm_layer_arith *a, int *Lx, int *Lw)
{
    *Lx = fm_axbxp_kept(&a->x, 0);
    *Lw = fm_axbxp_kept(&a->w, 1);
}

int fm_arith_pcount(const fm_layer_arith *a)
{
    int Lx, Lw, n = 0;
    fm_arith_square(a, &Lx, &Lw);
    for (int r = 0; r < Lx; r++)
        for (int s = 0; s < Lw; s++)
            n += (a->pset[r] >> s) & 1;
    return n;
}

static void normalize_operand(fm_operand_arith *o, int is_signed)
{
    if (o->K == 0) { /* K < 0 is left for the validator to report */
        o->L = 0;
        o->select = FM_SEL_STATIC;
    } else if (o->K > 0 && o->L <= 0) {
        o->L = fm_axbxp_nblocks(fm_axbxp_mag_bits(o->bits, is_signed), o->K);
    }
    if (!o->alphabet) {
        o->quartet = 4;
        o->proj = FM_ASM_NEAREST_WORD;
    }
}

void fm_arith_normalize(fm_layer_arith *a)
{
    normalize_operand(&a->w, 1);
    normalize_operand(&a->x, 0);
}

void fm_arith_pset_below(uint16_t pset[], int T)
{
    for (int r = 0; r < FM_MAX_BLOCKS; r++) {
        pset[r] = 0;
        for (int s = 0; s < FM_MAX_BLOCKS; s++)
            if (r + s < T)
                pset[r] |= (uint16_t)(1u << s);
    }
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Reads a non-negative decimal integer; NULL when there is none. */
static const char *read_uint(const char *p, int *v)
{
    p = skip_ws(p);
    if (*p < '0' || *p > '9')
        return NULL;
    long x = 0;
    while (*p >= '0' && *p <= '9') {
        x = x * 10 + (*p++ - '0');
        if (x > 1000000)
            return NULL;
    }
    *v = (int)x;
    return skip_ws(p);
}

fm_status fm_arith_parse_products(const char *s, const fm_layer_arith *a, uint16_t pset[],
                                  const char *path, fm_error *err)
{
    int Lx, Lw;
    fm_arith_square(a, &Lx, &Lw);
    const char *p = skip_ws(s);
    if (!strcmp(p, "all")) {
        for (int r = 0; r < FM_MAX_BLOCKS; r++)
            pset[r] = 0xFFFF;
        return FM_OK;
    }
    if (!strncmp(p, "r+s<", 4)) {
        int le = p[4] == '=', T;
        const char *q = read_uint(p + 4 + le, &T);
        if (!q || *q)
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: '%s': expected r+s<T or r+s<=T with an integer T", path, s);
        if (T + le < 1)
            return fm_error_set(err, FM_ERR_INVALID, "%s: '%s' keeps no product", path, s);
        fm_arith_pset_below(pset, T + le);
        return FM_OK;
    }
    if (*p != '{')
        return fm_error_set(err, FM_ERR_INVALID,
                            "%s: '%s': expected all, r+s<T, r+s<=T or {(r,s),...}", path, s);
    memset(pset, 0, sizeof(uint16_t) * FM_MAX_BLOCKS);
    p = skip_ws(p + 1);
    int n = 0;
    while (*p != '}') {
        int r, c;
        const char *q = *p == '(' ? read_uint(p + 1, &r) : NULL;
        q = q && *q == ',' ? read_uint(q + 1, &c) : NULL;
        if (!q || *q != ')')
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: '%s': pair %d is not of the form (r,s)", path, s, n);
        if (r >= Lx)
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: pair (%d,%d): activation rank %d not below Lx=%d", path, r,
                                c, r, Lx);
        if (c >= Lw)
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: pair (%d,%d): weight rank %d not below Lw=%d", path, r, c, c,
                                Lw);
        pset[r] |= (uint16_t)(1u << c);
        n++;
        p = skip_ws(q + 1);
        if (*p == ',')
            p = skip_ws(p + 1);
        else if (*p != '}')
            return fm_error_set(err, FM_ERR_INVALID, "%s: '%s': expected ',' or '}' after pair %d",
                                path, s, n - 1);
    }
    if (*skip_ws(p + 1))
        return fm_error_set(err, FM_ERR_INVALID, "%s: '%s': text after '}'", path, s);
    return FM_OK;
}

fm_status fm_arith_net_lut(fm_net_arith *n, const char *base_dir, const char *rel, fm_lut **out,
                           fm_error *err)
{
    char path[4096];
    if (rel[0] == '/' || !base_dir || !base_dir[0])
        snprintf(path, sizeof path, "%s", rel);
    else
        snprintf(path, sizeof path, "%s/%s", base_dir, rel);
    for (int i = 0; i < n->n_luts; i++)
        if (!strcmp(fm_lut_path(n->luts[i]), path)) {
            *out = n->luts[i];
            return FM_OK;
        }
    fm_lut **grown = realloc(n->luts, sizeof *grown * (size_t)(n->n_luts + 1));
    if (!grown)
        return fm_error_set(err, FM_ERR_NOMEM, "out of memory");
    n->luts = grown;
    fm_status st = fm_lut_load(path, out, err);
    if (st)
        return st;
    n->luts[n->n_luts++] = *out;
    return FM_OK;
}
