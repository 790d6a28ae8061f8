/* flexmac hw: accelerator cycles, traffic and energy of a network. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "flexmac/arith.h"
#include "flexmac/hw.h"
#include "flexmac/import.h"

static void usage(FILE *f)
{
    fputs("usage: flexmac hw (--net NAME | --model FILE) [--arch ARCH.json] [--arith CFG]\n"
          "                  [--json OUT] [--csv OUT] [--svg OUT] [--quiet]\n"
          "       flexmac hw --list-nets\n"
          "  --net      built-in ImageNet shape list (see --list-nets)\n"
          "  --model    ONNX or TFLite model (its MAC layers)\n"
          "  --arch     architecture description (default: FxP8 16x16 WS, hw/fxp8_16x16.json)\n"
          "  --arith    arithmetic configuration (default fxp8)\n"
          "  --quiet    no per-layer table, totals only\n",
          f);
}

int fm_cli_hw(int argc, char **argv)
{
    const char *net = NULL, *model = NULL, *arch_path = NULL, *arith_spec = NULL;
    const char *json = NULL, *csv = NULL, *svg = NULL;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char **dst = NULL;
        if (strcmp(o, "--list-nets") == 0) {
            for (const char *const *n = fm_hw_builtin_names(); *n; n++)
                printf("%s\n", *n);
            return 0;
        } else if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(o, "--quiet") == 0) {
            quiet = 1;
            continue;
        } else if (strcmp(o, "--net") == 0) dst = &net;
        else if (strcmp(o, "--model") == 0) dst = &model;
        else if (strcmp(o, "--arch") == 0) dst = &arch_path;
        else if (strcmp(o, "--arith") == 0) dst = &arith_spec;
        else if (strcmp(o, "--json") == 0) dst = &json;
        else if (strcmp(o, "--csv") == 0) dst = &csv;
        else if (strcmp(o, "--svg") == 0) dst = &svg;
        else {
            fprintf(stderr, "flexmac hw: unknown option '%s'\n", o);
            usage(stderr);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "flexmac hw: option '%s' needs a value\n", o);
            return 2;
        }
        *dst = argv[++i];
    }
    if (!net == !model) {
        fprintf(stderr, "flexmac hw: give exactly one of --net or --model\n");
        usage(stderr);
        return 2;
    }

    fm_error err = {0};
    fm_hw_arch arch;
    fm_hw_net hnet = {0};
    fm_net_arith arith = {0};
    int have_arith = 0, rc = 1;
    fm_hw_result res = {0};
    if (arch_path) {
        if (fm_hw_arch_load(arch_path, &arch, &err))
            goto fail;
    } else {
        fm_hw_arch_default(&arch);
    }
    if (arith_spec) {
        if (fm_net_arith_parse(arith_spec, &arith, &err))
            goto fail;
        have_arith = 1;
    }
    if (net) {
        if (fm_hw_net_builtin(net, &hnet, &err))
            goto fail;
    } else {
        fm_graph *g = NULL;
        fm_status st = fm_model_load(model, &g, &err);
        if (!st)
            st = fm_hw_net_from_graph(g, &hnet, &err);
        fm_graph_free(g);
        if (st)
            goto fail;
    }
    if (fm_hw_estimate(&arch, &hnet, have_arith ? &arith : NULL, &res, &err))
        goto fail;
    if (have_arith && !arith.name)
        snprintf(res.arith, sizeof res.arith, "%s", arith_spec);
    if (quiet) {
        printf("%s on %s (%s): %lld MACs, %lld cycles, %.3f uJ; vs FxP8: speed-up %.3fx, "
               "energy %.3fx\n",
               res.net, res.arch, res.arith, (long long)res.tot.macs,
               (long long)res.tot.total_cycles, res.tot.e.total * 1e-6, res.speedup,
               res.energy_ratio);
    } else {
        fm_hw_write_table(&res, stdout);
    }
    if ((json && fm_hw_write_json(&res, json, &err)) || (csv && fm_hw_write_csv(&res, csv, &err)) ||
        (svg && fm_hw_write_svg(&res, svg, &err)))
        goto fail;
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "flexmac hw: %s\n", err.msg);
done:
    fm_hw_result_free(&res);
    fm_hw_net_free(&hnet);
    fm_net_arith_free(&arith); /* zeroed when never parsed */
    return rc;
}
