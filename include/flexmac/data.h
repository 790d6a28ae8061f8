/* Data set readers, streamed: a data set is opened once and samples are
 * decoded on demand by index, so large image folders never sit whole in
 * memory. Samples come out as float CHW (semantic layout of the IR).
 *
 * Thread safety: an open fm_dataset is read-only after fm_dataset_open, so
 * fm_dataset_read / fm_dataset_read_range may run concurrently from several
 * threads on the same data set (each call owns its decode buffers; files are
 * opened per sample or read with pread). Open and close are not concurrent
 * with anything else on the same data set. */
#ifndef FLEXMAC_DATA_H
#define FLEXMAC_DATA_H

#include <stddef.h>
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

/* Details of the steps above:
 *  - grey from RGB is 0.299 R + 0.587 G + 0.114 B (float, not rounded); grey
 *    to RGB repeats the value; PNG alpha is dropped (not composited);
 *  - resize: the shorter side becomes `resize`, the longer side
 *    floor(resize * long / short) (as torchvision); bilinear with half-pixel
 *    centres, edge samples clamped, no antialiasing; resized values are not
 *    rounded back to integers;
 *  - centre crop offset is floor((size - crop) / 2) (227 -> 224 drops 1 row
 *    on top, 2 at the bottom); crop_h or crop_w may be 0 = keep that side;
 *    a crop larger than the (resized) image is an error;
 *  - all samples must come out the same size: images whose size differs from
 *    the first one's are accepted only when resize/crop bring them to it.
 * std[c] must be nonzero for every channel used. */

/* Presets: "raw" (pixel values 0..255 unchanged), "unit" (pixel/255),
 * "cifar" (pixel/255, ImageNet mean/std as DATA.md says, 3 channels),
 * "imagenet-uint8" (raw 0..255 values, 3 channels; the caller sets resize and
 * crop for the model). "unit" and "cifar" use scale = 1.0f/255, so a value is
 * pixel * (1/255), which can differ in the last bit from pixel / 255.
 * Returns 0 for an unknown name. */
int fm_preprocess_preset(const char *name, fm_preprocess *p);

/* spec is one of:
 *   DIR                      folder of class sub-folders of PNG/JPEG images
 *                            (classes = sub-folder names in sorted order,
 *                            unless DIR/classes.txt lists them one a line);
 *                            files sorted by name within a class; samples in
 *                            class-major order; label = class index. The
 *                            image type is taken from the file's magic bytes
 *                            (names ending .png/.jpg/.jpeg, any case, are
 *                            listed);
 *   IMAGES-idx3-ubyte[.gz]   IDX images; the labels file is found by
 *                            replacing "images-idx3" with "labels-idx1";
 *   PREFIX                   IDX pair PREFIX-images-idx3-ubyte[.gz] and
 *                            PREFIX-labels-idx1-ubyte[.gz], e.g.
 *                            "/usr/share/datasets/fashion-mnist/train" or
 *                            ".../fashion-mnist/t10k";
 *   idx:IMAGES,LABELS        explicit IDX pair;
 *   LIST.txt                 lines "FILE, LABEL" relative to the list's folder
 *                            (blank lines and lines starting '#' skipped);
 *                            num_classes = lines of classes.txt or
 *                            synset_words.txt next to the list if present,
 *                            else max label + 1;
 *   X.npy[,Y.npy]            NumPy arrays (N,C,H,W) with C 1 or 3, or (N,H,W),
 *                            dtype '<f4' or '|u1', C order; labels (N,) of
 *                            '<i8', '<i4' or '|u1'. Without Y.npy labels
 *                            read as -1 and num_classes is 0.
 * IDX files are gzip or plain (zlib reads both). IDX and label arrays are
 * held in memory (IDX sets are small); image files and .npy images are read
 * per sample. num_classes for IDX and npy is max label + 1.
 * p may be NULL (= "raw"). */
fm_status fm_dataset_open(const char *spec, const fm_preprocess *p, fm_dataset **out,
                          fm_error *err);
void fm_dataset_close(fm_dataset *ds);

int64_t fm_dataset_count(const fm_dataset *ds);
/* Shape of one preprocessed sample (C, H, W). */
void fm_dataset_shape(const fm_dataset *ds, int *c, int *h, int *w);
int fm_dataset_num_classes(const fm_dataset *ds);
/* Name of class c for image folders (sub-folder or classes.txt name), NULL
 * otherwise or when c is out of range. Valid until fm_dataset_close. */
const char *fm_dataset_class_name(const fm_dataset *ds, int c);
/* Writes a human name of sample i (its file, or "FILE[i]" for IDX/npy) into
 * buf and returns buf; for messages. */
const char *fm_dataset_sample_name(const fm_dataset *ds, int64_t i, char *buf, size_t n);

/* Decodes samples idx[0..n) into x (n * C*H*W floats) and labels (n, may be
 * NULL). A corrupt file fails naming it; an index outside [0, count) is
 * FM_ERR_INVALID. On error x may be partly written. */
fm_status fm_dataset_read(fm_dataset *ds, const int64_t *idx, int n, float *x,
                          int32_t *labels, fm_error *err);
/* Same for the contiguous range [start, start+n). */
fm_status fm_dataset_read_range(fm_dataset *ds, int64_t start, int n, float *x,
                                int32_t *labels, fm_error *err);

#ifdef __cplusplus
}
#endif
#endif
