/* Corrupt and truncated TFLite files: the real MobileNet v1 file is
 * truncated at many lengths, has bytes flipped at many offsets (fixed seed)
 * and has 32-bit words (offsets, vector lengths, vtable entries) replaced by
 * huge or hostile values. Every load must succeed or fail cleanly; run
 * under the sanitizer build to prove no out-of-bounds read or leak.
 *
 * Allowed outcomes: FM_OK; FM_ERR_FORMAT; and for mutations (not
 * truncations) also FM_ERR_UNSUPPORTED, because flipping an opcode or type
 * byte can produce a well-formed model with a real but unsupported operator
 * or tensor type. */
#include "common/fm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/import.h"
#include "flexmac/tflite_ref.h"

#define NAME "mutant.tflite"

typedef struct counts {
    int ok, format, unsupported;
    int runs; /* mutants also run through the reference executor */
} counts;

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void try_load(const uint8_t *buf, size_t len, int allow_unsupported, counts *c, int run)
{
    fm_graph *g = NULL;
    fm_error e = {0};
    fm_status st = fm_tflite_load_buffer(buf, len, NAME, &g, &e);
    if (st == FM_OK) {
        assert_non_null(g);
        assert_true(g->input >= 0 && g->output >= 0);
        if (run && c->runs > 0) {
            /* a loadable mutant must also run or be refused cleanly */
            c->runs--;
            size_t ni = fm_tensor_bytes(&g->tensors[g->input]), no = fm_tensor_bytes(&g->tensors[g->output]);
            void *in = calloc(ni ? ni : 1, 1), *out = malloc(no ? no : 1);
            assert_true(in && out);
            fm_status rs = fm_tflite_ref_run(g, in, ni, out, no, NULL, &e);
            assert_true(rs == FM_OK || rs == FM_ERR_UNSUPPORTED || rs == FM_ERR_SHAPE || rs == FM_ERR_INVALID);
            free(in);
            free(out);
        }
        fm_graph_free(g);
        c->ok++;
        return;
    }
    assert_null(g);
    if (!(st == FM_ERR_FORMAT || (allow_unsupported && st == FM_ERR_UNSUPPORTED)))
        fprintf(stderr, "unexpected %s: %s\n", fm_status_name(st), e.msg);
    assert_true(st == FM_ERR_FORMAT || (allow_unsupported && st == FM_ERR_UNSUPPORTED));
    assert_true(strncmp(e.msg, NAME ": ", strlen(NAME) + 2) == 0); /* names the file */
    if (st == FM_ERR_FORMAT)
        c->format++;
    else
        c->unsupported++;
}

/* Structure (tables, vectors of offsets, names) lies outside the weight
 * bytes; for this file it is the first ~0.5 KB and the last ~45 KB. Most
 * mutations aim there, the rest anywhere. */
static size_t pick_offset(uint64_t *rng, size_t len)
{
    uint64_t r = fm_test_rand(rng);
    size_t tail = len > 48000 ? 48000 : len;
    switch (r % 4) {
    case 0: return (size_t)(fm_test_rand(rng) % len);
    case 1: return (size_t)(fm_test_rand(rng) % (len < 1024 ? len : 1024));
    default: return len - 1 - (size_t)(fm_test_rand(rng) % tail);
    }
}

static void test_truncated(void **s)
{
    (void)s;
    char path[512];
    FM_REQUIRE_SHARED(path, "models/mobilenet_v1_0.25_128_quant.tflite");
    size_t len;
    uint8_t *full = read_all(path, &len);
    counts c = {0};
    /* a fresh allocation of exactly n bytes, so ASan sees any read past it */
    for (size_t i = 0; i < 700; i++) {
        size_t n = i < 100 ? i : i < 600 ? (size_t)((double)len * (double)(i - 100) / 500.0) : len - (i - 599);
        uint8_t *b = malloc(n ? n : 1);
        memcpy(b, full, n);
        int ok_before = c.ok;
        try_load(b, n, 0, &c, 0);
        /* this file carries a ~22 KB zip of labels after the flatbuffer,
         * which the importer never reads: cuts inside it still load */
        if (c.ok > ok_before)
            assert_true(n > len - 32768);
        free(b);
    }
    fprintf(stderr, "truncations: %d ok, %d format\n", c.ok, c.format);
    assert_true(c.format > 500);
    free(full);
}

static void test_flipped_bytes(void **s)
{
    (void)s;
    char path[512];
    FM_REQUIRE_SHARED(path, "models/mobilenet_v1_0.25_128_quant.tflite");
    size_t len;
    uint8_t *b = read_all(path, &len);
    uint64_t rng = 0x5EED0F11Bull;
    counts c = {.runs = 25};
    for (int it = 0; it < fm_test_samples(1000, 400); it++) {
        size_t off[4];
        uint8_t old[4];
        int k = 1 + (int)(fm_test_rand(&rng) % 4);
        for (int j = 0; j < k; j++) {
            off[j] = pick_offset(&rng, len);
            old[j] = b[off[j]];
            b[off[j]] ^= (uint8_t)(1 + fm_test_rand(&rng) % 255);
        }
        /* mutants that changed only structure (not weight bytes) also run */
        int structural = 1;
        for (int j = 0; j < k; j++)
            structural &= off[j] >= len - 48000;
        try_load(b, len, 1, &c, structural);
        for (int j = k - 1; j >= 0; j--)
            b[off[j]] = old[j];
    }
    fprintf(stderr, "byte flips: %d ok, %d format, %d unsupported; %d left of 25 executor runs\n", c.ok, c.format,
            c.unsupported, c.runs);
    assert_true(c.format > 0);
    free(b);
}

static void test_blown_up_words(void **s)
{
    (void)s;
    char path[512];
    FM_REQUIRE_SHARED(path, "models/mobilenet_v1_0.25_128_quant.tflite");
    size_t len;
    uint8_t *b = read_all(path, &len);
    uint64_t rng = 0xB10770ull;
    const uint32_t values[] = {0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFCu, (uint32_t)len,
                               (uint32_t)len - 2, 0x10000u, 0};
    counts c = {.runs = 25};
    for (int it = 0; it < fm_test_samples(700, 300); it++) {
        /* every aligned word of the header, then random aligned words */
        size_t off = it < 135 ? (size_t)it * 4 : pick_offset(&rng, len - 4) & ~(size_t)3;
        uint32_t v = values[fm_test_rand(&rng) % (sizeof values / sizeof values[0])];
        uint8_t old[4];
        memcpy(old, b + off, 4);
        for (int j = 0; j < 4; j++)
            b[off + (size_t)j] = (uint8_t)(v >> (8 * j));
        try_load(b, len, 1, &c, off >= len - 48000);
        /* 16-bit vtable entries too: table sizes and field offsets */
        b[off] = 0xFF;
        b[off + 1] = 0xFF;
        memcpy(b + off + 2, old + 2, 2);
        try_load(b, len, 1, &c, 0);
        memcpy(b + off, old, 4);
    }
    fprintf(stderr, "blown-up words: %d ok, %d format, %d unsupported; %d left of 25 executor runs\n", c.ok,
            c.format, c.unsupported, c.runs);
    assert_true(c.format > 0);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_flipped_bytes),
        cmocka_unit_test(test_blown_up_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
