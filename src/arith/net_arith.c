/* Network arithmetic configurations: defaults and per-layer lookup. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/arith.h"

static void operand_fxp(fm_operand_arith *o, int bits)
{
    memset(o, 0, sizeof *o);
    o->bits = bits;
    o->quartet = 4;
}

void fm_layer_arith_fxp(fm_layer_arith *a, int wbits, int xbits)
{
    memset(a, 0, sizeof *a);
    operand_fxp(&a->w, wbits);
    operand_fxp(&a->x, xbits);
    for (int r = 0; r < FM_MAX_BLOCKS; r++)
        a->pset[r] = 0xFFFF;
}

void fm_net_arith_float(fm_net_arith *n)
{
    memset(n, 0, sizeof *n);
    fm_layer_arith_fxp(&n->deflt, 8, 8);
    n->deflt.is_float = 1;
}

void fm_net_arith_free(fm_net_arith *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->n_rules; i++)
        free(n->rules[i].pattern);
    free(n->rules);
    for (int i = 0; i < n->n_luts; i++)
        fm_lut_free(n->luts[i]);
    free(n->luts);
    free(n->name);
    memset(n, 0, sizeof *n);
}

const fm_layer_arith *fm_net_arith_for(const fm_net_arith *n, const char *layer_name,
                                       int mac_index)
{
    const fm_layer_arith *a = &n->deflt;
    for (int i = 0; i < n->n_rules; i++) {
        const fm_arith_rule *r = &n->rules[i];
        int hit = (r->index >= 0 && r->index == mac_index) ||
                  (r->pattern && layer_name && fnmatch(r->pattern, layer_name, 0) == 0);
        if (hit)
            a = &r->a;
    }
    return a;
}
