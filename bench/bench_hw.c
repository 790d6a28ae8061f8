/* Times the accelerator model: a whole-network estimate (with its FxP8
 * baseline) for every built-in network on every shipped architecture.
 * Goal: ResNet-50 in well under a second. Run from the repository root:
 *   ./build/bench_hw [repeats]  */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "flexmac/hw.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* One representative configuration per PE type on ResNet-50: speed-up and
 * energy ratio against FxP8 on the same array (numbers in docs/hardware.md). */
static int configs(void)
{
    static const struct { const char *arch, *label; int kind; } cfg[] = {
        {"fxp8_16x16", "fxp8", 0},
        {"fxp8_16x16", "fxp4 (w4 x4)", 1},
        {"bitserial_16x16", "fxp8 (w8 x8)", 0},
        {"bitserial_16x16", "fxp w8 x4", 2},
        {"bitfusion_16x16", "fxp8", 0},
        {"bitfusion_16x16", "fxp4 (w4 x4)", 1},
        {"axbxp_16x16", "fxp8 exact", 0},
        {"axbxp_16x16", "K2 L2 dyn |P|=4", 3},
        {"axbxp_16x16", "K2 L2 dyn |P|=3", 4},
        {"asm_nearmem", "fxp8", 0},
        {"asm_nearmem", "asm w={1,3}", 5},
        {"asm_inmem", "asm w={1,3}", 5},
    };
    fm_hw_net net;
    fm_error err = {0};
    if (fm_hw_net_builtin("resnet50", &net, &err))
        return 1;
    printf("\nresnet50, one configuration everywhere, vs FxP8 on the same array\n");
    printf("%-16s %-18s %14s %12s %9s %9s\n", "arch", "arith", "cycles", "energy_uJ", "speedup",
           "energy_x");
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "hw/%s.json", cfg[i].arch);
        fm_hw_arch a;
        if (fm_hw_arch_load(path, &a, &err))
            break;
        fm_net_arith na = {0};
        fm_layer_arith *l = &na.deflt;
        fm_layer_arith_fxp(l, 8, 8);
        if (cfg[i].kind == 1)
            fm_layer_arith_fxp(l, 4, 4);
        if (cfg[i].kind == 2)
            fm_layer_arith_fxp(l, 8, 4);
        if (cfg[i].kind == 3 || cfg[i].kind == 4) {
            l->w.K = l->x.K = 2;
            l->w.L = l->x.L = 2;
            l->w.select = l->x.select = FM_SEL_DYNAMIC;
            if (cfg[i].kind == 4)
                l->pset[1] = 0x1; /* drop the least significant pair (1,1) */
        }
        if (cfg[i].kind == 5)
            l->w.alphabet = 0xA; /* {1,3} */
        fm_hw_result r;
        if (fm_hw_estimate(&a, &net, &na, &r, &err))
            break;
        printf("%-16s %-18s %14lld %12.1f %9.3f %9.3f\n", cfg[i].arch, cfg[i].label,
               (long long)r.tot.total_cycles, r.tot.e.total * 1e-6, r.speedup, r.energy_ratio);
        fm_hw_result_free(&r);
    }
    fm_hw_net_free(&net);
    if (err.code) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 200;
    if (reps < 1)
        reps = 1;
    static const char *archs[] = {"fxp8_16x16", "bitserial_16x16", "bitfusion_16x16",
                                  "axbxp_16x16", "asm_nearmem", "asm_inmem"};
    printf("%-14s %-16s %8s %14s %12s\n", "net", "arch", "layers", "cycles", "ms/estimate");
    for (const char *const *n = fm_hw_builtin_names(); *n; n++) {
        fm_hw_net net;
        fm_error err = {0};
        if (fm_hw_net_builtin(*n, &net, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++) {
            char path[256];
            snprintf(path, sizeof path, "hw/%s.json", archs[i]);
            fm_hw_arch a;
            if (fm_hw_arch_load(path, &a, &err)) {
                fprintf(stderr, "%s (run from the repository root)\n", err.msg);
                fm_hw_net_free(&net);
                return 1;
            }
            fm_hw_result r;
            int64_t cycles = 0;
            double t0 = now_s();
            for (int k = 0; k < reps; k++) {
                if (fm_hw_estimate(&a, &net, NULL, &r, &err)) {
                    fprintf(stderr, "%s\n", err.msg);
                    fm_hw_net_free(&net);
                    return 1;
                }
                cycles = r.tot.total_cycles;
                fm_hw_result_free(&r);
            }
            double ms = (now_s() - t0) * 1e3 / reps;
            printf("%-14s %-16s %8d %14lld %12.4f\n", *n, archs[i], net.n, (long long)cycles, ms);
        }
        fm_hw_net_free(&net);
    }
    return configs();
}
