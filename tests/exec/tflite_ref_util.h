/* Helpers for the reference-executor tests: build a hand-made model, import
 * it and run it on NCHW uint8 data; an independent statement of TFLite's
 * rounding (floor and absolute-value formulas instead of gemmlowp's
 * nudge-and-mask code) to compare the library's primitives against. */
#ifndef FLEXMAC_TEST_TFLITE_REF_UTIL_H
#define FLEXMAC_TEST_TFLITE_REF_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "flexmac/import.h"
#include "flexmac/tflite_ref.h"
#include "import/tflite_build.h"

enum { T_F32 = 0, T_I32 = 2, T_U8 = 3, T_I8 = 9 };

static fm_status run_model(const tb_model *m, const void *in, size_t in_len, void *out, size_t out_len,
                           float *out_f, fm_error *e)
{
    size_t len;
    uint8_t *buf = tb_build(m, &len);
    fm_graph *g;
    fm_status st = fm_tflite_load_buffer(buf, len, "op.tflite", &g, e);
    free(buf);
    if (st != FM_OK) {
        fprintf(stderr, "%s\n", e->msg);
        return st;
    }
    st = fm_tflite_ref_run(g, in, in_len, out, out_len, out_f, e);
    fm_graph_free(g);
    return st;
}

static int64_t floor_div(int64_t n, int64_t d)
{
    return n >= 0 ? n / d : -((-n + d - 1) / d);
}

/* round(a*b / 2^31) with halves rounded up (towards +infinity) */
static int32_t ind_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    return (int32_t)floor_div((int64_t)a * b + ((int64_t)1 << 30), (int64_t)1 << 31);
}

/* x / 2^e rounded to nearest, halves away from zero */
static int32_t ind_rdbpot(int32_t x, int e)
{
    if (e == 0)
        return x;
    int64_t ax = x < 0 ? -(int64_t)x : x;
    int64_t q = (ax + ((int64_t)1 << (e - 1))) >> e;
    return (int32_t)(x < 0 ? -q : q);
}

static int32_t ind_mbqm(int32_t x, int32_t m, int s)
{
    int l = s > 0 ? s : 0, r = s > 0 ? 0 : -s;
    return ind_rdbpot(ind_srdhm((int32_t)((int64_t)x * ((int64_t)1 << l)), m), r);
}

#endif
