/* flexmac info: layers, shapes, MACs and parameters of a model. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "flexmac/import.h"

static void usage(FILE *f)
{
    fputs("usage: flexmac info --model M [--json OUT]\n"
          "  Lists every node with its output shape, MACs and parameters, and totals.\n",
          f);
}

int fm_cli_info(int argc, char **argv)
{
    const char *model = NULL, *json = NULL;
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"json", required_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:j:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'j': json = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return FM_CLI_USAGE_ERR;
        }
    }
    if (optind < argc) {
        cli_error("info: unexpected argument '%s'", argv[optind]);
        return FM_CLI_USAGE_ERR;
    }
    if (!model) {
        cli_error("info: --model is required");
        usage(stderr);
        return FM_CLI_USAGE_ERR;
    }
    fm_graph *g;
    fm_error err;
    if (fm_model_load(model, &g, &err) != FM_OK) {
        cli_error("%s", err.msg);
        return 1;
    }
    char s[96];
    int64_t macs = 0, params = 0;
    cJSON *root = cJSON_CreateObject(), *layers = cJSON_AddArrayToObject(root, "layers");
    cJSON_AddStringToObject(root, "model", model);
    printf("model %s: %d nodes, input %s", model, g->n_nodes,
           fm_shape_str(g->tensors[g->input].ndim, g->tensors[g->input].shape, s, sizeof s));
    printf(", output %s\n\n", fm_shape_str(g->tensors[g->output].ndim, g->tensors[g->output].shape, s, sizeof s));
    printf("%4s  %-40s %-18s %-16s %12s %10s\n", "#", "name", "op", "output", "MACs", "params");
    for (int i = 0; i < g->n_nodes; i++) {
        const fm_node *n = &g->nodes[i];
        const fm_tensor *y = &g->tensors[n->out[0]];
        int64_t m = fm_node_macs(g, n), p = fm_node_params(g, n);
        macs += m;
        params += p;
        fm_shape_str(y->ndim, y->shape, s, sizeof s);
        printf("%4d  %-40.40s %-18s %-16s %12lld %10lld\n", i, n->name, fm_op_name(n->op), s,
               (long long)m, (long long)p);
        cJSON *l = cJSON_CreateObject();
        cJSON_AddNumberToObject(l, "index", i);
        cJSON_AddStringToObject(l, "name", n->name);
        cJSON_AddStringToObject(l, "op", fm_op_name(n->op));
        cJSON_AddStringToObject(l, "output_shape", s);
        cJSON_AddNumberToObject(l, "macs", (double)m);
        cJSON_AddNumberToObject(l, "params", (double)p);
        cJSON_AddItemToArray(layers, l);
    }
    printf("\ntotal: %lld MACs (%.2f M), %lld parameters\n", (long long)macs, (double)macs / 1e6,
           (long long)params);
    cJSON_AddNumberToObject(root, "total_macs", (double)macs);
    cJSON_AddNumberToObject(root, "total_params", (double)params);
    int rc = 0;
    if (json) {
        char *txt = cJSON_Print(root);
        FILE *f = fopen(json, "w");
        if (!f || fputs(txt, f) < 0) {
            cli_error("%s: cannot write JSON", json);
            rc = 1;
        }
        if (f)
            fclose(f);
        free(txt);
    }
    cJSON_Delete(root);
    fm_graph_free(g);
    return rc;
}
