/* Bounds-checked FlatBuffers reader (see tflite_fb.h). All arithmetic on
 * offsets is done in size_t/uint64_t after checking against the buffer
 * length, so no offset can wrap around. */
#include "import/tflite_fb.h"

#include <string.h>

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

/* 1 when [pos, pos + n) lies inside the buffer. */
static int in_buf(const fb_buf *b, size_t pos, size_t n)
{
    return pos <= b->len && n <= b->len - pos;
}

/* Checks the table starting at pos and its vtable. */
static int table_at(const fb_buf *b, size_t pos, fb_table *t)
{
    if (!in_buf(b, pos, 4))
        return -1;
    int32_t soff = (int32_t)rd32(b->p + pos);
    /* vtable = pos - soff, computed in 64 bits so neither sign can wrap */
    int64_t vt = (int64_t)pos - (int64_t)soff;
    if (vt < 0 || !in_buf(b, (size_t)vt, 4))
        return -1;
    uint16_t vt_len = rd16(b->p + vt);
    uint16_t tb_len = rd16(b->p + vt + 2);
    if (vt_len < 4 || (vt_len & 1) || !in_buf(b, (size_t)vt, vt_len))
        return -1;
    if (tb_len < 4 || !in_buf(b, pos, tb_len))
        return -1;
    t->b = b;
    t->pos = pos;
    t->vt = (size_t)vt;
    t->vt_len = vt_len;
    t->tb_len = tb_len;
    return 0;
}

/* Follows the uoffset stored at pos. */
static int follow(const fb_buf *b, size_t pos, size_t *target)
{
    if (!in_buf(b, pos, 4))
        return -1;
    uint64_t t = (uint64_t)pos + rd32(b->p + pos);
    if (t >= b->len)
        return -1;
    *target = (size_t)t;
    return 0;
}

int fb_root(const fb_buf *b, fb_table *t)
{
    size_t pos;
    if (follow(b, 0, &pos) != 0)
        return -1;
    return table_at(b, pos, t);
}

/* Offset of field id inside the table, 0 when absent. */
static uint16_t field_off(const fb_table *t, int id)
{
    size_t slot = 4 + 2 * (size_t)id;
    if (id < 0 || slot + 2 > t->vt_len)
        return 0;
    return rd16(t->b->p + t->vt + slot);
}

int fb_has(const fb_table *t, int id)
{
    return field_off(t, id) != 0;
}

/* Position of a size-byte field in *pos (0 when absent); -1 when the field
 * does not fit in the table or the buffer. */
static int field_pos(const fb_table *t, int id, size_t size, size_t *pos)
{
    uint16_t off = field_off(t, id);
    if (off == 0) {
        *pos = 0;
        return 0;
    }
    if ((size_t)off + size > t->tb_len || !in_buf(t->b, t->pos + off, size))
        return -1;
    *pos = t->pos + off;
    return 0;
}

#define SCALAR_GETTER(fname, type, size, expr)                              \
    int fname(const fb_table *t, int id, type def, type *out)               \
    {                                                                       \
        size_t pos;                                                         \
        if (field_pos(t, id, size, &pos) != 0)                              \
            return -1;                                                      \
        if (pos == 0) {                                                     \
            *out = def;                                                     \
            return 0;                                                       \
        }                                                                   \
        const uint8_t *p = t->b->p + pos;                                   \
        expr;                                                               \
        return 0;                                                           \
    }

SCALAR_GETTER(fb_u8, uint8_t, 1, *out = p[0])
SCALAR_GETTER(fb_i8, int8_t, 1, *out = (int8_t)p[0])
SCALAR_GETTER(fb_i32, int32_t, 4, *out = (int32_t)rd32(p))
SCALAR_GETTER(fb_u32, uint32_t, 4, *out = rd32(p))
SCALAR_GETTER(fb_u64, uint64_t, 8, *out = rd64(p))
SCALAR_GETTER(fb_f32, float, 4, { uint32_t u = rd32(p); memcpy(out, &u, 4); })

int fb_table_field(const fb_table *t, int id, fb_table *sub, int *present)
{
    size_t pos, target;
    *present = 0;
    if (field_pos(t, id, 4, &pos) != 0)
        return -1;
    if (pos == 0)
        return 0;
    if (follow(t->b, pos, &target) != 0 || table_at(t->b, target, sub) != 0)
        return -1;
    *present = 1;
    return 0;
}

int fb_vec_field(const fb_table *t, int id, uint32_t elem, fb_vec *v)
{
    size_t pos, target;
    v->pos = 0;
    v->n = 0;
    v->elem = elem;
    if (field_pos(t, id, 4, &pos) != 0)
        return -1;
    if (pos == 0)
        return 0;
    if (follow(t->b, pos, &target) != 0 || !in_buf(t->b, target, 4))
        return -1;
    uint32_t n = rd32(t->b->p + target);
    /* n * elem in 64 bits: a blown-up length cannot wrap past the check */
    if (!in_buf(t->b, target + 4, (uint64_t)n * elem > t->b->len ? t->b->len + 1 : (size_t)n * elem))
        return -1;
    v->pos = target + 4;
    v->n = n;
    return 0;
}

int fb_str_field(const fb_table *t, int id, const char **s, uint32_t *n)
{
    fb_vec v;
    *s = NULL;
    *n = 0;
    if (fb_vec_field(t, id, 1, &v) != 0)
        return -1;
    if (v.pos == 0)
        return 0;
    *s = (const char *)t->b->p + v.pos;
    *n = v.n;
    return 0;
}

int fb_vec_table(const fb_buf *b, const fb_vec *v, uint32_t i, fb_table *t)
{
    size_t target;
    if (i >= v->n || v->elem != 4)
        return -1;
    if (follow(b, v->pos + 4 * (size_t)i, &target) != 0)
        return -1;
    return table_at(b, target, t);
}

int32_t fb_vec_i32(const fb_buf *b, const fb_vec *v, uint32_t i)
{
    size_t pos = v->pos + 4 * (size_t)i;
    return (i < v->n && in_buf(b, pos, 4)) ? (int32_t)rd32(b->p + pos) : 0;
}

int64_t fb_vec_i64(const fb_buf *b, const fb_vec *v, uint32_t i)
{
    size_t pos = v->pos + 8 * (size_t)i;
    return (i < v->n && in_buf(b, pos, 8)) ? (int64_t)rd64(b->p + pos) : 0;
}

float fb_vec_f32(const fb_buf *b, const fb_vec *v, uint32_t i)
{
    float f = 0.0f;
    size_t pos = v->pos + 4 * (size_t)i;
    if (i < v->n && in_buf(b, pos, 4)) {
        uint32_t u = rd32(b->p + pos);
        memcpy(&f, &u, 4);
    }
    return f;
}
