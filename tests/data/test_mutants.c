/* Robustness: valid small PNG, JPEG, IDX and .npy files with random byte
 * flips and truncations. Every mutant must give FM_OK or a clean error --
 * never a crash, hang or (under AddressSanitizer) a bad memory access. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "data/data_fixtures.h"
#include "data/dataset_internal.h"
#include "data/image_fixtures.h"
#include "flexmac/data.h"

enum { MUTANTS = 150 };

/* Derives a mutant of orig (len bytes) into out; returns its length. */
static size_t mutate(const uint8_t *orig, size_t len, uint8_t *out, uint64_t *rng)
{
    memcpy(out, orig, len);
    uint64_t r = fm_test_rand(rng);
    int flips = 1 + (int)(r % 4);
    for (int i = 0; i < flips; i++) {
        uint64_t q = fm_test_rand(rng);
        out[q % len] ^= (uint8_t)(1 + (q >> 32) % 255);
    }
    if ((r >> 8) % 3 == 0) /* sometimes also truncate */
        return 1 + (size_t)((r >> 16) % len);
    return len;
}

/* Opens spec and reads every sample; the status itself does not matter. */
static void open_and_read_all(const char *spec)
{
    fm_dataset *ds = NULL;
    fm_error e = {0};
    if (fm_dataset_open(spec, NULL, &ds, &e) != FM_OK) {
        assert_null(ds);
        assert_true(e.msg[0] != '\0');
        return;
    }
    int c, h, w;
    fm_dataset_shape(ds, &c, &h, &w);
    int64_t n = fm_dataset_count(ds);
    float *x = malloc(sizeof(float) * (size_t)c * h * w);
    for (int64_t i = 0; i < n; i++)
        (void)fm_dataset_read_range(ds, i, 1, x, NULL, &e);
    free(x);
    fm_dataset_close(ds);
}

static void mutate_file_and_run(const char *path, const char *spec, uint64_t seed,
                                void (*run)(const char *))
{
    size_t len = 0;
    uint8_t *orig = fx_slurp(path, &len);
    assert_non_null(orig);
    uint8_t *m = malloc(len);
    uint64_t rng = seed;
    for (int k = 0; k < MUTANTS; k++) {
        size_t ml = mutate(orig, len, m, &rng);
        assert_int_equal(fx_write(path, m, ml, 0), 0);
        run(spec);
    }
    free(m);
    free(orig);
}

static void decode_one(const char *path)
{
    fm_scratch s = {0};
    fm_error e = {0};
    int h, w, c;
    fm_status st = fm_image_decode(path, &s, &h, &w, &c, &e);
    if (st)
        assert_non_null(strstr(e.msg, path));
    else
        assert_true(h > 0 && w > 0 && (c == 1 || c == 3));
    fm_scratch_free(&s);
}

static void test_png_mutants(void **state)
{
    (void)state;
    char dir[256], p[512];
    fx_tmpdir(dir);
    snprintf(p, sizeof p, "%s/m.png", dir);
    uint8_t px[12 * 9 * 3];
    uint64_t rng = 1;
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(fm_test_rand(&rng) % 7 * 30);
    assert_int_equal(fx_write_png8(p, 12, 9, 3, px), 0);
    mutate_file_and_run(p, p, 11, decode_one);
    assert_int_equal(
        fx_write_png(p, 12, 9, PNG_COLOR_TYPE_RGB, 8, 1, px, 36, NULL, 0, NULL, 0), 0);
    mutate_file_and_run(p, p, 12, decode_one);
    fx_rmtree(dir);
}

static void test_jpeg_mutants(void **state)
{
    (void)state;
    char dir[256], p[512];
    fx_tmpdir(dir);
    snprintf(p, sizeof p, "%s/m.jpg", dir);
    uint8_t px[24 * 20 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 7);
    assert_int_equal(fx_write_jpeg(p, 24, 20, 3, px, 75), 0);
    mutate_file_and_run(p, p, 21, decode_one);
    assert_int_equal(fx_write_jpeg(p, 24, 20, 1, px, 75), 0);
    mutate_file_and_run(p, p, 22, decode_one);
    fx_rmtree(dir);
}

static void test_idx_mutants(void **state)
{
    (void)state;
    char dir[256], img[512], lab[512];
    fx_tmpdir(dir);
    uint8_t px[6 * 5 * 4], l[6] = {0, 1, 2, 3, 4, 5};
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 3);
    uint32_t idims[3] = {6, 5, 4}, ldims[1] = {6};
    for (int gz = 0; gz < 2; gz++) {
        snprintf(img, sizeof img, "%s/a-images-idx3-ubyte%s", dir, gz ? ".gz" : "");
        snprintf(lab, sizeof lab, "%s/a-labels-idx1-ubyte%s", dir, gz ? ".gz" : "");
        assert_int_equal(fx_write_idx(img, 0x803, 3, idims, px, sizeof px, gz), 0);
        assert_int_equal(fx_write_idx(lab, 0x801, 1, ldims, l, sizeof l, gz), 0);
        mutate_file_and_run(img, img, 31 + (uint64_t)gz, open_and_read_all);
        assert_int_equal(fx_write_idx(img, 0x803, 3, idims, px, sizeof px, gz), 0);
        mutate_file_and_run(lab, img, 33 + (uint64_t)gz, open_and_read_all);
    }
    fx_rmtree(dir);
}

static void test_npy_mutants(void **state)
{
    (void)state;
    char dir[256], x[512], spec[1100];
    fx_tmpdir(dir);
    snprintf(x, sizeof x, "%s/x.npy", dir);
    snprintf(spec, sizeof spec, "%s", x);
    /* 128-byte file: 10-byte prefix + 70-byte header + 48 data bytes */
    char hdr[71];
    snprintf(hdr, sizeof hdr, "%-69s\n",
             "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 2, 4), }");
    uint8_t buf[10 + 70 + 48];
    memcpy(buf, "\x93NUMPY\x01\x00\x46\x00", 10);
    memcpy(buf + 10, hdr, 70);
    for (int i = 0; i < 48; i++)
        buf[80 + i] = (uint8_t)(i * 5);
    assert_int_equal(fx_write(x, buf, sizeof buf, 0), 0);
    open_and_read_all(spec); /* the original is valid */
    fm_dataset *ds = NULL;
    fm_error e = {0};
    assert_int_equal(fm_dataset_open(spec, NULL, &ds, &e), FM_OK);
    fm_dataset_close(ds);
    mutate_file_and_run(x, spec, 41, open_and_read_all);
    fx_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_mutants),
        cmocka_unit_test(test_jpeg_mutants),
        cmocka_unit_test(test_idx_mutants),
        cmocka_unit_test(test_npy_mutants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
