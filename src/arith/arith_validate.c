/* Validation of a layer's arithmetic configuration: every field in range,
 * schemes that make sense together. Messages name the field path. */
#include <stdio.h>

#include "arith/arith_internal.h"

static fm_status check_operand(const fm_operand_arith *o, int is_signed, const char *path,
                               const char *name, fm_error *err)
{
    const char *dot = path[0] ? "." : "";
    if (o->bits < 2 || o->bits > 16)
        return fm_error_set(err, FM_ERR_INVALID, "%s%s%s.bits: %d outside 2..16", path, dot, name,
                            o->bits);
    if (o->K < 0 || o->K > o->bits)
        return fm_error_set(err, FM_ERR_INVALID, "%s%s%s.K: %d outside 0..%d (0 = no blocking)",
                            path, dot, name, o->K, o->bits);
    if (o->K > 0) {
        int N = fm_axbxp_nblocks(fm_axbxp_mag_bits(o->bits, is_signed), o->K);
        if (o->L > N)
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s%s%s.L: %d exceeds N=%d blocks for %sbits=%d, K=%d", path, dot,
                                name, o->L, N, is_signed ? "signed " : "", o->bits, o->K);
        if (o->L < 1)
            return fm_error_set(err, FM_ERR_INVALID, "%s%s%s.L: %d below 1", path, dot, name,
                                o->L);
        if ((unsigned)o->select > FM_SEL_ROUND)
            return fm_error_set(err, FM_ERR_INVALID, "%s%s%s.select: unknown mode %d", path, dot,
                                name, (int)o->select);
    }
    if (o->alphabet) {
        if (o->quartet < 2 || o->quartet > 4)
            return fm_error_set(err, FM_ERR_INVALID, "%s%s%s.quartet: %d outside 2..4", path, dot,
                                name, o->quartet);
        for (int a = 0; a < 16; a++) {
            if (!((o->alphabet >> a) & 1))
                continue;
            if (!(a & 1))
                return fm_error_set(err, FM_ERR_INVALID, "%s%s%s.alphabet: %d is even", path, dot,
                                    name, a);
            if (a >= (1 << o->quartet))
                return fm_error_set(err, FM_ERR_INVALID,
                                    "%s%s%s.alphabet: %d not below 2^quartet = %d", path, dot,
                                    name, a, 1 << o->quartet);
        }
        if ((unsigned)o->proj > FM_ASM_QUARTET)
            return fm_error_set(err, FM_ERR_INVALID, "%s%s%s.proj: unknown mode %d", path, dot,
                                name, (int)o->proj);
        if (o->K > 0)
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s%s%s: an ASM alphabet and Ax-BxP blocking (K=%d) cannot be "
                                "combined on one operand",
                                path, dot, name, o->K);
    }
    return FM_OK;
}

fm_status fm_layer_arith_validate(const fm_layer_arith *a, const char *path, fm_error *err)
{
    if (!path)
        path = "";
    if (a->is_float)
        return FM_OK; /* quantization fields are unused */
    fm_status st = check_operand(&a->w, 1, path, "weights", err);
    if (!st)
        st = check_operand(&a->x, 0, path, "activations", err);
    if (st)
        return st;
    const char *dot = path[0] ? "." : "";
    if (fm_arith_pcount(a) == 0)
        return fm_error_set(err, FM_ERR_INVALID,
                            "%s%sproducts: no pair (r,s) within the kept ranks: every product "
                            "would be 0",
                            path, dot);
    if (a->lut) {
        if (a->w.bits > 8 || a->x.bits > 8)
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s%slut: a user multiplier is 8x8; bits are w=%d, x=%d", path,
                                dot, a->w.bits, a->x.bits);
        if (a->w.K || a->x.K || a->w.alphabet || a->x.alphabet)
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s%slut: a user multiplier replaces the FxP multiply; it cannot "
                                "be combined with Ax-BxP or ASM",
                                path, dot);
    }
    return FM_OK;
}
