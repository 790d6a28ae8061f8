/* TFLite's quantized softmax (reference_ops::Softmax for uint8/int8) in
 * gemmlowp fixed point, written from the definitions in
 * tensorflow/lite/kernels/internal/reference/softmax.h, common.h
 * (GetReciprocal), quantization_util.cc (PreprocessSoftmaxScaling,
 * CalculateInputRadius) and gemmlowp fixedpoint/fixedpoint.h
 * (exp_on_negative_values, one_over_one_plus_x_for_x_in_0_1).
 *
 * Notation: "Qi" is a gemmlowp FixedPoint<int32_t, i>: i integer bits,
 * 31 - i fractional bits. A product of Qa and Qb is SRDHM of the raw
 * values and is a Q(a+b); Rescale between formats is a saturating shift
 * left or a rounding shift right. */
#include <math.h>

#include "exec/tflite_ref_internal.h"

/* gemmlowp SaturatingRoundingMultiplyByPOT: x * 2^e, rounding when e < 0,
 * saturating when e > 0. */
static int32_t mul_pot(int32_t x, int e)
{
    if (e < 0)
        return fm_tfl_rounding_divide_by_pot(x, -e);
    if (e == 0)
        return x;
    const int32_t threshold = (int32_t)((1u << (31 - e)) - 1);
    if (x > threshold)
        return INT32_MAX;
    if (x < -threshold)
        return INT32_MIN;
    return (int32_t)((uint32_t)x << e);
}

static int32_t add(int32_t a, int32_t b) /* raw add, two's complement as in gemmlowp */
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* exp(a) for a in [-1/4, 0), a and result Q0: Taylor expansion around -1/8. */
static int32_t exp_quarter(int32_t a)
{
    const int32_t exp_minus_one_eighth = 1895147668; /* exp(-1/8) in Q0 */
    const int32_t one_third = 715827883;
    int32_t x = add(a, 1 << 28); /* a + 1/8 */
    int32_t x2 = fm_tfl_srdhm(x, x);
    int32_t x3 = fm_tfl_srdhm(x2, x);
    int32_t x4 = fm_tfl_srdhm(x2, x2);
    int32_t x4_over_4 = mul_pot(x4, -2);
    int32_t poly = mul_pot(add(fm_tfl_srdhm(add(x4_over_4, x3), one_third), x2), -1);
    return add(exp_minus_one_eighth, fm_tfl_srdhm(exp_minus_one_eighth, add(x, poly)));
}

/* exp(a) for a <= 0 given in Q5 (26 fractional bits); result Q0. The
 * fractional quarter goes through the polynomial, each set bit of the rest
 * multiplies by exp(-2^k), k = -2..4. */
static int32_t exp_negative_q5(int32_t a)
{
    enum { FRAC = 26, INT = 5 };
    static const int32_t exp_minus_pow2[7] = {1672461947, 1302514674, 790015084, 290630308,
                                              39332535,   720401,     242}; /* exp(-2^k) in Q0 */
    const int32_t quarter = 1 << (FRAC - 2);
    int32_t a_mod = add(a & (quarter - 1), -quarter); /* in [-1/4, 0) */
    int32_t result = exp_quarter(mul_pot(a_mod, INT)); /* Q5 -> Q0 */
    int32_t remainder = add(a_mod, (int32_t)(0u - (uint32_t)a));
    for (int k = -2; k <= 4; k++)
        if (remainder & (1 << (FRAC + k)))
            result = fm_tfl_srdhm(result, exp_minus_pow2[k + 2]);
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + a) for a in [0, 1) in Q0, by three Newton-Raphson steps in Q2. */
static int32_t one_over_one_plus_x(int32_t a)
{
    int64_t sum = (int64_t)a + INT32_MAX; /* RoundingHalfSum(a, 1.0) */
    int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t c48_over_17 = 1515870810, c_neg32_over_17 = -1010580540; /* Q2 */
    int32_t x = add(c48_over_17, fm_tfl_srdhm(half_denominator, c_neg32_over_17));
    for (int i = 0; i < 3; i++) {
        int32_t one_minus = add(1 << 29, -fm_tfl_srdhm(half_denominator, x)); /* 1 - d*x in Q2 */
        x = add(x, mul_pot(fm_tfl_srdhm(x, one_minus), 2));                    /* Q4 -> Q2 */
    }
    return mul_pot(x, 1); /* x / 2 as Q1 (same raw), then Q1 -> Q0 */
}

/* TFLite GetReciprocal: 1 / x for x in Q(int_digits), as a Q0 scale and the
 * number of bits the true reciprocal exceeds it by. */
static int32_t reciprocal(int32_t x, int int_digits, int *bits_over_unit)
{
    int headroom_plus_one = x > 0 ? __builtin_clz((uint32_t)x) : 31;
    *bits_over_unit = int_digits - headroom_plus_one;
    int32_t shifted_minus_one = (int32_t)(((uint32_t)x << headroom_plus_one) - (1u << 31));
    return one_over_one_plus_x(shifted_minus_one);
}

fm_status tref_softmax_fixed(const int32_t *x, int32_t *y, int64_t outer, int64_t len, int64_t inner,
                             float in_scale, float beta, int32_t out_min, int32_t out_max, int out_bits)
{
    enum { DIFF_INT_BITS = 5, ACC_INT_BITS = 12 };
    /* PreprocessSoftmaxScaling: the input step in Q5, capped below 2^31 */
    double real = (double)beta * (double)in_scale * (double)(1 << (31 - DIFF_INT_BITS));
    if (real > 2147483647.0)
        real = 2147483647.0;
    int32_t mult;
    int left_shift;
    fm_tfl_quantize_multiplier(real, &mult, &left_shift);
    if (left_shift < 0 || mult == 0)
        return FM_ERR_UNSUPPORTED; /* TFLite requires a multiplier above one */
    /* CalculateInputRadius: larger differences would overflow before scaling */
    int32_t diff_min = -(int32_t)floor(1.0 * ((1 << DIFF_INT_BITS) - 1) *
                                       (double)(1ll << (31 - DIFF_INT_BITS)) / (double)(1ll << left_shift));
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const int32_t *xs = x + o * len * inner + i;
            int32_t *ys = y + o * len * inner + i;
            int32_t mx = INT32_MIN;
            for (int64_t k = 0; k < len; k++)
                if (xs[k * inner] > mx)
                    mx = xs[k * inner];
            int32_t sum = 0; /* Q12 */
            for (int64_t k = 0; k < len; k++) {
                int32_t diff = xs[k * inner] - mx;
                if (diff >= diff_min) {
                    int32_t scaled = fm_tfl_srdhm((int32_t)((int64_t)diff * ((int64_t)1 << left_shift)), mult);
                    sum = add(sum, mul_pot(exp_negative_q5(scaled), -ACC_INT_BITS)); /* Q0 -> Q12 */
                }
            }
            int bits_over_unit;
            int32_t scale = reciprocal(sum, ACC_INT_BITS, &bits_over_unit);
            int exponent = bits_over_unit + 31 - out_bits;
            if (exponent < 0 || exponent > 31)
                return FM_ERR_INTERNAL;
            for (int64_t k = 0; k < len; k++) {
                int32_t diff = xs[k * inner] - mx;
                int64_t v = out_min;
                if (diff >= diff_min) {
                    int32_t scaled = fm_tfl_srdhm((int32_t)((int64_t)diff * ((int64_t)1 << left_shift)), mult);
                    int32_t e = exp_negative_q5(scaled);
                    v = (int64_t)fm_tfl_rounding_divide_by_pot(fm_tfl_srdhm(scale, e), exponent) + out_min;
                }
                ys[k * inner] = v < out_min ? out_min : v > out_max ? out_max : (int32_t)v;
            }
        }
    return FM_OK;
}
