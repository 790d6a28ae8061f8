/* Arithmetic configurations (../shared/ARITHMETIC.md): FxP-N, Ax-BxP and ASM,
 * per network, per layer and per data structure (weights vs activations).
 * One network configuration = a default plus ordered per-layer rules; the
 * last matching rule wins. */
#ifndef FLEXMAC_ARITH_H
#define FLEXMAC_ARITH_H

#include <stdint.h>

#include "flexmac/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FM_MAX_BLOCKS 16 /* N = ceil(Bm / K) <= 16 with K >= 1, Bm <= 16 */

typedef enum fm_select {
    FM_SEL_STATIC = 0, /* the L most significant block positions of the format */
    FM_SEL_DYNAMIC,    /* window of L blocks at the leading non-zero block */
    FM_SEL_ROUND       /* dynamic, rounded half up on the first dropped bit */
} fm_select;

typedef enum fm_asm_proj {
    FM_ASM_NEAREST_WORD = 0, /* nearest representable magnitude, ties to smaller */
    FM_ASM_QUARTET           /* each quartet rounded on its own */
} fm_asm_proj;

/* How one operand (weights or activations) of a MAC layer is represented. */
typedef struct fm_operand_arith {
    int bits;          /* FxP word width B, 2..16 */
    int K;             /* Ax-BxP block size; 0 = no blocking (exact FxP) */
    int L;             /* blocks kept, 1..N */
    fm_select select;
    uint16_t alphabet; /* ASM: bit a set = odd a allowed; 0 = no restriction */
    int quartet;       /* ASM quartet size Q (default 4) */
    fm_asm_proj proj;
} fm_operand_arith;

typedef struct fm_lut fm_lut; /* user-defined 8x8 multiplier (table or .so) */

typedef struct fm_layer_arith {
    int is_float;        /* keep this layer in float */
    fm_operand_arith w;  /* weights */
    fm_operand_arith x;  /* activations (inputs of the layer) */
    /* Ax-BxP product subset P by rank: bit s of pset[r] = pair (x rank r,
     * w rank s) is computed. All bits of the Lx x Lw square = exact. */
    uint16_t pset[FM_MAX_BLOCKS];
    fm_lut *lut;         /* borrowed; non-NULL replaces the 8x8 multiply */
} fm_layer_arith;

typedef struct fm_arith_rule {
    char *pattern;       /* layer name glob, or NULL */
    int index;           /* MAC-layer index (0-based), or -1 */
    fm_layer_arith a;
} fm_arith_rule;

typedef struct fm_net_arith {
    fm_layer_arith deflt;
    int n_rules;
    fm_arith_rule *rules;
    char *name;          /* short label for tables, owned */
} fm_net_arith;

/* FxP-N for both operands, all products. */
void fm_layer_arith_fxp(fm_layer_arith *a, int wbits, int xbits);
/* A float network configuration (no quantization). */
void fm_net_arith_float(fm_net_arith *n);
void fm_net_arith_free(fm_net_arith *n);
/* The configuration of the MAC layer with this name and MAC-layer index. */
const fm_layer_arith *fm_net_arith_for(const fm_net_arith *n, const char *layer_name,
                                       int mac_index);

/* Parses an inline form ("fp32", "fxp8", "fxp:w=6,x=8",
 * "axbxp:K=2,Lx=2,Lw=2,select=dynamic,P=...", "asm:w={1,3}") or, when spec
 * names a .json file, the JSON schema of docs/config.md. Errors name the
 * field and why. */
fm_status fm_net_arith_parse(const char *spec, fm_net_arith *out, fm_error *err);

#ifdef __cplusplus
}
#endif
#endif
