/* Quantization and dequantization around the integer GEMM: scalar
 * reference and dispatch. These passes touch every activation, so they
 * have vector paths too (quant_avx512.c, quant_avx2.c). */
#include <math.h>

#include "flexmac/kernels.h"
#include "kernels/kernels_internal.h"

int32_t fm_quantize_one(float v, float inv, int32_t lo, int32_t hi)
{
    float s = v * inv;
    float t = truncf(s);
    if (fabsf(s - t) >= 0.5f)
        t += copysignf(1.0f, s);
    if (!(t >= (float)lo)) /* also NaN */
        return lo;
    if (t > (float)hi)
        return hi;
    return (int32_t)t;
}

void fm_quantize_u8_ref(const float *x, int64_t n, float inv, int32_t lo, int32_t hi, int32_t off,
                        uint8_t *q)
{
    for (int64_t i = 0; i < n; i++)
        q[i] = (uint8_t)(fm_quantize_one(x[i], inv, lo, hi) + off);
}

void fm_quantize_u8(fm_isa isa, const float *x, int64_t n, float inv, int32_t lo, int32_t hi,
                    int32_t off, uint8_t *q)
{
    isa = isa < fm_cpu_best_isa() ? isa : fm_cpu_best_isa();
    if (isa == FM_ISA_AVX512VNNI)
        fm_quantize_u8_avx512(x, n, inv, lo, hi, off, q);
    else if (isa == FM_ISA_AVX2)
        fm_quantize_u8_avx2(x, n, inv, lo, hi, off, q);
    else
        fm_quantize_u8_ref(x, n, inv, lo, hi, off, q);
}

void fm_dequant_rows_ref(const int32_t *acc, int lda, int rows, int n, const int32_t *corr,
                         const float *scale, const float *bias, int relu, float *y, int ldy)
{
    for (int r = 0; r < rows; r++)
        for (int o = 0; o < n; o++) {
            /* the difference is exact in double, whatever the int32 values */
            double a = (double)acc[(size_t)r * lda + o] - (corr ? (double)corr[o] : 0.0);
            float v = (float)(a * scale[o]) + bias[o];
            y[(size_t)r * ldy + o] = relu && !(v > 0.0f) ? 0.0f : v;
        }
}

void fm_dequant_rows(fm_isa isa, const int32_t *acc, int lda, int rows, int n, const int32_t *corr,
                     const float *scale, const float *bias, int relu, float *y, int ldy)
{
    isa = isa < fm_cpu_best_isa() ? isa : fm_cpu_best_isa();
    if (isa == FM_ISA_AVX512VNNI)
        fm_dequant_rows_avx512(acc, lda, rows, n, corr, scale, bias, relu, y, ldy);
    else
        fm_dequant_rows_ref(acc, lda, rows, n, corr, scale, bias, relu, y, ldy);
}
