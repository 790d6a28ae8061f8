/* Architecture descriptions: JSON parsing, validation, technology scaling.
 * Schema and the source of every default number: docs/hardware.md. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/hw.h"
#include "util/file.h"

static const char *pe_names[FM_PE_TYPE_COUNT] = {"fxp", "bitserial", "bitfusion",
                                                 "axbxp", "asm_nearmem", "asm_inmem"};
static const char *df_names[3] = {"ws", "os", "is"};
static const char *ds_names[FM_DS_COUNT] = {"inputs", "weights", "outputs"};

const char *fm_hw_pe_type_name(fm_hw_pe_type t)
{
    return (unsigned)t < FM_PE_TYPE_COUNT ? pe_names[t] : "?";
}

const char *fm_hw_dataflow_name(fm_hw_dataflow d) { return (unsigned)d < 3 ? df_names[d] : "?"; }

/* PE parameters that a file may leave out (docs/hardware.md, "PE types"). */
static void pe_defaults(fm_hw_pe *p, fm_hw_pe_type t)
{
    memset(p, 0, sizeof *p);
    p->type = t;
    p->mult_bits = 8;
    p->lanes = 8;
    p->brick_bits = 2;
    p->bricks = 16;
    p->K = 2;
    p->multipliers = 4;
    p->quartet = 4;
    p->max_alphabet = 8;
    p->bank_neurons = 16;
    /* near-memory units take a whole 8-bit weight (2 quartets) per cycle;
     * in-memory units one quartet per bit-line cycle */
    p->quartets_per_cycle = t == FM_PE_ASM_INMEM ? 1 : 2;
    /* 8 KB bank read, 10 pJ per 64 bits (Horowitz 2014); in-memory halves
     * it (assumption: no data leaves the bank, only sense amplifiers fire) */
    p->weight_read_pj_per_bit = t == FM_PE_ASM_INMEM ? 10.0 / 64 / 2 : 10.0 / 64;
}

void fm_hw_arch_default(fm_hw_arch *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "fxp8_16x16");
    a->rows = a->cols = 16;
    a->dataflow = FM_DF_WS;
    pe_defaults(&a->pe, FM_PE_FXP);
    for (int d = 0; d < FM_DS_COUNT; d++) {
        /* 32 KB, 64-bit words: Horowitz's 32 KB cache, 20 pJ per 64-bit access */
        a->buf[d].bytes = 32768;
        a->buf[d].word_bits = 64;
        a->buf[d].read_pj = 20.0;
        a->buf[d].write_pj = 20.0;
    }
    a->psum_bits = 32;
    a->dram_bytes_per_cycle = 16;
    a->clock_mhz = 1000;
    a->node_nm = 45;
    a->e.node_nm = 45;
    a->e.mult8_pj = 0.2;
    a->e.add32_pj = 0.1;
    a->e.mux2_pj_per_bit = 0.1 / 32 / 4;
    a->e.dram_pj_per_byte = 1300.0 / 8;
    a->e.leakage_pj_per_cycle = 10.0;
}

void fm_hw_arch_baseline(const fm_hw_arch *a, fm_hw_arch *out)
{
    *out = *a;
    pe_defaults(&out->pe, FM_PE_FXP);
    out->pe.mult_bits = 8;
}

/* ---- validation -------------------------------------------------------- */

fm_status fm_hw_arch_validate(const fm_hw_arch *a, const char *name, fm_error *err)
{
    const char *n = name ? name : "architecture";
#define POS(v, field)                                                                        \
    if (!((v) > 0))                                                                          \
        return fm_error_set(err, FM_ERR_INVALID, "%s: field '%s' must be positive (got %g)", \
                            n, field, (double)(v));
    POS(a->rows, "array.rows");
    POS(a->cols, "array.cols");
    if (a->rows > 65536 || a->cols > 65536)
        return fm_error_set(err, FM_ERR_INVALID,
                            "%s: field 'array.rows'/'array.cols' above 65536", n);
    if ((unsigned)a->dataflow > FM_DF_IS)
        return fm_error_set(err, FM_ERR_INVALID, "%s: field 'array.dataflow' unknown", n);
    if ((unsigned)a->pe.type >= FM_PE_TYPE_COUNT)
        return fm_error_set(err, FM_ERR_INVALID, "%s: field 'pe.type' unknown", n);
    POS(a->psum_bits, "psum_bits");
    if (a->psum_bits > 64)
        return fm_error_set(err, FM_ERR_INVALID, "%s: field 'psum_bits' above 64", n);
    POS(a->dram_bytes_per_cycle, "dram.bytes_per_cycle");
    POS(a->clock_mhz, "clock_mhz");
    /* bounds that keep cycle counts finite in int64 */
    if (a->dram_bytes_per_cycle < 1e-6 || a->dram_bytes_per_cycle > 1e12)
        return fm_error_set(err, FM_ERR_INVALID,
                            "%s: field 'dram.bytes_per_cycle' outside 1e-6..1e12", n);
    if (!isfinite(a->clock_mhz) || a->clock_mhz < 1e-6 || a->clock_mhz > 1e9)
        return fm_error_set(err, FM_ERR_INVALID, "%s: field 'clock_mhz' outside 1e-6..1e9", n);
    POS(a->node_nm, "node_nm");
    POS(a->e.node_nm, "energy.node_nm");
    const fm_hw_pe *p = &a->pe;
    switch (p->type) {
    case FM_PE_FXP:
        POS(p->mult_bits, "pe.mult_bits");
        if (p->mult_bits > 32)
            return fm_error_set(err, FM_ERR_INVALID, "%s: field 'pe.mult_bits' above 32", n);
        break;
    case FM_PE_BITSERIAL: POS(p->lanes, "pe.lanes"); break;
    case FM_PE_BITFUSION:
        POS(p->brick_bits, "pe.brick_bits");
        POS(p->bricks, "pe.bricks");
        break;
    case FM_PE_AXBXP:
        POS(p->K, "pe.K");
        POS(p->multipliers, "pe.multipliers");
        if (p->K > 16)
            return fm_error_set(err, FM_ERR_INVALID, "%s: field 'pe.K' above 16", n);
        break;
    case FM_PE_ASM_NEARMEM:
    case FM_PE_ASM_INMEM:
        POS(p->quartet, "pe.quartet");
        if (p->quartet > 8)
            return fm_error_set(err, FM_ERR_INVALID, "%s: field 'pe.quartet' above 8", n);
        POS(p->max_alphabet, "pe.max_alphabet");
        POS(p->bank_neurons, "pe.bank_neurons");
        POS(p->quartets_per_cycle, "pe.quartets_per_cycle");
        if (!(p->weight_read_pj_per_bit >= 0) || !isfinite(p->weight_read_pj_per_bit))
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: field 'pe.weight_read_pj_per_bit' must not be negative", n);
        break;
    default: break;
    }
    /* one tile = the rows x cols operands of one fold: 8-bit inputs and
     * weights, psum_bits outputs */
    int64_t tile = (int64_t)a->rows * a->cols;
    for (int d = 0; d < FM_DS_COUNT; d++) {
        const fm_hw_buffer *b = &a->buf[d];
        const char *bn = ds_names[d];
        if (b->bytes <= 0)
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: field 'buffers.%s.bytes' must be positive (got %lld)", n, bn,
                                (long long)b->bytes);
        if (b->word_bits <= 0)
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: field 'buffers.%s.word_bits' must be positive (got %d)", n,
                                bn, b->word_bits);
        if (!(b->read_pj >= 0) || !isfinite(b->read_pj))
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: field 'buffers.%s.read_pj' must be a finite number >= 0", n,
                                bn);
        if (!(b->write_pj >= 0) || !isfinite(b->write_pj))
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: field 'buffers.%s.write_pj' must be a finite number >= 0", n,
                                bn);
        int64_t need = d == FM_DS_OUT ? tile * a->psum_bits / 8 : tile;
        if (b->bytes < need)
            return fm_error_set(err, FM_ERR_INVALID,
                                "%s: field 'buffers.%s.bytes' = %lld is smaller than one %dx%d "
                                "tile (%lld bytes)",
                                n, bn, (long long)b->bytes, a->rows, a->cols, (long long)need);
    }
    const struct { double v; const char *f; } en[] = {
        {a->e.mult8_pj, "energy.mult8_pj"},
        {a->e.add32_pj, "energy.add32_pj"},
        {a->e.mux2_pj_per_bit, "energy.mux2_pj_per_bit"},
        {a->e.dram_pj_per_byte, "energy.dram_pj_per_byte"},
        {a->e.leakage_pj_per_cycle, "energy.leakage_pj_per_cycle"}};
    for (size_t i = 0; i < sizeof en / sizeof en[0]; i++)
        if (!(en[i].v >= 0) || !isfinite(en[i].v))
            return fm_error_set(err, FM_ERR_INVALID, "%s: field '%s' must be a finite number >= 0",
                                n, en[i].f);
#undef POS
    return FM_OK;
}

/* ---- JSON -------------------------------------------------------------- */

typedef struct jctx {
    const char *file;
    fm_error *err;
} jctx;

static const cJSON *jget(jctx *c, const cJSON *obj, const char *path, const char *key,
                         int required, fm_status *st)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v && required)
        *st = fm_error_set(c->err, FM_ERR_FORMAT, "%s: missing field '%s%s%s'", c->file, path,
                           *path ? "." : "", key);
    return v;
}

/* Reads a number field into *dst; absent and optional keeps *dst. */
static fm_status jnum(jctx *c, const cJSON *obj, const char *path, const char *key,
                      int required, double *dst)
{
    fm_status st = FM_OK;
    const cJSON *v = jget(c, obj, path, key, required, &st);
    if (st)
        return st;
    if (!v)
        return FM_OK;
    if (!cJSON_IsNumber(v))
        return fm_error_set(c->err, FM_ERR_FORMAT, "%s: field '%s%s%s' must be a number", c->file,
                            path, *path ? "." : "", key);
    *dst = v->valuedouble;
    return FM_OK;
}

static fm_status jint(jctx *c, const cJSON *obj, const char *path, const char *key,
                      int required, int *dst)
{
    double d = *dst;
    fm_status st = jnum(c, obj, path, key, required, &d);
    if (st)
        return st;
    if (d != floor(d) || d < -2147483647.0 || d > 2147483647.0)
        return fm_error_set(c->err, FM_ERR_FORMAT, "%s: field '%s%s%s' must be an integer",
                            c->file, path, *path ? "." : "", key);
    *dst = (int)d;
    return FM_OK;
}

static fm_status jstr(jctx *c, const cJSON *obj, const char *path, const char *key,
                      int required, const char **dst)
{
    fm_status st = FM_OK;
    const cJSON *v = jget(c, obj, path, key, required, &st);
    if (st)
        return st;
    if (!v)
        return FM_OK;
    if (!cJSON_IsString(v))
        return fm_error_set(c->err, FM_ERR_FORMAT, "%s: field '%s%s%s' must be a string", c->file,
                            path, *path ? "." : "", key);
    *dst = v->valuestring;
    return FM_OK;
}

static fm_status jobj(jctx *c, const cJSON *obj, const char *path, const char *key,
                      const cJSON **dst)
{
    fm_status st = FM_OK;
    const cJSON *v = jget(c, obj, path, key, 1, &st);
    if (st)
        return st;
    if (!cJSON_IsObject(v))
        return fm_error_set(c->err, FM_ERR_FORMAT, "%s: field '%s%s%s' must be an object",
                            c->file, path, *path ? "." : "", key);
    *dst = v;
    return FM_OK;
}

#define TRY(x)                                                                               \
    do {                                                                                     \
        fm_status st_ = (x);                                                                 \
        if (st_)                                                                             \
            return st_;                                                                      \
    } while (0)

static fm_status parse_pe(jctx *c, const cJSON *pe, fm_hw_pe *p)
{
    const char *type = NULL;
    TRY(jstr(c, pe, "pe", "type", 1, &type));
    int t = -1;
    for (int i = 0; i < FM_PE_TYPE_COUNT; i++)
        if (strcmp(type, pe_names[i]) == 0)
            t = i;
    if (t < 0)
        return fm_error_set(c->err, FM_ERR_INVALID,
                            "%s: field 'pe.type': unknown PE type '%s' (fxp, bitserial, "
                            "bitfusion, axbxp, asm_nearmem, asm_inmem)",
                            c->file, type);
    pe_defaults(p, (fm_hw_pe_type)t);
    TRY(jint(c, pe, "pe", "mult_bits", 0, &p->mult_bits));
    TRY(jint(c, pe, "pe", "lanes", 0, &p->lanes));
    TRY(jint(c, pe, "pe", "brick_bits", 0, &p->brick_bits));
    TRY(jint(c, pe, "pe", "bricks", 0, &p->bricks));
    TRY(jint(c, pe, "pe", "K", 0, &p->K));
    TRY(jint(c, pe, "pe", "multipliers", 0, &p->multipliers));
    TRY(jint(c, pe, "pe", "quartet", 0, &p->quartet));
    TRY(jint(c, pe, "pe", "max_alphabet", 0, &p->max_alphabet));
    TRY(jint(c, pe, "pe", "bank_neurons", 0, &p->bank_neurons));
    TRY(jint(c, pe, "pe", "quartets_per_cycle", 0, &p->quartets_per_cycle));
    TRY(jnum(c, pe, "pe", "weight_read_pj_per_bit", 0, &p->weight_read_pj_per_bit));
    return FM_OK;
}

static fm_status parse_root(jctx *c, const cJSON *root, fm_hw_arch *a)
{
    if (!cJSON_IsObject(root))
        return fm_error_set(c->err, FM_ERR_FORMAT, "%s: top level must be a JSON object", c->file);
    memset(a, 0, sizeof *a);
    const char *name = NULL;
    TRY(jstr(c, root, "", "name", 0, &name));
    snprintf(a->name, sizeof a->name, "%s", name ? name : "arch");

    const cJSON *arr, *pe, *bufs, *dram, *en;
    TRY(jobj(c, root, "", "array", &arr));
    TRY(jint(c, arr, "array", "rows", 1, &a->rows));
    TRY(jint(c, arr, "array", "cols", 1, &a->cols));
    const char *df = NULL;
    TRY(jstr(c, arr, "array", "dataflow", 1, &df));
    int d = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(df, df_names[i]) == 0)
            d = i;
    if (d < 0)
        return fm_error_set(c->err, FM_ERR_INVALID,
                            "%s: field 'array.dataflow': unknown dataflow '%s' (ws, os, is)",
                            c->file, df);
    a->dataflow = (fm_hw_dataflow)d;

    TRY(jobj(c, root, "", "pe", &pe));
    TRY(parse_pe(c, pe, &a->pe));

    TRY(jobj(c, root, "", "buffers", &bufs));
    for (int i = 0; i < FM_DS_COUNT; i++) {
        const cJSON *b;
        char path[32];
        snprintf(path, sizeof path, "buffers.%s", ds_names[i]);
        TRY(jobj(c, bufs, "buffers", ds_names[i], &b));
        double bytes = 0;
        TRY(jnum(c, b, path, "bytes", 1, &bytes));
        if (bytes > 1e15 || bytes < -1e15)
            return fm_error_set(c->err, FM_ERR_INVALID, "%s: field '%s.bytes' out of range",
                                c->file, path);
        a->buf[i].bytes = (int64_t)bytes;
        TRY(jint(c, b, path, "word_bits", 1, &a->buf[i].word_bits));
        TRY(jnum(c, b, path, "read_pj", 1, &a->buf[i].read_pj));
        TRY(jnum(c, b, path, "write_pj", 1, &a->buf[i].write_pj));
    }
    a->psum_bits = 32;
    TRY(jint(c, root, "", "psum_bits", 0, &a->psum_bits));
    TRY(jobj(c, root, "", "dram", &dram));
    TRY(jnum(c, dram, "dram", "bytes_per_cycle", 1, &a->dram_bytes_per_cycle));
    TRY(jnum(c, root, "", "clock_mhz", 1, &a->clock_mhz));

    TRY(jobj(c, root, "", "energy", &en));
    TRY(jint(c, en, "energy", "node_nm", 1, &a->e.node_nm));
    TRY(jnum(c, en, "energy", "mult8_pj", 1, &a->e.mult8_pj));
    TRY(jnum(c, en, "energy", "add32_pj", 1, &a->e.add32_pj));
    TRY(jnum(c, en, "energy", "mux2_pj_per_bit", 1, &a->e.mux2_pj_per_bit));
    TRY(jnum(c, en, "energy", "dram_pj_per_byte", 1, &a->e.dram_pj_per_byte));
    TRY(jnum(c, en, "energy", "leakage_pj_per_cycle", 1, &a->e.leakage_pj_per_cycle));
    a->node_nm = a->e.node_nm;
    TRY(jint(c, root, "", "node_nm", 0, &a->node_nm));
    return FM_OK;
}

/* First-order node scaling (docs/hardware.md): on-chip dynamic energy and
 * leakage scale with the feature size at constant voltage; the off-chip
 * DRAM interface does not scale. */
static void scale_to_node(fm_hw_arch *a)
{
    double s = (double)a->node_nm / a->e.node_nm;
    a->e.mult8_pj *= s;
    a->e.add32_pj *= s;
    a->e.mux2_pj_per_bit *= s;
    a->e.leakage_pj_per_cycle *= s;
    a->pe.weight_read_pj_per_bit *= s;
    for (int d = 0; d < FM_DS_COUNT; d++) {
        a->buf[d].read_pj *= s;
        a->buf[d].write_pj *= s;
    }
    a->e.node_nm = a->node_nm;
}

fm_status fm_hw_arch_parse(const char *json, const char *name, fm_hw_arch *out, fm_error *err)
{
    jctx c = {name ? name : "architecture", err};
    cJSON *root = cJSON_Parse(json);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        long off = at && at >= json ? (long)(at - json) : -1;
        return fm_error_set(err, FM_ERR_FORMAT, "%s: malformed JSON near byte %ld", c.file, off);
    }
    fm_hw_arch a;
    fm_status st = parse_root(&c, root, &a);
    cJSON_Delete(root);
    if (st)
        return st;
    st = fm_hw_arch_validate(&a, c.file, err);
    if (st)
        return st;
    scale_to_node(&a);
    *out = a;
    return FM_OK;
}

fm_status fm_hw_arch_load(const char *path, fm_hw_arch *out, fm_error *err)
{
    char *buf;
    size_t len;
    fm_status st = fm_read_file(path, "architecture", 64u << 20, &buf, &len, err);
    if (st != FM_OK)
        return st;
    st = fm_hw_arch_parse(buf, path, out, err);
    free(buf);
    return st;
}
