/* The executor's fast scheme paths against the arithmetic reference models.
 *
 * Exhaustive: a Gemm with two inputs per output, whose scales are forced to 1
 * by construction (activations calibrated to exactly [0, 255] or
 * [-127, 127]; every weight row holds a 127), so output n of sample b is the
 * integer product of activation code b and weight code n as the executor
 * computes it. Every 8-bit pair is compared with fm_axbxp_mul_ref /
 * fm_asm_mul_ref / the table, for a grid of configurations and every ISA.
 * Random: a 3x3 convolution against a direct loop over the reference
 * product. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "flexmac/exec.h"

enum { NW = 255 }; /* weight codes -127..127 */

typedef struct pair_net {
    fm_graph *g;
    fm_calib *calib;
    float *x;      /* samples x 2 */
    int samples;
    int x_signed;
} pair_net;

static void pair_net_init(pair_net *p, int x_signed)
{
    fm_graph *g = fm_graph_new();
    int64_t xs[2] = {1, 2}, ws[2] = {NW, 2}, ys[2] = {1, NW};
    float *w = malloc(NW * 2 * sizeof *w);
    for (int n = 0; n < NW; n++) {
        w[2 * n] = (float)(n - 127);
        w[2 * n + 1] = 127.0f; /* pins the channel's scale to 1 */
    }
    int x = fm_graph_add_tensor(g, "x", FM_F32, 2, xs, NULL);
    int wt = fm_graph_add_tensor(g, "w", FM_F32, 2, ws, w);
    int y = fm_graph_add_tensor(g, "y", FM_F32, 2, ys, NULL);
    fm_node *nd = fm_graph_add_node(g, FM_OP_GEMM, "fc");
    nd->n_in = 2;
    nd->in[0] = x;
    nd->in[1] = wt;
    nd->n_out = 1;
    nd->out[0] = y;
    nd->a.gemm.trans_b = 1;
    nd->a.gemm.alpha = nd->a.gemm.beta = 1;
    g->input = x;
    g->output = y;
    p->g = g;
    p->x_signed = x_signed;
    p->samples = x_signed ? 255 : 256;
    p->x = calloc((size_t)p->samples * 2, sizeof *p->x);
    for (int b = 0; b < p->samples; b++)
        p->x[2 * b] = (float)(x_signed ? b - 127 : b);
    /* calibrate on the same samples: range exactly [0,255] or [-127,127] */
    p->calib = fm_calib_new(g, FM_CALIB_MINMAX, 0);
    fm_exec_opts o;
    fm_exec *e;
    fm_error err;
    float *yb = malloc((size_t)p->samples * NW * sizeof *yb);
    fm_exec_opts_default(&o);
    o.observe = p->calib;
    assert_int_equal(fm_exec_create(g, &o, &e, &err), FM_OK);
    assert_int_equal(fm_exec_run(e, p->x, p->samples, yb, &err), FM_OK);
    fm_exec_free(e);
    free(yb);
}

static void pair_net_free(pair_net *p)
{
    fm_calib_free(p->calib);
    fm_graph_free(p->g);
    free(p->x);
}

typedef int64_t (*ref_fn)(const fm_layer_arith *a, void *ctx, int x_signed, int32_t x, int32_t w);

static int64_t ref_axbxp(const fm_layer_arith *a, void *ctx, int xs, int32_t x, int32_t w)
{
    (void)ctx;
    return fm_axbxp_mul_ref(a, xs, x, 1, w);
}

static int64_t ref_asm(const fm_layer_arith *a, void *ctx, int xs, int32_t x, int32_t w)
{
    fm_asm_set **sets = ctx; /* [0] weights, [1] activations or NULL */
    (void)a;
    (void)xs;
    int32_t xv = sets[1] ? fm_asm_project(sets[1], x) : x;
    return fm_asm_mul_ref(sets[0], xv, w);
}

/* Runs the pair network under `a` on ISA `isa` and checks every product. */
static void check_pairs(pair_net *p, const fm_layer_arith *a, fm_isa isa, ref_fn ref, void *ctx)
{
    fm_net_arith na;
    memset(&na, 0, sizeof na);
    na.deflt = *a;
    fm_exec_opts o;
    fm_exec *e;
    fm_error err;
    fm_exec_opts_default(&o);
    o.arith = &na;
    o.calib = p->calib;
    o.isa_cap = isa;
    o.threads = 1;
    if (fm_exec_create(p->g, &o, &e, &err) != FM_OK) {
        fprintf(stderr, "exec: %s\n", err.msg);
        fail();
    }
    float *y = malloc((size_t)p->samples * NW * sizeof *y);
    assert_int_equal(fm_exec_run(e, p->x, p->samples, y, &err), FM_OK);
    fm_exec_free(e);
    for (int b = 0; b < p->samples; b++) {
        int32_t x = p->x_signed ? b - 127 : b;
        for (int n = 0; n < NW; n++) {
            int64_t want = ref(a, ctx, p->x_signed, x, n - 127) + ref(a, ctx, p->x_signed, 0, 127);
            if ((int64_t)y[(size_t)b * NW + n] != want) {
                char lab[128];
                fm_layer_arith_label(a, lab, sizeof lab);
                fprintf(stderr, "%s isa=%s x_signed=%d: x=%d w=%d got %.0f want %lld\n", lab,
                        fm_isa_name(isa), p->x_signed, x, n - 127, y[(size_t)b * NW + n], (long long)want);
                fail();
            }
        }
    }
    free(y);
}

static void set_pset_all(fm_layer_arith *a)
{
    for (int r = 0; r < FM_MAX_BLOCKS; r++)
        a->pset[r] = 0xFFFF;
}

static void test_axbxp_exhaustive(void **state)
{
    (void)state;
    pair_net nets[2];
    pair_net_init(&nets[0], 0);
    pair_net_init(&nets[1], 1);
    const fm_select sels[] = {FM_SEL_STATIC, FM_SEL_DYNAMIC, FM_SEL_ROUND};
    int configs = 0;
    for (int K = 1; K <= 4; K++) {
        int N = (8 + K - 1) / K;  /* blocks of an unsigned 8-bit magnitude */
        int Nw = (7 + K - 1) / K; /* weights: sign + 7-bit magnitude */
        for (int Lx = 1; Lx <= N; Lx++)
            for (int Lw = 1; Lw <= Nw; Lw++) {
                if (K == 1 && !(Lx <= 2 || Lx == N) && !(Lw <= 2 || Lw == Nw))
                    continue; /* K=1 has 64 (Lx, Lw): keep the edges */
                for (int s = 0; s < 3; s++)
                    for (int pk = 0; pk < 4; pk++) {
                        /* the sanitizer run takes every 4th configuration */
                        if ((K * 131 + Lx * 17 + Lw * 7 + s * 3 + pk) % fm_test_samples(1, 4) != 0)
                            continue;
                        fm_layer_arith a;
                        fm_layer_arith_fxp(&a, 8, 8);
                        a.x.K = a.w.K = K;
                        a.x.L = Lx;
                        a.w.L = Lw;
                        a.x.select = a.w.select = sels[s];
                        memset(a.pset, 0, sizeof a.pset);
                        if (pk == 0)
                            set_pset_all(&a);
                        else if (pk == 1)
                            a.pset[0] = 1; /* {(0,0)} */
                        else if (pk == 2)
                            a.pset[0] = 3, a.pset[1] = 1; /* {(0,0),(0,1),(1,0)} */
                        else
                            for (int r = 0; r < FM_MAX_BLOCKS; r++) /* r + s < 2 .. mixed */
                                a.pset[r] = (uint16_t)((1u << (r < 3 ? 3 - r : 0)) - 1);
                        for (int xs = 0; xs < 2; xs++) {
                            fm_isa isa = (configs + xs) % 5 == 0 ? FM_ISA_SCALAR : fm_cpu_best_isa();
                            check_pairs(&nets[xs], &a, isa, ref_axbxp, NULL);
                        }
                        configs++;
                    }
            }
    }
    fprintf(stderr, "Ax-BxP: %d configurations x 2 signedness, every 8-bit pair\n", configs);
    pair_net_free(&nets[0]);
    pair_net_free(&nets[1]);
}

static void test_asm_exhaustive(void **state)
{
    (void)state;
    pair_net nets[2];
    pair_net_init(&nets[0], 0);
    pair_net_init(&nets[1], 1);
    const uint16_t alph[] = {1u << 1, (1u << 1) | (1u << 3), 0xAA, 0xAAAA};
    fm_error err;
    for (int i = 0; i < 4; i++)
        for (int xa = 0; xa < 2; xa++)
            for (int xs = 0; xs < 2; xs++)
                for (int isa = 0; isa <= (int)fm_cpu_best_isa(); isa += (int)fm_cpu_best_isa()) {
                    fm_layer_arith a;
                    fm_layer_arith_fxp(&a, 8, 8);
                    a.w.alphabet = alph[i];
                    if (xa)
                        a.x.alphabet = alph[(i + 1) % 4];
                    fm_asm_set *sets[2] = {NULL, NULL};
                    assert_int_equal(fm_asm_set_from_operand(&a.w, 1, &sets[0], &err), FM_OK);
                    if (xa)
                        assert_int_equal(fm_asm_set_from_operand(&a.x, xs, &sets[1], &err), FM_OK);
                    check_pairs(&nets[xs], &a, (fm_isa)isa, ref_asm, sets);
                    fm_asm_set_free(sets[0]);
                    fm_asm_set_free(sets[1]);
                    if (isa == 0 && fm_cpu_best_isa() == 0)
                        break;
                }
    pair_net_free(&nets[0]);
    pair_net_free(&nets[1]);
}

static int64_t ref_lut(const fm_layer_arith *a, void *ctx, int xs, int32_t x, int32_t w)
{
    const fm_lut *l = ctx;
    (void)a;
    (void)xs;
    if (fm_lut_is_signed(l))
        return fm_lut_mul(l, x, w);
    int32_t p = fm_lut_mul(l, x < 0 ? -x : x, w < 0 ? -w : w);
    return (x < 0) != (w < 0) ? -p : p;
}

static int64_t ref_mul(const fm_layer_arith *a, void *ctx, int xs, int32_t x, int32_t w)
{
    (void)a;
    (void)ctx;
    (void)xs;
    return (int64_t)x * w;
}

static void test_lut_exhaustive(void **state)
{
    (void)state;
    pair_net nets[2];
    pair_net_init(&nets[0], 0);
    pair_net_init(&nets[1], 1);
    fm_error err;
    for (int sg = 0; sg < 2; sg++) {
        fm_lut *l;
        assert_int_equal(fm_lut_exact(sg, &l, &err), FM_OK);
        fm_layer_arith a;
        fm_layer_arith_fxp(&a, 8, 8);
        a.lut = l;
        for (int xs = 0; xs < 2; xs++) {
            /* a signed table takes 7-bit activation magnitudes, so the
             * unsigned 0..255 net does not pin its scale to 1: skip it */
            if (sg && !xs)
                continue;
            check_pairs(&nets[xs], &a, fm_cpu_best_isa(), ref_lut, l);
        }
        fm_lut_free(l);
    }
    /* the plain FxP8 path is the exact product */
    for (int xs = 0; xs < 2; xs++) {
        fm_layer_arith f;
        fm_layer_arith_fxp(&f, 8, 8);
        check_pairs(&nets[xs], &f, fm_cpu_best_isa(), ref_mul, NULL);
    }
    pair_net_free(&nets[0]);
    pair_net_free(&nets[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_asm_exhaustive),
        cmocka_unit_test(test_lut_exhaustive),
        cmocka_unit_test(test_axbxp_exhaustive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
