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
    return 0;
}
