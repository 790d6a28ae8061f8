/* Helpers shared by the CLI's sub-commands. Only the CLI prints. */
#ifndef FLEXMAC_CLI_UTIL_H
#define FLEXMAC_CLI_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "flexmac/data.h"
#include "flexmac/eval.h"
#include "flexmac/graph.h"

#define FM_CLI_USAGE_ERR 2

/* Prints "flexmac: MSG" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress bar on stderr, drawn only when stderr is a terminal. */
typedef struct cli_progress {
    const char *label;
    int enabled;
    double t0;
    int last_pct;
} cli_progress;
void cli_progress_init(cli_progress *p, const char *label);
void cli_progress_cb(void *ctx, int64_t done, int64_t total);
void cli_progress_done(cli_progress *p);

double cli_now(void);

/* Parses a non-negative integer option value; prints an error naming the
 * option and returns -1 when it is not one. */
long long cli_parse_count(const char *opt, const char *val);

/* Chooses preprocessing for model g unless `preset` names one: TFLite
 * models take raw uint8 pixels centre-cropped to their input; 1-channel
 * models pixel/255; 3-channel models the CIFAR normalisation of DATA.md. */
int cli_preprocess_for(const fm_graph *g, const char *preset, fm_preprocess *p);

/* Loads the model and opens the data set with the model's preprocessing
 * (or `preset`), checking that the shapes fit. Returns 0 on success, 1 on
 * an error (printed), FM_CLI_USAGE_ERR for an unknown preset. On failure
 * whatever was opened is closed again. */
int cli_open_model_data(const char *model, const char *data, const char *preset, fm_graph **g,
                        fm_preprocess *pp, fm_dataset **ds);

/* Activation ranges for g: a TFLite model's own quantization parameters,
 * else a calibration run (progress on stderr) on the first n samples of
 * calib_data. Says which on stdout. Errors are printed; returns 0 or 1. */
int cli_calibrate(const fm_graph *g, const fm_preprocess *pp, const char *calib_data, int64_t n,
                  fm_calib_method m, double percentile, fm_calib **out);

/* Default label offset: 1 for 1001-class models (class 0 = background). */
int cli_label_offset(const fm_graph *g);

/* Default location of the embedded model and its data. */
#define FM_DEFAULT_MODEL "models/fmnist_lenet.onnx"
#define FM_DEFAULT_DATA "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
#define FM_DEFAULT_CALIB "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"

#endif
