/* Data set readers, streamed: a data set is opened once and samples are
 * decoded on demand by index, so large image folders never sit whole in
 * memory. Samples come out as float CHW (semantic layout of the IR). */
#ifndef FLEXMAC_DATA_H
#define FLEXMAC_DATA_H

#include <stdint.h>

#include "flexmac/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fm_dataset fm_dataset;

/* Preprocessing applied to every sample: optional resize of the shorter side
 * to `resize` pixels (0 = none), centre crop to crop_h x crop_w (0 = none),
 * then value = (pixel * scale - mean[c]) / std[c] with pixel in 0..255.
 * channels: 1 or 3 forces grey/RGB conversion (0 = native). */
typedef struct fm_preprocess {
    int channels;
    int resize;
    int crop_h, crop_w;
    float scale;
    float mean[3];
    float std[3];
} fm_preprocess;

/* Presets: "raw" (pixel values 0..255 unchanged), "unit" (pixel/255),
 * "cifar" (pixel/255, ImageNet mean/std as DATA.md says). Returns 0 for an
 * unknown name. */
int fm_preprocess_preset(const char *name, fm_preprocess *p);

/* spec is one of:
 *   DIR                      folder of class sub-folders of PNG/JPEG images
 *                            (classes = sub-folder names in sorted order,
 *                            unless DIR/classes.txt lists them);
 *   IMAGES-idx3-ubyte[.gz]   IDX images; the labels file is found by
 *                            replacing "images-idx3" with "labels-idx1";
 *   idx:IMAGES,LABELS        explicit IDX pair;
 *   LIST.txt                 lines "FILE, LABEL" relative to the list's folder;
 *   X.npy[,Y.npy]            NumPy arrays (N,C,H,W) or (N,H,W) float32/uint8
 *                            with int labels.
 * p may be NULL (= "raw"). */
fm_status fm_dataset_open(const char *spec, const fm_preprocess *p, fm_dataset **out,
                          fm_error *err);
void fm_dataset_close(fm_dataset *ds);

int64_t fm_dataset_count(const fm_dataset *ds);
/* Shape of one preprocessed sample (C, H, W). */
void fm_dataset_shape(const fm_dataset *ds, int *c, int *h, int *w);
int fm_dataset_num_classes(const fm_dataset *ds);

/* Decodes samples idx[0..n) into x (n * C*H*W floats) and labels (n, may be
 * NULL). A corrupt file fails naming it. */
fm_status fm_dataset_read(fm_dataset *ds, const int64_t *idx, int n, float *x,
                          int32_t *labels, fm_error *err);
/* Same for the contiguous range [start, start+n). */
fm_status fm_dataset_read_range(fm_dataset *ds, int64_t start, int n, float *x,
                                int32_t *labels, fm_error *err);

#ifdef __cplusplus
}
#endif
#endif
