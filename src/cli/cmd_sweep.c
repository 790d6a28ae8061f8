/* flexmac sweep: accuracy of one model over a grid of uniform arithmetic
 * configurations (every MAC layer the same), calibrated once. The grid:
 *   reference rows  fp32, fxp8
 *   Ax-BxP          K in {2, 4} (8-bit operands), L = Lx = Lw in 1..N,
 *                   select in {static, dynamic, round} (one row when L = N:
 *                   a window of all N blocks has a single position, so the
 *                   three selections are the same arithmetic), and product
 *                   sets P = all, r+s<L (the L(L+1)/2 most significant
 *                   pairs) and {(0,0),(0,1),(1,0)}; duplicates dropped
 *                   (at L = 1 every set is {(0,0)}; at L = 2 r+s<2 is the
 *                   three-pair set)
 *   ASM             weight alphabets {1}, {1,3}, {1,3,5,7}, activations exact
 * Each row is an inline form `flexmac eval --arith` accepts, so one row can
 * be reproduced alone. Rows print as they finish (stderr) and the CSV is
 * written row by row, so an interrupted sweep keeps what it measured. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "flexmac/eval.h"
#include "flexmac/import.h"

#define MAX_ROWS 96
#define SPEC_LEN 96

typedef enum grid_kind { GRID_REF = 1, GRID_AXBXP = 2, GRID_ASM = 4 } grid_kind;

typedef struct grid_row {
    char spec[SPEC_LEN];   /* inline form */
    const char *scheme;    /* "ref", "axbxp", "asm" */
    int K, L;              /* Ax-BxP; 0 otherwise */
    const char *select;    /* Ax-BxP: "static", "dynamic", "round", "any" (L = N) */
    char pset[24];         /* Ax-BxP product set as written; ASM: the weight alphabet */
    int npairs;            /* |P| within the kept ranks (0 = not Ax-BxP) */
    int groups;            /* GEMMs per MAC layer (fm_axbxp_plan), 1 otherwise */
    fm_eval_result r;
} grid_row;

typedef struct sweep_args {
    const char *model, *data, *calib_data, *preprocess, *json, *csv;
    int grid; /* grid_kind bits */
    int list;
    long long limit, calib_n, batch, threads;
    int label_offset;
} sweep_args;

static void usage(FILE *f)
{
    fputs("usage: flexmac sweep --model M --data D [options]\n"
          "  accuracy over a grid of uniform configurations: fp32, fxp8, Ax-BxP\n"
          "  (K 2 and 4, L 1..N, static/dynamic/round, P all / r+s<L / {(0,0),(0,1),(1,0)})\n"
          "  and ASM weights {1}, {1,3}, {1,3,5,7}; calibrated once\n"
          "  --model M         ONNX or TFLite model\n"
          "  --data D          evaluation data set (as for flexmac eval)\n"
          "  --calib-data D    calibration data (default: --data; TFLite models use their\n"
          "                    own quantization parameters instead)\n"
          "  --calib-n N       calibration samples (default 512)\n"
          "  --grid G          all (default), axbxp or asm (reference rows always)\n"
          "  --list            print the grid and exit (no model needed)\n"
          "  --limit N         evaluate only the first N samples\n"
          "  --preprocess P    raw | unit | cifar | imagenet-uint8 (default: from the model)\n"
          "  --label-offset K  model class = label + K (default 1 for 1001-class models)\n"
          "  --batch N         samples per executor call (default 256)\n"
          "  --threads N       worker threads (default: all CPUs)\n"
          "  --json OUT        write results as JSON\n"
          "  --csv OUT         write results as CSV (row by row)\n",
          f);
}

static int parse_args(int argc, char **argv, sweep_args *a)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},      {"data", required_argument, 0, 'd'},
        {"calib-data", required_argument, 0, 'C'}, {"calib-n", required_argument, 0, 'N'},
        {"grid", required_argument, 0, 'g'},       {"list", no_argument, 0, 'L'},
        {"limit", required_argument, 0, 'l'},      {"preprocess", required_argument, 0, 'p'},
        {"label-offset", required_argument, 0, 'o'}, {"batch", required_argument, 0, 'b'},
        {"threads", required_argument, 0, 't'},    {"json", required_argument, 0, 'j'},
        {"csv", required_argument, 0, 'c'},        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    a->calib_n = 512;
    a->label_offset = -1;
    a->grid = GRID_REF | GRID_AXBXP | GRID_ASM;
    int c;
    long long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:d:l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': a->model = optarg; break;
        case 'd': a->data = optarg; break;
        case 'C': a->calib_data = optarg; break;
        case 'N': if ((a->calib_n = cli_parse_count("--calib-n", optarg)) < 0) return FM_CLI_USAGE_ERR; break;
        case 'g':
            if (strcmp(optarg, "all") == 0) {
                a->grid = GRID_REF | GRID_AXBXP | GRID_ASM;
            } else if (strcmp(optarg, "axbxp") == 0) {
                a->grid = GRID_REF | GRID_AXBXP;
            } else if (strcmp(optarg, "asm") == 0) {
                a->grid = GRID_REF | GRID_ASM;
            } else {
                cli_error("--grid: expected all, axbxp or asm, got '%s'", optarg);
                return FM_CLI_USAGE_ERR;
            }
            break;
        case 'L': a->list = 1; break;
        case 'l': if ((a->limit = cli_parse_count("--limit", optarg)) < 0) return FM_CLI_USAGE_ERR; break;
        case 'p': a->preprocess = optarg; break;
        case 'o':
            if ((v = cli_parse_count("--label-offset", optarg)) < 0) return FM_CLI_USAGE_ERR;
            a->label_offset = (int)v;
            break;
        case 'b': if ((a->batch = cli_parse_count("--batch", optarg)) < 0) return FM_CLI_USAGE_ERR; break;
        case 't': if ((a->threads = cli_parse_count("--threads", optarg)) < 0) return FM_CLI_USAGE_ERR; break;
        case 'j': a->json = optarg; break;
        case 'c': a->csv = optarg; break;
        case 'h': usage(stdout); return -1;
        default: usage(stderr); return FM_CLI_USAGE_ERR;
        }
    }
    if (optind < argc) {
        cli_error("unexpected argument '%s'", argv[optind]);
        return FM_CLI_USAGE_ERR;
    }
    if (!a->list && (!a->model || !a->data)) {
        cli_error("%s is required", a->model ? "--data" : "--model");
        usage(stderr);
        return FM_CLI_USAGE_ERR;
    }
    if (!a->calib_data)
        a->calib_data = a->data;
    return 0;
}

static int popcount16(unsigned v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* |P| and the GEMM-group count of an Ax-BxP form, from the parsed
 * configuration (activations unsigned, as after a ReLU; weights signed). */
static int describe_axbxp(grid_row *r, fm_error *err)
{
    fm_net_arith n;
    if (fm_net_arith_parse(r->spec, &n, err) != FM_OK)
        return -1;
    const fm_layer_arith *a = &n.deflt;
    int lx = fm_axbxp_kept(&a->x, 0), lw = fm_axbxp_kept(&a->w, 1);
    r->npairs = 0;
    for (int i = 0; i < lx; i++)
        r->npairs += popcount16(a->pset[i] & ((1u << lw) - 1u));
    fm_axbxp_group g[FM_MAX_BLOCKS];
    r->groups = fm_axbxp_plan(a, g, FM_MAX_BLOCKS);
    fm_net_arith_free(&n);
    return 0;
}

static grid_row *add_row(grid_row *rows, int *n, const char *scheme)
{
    grid_row *r = &rows[(*n)++];
    memset(r, 0, sizeof *r);
    r->scheme = scheme;
    r->select = "";
    r->groups = 1;
    return r;
}

/* Fills rows in grid order; returns the count or -1 with err set. */
static int build_grid(int kinds, grid_row *rows, fm_error *err)
{
    static const char *sels[] = {"static", "dynamic", "round"};
    static const int Ks[] = {2, 4};
    const int bits = 8;
    int n = 0;
    grid_row *r;
    if (kinds & GRID_REF) {
        r = add_row(rows, &n, "ref");
        snprintf(r->spec, SPEC_LEN, "fp32");
        r = add_row(rows, &n, "ref");
        snprintf(r->spec, SPEC_LEN, "fxp8");
    }
    if (kinds & GRID_AXBXP) {
        for (int ki = 0; ki < 2; ki++) {
            int K = Ks[ki];
            /* N of the unsigned 8-bit activations; signed weights (7-bit
             * magnitude) have the same N for K = 2 and 4. */
            int N = fm_axbxp_nblocks(fm_axbxp_mag_bits(bits, 0), K);
            for (int L = 1; L <= N; L++) {
                char tri[16];
                snprintf(tri, sizeof tri, "r+s<%d", L);
                const char *psets[3] = {"all", tri, "{(0,0),(0,1),(1,0)}"};
                int np = L == 1 ? 1 : L == 2 ? 2 : 3;
                int ns = L == N ? 1 : 3;
                for (int si = 0; si < ns; si++)
                    for (int pi = 0; pi < np; pi++) {
                        if (n == MAX_ROWS)
                            return fm_error_set(err, FM_ERR_INVALID, "sweep: grid exceeds %d rows", MAX_ROWS), -1;
                        r = add_row(rows, &n, "axbxp");
                        r->K = K;
                        r->L = L;
                        r->select = L == N ? "any" : sels[si];
                        snprintf(r->pset, sizeof r->pset, "%s", psets[pi]);
                        snprintf(r->spec, SPEC_LEN, "axbxp:K=%d,L=%d,select=%s,P=%s", K, L, sels[si],
                                 psets[pi]);
                        if (describe_axbxp(r, err) != 0)
                            return -1;
                    }
            }
        }
    }
    if (kinds & GRID_ASM) {
        static const char *alph[] = {"{1}", "{1,3}", "{1,3,5,7}"};
        for (int i = 0; i < 3; i++) {
            r = add_row(rows, &n, "asm");
            snprintf(r->spec, SPEC_LEN, "asm:w=%s", alph[i]);
            snprintf(r->pset, sizeof r->pset, "%s", alph[i]);
        }
    }
    return n;
}

static double pct(int64_t k, int64_t n) { return n > 0 ? 100.0 * (double)k / (double)n : 0.0; }

static void print_header(FILE *f)
{
    fprintf(f, "%-3s %-50s %2s %2s %-7s %-19s %3s %6s %8s %8s %8s %8s\n", "#", "arithmetic", "K", "L",
            "select", "P", "|P|", "GEMMs", "top-1 %", "top-5 %", "d fxp8", "seconds");
}

static void print_row(FILE *f, int i, const grid_row *r, double base)
{
    char k[8] = "", l[8] = "", np[8] = "";
    if (r->K) {
        snprintf(k, sizeof k, "%d", r->K);
        snprintf(l, sizeof l, "%d", r->L);
        snprintf(np, sizeof np, "%d", r->npairs);
    }
    double t1 = pct(r->r.top1, r->r.n);
    fprintf(f, "%-3d %-50s %2s %2s %-7s %-19s %3s %6d %8.2f %8.2f %+8.2f %8.1f\n", i + 1, r->spec, k, l,
            r->select, r->pset, np, r->groups, t1, pct(r->r.top5, r->r.n), base >= 0 ? t1 - base : 0.0,
            r->r.seconds);
}

static void csv_header(FILE *f)
{
    fprintf(f, "arith,scheme,K,L,select,P,npairs,gemm_groups,samples,top1,top5,seconds\n");
}

static void csv_row(FILE *f, const grid_row *r)
{
    fprintf(f, "\"%s\",%s,%d,%d,%s,\"%s\",%d,%d,%lld,%.6f,%.6f,%.3f\n", r->spec, r->scheme, r->K, r->L,
            r->select, r->pset, r->npairs, r->groups, (long long)r->r.n,
            (double)r->r.top1 / (double)r->r.n, (double)r->r.top5 / (double)r->r.n, r->r.seconds);
    fflush(f);
}

static int write_json(const sweep_args *a, const grid_row *rows, int n, double calib_s)
{
    cJSON *root = cJSON_CreateObject(), *arr;
    cJSON_AddStringToObject(root, "model", a->model);
    cJSON_AddStringToObject(root, "data", a->data);
    cJSON_AddStringToObject(root, "calib_data", a->calib_data);
    cJSON_AddNumberToObject(root, "calib_seconds", calib_s);
    arr = cJSON_AddArrayToObject(root, "results");
    for (int i = 0; i < n; i++) {
        const grid_row *r = &rows[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "arith", r->spec);
        cJSON_AddStringToObject(o, "scheme", r->scheme);
        if (r->K) {
            cJSON_AddNumberToObject(o, "K", r->K);
            cJSON_AddNumberToObject(o, "L", r->L);
            cJSON_AddStringToObject(o, "select", r->select);
            cJSON_AddStringToObject(o, "P", r->pset);
            cJSON_AddNumberToObject(o, "npairs", r->npairs);
            cJSON_AddNumberToObject(o, "gemm_groups", r->groups);
        } else if (strcmp(r->scheme, "asm") == 0) {
            cJSON_AddStringToObject(o, "alphabet_w", r->pset);
        }
        cJSON_AddNumberToObject(o, "samples", (double)r->r.n);
        cJSON_AddNumberToObject(o, "top1", (double)r->r.top1 / (double)r->r.n);
        cJSON_AddNumberToObject(o, "top5", (double)r->r.top5 / (double)r->r.n);
        cJSON_AddNumberToObject(o, "seconds", r->r.seconds);
        cJSON_AddItemToArray(arr, o);
    }
    char *txt = cJSON_Print(root);
    int rc = 0;
    FILE *f = fopen(a->json, "w");
    if (!f || fputs(txt, f) < 0 || fputc('\n', f) < 0) {
        cli_error("%s: cannot write JSON", a->json);
        rc = 1;
    }
    if (f && fclose(f) != 0 && rc == 0) {
        cli_error("%s: cannot write JSON", a->json);
        rc = 1;
    }
    free(txt);
    cJSON_Delete(root);
    return rc;
}

int fm_cli_sweep(int argc, char **argv)
{
    sweep_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    fm_error err;
    static grid_row rows[MAX_ROWS];
    int nrows = build_grid(a.grid, rows, &err);
    if (nrows < 0) {
        cli_error("%s", err.msg);
        return 1;
    }
    if (a.list) {
        print_header(stdout);
        for (int i = 0; i < nrows; i++) {
            const grid_row *r = &rows[i];
            printf("%-3d %-50s %2d %2d %-7s %-19s %3d %6d\n", i + 1, r->spec, r->K, r->L, r->select,
                   r->pset, r->npairs, r->groups);
        }
        return 0;
    }
    fm_graph *g = NULL;
    fm_dataset *ds = NULL;
    fm_calib *calib = NULL;
    FILE *csv = NULL;
    fm_preprocess pp;
    fm_eval_opts eo;
    int done = 0;
    double calib_s = 0;
    fm_eval_opts_default(&eo);
    if ((rc = cli_open_model_data(a.model, a.data, a.preprocess, &g, &pp, &ds)) != 0)
        goto out;
    rc = 1;
    if (a.csv) {
        if (!(csv = fopen(a.csv, "w"))) {
            cli_error("%s: cannot write CSV", a.csv);
            goto out;
        }
        csv_header(csv);
    }
    eo.limit = a.limit;
    eo.batch = a.batch ? (int)a.batch : 256;
    eo.threads = (int)a.threads;
    eo.label_offset = a.label_offset >= 0 ? a.label_offset : cli_label_offset(g);
    printf("model %s, data %s (%lld samples%s), %d configurations\n", a.model, a.data,
           (long long)(a.limit && a.limit < fm_dataset_count(ds) ? a.limit : fm_dataset_count(ds)),
           a.limit ? ", limited" : "", nrows);
    double t0 = cli_now();
    if (cli_calibrate(g, &pp, a.calib_data, a.calib_n, FM_CALIB_MINMAX, 99.99, &calib))
        goto out;
    calib_s = cli_now() - t0;
    fflush(stdout);
    for (int i = 0; i < nrows; i++) {
        grid_row *r = &rows[i];
        fm_net_arith cfg;
        if (fm_net_arith_parse(r->spec, &cfg, &err) != FM_OK) {
            fm_error_prefix(&err, "sweep row '%s'", r->spec);
            goto fail;
        }
        eo.arith = cfg.deflt.is_float && cfg.n_rules == 0 ? NULL : &cfg;
        eo.calib = calib;
        fm_status st = fm_evaluate(g, ds, &eo, &r->r, &err);
        fm_net_arith_free(&cfg);
        if (st != FM_OK) {
            fm_error_prefix(&err, "sweep row '%s'", r->spec);
            goto fail;
        }
        done++;
        fprintf(stderr, "[%d/%d] %-50s top-1 %6.2f %%  %.1f s\n", i + 1, nrows, r->spec,
                pct(r->r.top1, r->r.n), r->r.seconds);
        if (csv)
            csv_row(csv, r);
    }
    double base = -1;
    for (int i = 0; i < done; i++)
        if (strcmp(rows[i].spec, "fxp8") == 0)
            base = pct(rows[i].r.top1, rows[i].r.n);
    printf("\n");
    print_header(stdout);
    for (int i = 0; i < done; i++)
        print_row(stdout, i, &rows[i], base);
    printf("total %.1f s\n", cli_now() - t0);
    rc = a.json ? write_json(&a, rows, done, calib_s) : 0;
    goto out;
fail:
    cli_error("%s", err.msg);
    rc = 1;
out:
    if (csv && fclose(csv) != 0) {
        cli_error("%s: cannot write CSV", a.csv);
        rc = 1;
    }
    fm_calib_free(calib);
    fm_dataset_close(ds);
    fm_graph_free(g);
    return rc;
}
