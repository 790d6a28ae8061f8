#include "cli/cli_util.h"

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
