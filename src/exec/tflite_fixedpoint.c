/* TFLite / gemmlowp fixed-point primitives, written from their definitions
 * (gemmlowp fixedpoint.h, tensorflow/lite/kernels/internal/common.h and
 * quantization_util.cc). Plain integer arithmetic with no undefined
 * behaviour: every product is formed in 64 bits. */
#include <math.h>

#include "flexmac/tflite_ref.h"

int32_t fm_tfl_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    /* nudge by +-2^30 so that truncating division rounds half away from 0 */
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

int32_t fm_tfl_rounding_divide_by_pot(int32_t x, int exponent)
{
    if (exponent <= 0)
        return x;
    if (exponent > 31)
        exponent = 31;
    int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    /* x >> exponent is an arithmetic shift for negative x with GCC/Clang */
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t fm_tfl_mul_by_quantized_multiplier(int32_t x, int32_t mult, int shift)
{
    int left = shift > 0 ? (shift > 31 ? 31 : shift) : 0;
    int right = shift > 0 ? 0 : -shift;
    /* TFLite computes x * (1 << left) in int32; wrap the same way without UB */
    int32_t shifted = (int32_t)(uint32_t)((uint64_t)(int64_t)x << left);
    return fm_tfl_rounding_divide_by_pot(fm_tfl_srdhm(shifted, mult), right);
}

void fm_tfl_quantize_multiplier(double real, int32_t *mult, int *shift)
{
    if (real == 0.0 || !isfinite(real)) {
        *mult = 0;
        *shift = 0;
        return;
    }
    int e;
    double q = frexp(real, &e); /* real = q * 2^e, q in [0.5, 1) */
    int64_t qf = (int64_t)round(q * (double)((int64_t)1 << 31));
    if (qf == ((int64_t)1 << 31)) {
        qf /= 2;
        e++;
    }
    if (e < -31) {
        e = 0;
        qf = 0;
    }
    *mult = (int32_t)qf;
    *shift = e;
}
