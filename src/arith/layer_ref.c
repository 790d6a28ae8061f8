/* One multiply of a layer under any scheme of the contract: the composition
 * the executors must reproduce (docs/schemes.md). */
#include "flexmac/arith.h"

int64_t fm_layer_mul_ref(const fm_layer_arith *a, const fm_asm_set *xs, const fm_asm_set *ws,
                         int x_signed, int32_t x, int w_signed, int32_t w)
{
    /* ASM restricts the values an operand can take; the multiply of the
     * projected values is then exact (fm_asm_mul_ref shows the
     * select/shift/add datapath gives the same number). */
    if (a->x.alphabet && xs)
        x = fm_asm_project(xs, x);
    if (a->w.alphabet && ws)
        w = fm_asm_project(ws, w);
    if (a->lut)
        return fm_lut_mul(a->lut, x, w);
    return fm_axbxp_mul_ref(a, x_signed, x, w_signed, w);
}
