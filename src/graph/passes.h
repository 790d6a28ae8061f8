/* Graph passes shared by the importers (private to the library).
 *
 * Importers build a graph node by node and need the shape of each new
 * node's output at once (Reshape resolving -1, SAME padding, Slice
 * clamping all depend on the input's shape), so per-node shape inference is
 * exposed here besides the whole-graph fm_graph_infer_shapes of graph.h. */
#ifndef FLEXMAC_GRAPH_PASSES_H
#define FLEXMAC_GRAPH_PASSES_H

#include "flexmac/graph.h"

/* Computes the output shape of node g->nodes[i] from its inputs' shapes and
 * stores it in the output tensor (FM_OP_RESHAPE keeps the stored shape and
 * only checks the element count). FM_ERR_SHAPE names the node. */
fm_status fm_node_infer_shape(fm_graph *g, int i, fm_error *err);

/* Numpy/ONNX multidirectional broadcast of two shapes. Returns 0 and fills
 * out/nout, or -1 when a pair of dims is neither equal nor 1. */
int fm_broadcast_shape(int na, const int64_t *a, int nb, const int64_t *b, int *nout,
                       int64_t *out);

/* Reorders g->nodes so every node comes after the producers of its inputs
 * (stable: already-sorted graphs keep their order). FM_ERR_FORMAT on a cycle
 * or an input that nothing produces. */
fm_status fm_graph_topo_sort(fm_graph *g, fm_error *err);

/* Removes FM_OP_IDENTITY nodes, pointing their consumers at their input. */
fm_status fm_graph_eliminate_identity(fm_graph *g, fm_error *err);

/* Folds FM_OP_BATCHNORM into the FM_OP_CONV producing its input when that
 * conv output has exactly one consumer and constant weights; other BNs stay. */
fm_status fm_graph_fold_batchnorm(fm_graph *g, fm_error *err);

/* Removes nodes that do not contribute to g->output, then tensors no node,
 * nor the graph input/output, refers to (indices are renumbered). */
fm_status fm_graph_drop_unused(fm_graph *g, fm_error *err);

#endif
