#include "cli/cli_util.h"

#include "flexmac/import.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("flexmac: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_progress_init(cli_progress *p, const char *label)
{
    p->label = label;
    p->enabled = isatty(STDERR_FILENO);
    p->t0 = cli_now();
    p->last_pct = -1;
}

void cli_progress_cb(void *ctx, int64_t done, int64_t total)
{
    cli_progress *p = ctx;
    if (!p->enabled || total <= 0)
        return;
    int pct = (int)(100 * done / total);
    if (pct == p->last_pct)
        return;
    p->last_pct = pct;
    double dt = cli_now() - p->t0;
    char bar[31];
    int fill = pct * 30 / 100;
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '=' : ' ';
    bar[30] = '\0';
    fprintf(stderr, "\r%-14s [%s] %3d%% %lld/%lld  %.0f samples/s", p->label ? p->label : "", bar, pct,
            (long long)done, (long long)total, dt > 0 ? (double)done / dt : 0.0);
    fflush(stderr);
}

void cli_progress_done(cli_progress *p)
{
    if (p->enabled && p->last_pct >= 0) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

long long cli_parse_count(const char *opt, const char *val)
{
    char *end;
    errno = 0;
    long long v = strtoll(val, &end, 10);
    if (errno || end == val || *end || v < 0) {
        cli_error("%s: expected a non-negative integer, got '%s'", opt, val);
        return -1;
    }
    return v;
}

int cli_preprocess_for(const fm_graph *g, const char *preset, fm_preprocess *p)
{
    const fm_tensor *in = &g->tensors[g->input];
    int c = in->ndim == 4 ? (int)in->shape[1] : 1;
    if (preset)
        return fm_preprocess_preset(preset, p);
    if (g->source == FM_SRC_TFLITE) {
        fm_preprocess_preset("raw", p);
        p->channels = 3;
        p->crop_h = (int)in->shape[2];
        p->crop_w = (int)in->shape[3];
        /* DATA.md: 227-pixel images are cropped to 224 directly, resized
         * first for the smaller models (to size / 0.875, the usual ratio) */
        if (in->shape[2] < 200)
            p->resize = (int)(in->shape[2] / 0.875 + 0.5);
        return 1;
    }
    int ok = fm_preprocess_preset(c == 1 ? "unit" : "cifar", p);
    p->channels = c;
    return ok;
}

int cli_label_offset(const fm_graph *g)
{
    const fm_tensor *out = &g->tensors[g->output];
    return out->shape[out->ndim - 1] == 1001 ? 1 : 0;
}

int cli_open_model_data(const char *model, const char *data, const char *preset, fm_graph **g,
                        fm_preprocess *pp, fm_dataset **ds)
{
    fm_error err;
    *g = NULL;
    *ds = NULL;
    if (fm_model_load(model, g, &err) != FM_OK) {
        cli_error("%s", err.msg);
        return 1;
    }
    if (!cli_preprocess_for(*g, preset, pp)) {
        cli_error("--preprocess: unknown preset '%s'", preset);
        fm_graph_free(*g);
        *g = NULL;
        return FM_CLI_USAGE_ERR;
    }
    if (fm_dataset_open(data, pp, ds, &err) != FM_OK || fm_eval_check_shapes(*g, *ds, data, &err) != FM_OK) {
        cli_error("%s", err.msg);
        fm_dataset_close(*ds);
        fm_graph_free(*g);
        *ds = NULL;
        *g = NULL;
        return 1;
    }
    return 0;
}

int cli_calibrate(const fm_graph *g, const fm_preprocess *pp, const char *calib_data, int64_t n,
                  fm_calib_method m, double percentile, fm_calib **out)
{
    fm_error err;
    fm_dataset *cds = NULL;
    if (g->source == FM_SRC_TFLITE) { /* a quantized model carries its own ranges */
        if (fm_calib_from_qparams(g, out, &err) != FM_OK) {
            cli_error("%s", err.msg);
            return 1;
        }
        printf("calibration: the model's own quantization parameters\n");
        return 0;
    }
    if (fm_dataset_open(calib_data, pp, &cds, &err) != FM_OK ||
        fm_eval_check_shapes(g, cds, calib_data, &err) != FM_OK) {
        cli_error("%s", err.msg);
        fm_dataset_close(cds);
        return 1;
    }
    cli_progress pc;
    cli_progress_init(&pc, "calibrating");
    double t0 = cli_now();
    fm_status st = fm_calibrate(g, cds, n, m, percentile, out, &err);
    cli_progress_done(&pc);
    fm_dataset_close(cds);
    if (st != FM_OK) {
        cli_error("%s", err.msg);
        return 1;
    }
    printf("calibration: %lld samples of %s (%s), %.1f s\n", (long long)fm_calib_samples(*out), calib_data,
           m == FM_CALIB_MINMAX ? "min/max" : "percentile", cli_now() - t0);
    return 0;
}
