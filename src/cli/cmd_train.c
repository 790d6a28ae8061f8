/* `flexmac train`: trains the LeNet-style default model on an IDX data set
 * (Fashion-MNIST) and writes it as ONNX; progress goes to stdout, an
 * optional JSON summary to a file. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "flexmac/data.h"
#include "flexmac/import.h"
#include "flexmac/train.h"

#define MAX_EPOCHS 1000

static void usage(FILE *f)
{
    fprintf(f,
            "usage: flexmac train --data DIR --out MODEL.onnx [options]\n"
            "  --data DIR       folder with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]\n"
            "  --out FILE       trained model, written as ONNX (opset 13)\n"
            "  --epochs N       epochs (default 8)\n"
            "  --batch N        mini-batch size (default 64)\n"
            "  --lr X           initial learning rate, cosine-decayed per step (default 0.05)\n"
            "  --momentum X     SGD momentum (default 0.9)\n"
            "  --wd X           weight decay (default 0.0005)\n"
            "  --seed N         initialisation and shuffling seed (default 1)\n"
            "  --threads N      OpenBLAS threads (default 1)\n"
            "  --json FILE      also write a JSON summary of the run\n"
            "Inputs are pixel/255 (1x28x28); the model is conv5x5(16,pad 2)-relu-maxpool2-\n"
            "conv5x5(32)-relu-maxpool2-flatten-fc128-relu-fc10 with logits as output.\n");
}

static int parse_int(const char *opt, const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "flexmac train: %s: '%s' is not an integer in %ld..%ld\n", opt, s, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_u64(const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-') {
        fprintf(stderr, "flexmac train: %s: '%s' is not a non-negative integer\n", opt, s);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

static int parse_float(const char *opt, const char *s, double lo, double hi, int lo_open,
                       float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || (lo_open && v == lo) || v > hi) {
        fprintf(stderr, "flexmac train: %s: '%s' is not a number in %s%g..%g]\n", opt, s,
                lo_open ? "(" : "[", lo, hi);
        return -1;
    }
    *out = (float)v;
    return 0;
}

/* DIR/NAME-idx3-ubyte.gz, or the uncompressed file when only that exists. */
static void idx_spec(const char *dir, const char *name, char *buf, size_t n)
{
    struct stat st;
    snprintf(buf, n, "%s/%s-images-idx3-ubyte.gz", dir, name);
    if (stat(buf, &st) != 0) {
        snprintf(buf, n, "%s/%s-images-idx3-ubyte", dir, name);
        if (stat(buf, &st) != 0) /* report the .gz name in the error */
            snprintf(buf, n, "%s/%s-images-idx3-ubyte.gz", dir, name);
    }
}

/* float options as the user wrote them (0.05, not 0.0500000007) */
static double short_float(float v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.7g", (double)v);
    return strtod(buf, NULL);
}

typedef struct run_log {
    cJSON *epochs; /* NULL without --json */
} run_log;

static int on_epoch(void *ctx, const fm_epoch_report *r)
{
    run_log *log = ctx;
    printf("epoch %d/%d  loss %.4f  train acc %.2f%%  test acc %.2f%%  lr %.5f  %.1f s\n",
           r->epoch, r->epochs, r->train_loss, 100.0 * r->train_acc, 100.0 * r->test_acc, r->lr,
           r->seconds);
    fflush(stdout);
    if (log->epochs) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "epoch", r->epoch);
        cJSON_AddNumberToObject(e, "train_loss", r->train_loss);
        cJSON_AddNumberToObject(e, "train_accuracy", r->train_acc);
        cJSON_AddNumberToObject(e, "test_accuracy", r->test_acc);
        cJSON_AddNumberToObject(e, "lr", short_float((float)r->lr));
        cJSON_AddNumberToObject(e, "seconds", r->seconds);
        cJSON_AddItemToArray(log->epochs, e);
    }
    return 0;
}

static int write_json(const char *path, cJSON *root)
{
    char *text = cJSON_Print(root);
    FILE *f = text ? fopen(path, "w") : NULL;
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "flexmac train: %s: cannot write JSON summary: %s\n", path,
                strerror(errno));
    free(text);
    return ok ? 0 : -1;
}

int fm_cli_train(int argc, char **argv)
{
    const char *data = NULL, *out = NULL, *json = NULL;
    fm_train_config cfg;
    fm_train_config_default(&cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (a[0] != '-' || a[1] != '-') {
            fprintf(stderr, "flexmac train: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "flexmac train: option %s needs a value\n", a);
            return 2;
        }
        const char *v = argv[++i];
        int bad = 0;
        if (!strcmp(a, "--data"))
            data = v;
        else if (!strcmp(a, "--out"))
            out = v;
        else if (!strcmp(a, "--json"))
            json = v;
        else if (!strcmp(a, "--epochs"))
            bad = parse_int(a, v, 1, MAX_EPOCHS, &cfg.epochs);
        else if (!strcmp(a, "--batch"))
            bad = parse_int(a, v, 1, 65536, &cfg.batch);
        else if (!strcmp(a, "--threads"))
            bad = parse_int(a, v, 1, 256, &cfg.threads);
        else if (!strcmp(a, "--lr"))
            bad = parse_float(a, v, 0.0, 10.0, 1, &cfg.lr);
        else if (!strcmp(a, "--momentum"))
            bad = parse_float(a, v, 0.0, 0.999, 0, &cfg.momentum);
        else if (!strcmp(a, "--wd"))
            bad = parse_float(a, v, 0.0, 1.0, 0, &cfg.weight_decay);
        else if (!strcmp(a, "--seed"))
            bad = parse_u64(a, v, &cfg.seed);
        else {
            fprintf(stderr, "flexmac train: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (!data || !out) {
        fprintf(stderr, "flexmac train: --data and --out are required\n");
        usage(stderr);
        return 2;
    }

    fm_error err;
    fm_error_clear(&err);
    fm_preprocess pre;
    fm_preprocess_preset("unit", &pre);
    char train_spec[4096], test_spec[4096];
    idx_spec(data, "train", train_spec, sizeof train_spec);
    idx_spec(data, "t10k", test_spec, sizeof test_spec);
    fm_dataset *train = NULL, *test = NULL;
    fm_net *net = NULL;
    fm_graph *g = NULL;
    cJSON *root = json ? cJSON_CreateObject() : NULL;
    run_log log = {root ? cJSON_CreateArray() : NULL};
    fm_layer_spec layers[16];
    int n_layers = fm_lenet_layers(layers, 16);
    fm_train_result res;
    int rc = 1;

    fm_status st = fm_dataset_open(train_spec, &pre, &train, &err);
    if (st == FM_OK)
        st = fm_dataset_open(test_spec, &pre, &test, &err);
    if (st == FM_OK)
        st = fm_net_new(layers, n_layers, 1, 28, 28, cfg.seed, &net, &err);
    if (st == FM_OK) {
        printf("training LeNet-style CNN on %lld samples (test %lld): %d epochs, batch %d, "
               "lr %g cosine, momentum %g, wd %g, seed %llu, %d thread(s)\n",
               (long long)fm_dataset_count(train), (long long)fm_dataset_count(test), cfg.epochs,
               cfg.batch, (double)cfg.lr, (double)cfg.momentum, (double)cfg.weight_decay,
               (unsigned long long)cfg.seed, cfg.threads);
        fflush(stdout);
        cfg.progress = on_epoch;
        cfg.progress_ctx = &log;
        st = fm_train_run(net, train, test, &cfg, &res, &err);
    }
    if (st == FM_OK)
        st = fm_net_to_graph(net, &g, &err);
    if (st == FM_OK)
        st = fm_onnx_save(g, out, &err);
    if (st != FM_OK) {
        fprintf(stderr, "flexmac train: %s\n", err.msg);
    } else {
        printf("test accuracy %.2f%% after %d epochs in %.1f s; wrote %s\n", 100.0 * res.test_acc,
               res.epochs_run, res.seconds, out);
        rc = 0;
        if (root) {
            cJSON_AddStringToObject(root, "command", "train");
            cJSON_AddStringToObject(root, "data", data);
            cJSON_AddStringToObject(root, "out", out);
            cJSON_AddStringToObject(root, "architecture",
                                    "conv5x5(16,pad2)-relu-maxpool2-conv5x5(32)-relu-maxpool2-"
                                    "flatten-fc128-relu-fc10");
            cJSON_AddNumberToObject(root, "epochs", cfg.epochs);
            cJSON_AddNumberToObject(root, "batch", cfg.batch);
            cJSON_AddNumberToObject(root, "lr", short_float(cfg.lr));
            cJSON_AddStringToObject(root, "lr_schedule", "cosine");
            cJSON_AddNumberToObject(root, "momentum", short_float(cfg.momentum));
            cJSON_AddNumberToObject(root, "weight_decay", short_float(cfg.weight_decay));
            cJSON_AddNumberToObject(root, "seed", (double)cfg.seed);
            cJSON_AddNumberToObject(root, "threads", cfg.threads);
            cJSON_AddNumberToObject(root, "test_accuracy", res.test_acc);
            cJSON_AddNumberToObject(root, "train_loss", res.final_train_loss);
            cJSON_AddNumberToObject(root, "train_accuracy", res.final_train_acc);
            cJSON_AddNumberToObject(root, "seconds", res.seconds);
            cJSON_AddItemToObject(root, "per_epoch", log.epochs);
            log.epochs = NULL;
            if (write_json(json, root))
                rc = 1;
        }
    }
    cJSON_Delete(log.epochs);
    cJSON_Delete(root);
    fm_graph_free(g);
    fm_net_free(net);
    fm_dataset_close(train);
    fm_dataset_close(test);
    return rc;
}
