/* Growable pool of NUL-terminated strings with int64 offsets, used to build
 * file lists without one allocation per name. Header-only, internal. */
#ifndef FLEXMAC_DATA_NAME_POOL_H
#define FLEXMAC_DATA_NAME_POOL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct name_pool {
    char *chars;
    size_t len, cap;
    int64_t *off;
    int32_t *labels;
    int64_t n, ncap;
} name_pool;

/* Appends a + b (b may be NULL) with its label; returns -1 when out of memory. */
static inline int name_pool_add(name_pool *p, const char *a, const char *b, int32_t label)
{
    size_t la = strlen(a), lb = b ? strlen(b) : 0, need = la + lb + 1;
    if (p->len + need > p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 65536;
        while (nc < p->len + need)
            nc *= 2;
        char *q = realloc(p->chars, nc);
        if (!q)
            return -1;
        p->chars = q;
        p->cap = nc;
    }
    if (p->n == p->ncap) {
        int64_t nc = p->ncap ? p->ncap * 2 : 1024;
        int64_t *o = realloc(p->off, (size_t)nc * sizeof *o);
        if (!o)
            return -1;
        p->off = o;
        int32_t *l = realloc(p->labels, (size_t)nc * sizeof *l);
        if (!l)
            return -1;
        p->labels = l;
        p->ncap = nc;
    }
    p->off[p->n] = (int64_t)p->len;
    p->labels[p->n] = label;
    p->n++;
    memcpy(p->chars + p->len, a, la);
    if (lb)
        memcpy(p->chars + p->len + la, b, lb);
    p->chars[p->len + la + lb] = '\0';
    p->len += need;
    return 0;
}

static inline void name_pool_free(name_pool *p)
{
    free(p->chars);
    free(p->off);
    free(p->labels);
    memset(p, 0, sizeof *p);
}

#endif
