/* A tiny TFLite flatbuffer writer for tests: builds small hand-made models
 * (and deliberately broken ones) so operator-level tests need no external
 * tool. Header-only (static functions), shared by tests/import and
 * tests/exec.
 *
 * Layout: objects are written front to back, every child after the field
 * that points at it (uoffsets are unsigned, so they must point forward);
 * each table's vtable is written right before it. Scalars occupy 4-byte
 * slots (8 for 64-bit) holding the little-endian value, which readers of
 * 1-byte fields read correctly from the slot's first byte. */
#ifndef FLEXMAC_TEST_TFLITE_BUILD_H
#define FLEXMAC_TEST_TFLITE_BUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct fbb {
    uint8_t *buf;
    size_t len, cap;
} fbb;

/* A table field: size 1/2/4/8 for a scalar, 0 for an offset to patch. */
typedef struct fbf {
    int id;
    int size;
    uint64_t v;
} fbf;

static size_t fbb_alloc(fbb *b, size_t n)
{
    n = (n + 3) & ~(size_t)3;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n)
            cap *= 2;
        b->buf = realloc(b->buf, cap);
        b->cap = cap;
    }
    memset(b->buf + b->len, 0, n);
    size_t pos = b->len;
    b->len += n;
    return pos;
}

static void fbb_put(fbb *b, size_t pos, uint64_t v, int size)
{
    for (int i = 0; i < size; i++)
        b->buf[pos + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* Writes the uoffset at field_pos so that it points to target. */
static void fbb_patch(fbb *b, size_t field_pos, size_t target)
{
    fbb_put(b, field_pos, (uint64_t)(target - field_pos), 4);
}

/* Writes vtable + table; fpos[i] receives the position of field i. */
static size_t fbb_table(fbb *b, int n, const fbf *f, size_t *fpos)
{
    int max_id = -1;
    size_t tb_len = 4;
    for (int i = 0; i < n; i++) {
        if (f[i].id > max_id)
            max_id = f[i].id;
        tb_len += f[i].size == 8 ? 8 : 4;
    }
    size_t vt_len = 4 + 2 * (size_t)(max_id + 1);
    size_t vt = fbb_alloc(b, vt_len);
    size_t tb = fbb_alloc(b, tb_len);
    fbb_put(b, vt, vt_len, 2);
    fbb_put(b, vt + 2, tb_len, 2);
    fbb_put(b, tb, (uint64_t)(uint32_t)(int32_t)(tb - vt), 4); /* soffset: table - vtable */
    size_t off = 4;
    for (int i = 0; i < n; i++) {
        fbb_put(b, vt + 4 + 2 * (size_t)f[i].id, off, 2);
        fbb_put(b, tb + off, f[i].v, f[i].size ? f[i].size : 4);
        if (fpos)
            fpos[i] = tb + off;
        off += f[i].size == 8 ? 8 : 4;
    }
    return tb;
}

/* Vector of n elements of elem bytes (data may be NULL: zeros); returns the
 * position of its length prefix. */
static size_t fbb_vec(fbb *b, uint32_t n, size_t elem, const void *data)
{
    size_t pos = fbb_alloc(b, 4 + (size_t)n * elem);
    fbb_put(b, pos, n, 4);
    if (data && n)
        memcpy(b->buf + pos + 4, data, (size_t)n * elem);
    return pos;
}

static size_t fbb_str(fbb *b, const char *s)
{
    size_t n = strlen(s);
    size_t pos = fbb_alloc(b, 4 + n + 1);
    fbb_put(b, pos, n, 4);
    memcpy(b->buf + pos + 4, s, n);
    return pos;
}

/* ---- TFLite model description ---- */

#define TB_MAX_T 32
#define TB_MAX_OPS 16

typedef struct tb_tensor {
    const char *name;
    int type; /* TensorType: 0 float32, 2 int32, 3 uint8, 9 int8, ... */
    int ndim;
    int32_t shape[6];
    const void *data; /* constant bytes or NULL */
    size_t data_len;
    int nq;           /* number of scales (0: no quantization) */
    float scale[16];
    int64_t zp[16];
    int qdim;
} tb_tensor;

typedef struct tb_op {
    int code; /* BuiltinOperator */
    int n_in, n_out;
    int32_t in[8], out[8];
    int opt_type; /* BuiltinOptions tag, 0 for none */
    int n_opt;
    fbf opt[8];
    const char *custom; /* custom_code for CUSTOM */
} tb_op;

typedef struct tb_model {
    int n_t, n_ops;
    tb_tensor t[TB_MAX_T];
    tb_op op[TB_MAX_OPS];
    int n_inputs, n_outputs;
    int32_t inputs[2], outputs[2];
    uint32_t version; /* 0 means 3 */
} tb_model;

static size_t tb_tensor_write(fbb *b, const tb_tensor *t, uint32_t buffer)
{
    fbf f[5] = {{0, 0, 0}, {1, 1, (uint64_t)(uint8_t)t->type}, {2, 4, buffer}, {3, 0, 0}, {4, 0, 0}};
    size_t fp[5];
    int n = t->nq ? 5 : 4;
    size_t tb = fbb_table(b, n, f, fp);
    fbb_patch(b, fp[0], fbb_vec(b, (uint32_t)t->ndim, 4, t->shape));
    fbb_patch(b, fp[3], fbb_str(b, t->name ? t->name : ""));
    if (t->nq) {
        fbf q[3] = {{2, 0, 0}, {3, 0, 0}, {6, 4, (uint64_t)(uint32_t)t->qdim}};
        size_t qp[3];
        size_t qt = fbb_table(b, 3, q, qp);
        fbb_patch(b, fp[4], qt);
        fbb_patch(b, qp[0], fbb_vec(b, (uint32_t)t->nq, 4, t->scale));
        fbb_patch(b, qp[1], fbb_vec(b, (uint32_t)t->nq, 8, t->zp));
    }
    return tb;
}

/* Serializes m; the caller frees the result. */
static uint8_t *tb_build(const tb_model *m, size_t *len)
{
    fbb b = {0};
    size_t root = fbb_alloc(&b, 8);
    memcpy(b.buf + 4, "TFL3", 4);
    fbf mf[4] = {{0, 4, m->version ? m->version : 3}, {1, 0, 0}, {2, 0, 0}, {4, 0, 0}};
    size_t mp[4];
    size_t model = fbb_table(&b, 4, mf, mp);
    fbb_patch(&b, root, model);

    /* operator codes: one per operator */
    size_t opc = fbb_vec(&b, (uint32_t)m->n_ops, 4, NULL);
    fbb_patch(&b, mp[1], opc);
    for (int i = 0; i < m->n_ops; i++) {
        int c = m->op[i].code;
        fbf f[4] = {{0, 1, (uint64_t)(c < 127 ? c : 127)}, {2, 4, 1}, {3, 4, (uint64_t)c}, {1, 0, 0}};
        size_t fp[4];
        size_t t = fbb_table(&b, m->op[i].custom ? 4 : 3, f, fp);
        fbb_patch(&b, opc + 4 + 4 * (size_t)i, t);
        if (m->op[i].custom)
            fbb_patch(&b, fp[3], fbb_str(&b, m->op[i].custom));
    }

    /* one subgraph */
    size_t sgv = fbb_vec(&b, 1, 4, NULL);
    fbb_patch(&b, mp[2], sgv);
    fbf sf[4] = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {3, 0, 0}};
    size_t sp[4];
    size_t sg = fbb_table(&b, 4, sf, sp);
    fbb_patch(&b, sgv + 4, sg);
    size_t tv = fbb_vec(&b, (uint32_t)m->n_t, 4, NULL);
    fbb_patch(&b, sp[0], tv);
    for (int i = 0; i < m->n_t; i++)
        fbb_patch(&b, tv + 4 + 4 * (size_t)i, tb_tensor_write(&b, &m->t[i], m->t[i].data ? (uint32_t)i + 1 : 0));
    fbb_patch(&b, sp[1], fbb_vec(&b, (uint32_t)m->n_inputs, 4, m->inputs));
    fbb_patch(&b, sp[2], fbb_vec(&b, (uint32_t)m->n_outputs, 4, m->outputs));
    size_t ov = fbb_vec(&b, (uint32_t)m->n_ops, 4, NULL);
    fbb_patch(&b, sp[3], ov);
    for (int i = 0; i < m->n_ops; i++) {
        const tb_op *o = &m->op[i];
        fbf f[5] = {{0, 4, (uint64_t)i}, {1, 0, 0}, {2, 0, 0}, {3, 1, (uint64_t)o->opt_type}, {4, 0, 0}};
        size_t fp[5];
        size_t t = fbb_table(&b, o->opt_type ? 5 : 3, f, fp);
        fbb_patch(&b, ov + 4 + 4 * (size_t)i, t);
        fbb_patch(&b, fp[1], fbb_vec(&b, (uint32_t)o->n_in, 4, o->in));
        fbb_patch(&b, fp[2], fbb_vec(&b, (uint32_t)o->n_out, 4, o->out));
        if (o->opt_type)
            fbb_patch(&b, fp[4], fbb_table(&b, o->n_opt, o->opt, NULL));
    }

    /* buffers: 0 is the empty sentinel, tensor i with data uses i + 1 */
    size_t bv = fbb_vec(&b, (uint32_t)m->n_t + 1, 4, NULL);
    fbb_patch(&b, mp[3], bv);
    for (int i = 0; i <= m->n_t; i++) {
        const tb_tensor *t = i ? &m->t[i - 1] : NULL;
        fbf f[1] = {{0, 0, 0}};
        size_t fp[1];
        size_t bt = fbb_table(&b, t && t->data ? 1 : 0, f, fp);
        fbb_patch(&b, bv + 4 + 4 * (size_t)i, bt);
        if (t && t->data)
            fbb_patch(&b, fp[0], fbb_vec(&b, (uint32_t)t->data_len, 1, t->data));
    }
    *len = b.len;
    return b.buf;
}

/* Convenience: tensor i of m. */
static tb_tensor *tb_t(tb_model *m, int i, const char *name, int type, int ndim, const int32_t *shape)
{
    tb_tensor *t = &m->t[i];
    memset(t, 0, sizeof *t);
    t->name = name;
    t->type = type;
    t->ndim = ndim;
    memcpy(t->shape, shape, sizeof(int32_t) * (size_t)ndim);
    if (i >= m->n_t)
        m->n_t = i + 1;
    return t;
}

static void tb_q(tb_tensor *t, float scale, int64_t zp)
{
    t->nq = 1;
    t->scale[0] = scale;
    t->zp[0] = zp;
}

#endif
