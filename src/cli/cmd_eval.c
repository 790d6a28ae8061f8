/* flexmac eval / flexmac compare: accuracy of a model on a data set under
 * one or more arithmetic configurations, as a table (stdout), JSON and CSV.
 * `compare` is `eval` with the embedded default model, data and the
 * standard list of configurations. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "flexmac/eval.h"
#include "flexmac/import.h"

#define MAX_CONFIGS 64

typedef struct eval_args {
    const char *model, *data, *calib_data, *preprocess, *json, *csv, *isa;
    const char *arith[MAX_CONFIGS];
    int n_arith;
    long long limit, calib_n, batch, threads;
    int label_offset; /* -1 = automatic */
    fm_calib_method calib_method;
    double percentile;
} eval_args;

static void usage(FILE *f, int compare)
{
    fprintf(f,
            "usage: flexmac %s %s--data D [options]\n"
            "  --model M         ONNX or TFLite model%s\n"
            "  --data D          data set: image folder, IDX file, image list or .npy%s\n"
            "  --arith CFG       arithmetic configuration (repeatable): fp32, fxp8, fxp:w=6,x=8,\n"
            "                    axbxp:..., asm:..., or a .json file (docs/config.md)%s\n"
            "  --limit N         evaluate only the first N samples\n"
            "  --calib-data D    calibration data (default: --data%s)\n"
            "  --calib-n N       calibration samples (default 512)\n"
            "  --calib METHOD    minmax (default) or percentile[:P] (P default 99.99)\n"
            "  --preprocess P    raw | unit | cifar | imagenet-uint8 (default: from the model)\n"
            "  --label-offset K  model class = label + K (default 1 for 1001-class models)\n"
            "  --batch N         samples per executor call (default 256)\n"
            "  --threads N       worker threads (default: all CPUs)\n"
            "  --isa I           cap the kernels: scalar | avx2 | avx512vnni\n"
            "  --json OUT        write results as JSON\n"
            "  --csv OUT         write results as CSV\n",
            compare ? "compare" : "eval", compare ? "[--model M] [" : "--model M ",
            compare ? " (default " FM_DEFAULT_MODEL ")" : "",
            compare ? " (default Fashion-MNIST test set)]" : "",
            compare ? " (default: fp32 fxp8 fxp6 fxp4)" : " (default fp32)",
            compare ? "; default Fashion-MNIST training set" : "");
}

static int parse_args(int argc, char **argv, int compare, eval_args *a)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},      {"data", required_argument, 0, 'd'},
        {"arith", required_argument, 0, 'a'},      {"limit", required_argument, 0, 'l'},
        {"calib-data", required_argument, 0, 'C'}, {"calib-n", required_argument, 0, 'N'},
        {"calib", required_argument, 0, 'M'},      {"preprocess", required_argument, 0, 'p'},
        {"label-offset", required_argument, 0, 'o'}, {"batch", required_argument, 0, 'b'},
        {"threads", required_argument, 0, 't'},    {"isa", required_argument, 0, 'i'},
        {"json", required_argument, 0, 'j'},       {"csv", required_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    a->calib_n = 512;
    a->label_offset = -1;
    a->percentile = 99.99;
    int c;
    long long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:d:a:l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': a->model = optarg; break;
        case 'd': a->data = optarg; break;
        case 'a':
            if (a->n_arith == MAX_CONFIGS) {
                cli_error("--arith: at most %d configurations", MAX_CONFIGS);
                return FM_CLI_USAGE_ERR;
            }
            a->arith[a->n_arith++] = optarg;
            break;
        case 'l': if ((a->limit = cli_parse_count("--limit", optarg)) < 0) return FM_CLI_USAGE_ERR; break;
        case 'C': a->calib_data = optarg; break;
        case 'N': if ((a->calib_n = cli_parse_count("--calib-n", optarg)) < 0) return FM_CLI_USAGE_ERR; break;
        case 'M':
            if (strcmp(optarg, "minmax") == 0) {
                a->calib_method = FM_CALIB_MINMAX;
            } else if (strncmp(optarg, "percentile", 10) == 0) {
                a->calib_method = FM_CALIB_PERCENTILE;
                if (optarg[10] == ':') {
                    char *end;
                    a->percentile = strtod(optarg + 11, &end);
                    if (*end || a->percentile <= 0 || a->percentile > 100) {
                        cli_error("--calib: percentile must be in (0, 100], got '%s'", optarg + 11);
                        return FM_CLI_USAGE_ERR;
                    }
                } else if (optarg[10]) {
                    cli_error("--calib: expected minmax or percentile[:P], got '%s'", optarg);
                    return FM_CLI_USAGE_ERR;
                }
            } else {
                cli_error("--calib: expected minmax or percentile[:P], got '%s'", optarg);
                return FM_CLI_USAGE_ERR;
            }
            break;
        case 'p': a->preprocess = optarg; break;
        case 'o':
            if ((v = cli_parse_count("--label-offset", optarg)) < 0) return FM_CLI_USAGE_ERR;
            a->label_offset = (int)v;
            break;
        case 'b': if ((a->batch = cli_parse_count("--batch", optarg)) < 0) return FM_CLI_USAGE_ERR; break;
        case 't': if ((a->threads = cli_parse_count("--threads", optarg)) < 0) return FM_CLI_USAGE_ERR; break;
        case 'i': a->isa = optarg; break;
        case 'j': a->json = optarg; break;
        case 'c': a->csv = optarg; break;
        case 'h': usage(stdout, compare); return -1;
        default: usage(stderr, compare); return FM_CLI_USAGE_ERR;
        }
    }
    if (optind < argc) {
        cli_error("unexpected argument '%s'", argv[optind]);
        return FM_CLI_USAGE_ERR;
    }
    if (compare) {
        if (!a->model)
            a->model = FM_DEFAULT_MODEL;
        if (!a->data) {
            a->data = FM_DEFAULT_DATA;
            if (!a->calib_data)
                a->calib_data = FM_DEFAULT_CALIB;
        }
        if (a->n_arith == 0) {
            static const char *std[] = {"fp32", "fxp8", "fxp6", "fxp4"};
            for (int i = 0; i < 4; i++)
                a->arith[a->n_arith++] = std[i];
        }
    } else if (a->n_arith == 0) {
        a->arith[a->n_arith++] = "fp32";
    }
    if (!a->model || !a->data) {
        cli_error("%s is required", a->model ? "--data" : "--model");
        usage(stderr, compare);
        return FM_CLI_USAGE_ERR;
    }
    if (!a->calib_data)
        a->calib_data = a->data;
    return 0;
}

static int parse_isa(const char *s, fm_isa *isa)
{
    static const char *names[] = {"scalar", "avx2", "avx512vnni"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *isa = (fm_isa)i;
            return 1;
        }
    return 0;
}

static int needs_calibration(const fm_net_arith *n)
{
    if (!n->deflt.is_float)
        return 1;
    for (int i = 0; i < n->n_rules; i++)
        if (!n->rules[i].a.is_float)
            return 1;
    return 0;
}

typedef struct row {
    const char *spec;
    fm_eval_result r;
} row;

static int write_outputs(const eval_args *a, const row *rows, int n)
{
    int rc = 0;
    if (a->json) {
        cJSON *root = cJSON_CreateObject(), *arr;
        cJSON_AddStringToObject(root, "model", a->model);
        cJSON_AddStringToObject(root, "data", a->data);
        arr = cJSON_AddArrayToObject(root, "results");
        for (int i = 0; i < n; i++) {
            const fm_eval_result *r = &rows[i].r;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "arith", rows[i].spec);
            cJSON_AddNumberToObject(o, "samples", (double)r->n);
            cJSON_AddNumberToObject(o, "top1", (double)r->top1 / (double)r->n);
            cJSON_AddNumberToObject(o, "top5", (double)r->top5 / (double)r->n);
            cJSON_AddNumberToObject(o, "top1_correct", (double)r->top1);
            cJSON_AddNumberToObject(o, "top5_correct", (double)r->top5);
            cJSON_AddNumberToObject(o, "seconds", r->seconds);
            cJSON_AddItemToArray(arr, o);
        }
        char *txt = cJSON_Print(root);
        FILE *f = fopen(a->json, "w");
        if (!f || fputs(txt, f) < 0 || fputc('\n', f) < 0) {
            cli_error("%s: cannot write JSON", a->json);
            rc = 1;
        }
        if (f)
            fclose(f);
        free(txt);
        cJSON_Delete(root);
    }
    if (a->csv) {
        FILE *f = fopen(a->csv, "w");
        if (!f) {
            cli_error("%s: cannot write CSV", a->csv);
            return 1;
        }
        fprintf(f, "arith,samples,top1,top5,seconds\n");
        for (int i = 0; i < n; i++)
            fprintf(f, "\"%s\",%lld,%.6f,%.6f,%.4f\n", rows[i].spec, (long long)rows[i].r.n,
                    (double)rows[i].r.top1 / (double)rows[i].r.n,
                    (double)rows[i].r.top5 / (double)rows[i].r.n, rows[i].r.seconds);
        fclose(f);
    }
    return rc;
}

static int run(int argc, char **argv, int compare)
{
    eval_args a;
    int rc = parse_args(argc, argv, compare, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    fm_eval_opts eo;
    fm_eval_opts_default(&eo);
    if (a.isa && !parse_isa(a.isa, &eo.isa_cap)) {
        cli_error("--isa: expected scalar, avx2 or avx512vnni, got '%s'", a.isa);
        return FM_CLI_USAGE_ERR;
    }
    fm_error err;
    fm_graph *g = NULL;
    fm_dataset *ds = NULL;
    fm_calib *calib = NULL;
    fm_preprocess pp;
    row rows[MAX_CONFIGS];
    int nrows = 0;
    static fm_net_arith cfgs[MAX_CONFIGS];
    int n_cfg = 0;
    if ((rc = cli_open_model_data(a.model, a.data, a.preprocess, &g, &pp, &ds)) != 0)
        goto out;
    rc = 1;
    eo.limit = a.limit;
    eo.batch = a.batch ? (int)a.batch : 256;
    eo.threads = (int)a.threads;
    eo.label_offset = a.label_offset >= 0 ? a.label_offset : cli_label_offset(g);
    /* parse every configuration first: a typo in the last one must not
     * cost the evaluations before it */
    for (; n_cfg < a.n_arith; n_cfg++)
        if (fm_net_arith_parse(a.arith[n_cfg], &cfgs[n_cfg], &err) != FM_OK) {
            fm_error_prefix(&err, "--arith '%s'", a.arith[n_cfg]);
            goto fail;
        }
    printf("model %s, data %s (%lld samples%s)\n", a.model, a.data,
           (long long)(a.limit && a.limit < fm_dataset_count(ds) ? a.limit : fm_dataset_count(ds)),
           a.limit ? ", limited" : "");
    if (g->source == FM_SRC_TFLITE)
        printf("TFLite model: fp32 and fxp8 run its own integer arithmetic (bit-exact with TFLite's reference "
               "kernels); other schemes its dequantized float view\n");
    for (int i = 0; i < n_cfg; i++) {
        fm_net_arith *cfg = &cfgs[i];
        if (needs_calibration(cfg) && !calib &&
            cli_calibrate(g, &pp, a.calib_data, a.calib_n, a.calib_method, a.percentile, &calib))
            goto out;
        cli_progress pg;
        cli_progress_init(&pg, a.arith[i]);
        eo.progress = cli_progress_cb;
        eo.progress_ctx = &pg;
        eo.arith = cfg->deflt.is_float && cfg->n_rules == 0 ? NULL : cfg;
        eo.calib = calib;
        fm_status st = fm_evaluate(g, ds, &eo, &rows[nrows].r, &err);
        cli_progress_done(&pg);
        if (st != FM_OK) {
            fm_error_prefix(&err, "--arith '%s'", a.arith[i]);
            goto fail;
        }
        rows[nrows++].spec = a.arith[i];
    }
    int wcol = 10;
    for (int i = 0; i < nrows; i++)
        wcol = (int)strlen(rows[i].spec) > wcol ? (int)strlen(rows[i].spec) : wcol;
    wcol = wcol > 72 ? 72 : wcol;
    printf("\n%-*s %9s %9s %10s %8s %10s %10s\n", wcol, "arithmetic", "top-1 %", "top-5 %", "d top-1",
           "samples", "seconds", "samples/s");
    for (int i = 0; i < nrows; i++) {
        const fm_eval_result *r = &rows[i].r;
        double t1 = 100.0 * (double)r->top1 / (double)r->n, t5 = 100.0 * (double)r->top5 / (double)r->n;
        double base = 100.0 * (double)rows[0].r.top1 / (double)rows[0].r.n;
        printf("%-*.*s %9.2f %9.2f %+10.2f %8lld %10.2f %10.0f\n", wcol, wcol, rows[i].spec, t1, t5, t1 - base,
               (long long)r->n, r->seconds, r->seconds > 0 ? (double)r->n / r->seconds : 0.0);
    }
    rc = write_outputs(&a, rows, nrows);
    goto out;
fail:
    cli_error("%s", err.msg);
    rc = 1;
out:
    for (int i = 0; i < n_cfg; i++)
        fm_net_arith_free(&cfgs[i]);
    fm_calib_free(calib);
    fm_dataset_close(ds);
    fm_graph_free(g);
    return rc;
}

int fm_cli_eval(int argc, char **argv) { return run(argc, argv, 0); }
int fm_cli_compare(int argc, char **argv) { return run(argc, argv, 1); }
