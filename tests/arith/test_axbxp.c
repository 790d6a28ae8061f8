/* Ax-BxP reference model and fast-path decomposition. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/arith.h"

static fm_operand_arith op(int bits, int K, int L, fm_select sel)
{
    fm_operand_arith o;
    memset(&o, 0, sizeof o);
    o.bits = bits;
    o.K = K;
    o.L = L;
    o.select = sel;
    o.quartet = 4;
    return o;
}

static void set_all(fm_layer_arith *a)
{
    for (int r = 0; r < FM_MAX_BLOCKS; r++)
        a->pset[r] = 0xFFFF;
}

static void test_counts(void **state)
{
    (void)state;
    assert_int_equal(fm_axbxp_mag_bits(8, 1), 7);
    assert_int_equal(fm_axbxp_mag_bits(8, 0), 8);
    assert_int_equal(fm_axbxp_nblocks(7, 2), 4);
    assert_int_equal(fm_axbxp_nblocks(8, 2), 4);
    assert_int_equal(fm_axbxp_nblocks(7, 3), 3);
    assert_int_equal(fm_axbxp_nblocks(8, 1), 8);
    assert_int_equal(fm_axbxp_nblocks(8, 0), 1);
    assert_int_equal(fm_axbxp_meta_bits(4, 2, FM_SEL_DYNAMIC), 2); /* 3 starts */
    assert_int_equal(fm_axbxp_meta_bits(4, 3, FM_SEL_ROUND), 1);
    assert_int_equal(fm_axbxp_meta_bits(4, 4, FM_SEL_DYNAMIC), 0);
    assert_int_equal(fm_axbxp_meta_bits(8, 1, FM_SEL_DYNAMIC), 3);
    assert_int_equal(fm_axbxp_meta_bits(4, 2, FM_SEL_STATIC), 0);
    fm_operand_arith o = op(8, 1, 8, FM_SEL_STATIC);
    assert_int_equal(fm_axbxp_kept(&o, 0), 8);
    assert_int_equal(fm_axbxp_kept(&o, 1), 7); /* clamped to N of signed data */
    o.L = 0;
    assert_int_equal(fm_axbxp_kept(&o, 0), 8);
}

/* Configurations that skipped validation must not overrun or hit undefined
 * shifts (the sanitizer build checks). */
static void test_unvalidated_configs(void **state)
{
    (void)state;
    const int cfg[][3] = {{40, 1, 0}, {0, 1, 1}, {8, 100, 1}, {16, 1, 99}, {1, 1, 1}, {31, 1, 20}};
    for (size_t i = 0; i < sizeof cfg / sizeof *cfg; i++) {
        fm_layer_arith a;
        memset(&a, 0, sizeof a);
        a.x = op(cfg[i][0], cfg[i][1], cfg[i][2], FM_SEL_ROUND);
        a.w = a.x;
        set_all(&a);
        fm_kept k;
        fm_axbxp_keep(&a.x, 1, INT32_MIN, &k);
        assert_true(k.n >= 1 && k.n <= FM_MAX_BLOCKS);
        fm_axbxp_keep(&a.x, 0, INT32_MAX, &k);
        (void)fm_axbxp_mul_ref(&a, 0, INT32_MAX, 1, INT32_MIN);
        fm_axbxp_group g[FM_MAX_BLOCKS];
        assert_true(fm_axbxp_plan(&a, g, FM_MAX_BLOCKS) <= FM_MAX_BLOCKS);
        (void)fm_axbxp_plane_value(&a.x, 1, -5, 0xFFFF);
    }
}

/* Hand-worked examples of each selection mode (unsigned 8 bits, K = 2:
 * blocks at bits 7:6, 5:4, 3:2, 1:0). */
static void test_keep_examples(void **state)
{
    (void)state;
    fm_kept k;
    fm_operand_arith st = op(8, 2, 2, FM_SEL_STATIC);
    fm_axbxp_keep(&st, 0, 0x2D, &k); /* 00 10 11 01: static keeps blocks 3,2 */
    assert_int_equal(k.n, 2);
    assert_int_equal(k.start, 2);
    assert_int_equal(k.blk[0], 0);
    assert_int_equal(k.blk[1], 2);
    assert_int_equal(k.pos[0], 3);
    assert_int_equal(k.mag, 0x20);
    assert_int_equal(k.meta_bits, 0);

    fm_operand_arith dy = op(8, 2, 2, FM_SEL_DYNAMIC);
    fm_axbxp_keep(&dy, 0, 0x2D, &k); /* lead block 2: keeps 2,1 = 10 11 */
    assert_int_equal(k.start, 1);
    assert_int_equal(k.blk[0], 2);
    assert_int_equal(k.blk[1], 3);
    assert_int_equal(k.pos[0], 2);
    assert_int_equal(k.pos[1], 1);
    assert_int_equal(k.shift[1], 2);
    assert_int_equal(k.mag, 0x2C);
    assert_int_equal(k.meta_bits, 2);
    fm_axbxp_keep(&dy, 0, 3, &k); /* small values: window at the bottom */
    assert_int_equal(k.start, 0);
    assert_int_equal(k.mag, 3);
    fm_axbxp_keep(&dy, 0, 0, &k);
    assert_int_equal(k.start, 0);
    assert_int_equal(k.mag, 0);
    assert_int_equal(k.sign, 1);

    fm_operand_arith ro = op(8, 2, 2, FM_SEL_ROUND);
    fm_axbxp_keep(&ro, 0, 0x2D, &k); /* first dropped bit (bit 1) = 0 */
    assert_int_equal(k.mag, 0x2C);
    fm_axbxp_keep(&ro, 0, 0x2E, &k); /* bit 1 = 1: 1011 + 1 = 1100 */
    assert_int_equal(k.mag, 0x30);
    assert_int_equal(k.start, 1);
    fm_axbxp_keep(&ro, 0, 0x3E, &k); /* 1111 + 1 carries out: window moves up */
    assert_int_equal(k.mag, 0x40);
    assert_int_equal(k.start, 2);
    assert_int_equal(k.blk[0], 1);
    assert_int_equal(k.blk[1], 0);
    fm_axbxp_keep(&ro, 0, 0xFE, &k); /* carry at the top of the format saturates */
    assert_int_equal(k.mag, 0xF0);
    assert_int_equal(k.start, 2);
    fm_axbxp_keep(&ro, 0, -0x2E, &k);
    assert_int_equal(k.sign, -1);
    assert_int_equal(k.mag, 0x30);

    /* Signed 8 bits, K = 2: Bm = 7, the top block holds only bit 6. 127 in
     * the window of blocks 3,2 rounds to 128 > 127: saturates to 112. */
    fm_axbxp_keep(&ro, 1, 127, &k);
    assert_int_equal(k.mag, 112);
    fm_axbxp_keep(&ro, 1, -128, &k); /* saturates to -127 first */
    assert_int_equal(k.sign, -1);
    assert_int_equal(k.mag, 112);

    fm_operand_arith fx = op(8, 0, 0, FM_SEL_STATIC);
    fm_axbxp_keep(&fx, 1, -100, &k);
    assert_int_equal(k.n, 1);
    assert_int_equal(k.mag, 100);
    assert_int_equal(k.sign, -1);
}

/* Keep against an independent arithmetic definition, exhaustively over all
 * magnitudes for words up to 12 bits and randomly at 16 bits:
 *  static  = m with the bits below block N-L cleared;
 *  dynamic = m with the bits below its window cleared, window = L blocks
 *            ending at the leading non-zero block (or the bottom L blocks);
 *  round   = m rounded half up to a multiple of 2^(tK), t the dynamic start,
 *            clamped to the largest multiple of 2^((N-L)K) <= 2^Bm - 1. */
static int64_t keep_model(int Bm, int K, int L, fm_select sel, int64_t m)
{
    int N = fm_axbxp_nblocks(Bm, K);
    int64_t maxm = ((int64_t)1 << Bm) - 1;
    if (sel == FM_SEL_STATIC) {
        int64_t q = (int64_t)1 << ((N - L) * K);
        return m / q * q;
    }
    int lead = 0;
    for (int i = 0; i < N; i++)
        if (m >> (i * K))
            lead = i;
    int t = lead - L + 1 > 0 ? lead - L + 1 : 0;
    int64_t q = (int64_t)1 << (t * K);
    if (sel == FM_SEL_DYNAMIC)
        return m / q * q;
    int64_t r = (m + q / 2) / q * q;
    if (t == 0)
        r = m;
    if (r > maxm) {
        int64_t top = (int64_t)1 << ((N - L) * K);
        r = maxm / top * top;
    }
    return r;
}

static void check_keep_one(int bits, int is_signed, int K, int L, fm_select sel, int32_t v)
{
    fm_operand_arith o = op(bits, K, L, sel);
    fm_kept k;
    fm_axbxp_keep(&o, is_signed, v, &k);
    int Bm = fm_axbxp_mag_bits(bits, is_signed);
    int N = fm_axbxp_nblocks(Bm, K);
    int64_t m = v < 0 ? -(int64_t)v : v;
    if (m > ((int64_t)1 << Bm) - 1)
        m = ((int64_t)1 << Bm) - 1;
    int64_t want = keep_model(Bm, K, L, sel, m);
    if (k.mag != want) {
        fprintf(stderr, "bits=%d signed=%d K=%d L=%d sel=%d v=%d: mag %d, want %lld\n", bits,
                is_signed, K, L, (int)sel, v, k.mag, (long long)want);
        fail();
    }
    /* Structural checks: window inside the format, blocks fit K bits. */
    assert_true(k.start >= 0 && k.start + L <= N);
    assert_true(k.start < (1 << k.meta_bits) || k.meta_bits == 0);
    for (int r = 0; r < k.n; r++) {
        assert_true(k.blk[r] >= 0 && k.blk[r] < (1 << K));
        assert_int_equal(k.pos[r], k.start + L - 1 - r);
    }
}

static void test_keep_model(void **state)
{
    (void)state;
    uint64_t rng = 12345;
    for (int bits = 2; bits <= 16; bits++)
        for (int sg = 0; sg <= 1; sg++) {
            int Bm = fm_axbxp_mag_bits(bits, sg);
            for (int K = 1; K <= bits; K++) {
                int N = fm_axbxp_nblocks(Bm, K);
                for (int L = 1; L <= N; L++)
                    for (int sel = 0; sel < 3; sel++) {
                        if (bits <= 12) {
                            for (int32_t v = -(1 << Bm); v < (1 << Bm); v++)
                                check_keep_one(bits, sg, K, L, (fm_select)sel, v);
                        } else {
                            for (int i = 0; i < 2000; i++) {
                                int32_t v = (int32_t)(fm_test_rand(&rng) % (2u << Bm)) - (1 << Bm);
                                check_keep_one(bits, sg, K, L, (fm_select)sel, v);
                            }
                        }
                    }
            }
        }
}

/* With every block kept and every product computed, Ax-BxP is exact; so is
 * K = 0 and K >= Bm with L = 1. Exhaustive over 8-bit operands. */
static void test_exact_configs(void **state)
{
    (void)state;
    fm_layer_arith a;
    for (int K = 0; K <= 8; K++)
        for (int sel = 0; sel < 3; sel++)
            for (int xs = 0; xs <= 1; xs++) {
                memset(&a, 0, sizeof a);
                a.x = op(8, K, 0, (fm_select)sel);
                a.w = op(8, K, 0, (fm_select)sel);
                set_all(&a);
                int xlo = xs ? -127 : 0, xhi = xs ? 127 : 255;
                for (int x = xlo; x <= xhi; x++)
                    for (int w = -127; w <= 127; w++)
                        if (fm_axbxp_mul_ref(&a, xs, x, 1, w) != (int64_t)x * w)
                            fail_msg("K=%d sel=%d x=%d w=%d", K, sel, x, w);
            }
    /* 16-bit words: saturation to the magnitude range, mixed K. */
    memset(&a, 0, sizeof a);
    a.x = op(16, 3, 0, FM_SEL_ROUND);
    a.w = op(16, 5, 0, FM_SEL_DYNAMIC);
    set_all(&a);
    assert_int_equal(fm_axbxp_mul_ref(&a, 1, 32767, 1, -32768), -(int64_t)32767 * 32767);
    assert_int_equal(fm_axbxp_mul_ref(&a, 0, 65535, 1, 32767), (int64_t)65535 * 32767);
    assert_int_equal(fm_axbxp_mul_ref(&a, 0, 70000, 1, -40000), -(int64_t)65535 * 32767);
}


/* Every plane value of every 8-bit operand, for every block configuration,
 * fits the int8 GEMM operands: the full rank mask bounds all others since
 * blocks are non-negative and disjoint. */
static void test_plane_ranges(void **state)
{
    (void)state;
    uint64_t rng = 4242;
    for (int sg = 0; sg <= 1; sg++)
        for (int K = 1; K <= 8; K++) {
            int N = fm_axbxp_nblocks(fm_axbxp_mag_bits(8, sg), K);
            for (int L = 1; L <= N; L++)
                for (int sel = 0; sel < 3; sel++) {
                    fm_operand_arith o = op(8, K, L, (fm_select)sel);
                    for (int v = sg ? -128 : 0; v < (sg ? 128 : 256); v++) {
                        int32_t full = fm_axbxp_plane_value(&o, sg, v, 0xFFFF);
                        int32_t part = fm_axbxp_plane_value(&o, sg, v,
                                                            (uint16_t)fm_test_rand(&rng));
                        if (sg)
                            assert_true(full >= -127 && full <= 127);
                        else
                            assert_true(full >= 0 && full <= 255);
                        assert_true(abs(part) <= abs(full));
                        assert_true(part == 0 || (part < 0) == (full < 0));
                    }
                }
        }
}

/* ---- Exhaustive plan check over a grid of configurations ---- */

#define CACHE_MAX 64
typedef struct side {
    int n;                       /* values 0..n-1 stand for v = lo + i */
    int lo;
    int is_signed;
    fm_operand_arith o;
    int32_t plane[FM_MAX_BLOCKS][256]; /* signed shifted block of rank r */
    /* fm_axbxp_plane_value results per rank mask, computed on first use
     * (the product sets of one operand configuration reuse masks a lot) */
    int n_cached;
    uint16_t cached_mask[CACHE_MAX];
    int32_t cached[CACHE_MAX][256];
} side;

static const int32_t *side_plane(side *sd, uint16_t mask)
{
    for (int i = 0; i < sd->n_cached; i++)
        if (sd->cached_mask[i] == mask)
            return sd->cached[i];
    assert_true(sd->n_cached < CACHE_MAX);
    int k = sd->n_cached++;
    sd->cached_mask[k] = mask;
    for (int i = 0; i < 256; i++) {
        int32_t v = fm_axbxp_plane_value(&sd->o, sd->is_signed, sd->lo + i, mask);
        /* int8 GEMM operands: u8 activations when unsigned, s8 +-127 */
        if (sd->is_signed)
            assert_true(v >= -127 && v <= 127);
        else
            assert_true(v >= 0 && v <= 255);
        sd->cached[k][i] = v;
    }
    return sd->cached[k];
}

static void side_fill(side *sd, const fm_operand_arith *o, int is_signed)
{
    sd->lo = is_signed ? -128 : 0;
    sd->n = 256;
    sd->is_signed = is_signed;
    sd->o = *o;
    sd->n_cached = 0;
    memset(sd->plane, 0, sizeof sd->plane);
    for (int i = 0; i < 256; i++) {
        fm_kept k;
        fm_axbxp_keep(o, is_signed, sd->lo + i, &k);
        for (int r = 0; r < k.n; r++)
            sd->plane[r][i] = k.sign * (k.blk[r] << k.shift[r]);
    }
}

/* The exhaustive loops run at -O2 even in the Debug/sanitizer build (still
 * instrumented), so that build stays at seconds. */
#define HOT __attribute__((optimize("O2")))

/* Compares, for all 65536 pairs, the contract's formula
 * sum_{(r,s) in P} sign x~_r w~_s 2^(p_r K + q_s K) (from precomputed kept
 * blocks) with the plan's sum of group-plane products. Returns 0 on match. */
HOT static int check_plan(const fm_layer_arith *a, int x_signed, side *sx, side *sw,
                      long *n_checked)
{
    fm_axbxp_group g[FM_MAX_BLOCKS];
    int ng = fm_axbxp_plan(a, g, FM_MAX_BLOCKS);
    assert_true(ng >= 0 && ng <= FM_MAX_BLOCKS);
    int Lx = fm_axbxp_kept(&a->x, x_signed), Lw = fm_axbxp_kept(&a->w, 1);
    const int32_t *px[FM_MAX_BLOCKS], *pw[FM_MAX_BLOCKS];
    for (int j = 0; j < ng; j++) {
        px[j] = side_plane(sx, g[j].x_ranks);
        pw[j] = side_plane(sw, g[j].w_ranks);
    }
    /* The groups must partition P restricted to the kept ranks. */
    uint16_t cover[FM_MAX_BLOCKS] = {0};
    for (int j = 0; j < ng; j++)
        for (int r = 0; r < FM_MAX_BLOCKS; r++)
            if ((g[j].x_ranks >> r) & 1) {
                assert_int_equal(cover[r] & g[j].w_ranks, 0);
                cover[r] |= g[j].w_ranks;
            }
    int pr[FM_MAX_BLOCKS * FM_MAX_BLOCKS], ps[FM_MAX_BLOCKS * FM_MAX_BLOCKS], np = 0;
    for (int r = 0; r < Lx; r++)
        for (int s = 0; s < Lw; s++)
            if ((a->pset[r] >> s) & 1) {
                pr[np] = r;
                ps[np++] = s;
            }
    for (int x = 0; x < 256; x++) {
        /* diff = formula - plan, accumulated together; zero terms skipped */
        int32_t diff[256] = {0};
        for (int k = 0; k < np; k++) {
            int32_t xv = sx->plane[pr[k]][x];
            const int32_t *wv = sw->plane[ps[k]];
            if (xv)
                for (int w = 0; w < 256; w++)
                    diff[w] += xv * wv[w];
        }
        for (int j = 0; j < ng; j++) {
            int32_t xv = px[j][x];
            const int32_t *wv = pw[j];
            if (xv)
                for (int w = 0; w < 256; w++)
                    diff[w] -= xv * wv[w];
        }
        for (int w = 0; w < 256; w++)
            if (diff[w]) {
                fprintf(stderr, "x=%d w=%d: formula - plan = %d\n", sx->lo + x, sw->lo + w,
                        diff[w]);
                return 1;
            }
    }
    *n_checked += 65536;
    return 0;
}

/* The product sets of the grid for an Lx x Lw square. */
static int make_psets(int Lx, int Lw, uint64_t *rng, uint16_t out[][FM_MAX_BLOCKS], int max)
{
    int n = 0;
    memset(out, 0, sizeof(uint16_t) * FM_MAX_BLOCKS * max);
    for (int r = 0; r < FM_MAX_BLOCKS; r++)
        out[n][r] = 0xFFFF; /* all */
    n++;
    out[n++][0] = 1; /* {(0,0)} */
    if (Lx > 1 || Lw > 1) { /* {(0,0),(0,1),(1,0)} within the square */
        out[n][0] = Lw > 1 ? 3 : 1;
        if (Lx > 1)
            out[n][1] = 1;
        n++;
    }
    /* r + s < T for every T that is neither {(0,0)} (T = 1) nor all. */
    for (int T = 2; T <= Lx + Lw - 2 && n < max - 2; T++) {
        for (int r = 0; r < Lx; r++)
            for (int s = 0; s < Lw; s++)
                if (r + s < T)
                    out[n][r] |= (uint16_t)(1u << s);
        n++;
    }
    for (int k = 0; k < 2 && n < max; k++, n++) /* random subsets */
        for (int r = 0; r < Lx; r++)
            out[n][r] = (uint16_t)(fm_test_rand(rng) & ((1u << Lw) - 1));
    return n;
}

static void plan_grid(int x_signed)
{
    uint64_t rng = 777 + (uint64_t)x_signed;
    long checked = 0;
    int configs = 0;
    static side sx, sw;
    for (int K = 1; K <= 4; K++)
        for (int sel = 0; sel < 3; sel++) {
            int Nx = fm_axbxp_nblocks(fm_axbxp_mag_bits(8, x_signed), K);
            int Nw = fm_axbxp_nblocks(7, K);
            for (int Lx = 1; Lx <= Nx; Lx++)
                for (int Lw = 1; Lw <= Nw; Lw++) {
                    fm_layer_arith a;
                    memset(&a, 0, sizeof a);
                    a.x = op(8, K, Lx, (fm_select)sel);
                    /* weights take each selection mode against each */
                    a.w = op(8, K, Lw, (fm_select)((sel + Lx + Lw) % 3));
                    side_fill(&sx, &a.x, x_signed);
                    side_fill(&sw, &a.w, 1);
                    uint16_t ps[24][FM_MAX_BLOCKS];
                    int np = make_psets(Lx, Lw, &rng, ps, 24);
                    for (int p = 0; p < np; p++) {
                        memcpy(a.pset, ps[p], sizeof a.pset);
                        if (check_plan(&a, x_signed, &sx, &sw, &checked))
                            fail_msg("plan mismatch: K=%d Lx=%d Lw=%d sel=%d pset #%d", K, Lx,
                                     Lw, sel, p);
                        configs++;
                    }
                }
        }
    fprintf(stderr, "plan grid (%s x signed): %d configs, %ld pairs, all exact\n",
            x_signed ? "signed" : "unsigned", configs, checked);
}

static void test_plan_signed(void **state)
{
    (void)state;
    plan_grid(1);
}

static void test_plan_unsigned(void **state)
{
    (void)state;
    plan_grid(0);
}

/* The precomputed formula used by the grid is fm_axbxp_mul_ref itself:
 * check both agree exhaustively on a sample of configurations. */
static void test_mul_ref_formula(void **state)
{
    (void)state;
    uint64_t rng = 99;
    for (int t = 0; t < 12; t++) {
        int x_signed = t & 1;
        int K = 1 + (int)(fm_test_rand(&rng) % 4);
        int Nx = fm_axbxp_nblocks(fm_axbxp_mag_bits(8, x_signed), K);
        int Nw = fm_axbxp_nblocks(7, K);
        fm_layer_arith a;
        memset(&a, 0, sizeof a);
        a.x = op(8, K, 1 + (int)(fm_test_rand(&rng) % Nx), (fm_select)(t % 3));
        a.w = op(8, K, 1 + (int)(fm_test_rand(&rng) % Nw), (fm_select)((t / 3) % 3));
        for (int r = 0; r < FM_MAX_BLOCKS; r++)
            a.pset[r] = (uint16_t)fm_test_rand(&rng);
        fm_axbxp_group g[FM_MAX_BLOCKS];
        int ng = fm_axbxp_plan(&a, g, FM_MAX_BLOCKS);
        int lo = x_signed ? -128 : 0;
        for (int x = lo; x < lo + 256; x++)
            for (int w = -128; w < 128; w++) {
                int64_t want = 0;
                for (int j = 0; j < ng; j++)
                    want += (int64_t)fm_axbxp_plane_value(&a.x, x_signed, x, g[j].x_ranks) *
                            fm_axbxp_plane_value(&a.w, 1, w, g[j].w_ranks);
                if (fm_axbxp_mul_ref(&a, x_signed, x, 1, w) != want)
                    fail_msg("config %d: x=%d w=%d", t, x, w);
            }
    }
}

static void test_plan_shapes(void **state)
{
    (void)state;
    fm_layer_arith a;
    memset(&a, 0, sizeof a);
    a.x = op(8, 2, 2, FM_SEL_DYNAMIC);
    a.w = op(8, 2, 2, FM_SEL_DYNAMIC);
    fm_axbxp_group g[FM_MAX_BLOCKS];
    set_all(&a);
    assert_int_equal(fm_axbxp_plan(&a, g, FM_MAX_BLOCKS), 1); /* one GEMM */
    assert_int_equal(g[0].x_ranks, 3);
    assert_int_equal(g[0].w_ranks, 3);
    a.pset[0] = 3; /* {(0,0),(0,1),(1,0)} */
    a.pset[1] = 1;
    assert_int_equal(fm_axbxp_plan(&a, g, FM_MAX_BLOCKS), 2);
    assert_int_equal(fm_axbxp_plan(&a, g, 1), 2); /* count even when max is short */
    memset(a.pset, 0, sizeof a.pset);
    assert_int_equal(fm_axbxp_plan(&a, g, FM_MAX_BLOCKS), 0);
    /* Diagonal {(0,0),(1,1)}: two groups either way. */
    a.pset[0] = 1;
    a.pset[1] = 2;
    assert_int_equal(fm_axbxp_plan(&a, g, FM_MAX_BLOCKS), 2);
    /* Weight-rank grouping is fewer here: rows {0},{0,1},{0,1,2} need 3 by
     * x rank, columns {0,1,2},{1,2},{2} also 3; a column pattern that repeats
     * (x rows {0,1},{0,1},{} with Lw=3 -> 1 group) is merged. */
    a.x = op(8, 2, 3, FM_SEL_DYNAMIC);
    a.w = op(8, 2, 3, FM_SEL_DYNAMIC);
    memset(a.pset, 0, sizeof a.pset);
    a.pset[0] = 3;
    a.pset[1] = 3;
    assert_int_equal(fm_axbxp_plan(&a, g, FM_MAX_BLOCKS), 1);
    assert_int_equal(g[0].x_ranks, 3);
    assert_int_equal(g[0].w_ranks, 3);
    memset(a.pset, 0, sizeof a.pset);
    a.pset[0] = 1; /* x rank 0 and 1 both pair with w {0}; rank 2 with {0,1,2} */
    a.pset[1] = 1;
    a.pset[2] = 7; /* by x: 2 groups; by w: col0 {0,1,2}, col1 {2}, col2 {2} -> 2 */
    assert_int_equal(fm_axbxp_plan(&a, g, FM_MAX_BLOCKS), 2);
    memset(a.pset, 0, sizeof a.pset);
    a.pset[0] = 1; /* rows {0},{1},{2}... vs a single column: x ranks 0,1,2 all */
    a.pset[1] = 1; /* pair with w rank 0 only -> 1 group either way */
    a.pset[2] = 2; /* x rank 2 with w rank 1: by x 2 groups, by w 2 */
    assert_int_equal(fm_axbxp_plan(&a, g, FM_MAX_BLOCKS), 2);
    /* K = 0: one rank each. */
    a.x = op(8, 0, 0, FM_SEL_STATIC);
    a.w = op(8, 0, 0, FM_SEL_STATIC);
    set_all(&a);
    assert_int_equal(fm_axbxp_plan(&a, g, FM_MAX_BLOCKS), 1);
    assert_int_equal(fm_axbxp_plane_value(&a.w, 1, -128, 1), -127);
    assert_int_equal(fm_axbxp_plane_value(&a.x, 0, 200, 1), 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_unvalidated_configs),
        cmocka_unit_test(test_keep_examples),
        cmocka_unit_test(test_keep_model),
        cmocka_unit_test(test_exact_configs),
        cmocka_unit_test(test_plan_shapes),
        cmocka_unit_test(test_plane_ranges),
        cmocka_unit_test(test_mul_ref_formula),
        cmocka_unit_test(test_plan_signed),
        cmocka_unit_test(test_plan_unsigned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
