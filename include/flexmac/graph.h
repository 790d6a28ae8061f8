/* The graph IR every importer produces and every executor, the hardware
 * model and the search consume.
 *
 * A graph owns its tensors and nodes. Nodes are kept in topological order
 * (importers sort them). Tensors are referred to by index. After import and
 * folding a graph contains only the operators of fm_op: shape subgraphs are
 * constant-folded, BatchNormalization after a conv is folded into it. */
#ifndef FLEXMAC_GRAPH_H
#define FLEXMAC_GRAPH_H

#include "flexmac/status.h"
#include "flexmac/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FM_MAX_IO 8

typedef enum fm_op {
    FM_OP_CONV = 0,     /* in: x, W (O, I/group, kh, kw), [bias (O)] */
    FM_OP_GEMM,         /* in: x (N,K), W, [bias]; attrs trans_b, alpha, beta */
    FM_OP_MATMUL,       /* in: a, b */
    FM_OP_ADD,
    FM_OP_MUL,
    FM_OP_RELU,
    FM_OP_CLIP,         /* attrs clip.min/max */
    FM_OP_BATCHNORM,    /* unfolded BN: in x, scale, bias, mean, var */
    FM_OP_MAXPOOL,
    FM_OP_AVGPOOL,
    FM_OP_GLOBALAVGPOOL,
    FM_OP_MEAN,         /* mean over axes (TFLite MEAN), attrs reduce */
    FM_OP_FLATTEN,      /* attr axis */
    FM_OP_RESHAPE,      /* output shape from the output tensor */
    FM_OP_PAD,          /* constant padding, attrs pad */
    FM_OP_SLICE,        /* attrs slice (per axis, normalized) */
    FM_OP_CONCAT,       /* attr axis */
    FM_OP_TRANSPOSE,    /* attr perm */
    FM_OP_SOFTMAX,      /* attr axis */
    FM_OP_LRN,
    FM_OP_IDENTITY,     /* Dropout and Identity */
    FM_OP_QUANTIZE,     /* TFLite QUANTIZE: requantize between qparams */
    FM_OP_DEQUANTIZE,
    FM_OP_COUNT
} fm_op;

/* Activation fused into a node's output (TFLite fused RELU/RELU6, or a
 * Relu/Clip merged by an optimisation pass). */
typedef enum fm_fused_act {
    FM_ACT_NONE = 0,
    FM_ACT_RELU,
    FM_ACT_RELU6,
    FM_ACT_CLIP
} fm_fused_act;

typedef struct fm_conv_attr {
    int kh, kw;
    int sh, sw;
    int dh, dw;
    int pad_t, pad_l, pad_b, pad_r;
    int group;
} fm_conv_attr;

typedef struct fm_pool_attr {
    int kh, kw;
    int sh, sw;
    int pad_t, pad_l, pad_b, pad_r;
    int count_include_pad; /* AveragePool */
    int ceil_mode;
} fm_pool_attr;

typedef struct fm_node {
    char *name;             /* owned; importers synthesize one when absent */
    fm_op op;
    int n_in, n_out;
    int in[FM_MAX_IO];      /* tensor indices; -1 for an absent optional */
    int out[FM_MAX_IO];
    fm_fused_act act;
    float act_min, act_max; /* for FM_ACT_CLIP */
    union {
        fm_conv_attr conv;
        fm_pool_attr pool;
        struct { int trans_a, trans_b; float alpha, beta; } gemm;
        struct { int axis; } axis;      /* FLATTEN, CONCAT, SOFTMAX */
        struct { float min, max; } clip;
        struct { int64_t begin[FM_MAX_DIMS], end[FM_MAX_DIMS]; float value; } pad; /* per axis, elements before/after */
        struct { int64_t start[FM_MAX_DIMS], end[FM_MAX_DIMS], step[FM_MAX_DIMS]; } slice; /* every axis, clamped */
        struct { int perm[FM_MAX_DIMS]; } transpose;
        struct { int size; float alpha, beta, bias; } lrn;
        struct { float eps; } bn;
        struct { int axes_mask; int keepdims; } reduce; /* MEAN: bit a set = reduce axis a */
    } a;
} fm_node;

typedef enum fm_source_format { FM_SRC_NONE = 0, FM_SRC_ONNX, FM_SRC_TFLITE, FM_SRC_BUILTIN } fm_source_format;

typedef struct fm_graph {
    fm_tensor *tensors;
    int n_tensors, cap_tensors;
    fm_node *nodes;
    int n_nodes, cap_nodes;
    int input;              /* tensor index of the (single) graph input */
    int output;             /* tensor index of the (single) graph output */
    fm_source_format source;
    char *path;             /* owned; file the graph came from, or NULL */
} fm_graph;

fm_graph *fm_graph_new(void);
void fm_graph_free(fm_graph *g);

/* Adds a tensor; data (may be NULL) becomes owned by the graph. Returns the
 * index, or -1 on allocation failure (data is then freed). */
int fm_graph_add_tensor(fm_graph *g, const char *name, fm_dtype dtype, int ndim,
                        const int64_t *shape, void *data);
/* Appends a node with no inputs or outputs; returns it (valid until the next
 * add), or NULL on allocation failure. */
fm_node *fm_graph_add_node(fm_graph *g, fm_op op, const char *name);
int fm_graph_find_tensor(const fm_graph *g, const char *name);
/* Node index producing tensor t, or -1 (graph input or constant). */
int fm_graph_producer(const fm_graph *g, int t);
/* Number of nodes reading tensor t. */
int fm_graph_consumers(const fm_graph *g, int t);

const char *fm_op_name(fm_op op);
int fm_op_is_mac(fm_op op); /* CONV, GEMM, MATMUL: the layers arithmetic applies to */

/* Recomputes every non-constant tensor's shape from the graph input's.
 * Fails with FM_ERR_SHAPE naming the node when shapes do not fit. */
fm_status fm_graph_infer_shapes(fm_graph *g, fm_error *err);

/* Multiply-accumulates of one node for batch 1 (0 for non-MAC nodes), and
 * its parameter count (weights + biases). */
int64_t fm_node_macs(const fm_graph *g, const fm_node *n);
int64_t fm_node_params(const fm_graph *g, const fm_node *n);

#ifdef __cplusplus
}
#endif
#endif
