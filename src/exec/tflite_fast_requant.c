/* Requantization of accumulators to output bytes, TFLite's
 * MultiplyByQuantizedMultiplier (fm_tfl_mul_by_quantized_multiplier):
 * scalar reference and ISA dispatch. */
#include "exec/tflite_fast_internal.h"

void tfast_requant_rows_ref(const int32_t *acc, int lda, int rows, int n, const int32_t *R, int rs, int cs,
                            const tfast_requant *q, int c0, uint8_t *y, int ldy)
{
    const int32_t *d = q->d + c0, *corr = q->corr + c0, *mult = q->mult + c0, *shift = q->shift + c0;
    for (int r = 0; r < rows; r++) {
        const int32_t *ar = acc + (size_t)r * lda;
        uint8_t *yr = y + (size_t)r * ldy;
        for (int c = 0; c < n; c++) {
            uint32_t a = (uint32_t)ar[c] + (uint32_t)corr[c];
            if (R)
                a += (uint32_t)d[c] * (uint32_t)R[(size_t)r * rs + (size_t)c * cs];
            int64_t v = (int64_t)fm_tfl_mul_by_quantized_multiplier((int32_t)a, mult[c], shift[c]) + q->zy;
            yr[c] = (uint8_t)tref_clamp32(v, q->lo, q->hi);
        }
    }
}

void tfast_requant_rows(fm_isa isa, const int32_t *acc, int lda, int rows, int n, const int32_t *R, int rs,
                        int cs, const tfast_requant *q, int c0, uint8_t *y, int ldy)
{
    (void)isa;
    tfast_requant_rows_ref(acc, lda, rows, n, R, rs, cs, q, c0, y, ldy);
}
