/* ASM (alphabet set multiplier) reference model (../shared/ARITHMETIC.md
 * section 3, docs/schemes.md): the representable magnitudes of an operand,
 * the projection onto them, and the select/shift/add MAC. */
#include <stdlib.h>
#include <string.h>

#include "flexmac/arith.h"

struct fm_asm_set {
    int Bm;            /* magnitude bits */
    int Q;             /* quartet size */
    uint16_t alphabet; /* bit a = odd a allowed */
    fm_asm_proj proj;
    int32_t maxm;      /* 2^Bm - 1 */
    int n;             /* representable magnitudes, sorted */
    int32_t *vals;
    /* Quartet-wise mode: nearest allowed value of each quartet value, for a
     * full quartet and for the top quartet (fewer bits when Q does not
     * divide Bm). */
    uint8_t qnear[16], qnear_top[16];
};

uint16_t fm_asm_alphabet_all(int Q)
{
    uint16_t a = 0;
    for (int v = 1; v < (1 << Q) && v < 16; v += 2)
        a |= (uint16_t)(1u << v);
    return a;
}

int fm_asm_quartet_ok(uint16_t alphabet, int Q, int v)
{
    if (v == 0)
        return 1;
    if (v < 0 || v >= (1 << Q))
        return 0;
    while (!(v & 1))
        v >>= 1; /* v = a * 2^s: strip the power of two to find a */
    return (alphabet >> v) & 1;
}

static int word_ok(const fm_asm_set *s, int32_t m)
{
    for (; m; m >>= s->Q)
        if (!fm_asm_quartet_ok(s->alphabet, s->Q, m & ((1 << s->Q) - 1)))
            return 0;
    return 1;
}

/* Nearest allowed quartet value below `limit`, ties to the smaller. */
static uint8_t quartet_nearest(uint16_t alphabet, int Q, int v, int limit)
{
    int best = 0;
    for (int c = 0; c < limit; c++)
        if (fm_asm_quartet_ok(alphabet, Q, c) && abs(c - v) < abs(best - v))
            best = c;
    return (uint8_t)best;
}

fm_status fm_asm_set_new(int bits, int is_signed, uint16_t alphabet, int Q, fm_asm_proj proj,
                         fm_asm_set **out, fm_error *err)
{
    *out = NULL;
    if (bits < 2 || bits > 16)
        return fm_error_set(err, FM_ERR_INVALID, "asm: bits %d outside 2..16", bits);
    if (Q < 2 || Q > 4)
        return fm_error_set(err, FM_ERR_INVALID, "asm: quartet size %d outside 2..4", Q);
    if (alphabet == 0)
        alphabet = fm_asm_alphabet_all(Q);
    if (alphabet & ~fm_asm_alphabet_all(Q))
        return fm_error_set(err, FM_ERR_INVALID,
                            "asm: alphabet 0x%04x has entries that are even or not below 2^%d",
                            alphabet, Q);
    if (proj != FM_ASM_NEAREST_WORD && proj != FM_ASM_QUARTET)
        return fm_error_set(err, FM_ERR_INVALID, "asm: unknown projection mode %d", (int)proj);
    fm_asm_set *s = calloc(1, sizeof *s);
    if (!s)
        return fm_error_set(err, FM_ERR_NOMEM, "asm: out of memory");
    s->Bm = fm_axbxp_mag_bits(bits, is_signed);
    s->Q = Q;
    s->alphabet = alphabet;
    s->proj = proj;
    s->maxm = (int32_t)((1L << s->Bm) - 1);
    for (int32_t m = 0; m <= s->maxm; m++)
        s->n += word_ok(s, m);
    s->vals = malloc(sizeof *s->vals * (size_t)s->n);
    if (!s->vals) {
        free(s);
        return fm_error_set(err, FM_ERR_NOMEM, "asm: out of memory");
    }
    int k = 0;
    for (int32_t m = 0; m <= s->maxm; m++)
        if (word_ok(s, m))
            s->vals[k++] = m;
    int top_bits = s->Bm - ((s->Bm - 1) / Q) * Q; /* bits in the top quartet */
    for (int v = 0; v < (1 << Q); v++) {
        s->qnear[v] = quartet_nearest(alphabet, Q, v, 1 << Q);
        s->qnear_top[v] = quartet_nearest(alphabet, Q, v, 1 << top_bits);
    }
    *out = s;
    return FM_OK;
}

fm_status fm_asm_set_from_operand(const fm_operand_arith *o, int is_signed, fm_asm_set **out,
                                  fm_error *err)
{
    return fm_asm_set_new(o->bits, is_signed, o->alphabet, o->quartet ? o->quartet : 4, o->proj,
                          out, err);
}

void fm_asm_set_free(fm_asm_set *s)
{
    if (s) {
        free(s->vals);
        free(s);
    }
}

int fm_asm_count(const fm_asm_set *s)
{
    return s->n;
}

const int32_t *fm_asm_values(const fm_asm_set *s)
{
    return s->vals;
}

int fm_asm_representable(const fm_asm_set *s, int32_t m)
{
    return m >= 0 && m <= s->maxm && word_ok(s, m);
}

static int32_t project_mag(const fm_asm_set *s, int32_t m)
{
    if (s->proj == FM_ASM_QUARTET) {
        int32_t r = 0;
        int nq = (s->Bm + s->Q - 1) / s->Q, qmask = (1 << s->Q) - 1;
        for (int i = 0; i < nq; i++) {
            int v = (m >> (i * s->Q)) & qmask;
            r |= (int32_t)(i == nq - 1 ? s->qnear_top[v] : s->qnear[v]) << (i * s->Q);
        }
        return r;
    }
    /* Whole word: the first representable value >= m, then compare with its
     * predecessor; ties go to the smaller magnitude. */
    int lo = 0, hi = s->n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (s->vals[mid] < m)
            lo = mid + 1;
        else
            hi = mid;
    }
    int32_t up = s->vals[lo];
    if (up == m || lo == 0)
        return up;
    int32_t down = s->vals[lo - 1];
    return (m - down <= up - m) ? down : up;
}

int32_t fm_asm_project(const fm_asm_set *s, int32_t v)
{
    int64_t m = v < 0 ? -(int64_t)v : v;
    if (m > s->maxm)
        m = s->maxm; /* saturate to the magnitude range, then project */
    int32_t q = project_mag(s, (int32_t)m);
    return v < 0 ? -q : q;
}

void fm_asm_multiples(const fm_asm_set *s, int32_t x, int64_t mult[16])
{
    for (int a = 0; a < 16; a++)
        mult[a] = ((s->alphabet >> a) & 1) ? (int64_t)a * x : 0;
}

int64_t fm_asm_select_shift_add(const fm_asm_set *s, const int64_t mult[16], int32_t wq)
{
    int64_t m = wq < 0 ? -(int64_t)wq : wq, acc = 0;
    const int qmask = (1 << s->Q) - 1;
    for (int base = 0; m; m >>= s->Q, base += s->Q) {
        int v = (int)(m & qmask), t = 0;
        if (!v)
            continue;
        while (!(v & 1)) { /* quartet = a * 2^t: select multiple a, shift t */
            v >>= 1;
            t++;
        }
        acc += mult[v] * ((int64_t)1 << (t + base));
    }
    return wq < 0 ? -acc : acc;
}

int64_t fm_asm_mul_ref(const fm_asm_set *s, int32_t x, int32_t w)
{
    int64_t mult[16];
    fm_asm_multiples(s, x, mult);
    return fm_asm_select_shift_add(s, mult, fm_asm_project(s, w));
}
