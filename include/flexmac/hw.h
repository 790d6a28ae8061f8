/* Accelerator model: cycles, memory traffic and energy of a DNN on a PE
 * array (FxP, bit-serial, Bit Fusion, Ax-BxP and ASM processing elements).
 *
 * An architecture is described by a JSON file (docs/hardware.md, files in hw/);
 * a network by a list of MAC layers (built-in shape lists or an fm_graph);
 * the arithmetic of every layer comes from an fm_net_arith. The compute
 * cycles of a plain systolic array follow SCALE-Sim's analytical model;
 * every other cost is derived in docs/hardware.md. */
#ifndef FLEXMAC_HW_H
#define FLEXMAC_HW_H

#include <stdint.h>
#include <stdio.h>

#include "flexmac/arith.h"
#include "flexmac/graph.h"
#include "flexmac/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- architecture ------------------------------------------------------ */

typedef enum fm_hw_dataflow {
    FM_DF_WS = 0, /* weight stationary */
    FM_DF_OS,     /* output stationary */
    FM_DF_IS      /* input stationary */
} fm_hw_dataflow;

typedef enum fm_hw_pe_type {
    FM_PE_FXP = 0,      /* fixed mult_bits x mult_bits multiplier (baseline) */
    FM_PE_BITSERIAL,    /* Stripes-like: activations bit-serial, `lanes` units */
    FM_PE_BITFUSION,    /* Bit Fusion-like: `bricks` fusable 2-bit bricks */
    FM_PE_AXBXP,        /* `multipliers` block multipliers of K x K bits */
    FM_PE_ASM_NEARMEM,  /* alphabet select/shift/add units beside the SRAM */
    FM_PE_ASM_INMEM,    /* select/shift/add in the SRAM periphery */
    FM_PE_TYPE_COUNT
} fm_hw_pe_type;

typedef struct fm_hw_pe {
    fm_hw_pe_type type;
    int mult_bits;          /* FXP: native multiplier width (8) */
    int lanes;              /* BITSERIAL: bit-serial MAC units per PE (8) */
    int brick_bits;         /* BITFUSION: brick width (2) */
    int bricks;             /* BITFUSION: bricks per fusion unit (16) */
    int K;                  /* AXBXP: block multiplier width (2) */
    int multipliers;        /* AXBXP: block multipliers per PE, M (4) */
    int quartet;            /* ASM: quartet size Q (4) */
    int max_alphabet;       /* ASM: largest alphabet the select unit takes (8) */
    int bank_neurons;       /* ASM: neurons sharing one input's multiples (16) */
    int quartets_per_cycle; /* ASM: quartets a unit handles per cycle (2 near, 1 in) */
    double weight_read_pj_per_bit; /* ASM: weight read inside the bank */
} fm_hw_pe;

/* One on-chip buffer; energies are per access of one word. */
typedef struct fm_hw_buffer {
    int64_t bytes;
    int word_bits;
    double read_pj, write_pj;
} fm_hw_buffer;

/* Energy table, already scaled to the architecture's node by fm_hw_arch_*. */
typedef struct fm_hw_energy {
    int node_nm;             /* node the numbers in the file were given for */
    double mult8_pj;         /* 8x8-bit integer multiply */
    double add32_pj;         /* 32-bit integer add (adders scale linearly) */
    double mux2_pj_per_bit;  /* one 2:1 multiplexer bit */
    double dram_pj_per_byte;
    double leakage_pj_per_cycle;
} fm_hw_energy;

typedef enum fm_hw_ds { FM_DS_IN = 0, FM_DS_W, FM_DS_OUT, FM_DS_COUNT } fm_hw_ds;

typedef struct fm_hw_arch {
    char name[64];
    int rows, cols;
    fm_hw_dataflow dataflow;
    fm_hw_pe pe;
    fm_hw_buffer buf[FM_DS_COUNT]; /* inputs, weights, outputs */
    int psum_bits;                 /* accumulator / partial-sum width (32) */
    double dram_bytes_per_cycle;
    double clock_mhz;
    int node_nm;                   /* target node; energies scaled to it */
    fm_hw_energy e;
} fm_hw_arch;

/* FxP8 16x16 weight-stationary array with the cited 45 nm energies
 * (hw/fxp8_16x16.json holds the same numbers). */
void fm_hw_arch_default(fm_hw_arch *a);
/* Parses an architecture JSON text; `name` (a file name) prefixes errors,
 * which name the offending field. Energies are scaled to node_nm. */
fm_status fm_hw_arch_parse(const char *json, const char *name, fm_hw_arch *out, fm_error *err);
fm_status fm_hw_arch_load(const char *path, fm_hw_arch *out, fm_error *err);
/* Range and consistency checks (also run by parse): positive sizes, known
 * PE type and dataflow, every buffer at least one rows x cols tile. */
fm_status fm_hw_arch_validate(const fm_hw_arch *a, const char *name, fm_error *err);
/* The same array, buffers and energy table with an FxP 8x8 PE. */
void fm_hw_arch_baseline(const fm_hw_arch *a, fm_hw_arch *out);
const char *fm_hw_pe_type_name(fm_hw_pe_type t);
const char *fm_hw_dataflow_name(fm_hw_dataflow d);

/* ---- workload ---------------------------------------------------------- */

/* One MAC layer as a (grouped) convolution; FC layers have R=S=E=F=H=W=1. */
typedef struct fm_hw_layer {
    char name[64];
    int M;          /* output channels (all groups) */
    int C;          /* input channels per group */
    int R, S;       /* kernel height, width */
    int H, W;       /* input height, width */
    int E, F;       /* output height, width */
    int stride;
    int groups;
    int mac_index;  /* index among the network's MAC layers */
} fm_hw_layer;

typedef struct fm_hw_net {
    char name[64];
    int n;
    fm_hw_layer *layers; /* owned */
} fm_hw_net;

int64_t fm_hw_layer_macs(const fm_hw_layer *l);
int64_t fm_hw_net_macs(const fm_hw_net *n);
/* Built-in ImageNet (224x224) shape lists: "alexnet", "vgg16", "resnet50",
 * "mobilenetv2". */
fm_status fm_hw_net_builtin(const char *name, fm_hw_net *out, fm_error *err);
/* NULL-terminated list of the built-in names. */
const char *const *fm_hw_builtin_names(void);
/* MAC layers (Conv, Gemm, MatMul) of a graph with inferred shapes. */
fm_status fm_hw_net_from_graph(const fm_graph *g, fm_hw_net *out, fm_error *err);
void fm_hw_net_free(fm_hw_net *n);

/* ---- PE cost of one MAC ------------------------------------------------ */

typedef struct fm_hw_mac_cost {
    int64_t cpm_num, cpm_den; /* PE cycles per MAC = num/den */
    int products;             /* block products / bricks / quartets per MAC */
    double mac_pj;            /* energy of one MAC in the PE */
    double per_input_pj;      /* per input activation element (leading-block detection) */
    double share_pj_per_mac;  /* ASM multiples precomputed per input, shared */
    double wbits, xbits;      /* bits stored per weight / activation, metadata included */
    double w_read_pj_per_bit; /* >= 0: weights read in-bank at this energy per bit; -1: buffer */
} fm_hw_mac_cost;

/* Cost of one MAC of layer arithmetic `la` on arch's PE; Mg = output
 * channels per group (the ASM sharing degree is bounded by it). */
fm_status fm_hw_mac_cost_of(const fm_hw_arch *a, const fm_layer_arith *la, int Mg,
                            fm_hw_mac_cost *out, fm_error *err);

/* ---- estimates --------------------------------------------------------- */

typedef struct fm_hw_energy_split {
    double mac, buffers, dram, leakage, total; /* pJ */
} fm_hw_energy_split;

typedef struct fm_hw_layer_result {
    char name[64];
    int64_t macs;
    int64_t Sr, Sc, T;        /* operand-matrix mapping of one group */
    int64_t folds;            /* ceil(Sr/R) * ceil(Sc/C) * groups */
    int64_t cpm_num, cpm_den; /* PE cycles per MAC */
    int64_t compute_cycles, stall_cycles, total_cycles;
    double map_util;          /* mapped PEs / PEs, averaged over folds */
    double util;              /* useful PE-cycles / (PEs * total cycles) */
    double wbits, xbits, obits;            /* stored bits per element */
    int64_t buf_reads[FM_DS_COUNT];        /* word accesses of each buffer */
    int64_t buf_writes[FM_DS_COUNT];
    double dram_bytes[FM_DS_COUNT];
    fm_hw_energy_split e;
    /* the FxP8 baseline on the same array */
    int64_t base_cycles;
    double base_energy;
} fm_hw_layer_result;

typedef struct fm_hw_totals {
    int64_t macs, compute_cycles, stall_cycles, total_cycles;
    int64_t buf_reads[FM_DS_COUNT], buf_writes[FM_DS_COUNT];
    double dram_bytes[FM_DS_COUNT];
    fm_hw_energy_split e;
    double util;
    double time_us; /* total_cycles at the clock */
} fm_hw_totals;

typedef struct fm_hw_result {
    char net[64], arch[64], arith[64];
    int n;
    fm_hw_layer_result *layers; /* owned */
    fm_hw_totals tot;
    fm_hw_totals base;          /* FxP8 on the same array */
    double speedup;             /* base cycles / cycles */
    double energy_ratio;        /* energy / base energy */
} fm_hw_result;

/* One layer under one arithmetic (no baseline fields). */
fm_status fm_hw_estimate_layer(const fm_hw_arch *a, const fm_hw_layer *l,
                               const fm_layer_arith *la, fm_hw_layer_result *out,
                               fm_error *err);
/* Whole network; arith NULL = FxP8 everywhere. Also runs the FxP8 baseline
 * on the same array and fills the ratios. */
fm_status fm_hw_estimate(const fm_hw_arch *a, const fm_hw_net *net, const fm_net_arith *arith,
                         fm_hw_result *out, fm_error *err);
void fm_hw_result_free(fm_hw_result *r);

/* DBR: the expected cost per input of a ladder of n passes, where reach[i]
 * is the fraction of inputs that run level i (reach[0] = 1, non-increasing);
 * an input pays the sum of the passes it took. */
fm_status fm_hw_dbr_expected(const fm_hw_totals *levels, const double *reach, int n,
                             fm_hw_totals *out, fm_error *err);

/* ---- reports ----------------------------------------------------------- */

/* Human-readable per-layer table and totals. */
void fm_hw_write_table(const fm_hw_result *r, FILE *f);
fm_status fm_hw_write_json(const fm_hw_result *r, const char *path, fm_error *err);
fm_status fm_hw_write_csv(const fm_hw_result *r, const char *path, fm_error *err);
/* SVG: stacked bars of energy per layer by component, and per-layer speed-up. */
fm_status fm_hw_write_svg(const fm_hw_result *r, const char *path, fm_error *err);

#ifdef __cplusplus
}
#endif
#endif
