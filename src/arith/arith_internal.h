/* Helpers shared by the configuration parser, validator, writer and labels
 * (not public API). */
#ifndef FLEXMAC_ARITH_INTERNAL_H
#define FLEXMAC_ARITH_INTERNAL_H

#include "flexmac/arith.h"

/* "static"/"dynamic"/"round" (also "st", "dyn", "rnd"); -1 when unknown. */
int fm_arith_select_parse(const char *s);
const char *fm_arith_select_name(fm_select s);
const char *fm_arith_proj_name(fm_asm_proj p);
int fm_arith_proj_parse(const char *s); /* "nearest"/"quartet"; -1 when unknown */

/* Ranks the product set spans: Lx of unsigned activations (the most blocks)
 * and Lw of signed weights. */
void fm_arith_square(const fm_layer_arith *a, int *Lx, int *Lw);
/* |P| within that square. */
int fm_arith_pcount(const fm_layer_arith *a);

/* Gives defaults to what the operands leave open (L = N when blocked) and
 * clears what their scheme ignores, so equal configurations compare equal. */
void fm_arith_normalize(fm_layer_arith *a);

/* Product-set text: "all", "r+s<T", "r+s<=T", "{(0,0),(0,1),(1,0)}".
 * Pairs must lie in the Lx x Lw square. */
fm_status fm_arith_parse_products(const char *s, const fm_layer_arith *a, uint16_t pset[],
                                  const char *path, fm_error *err);
/* Pairs r + s < T over the whole 16 x 16 rank square. */
void fm_arith_pset_below(uint16_t pset[], int T);

/* Loads a user multiplier into n (reusing one already loaded from the same
 * path); rel is resolved against base_dir unless absolute. */
fm_status fm_arith_net_lut(fm_net_arith *n, const char *base_dir, const char *rel, fm_lut **out,
                           fm_error *err);

/* One inline form (docs/config.md) into a, starting from FxP8. Luts are
 * owned by n. */
fm_status fm_arith_parse_form(const char *form, fm_layer_arith *a, fm_net_arith *n,
                              fm_error *err);

/* A whole JSON configuration; src names it in messages, base_dir resolves
 * relative lut paths. */
fm_status fm_arith_parse_json(const char *text, const char *src, const char *base_dir,
                              fm_net_arith *out, fm_error *err);

#endif
