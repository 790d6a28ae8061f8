/* AVX-512 VBMI byte-table look-up shared by the mapping kernels: a
 * 256-byte table as four zmm; vpermi2b picks from the low and from the
 * high 128 bytes by the low 7 bits of each index, and the index's top bit
 * chooses between the two. Only for *_avx512.c files. */
#ifndef FLEXMAC_VBMI_LOOKUP_H
#define FLEXMAC_VBMI_LOOKUP_H

#include <immintrin.h>
#include <stdint.h>

#define VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))

typedef struct table4 {
    __m512i t0, t1, t2, t3;
} table4;

static inline VBMI table4 load_table(const uint8_t *t)
{
    table4 r = {_mm512_loadu_si512(t), _mm512_loadu_si512(t + 64), _mm512_loadu_si512(t + 128),
                _mm512_loadu_si512(t + 192)};
    return r;
}

static inline VBMI __m512i lookup(const table4 *t, __m512i x)
{
    __m512i lo = _mm512_permutex2var_epi8(t->t0, x, t->t1);
    __m512i hi = _mm512_permutex2var_epi8(t->t2, x, t->t3);
    return _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi);
}

#endif
