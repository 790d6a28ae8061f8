/* State shared by the TFLite importer's files: the model being read and the
 * map from TFLite tensor indices to IR tensor indices. */
#ifndef FLEXMAC_TFLITE_INTERNAL_H
#define FLEXMAC_TFLITE_INTERNAL_H

#include "flexmac/graph.h"
#include "import/tflite_schema.h"

/* How a 4-D TFLite tensor is laid out in the IR (other ranks keep theirs). */
typedef enum tfl_role {
    TFL_ROLE_NONE = 0, /* not created yet */
    TFL_ROLE_ACT,      /* NHWC activation -> [N,C,H,W] */
    TFL_ROLE_CONV_W,   /* OHWI conv filter -> OIHW */
    TFL_ROLE_DW_W      /* [1,kh,kw,C*mult] depthwise filter -> [C*mult,1,kh,kw] */
} tfl_role;

typedef struct tfl_ctx {
    const char *path;
    fb_buf b;
    tfl_model m;
    tfl_subgraph sg;
    uint32_t n_tensors;
    int *ir;       /* TFLite tensor -> IR tensor, -1 when not created */
    tfl_role *role; /* role each created tensor got */
    fm_graph *g;
} tfl_ctx;

/* IR tensor for TFLite tensor idx laid out for role (created on first use,
 * with its data transposed and its qparams' axis remapped). */
fm_status tfl_get_tensor(tfl_ctx *c, int32_t idx, tfl_role role, int *ir, fm_error *err);
/* Values of a small constant INT32/INT64 tensor (PAD paddings, MEAN axes). */
fm_status tfl_const_ints(tfl_ctx *c, int32_t idx, int64_t *vals, int max, int *n, fm_error *err);
/* Adds IR nodes for operator i. */
fm_status tfl_map_operator(tfl_ctx *c, uint32_t i, fm_error *err);

/* NHWC axis -> NCHW axis for 4-D tensors. */
static inline int tfl_nhwc_axis(int a)
{
    static const int map[4] = {0, 2, 3, 1};
    return (a >= 0 && a < 4) ? map[a] : a;
}

#endif
