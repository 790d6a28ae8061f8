/* Arithmetic configurations (../shared/ARITHMETIC.md): FxP-N, Ax-BxP and ASM,
 * per network, per layer and per data structure (weights vs activations).
 * One network configuration = a default plus ordered per-layer rules; the
 * last matching rule wins. */
#ifndef FLEXMAC_ARITH_H
#define FLEXMAC_ARITH_H

#include <stddef.h>
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

/* How one operand (weights or activations) of a MAC layer is represented.
 * Signedness is not part of the configuration: it belongs to the data.
 * Weights are always signed; activations are unsigned after a ReLU and
 * signed otherwise, which the executor knows. Every function below that
 * depends on it takes an `is_signed` argument. A signed B-bit operand is
 * held as sign + (B-1)-bit magnitude, an unsigned one as a B-bit magnitude;
 * magnitudes above that saturate (so -128 at B=8 signed acts as -127). */
typedef struct fm_operand_arith {
    int bits;          /* FxP word width B, 2..16 */
    int K;             /* Ax-BxP block size; 0 = no blocking (exact FxP) */
    int L;             /* blocks kept, 1..N; <= 0 or > N = all N blocks */
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
    int n_luts;          /* user multipliers the layers point to, owned */
    fm_lut **luts;
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
 * "axbxp:K=2,Lx=2,Lw=2,select=dynamic,P=...", "asm:w={1,3}", followed by
 * optional ";@glob=form" / ";@#index=form" rules) or, when spec names a
 * .json file or starts with '{', the JSON schema of docs/config.md. On
 * success out->name is set (the JSON "name" or a generated label); on error
 * *out is empty and the message names the file, the field path and why. */
fm_status fm_net_arith_parse(const char *spec, fm_net_arith *out, fm_error *err);

/* Checks one layer configuration (the rules of docs/config.md); `path`
 * prefixes the message, e.g. "layers[2]". */
fm_status fm_layer_arith_validate(const fm_layer_arith *a, const char *path, fm_error *err);

/* The configuration as JSON text in the schema of docs/config.md (every
 * rule written out in full). *out is malloc'ed; the caller frees it. */
fm_status fm_net_arith_to_json(const fm_net_arith *n, char **out, fm_error *err);

/* Short labels for tables: "fp32", "fxp8", "fxp w6 x8",
 * "axbxp K2 L2/2 dyn |P|=3", "asm w{1,3}". Always NUL-terminated. */
void fm_layer_arith_label(const fm_layer_arith *a, char *buf, size_t n);
/* n->name when set, else the default's label (+ " +R rules"). */
void fm_net_arith_label(const fm_net_arith *n, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Ax-BxP reference model (src/arith/axbxp_ref.c), docs/schemes.md.   */

/* Magnitude bits: B - 1 when signed, B when unsigned. */
int fm_axbxp_mag_bits(int bits, int is_signed);
/* N = ceil(Bm / K) blocks; 1 when K <= 0 (no blocking). */
int fm_axbxp_nblocks(int Bm, int K);
/* Blocks an operand keeps for data of this signedness: min(L, N) with
 * L <= 0 meaning N; 1 when K = 0. */
int fm_axbxp_kept(const fm_operand_arith *o, int is_signed);
/* Bits of per-value metadata (the window start): 0 for static (fixed
 * window), ceil(log2(N - L + 1)) for dynamic and round. */
int fm_axbxp_meta_bits(int N, int L, fm_select sel);

/* What the hardware keeps of one value. */
typedef struct fm_kept {
    int sign;                    /* -1 or +1 (+1 for zero) */
    int n;                       /* kept blocks (ranks 0..n-1) */
    int start;                   /* window start block = the metadata value */
    int meta_bits;               /* as fm_axbxp_meta_bits */
    int32_t blk[FM_MAX_BLOCKS];  /* x~_r, rank 0 = most significant kept */
    int pos[FM_MAX_BLOCKS];      /* p_r, the block position of rank r */
    int shift[FM_MAX_BLOCKS];    /* p_r * K: where the block sits in bits */
    int32_t mag;                 /* sum_r blk[r] << shift[r] */
} fm_kept;

/* Splits v (sign-magnitude, saturated to Bm bits) into blocks and keeps a
 * window of them per o->select (static, dynamic, round); see
 * docs/schemes.md for the exact rounding and saturation. K = 0 keeps the
 * whole magnitude as one "block" at position 0. */
void fm_axbxp_keep(const fm_operand_arith *o, int is_signed, int32_t v, fm_kept *out);
/* sign * sum_{(r,s) in P} x~_r w~_s 2^(p_r Kx + q_s Kw): the product the
 * blocked datapath computes (pairs outside the kept ranks are ignored). */
int64_t fm_axbxp_mul_ref(const fm_layer_arith *a, int x_signed, int32_t x, int w_signed,
                         int32_t w);

/* Fast-path decomposition (src/arith/axbxp_plan.c): the product equals
 * sum_g plane(x, g.x_ranks) * plane(w, g.w_ranks), each a GEMM. */
typedef struct fm_axbxp_group {
    uint16_t x_ranks; /* bit r = activation rank r is summed into this plane */
    uint16_t w_ranks; /* bit s = weight rank s */
} fm_axbxp_group;

/* Fills groups[0..min(count,max)) and returns count (<= FM_MAX_BLOCKS);
 * 0 when P restricted to the kept ranks is empty. Ranks with identical
 * partner sets are merged; of grouping by activation ranks or by weight
 * ranks, the one with fewer groups is used (activation ranks on a tie). */
int fm_axbxp_plan(const fm_layer_arith *a, fm_axbxp_group groups[], int max);
/* sign(v) * sum over ranks r in rank_mask of x~_r << (p_r K). Its
 * magnitude never exceeds 2^Bm - 1, so 8-bit operands fit int8 GEMMs. */
int32_t fm_axbxp_plane_value(const fm_operand_arith *o, int is_signed, int32_t v,
                             uint16_t rank_mask);

/* ------------------------------------------------------------------ */
/* ASM reference model (src/arith/asm_ref.c), docs/schemes.md.         */

/* Alphabet bitmask of every odd number below 2^Q (= exact). */
uint16_t fm_asm_alphabet_all(int Q);
/* 1 iff quartet value v (0 <= v < 2^Q) is 0 or a * 2^s with a in alphabet. */
int fm_asm_quartet_ok(uint16_t alphabet, int Q, int v);

/* The representable magnitudes of one operand, precomputed. */
typedef struct fm_asm_set fm_asm_set;
/* bits 2..16, Q 2..4, alphabet: odd entries below 2^Q (0 = all odd). */
fm_status fm_asm_set_new(int bits, int is_signed, uint16_t alphabet, int Q, fm_asm_proj proj,
                         fm_asm_set **out, fm_error *err);
fm_status fm_asm_set_from_operand(const fm_operand_arith *o, int is_signed, fm_asm_set **out,
                                  fm_error *err);
void fm_asm_set_free(fm_asm_set *s);
/* Sorted representable magnitudes (0 first) and their count. */
int fm_asm_count(const fm_asm_set *s);
const int32_t *fm_asm_values(const fm_asm_set *s);
int fm_asm_representable(const fm_asm_set *s, int32_t magnitude);
/* q(v): sign(v) * projection of |v| (saturated to Bm bits) per s's mode. */
int32_t fm_asm_project(const fm_asm_set *s, int32_t v);
/* mult[a] = a * x for each a in the alphabet, 0 elsewhere: computed once
 * per input and shared by all the neurons that use it. */
void fm_asm_multiples(const fm_asm_set *s, int32_t x, int64_t mult[16]);
/* sign(wq) * sum over non-zero quartets i of wq, value a*2^t:
 * mult[a] * 2^(t + iQ). wq must be representable (a projected weight). */
int64_t fm_asm_select_shift_add(const fm_asm_set *s, const int64_t mult[16], int32_t wq);
/* x * q(w) computed by select/shift/add (multiples, projection, MAC). */
int64_t fm_asm_mul_ref(const fm_asm_set *s, int32_t x, int32_t w);

/* ------------------------------------------------------------------ */
/* One MAC of a layer, any scheme (src/arith/layer_ref.c): the scalar   */
/* truth that executors are compared with.                              */

/* The product the layer's datapath computes for one activation x and one
 * weight w: operands with an alphabet are first projected with their set
 * (xs / ws, from fm_asm_set_from_operand; may be NULL for an operand
 * without an alphabet), then a user multiplier, when set, gives
 * fm_lut_mul(lut, x, w); otherwise the Ax-BxP product (exact when K = 0
 * and P covers rank (0,0)). a->is_float is not looked at. */
int64_t fm_layer_mul_ref(const fm_layer_arith *a, const fm_asm_set *xs, const fm_asm_set *ws,
                         int x_signed, int32_t x, int w_signed, int32_t w);

/* ------------------------------------------------------------------ */
/* User-defined 8x8 multipliers (src/arith/lut.c), docs/config.md.     */

/* Loads a 256x256 table (text or binary int32 LE, optional first line
 * "signed"/"unsigned") or a shared object exporting
 * int32_t flexmac_mul8(int32_t a, int32_t b) (optional int
 * flexmac_mul8_signed), tabulated once. Errors name the file. */
fm_status fm_lut_load(const char *path, fm_lut **out, fm_error *err);
/* An exact multiplier (a*b) of the given signedness, for tests and as a
 * template. */
fm_status fm_lut_exact(int is_signed, fm_lut **out, fm_error *err);
/* table[a][b]; a is the activation, b the weight; operands outside the
 * table's range (0..255 or -128..127) saturate to it. */
int32_t fm_lut_mul(const fm_lut *l, int32_t a, int32_t b);
int fm_lut_is_signed(const fm_lut *l);
const char *fm_lut_path(const fm_lut *l); /* as given to fm_lut_load */
void fm_lut_free(fm_lut *l);

#ifdef __cplusplus
}
#endif
#endif
