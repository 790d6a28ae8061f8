/* Quantization primitives shared by every integer path, so that scalar and
 * vector paths agree bit for bit. */
#include <math.h>

#include "exec/exec_internal.h"

int32_t fm_round_half_away(double v)
{
    return (int32_t)round(v); /* C's round() rounds halves away from zero */
}

/* Code of v at scale 1/inv_scale: v * inv_scale rounded half away from zero,
 * saturated to [lo, hi] (see fm_quantize_one in src/kernels/quant.c). */
int32_t fm_quantize_code(float v, float inv_scale, int32_t lo, int32_t hi)
{
    return fm_quantize_one(v, inv_scale, lo, hi); /* one definition for every path */
}
