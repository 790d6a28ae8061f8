/* Quantization primitives shared by every integer path, so that scalar and
 * vector paths agree bit for bit. */
#include <math.h>

#include "exec/exec_internal.h"

int32_t fm_round_half_away(double v)
{
    return (int32_t)round(v); /* C's round() rounds halves away from zero */
}

/* Code of v at scale 1/inv_scale: v * inv_scale rounded half away from zero,
 * saturated to [lo, hi]. trunc + exact remainder avoids the classic
 * (v + 0.5) rounding error near halves. */
int32_t fm_quantize_code(float v, float inv_scale, int32_t lo, int32_t hi)
{
    float s = v * inv_scale;
    float t = truncf(s);
    if (fabsf(s - t) >= 0.5f)
        t += copysignf(1.0f, s);
    if (!(t >= (float)lo)) /* also catches NaN */
        return lo;
    if (t > (float)hi)
        return hi;
    return (int32_t)t;
}
