/* A small bounds-checked reader for the FlatBuffers wire format, just
 * enough for TFLite models.
 *
 * Every accessor checks the offset, vtable, vector length or string it
 * follows against the buffer and returns -1 instead of reading outside it,
 * so a hostile file can only make the caller report FM_ERR_FORMAT. Values
 * are little-endian and may be unaligned (read with memcpy). The reader
 * never recurses and never loops over anything longer than the buffer, so
 * it cannot hang. */
#ifndef FLEXMAC_TFLITE_FB_H
#define FLEXMAC_TFLITE_FB_H

#include <stddef.h>
#include <stdint.h>

typedef struct fb_buf {
    const uint8_t *p;
    size_t len;
} fb_buf;

/* A table: its start and its vtable, both already checked. */
typedef struct fb_table {
    const fb_buf *b;
    size_t pos;      /* table start (where the soffset to the vtable lives) */
    size_t vt;       /* vtable start */
    uint16_t vt_len; /* vtable size in bytes */
    uint16_t tb_len; /* inline table size in bytes */
} fb_table;

/* A vector: n elements of elem bytes starting at pos (all inside the buffer). */
typedef struct fb_vec {
    size_t pos;
    uint32_t n;
    uint32_t elem;
} fb_vec;

/* The root table (uoffset at byte 0). */
int fb_root(const fb_buf *b, fb_table *t);

/* 1 when field id has a value in t, 0 when absent (default applies). */
int fb_has(const fb_table *t, int id);

/* Scalars: absent fields give def. Return 0, or -1 when the field lies
 * outside the table or the buffer. */
int fb_u8(const fb_table *t, int id, uint8_t def, uint8_t *out);
int fb_i8(const fb_table *t, int id, int8_t def, int8_t *out);
int fb_i32(const fb_table *t, int id, int32_t def, int32_t *out);
int fb_u32(const fb_table *t, int id, uint32_t def, uint32_t *out);
int fb_u64(const fb_table *t, int id, uint64_t def, uint64_t *out);
int fb_f32(const fb_table *t, int id, float def, float *out);

/* Sub-table; *present = 0 (and 0 returned) when the field is absent. */
int fb_table_field(const fb_table *t, int id, fb_table *sub, int *present);
/* Vector of elem-byte scalars or offsets; absent gives an empty vector. */
int fb_vec_field(const fb_table *t, int id, uint32_t elem, fb_vec *v);
/* String: pointer into the buffer (not NUL-terminated) and its length;
 * absent gives s = NULL, n = 0. */
int fb_str_field(const fb_table *t, int id, const char **s, uint32_t *n);

/* Element i of a vector of tables. */
int fb_vec_table(const fb_buf *b, const fb_vec *v, uint32_t i, fb_table *t);
/* Elements of scalar vectors (i < v->n is the caller's precondition, checked
 * again here). */
int32_t fb_vec_i32(const fb_buf *b, const fb_vec *v, uint32_t i);
int64_t fb_vec_i64(const fb_buf *b, const fb_vec *v, uint32_t i);
float fb_vec_f32(const fb_buf *b, const fb_vec *v, uint32_t i);

#endif
