/* NumPy .npy reader: dtypes, shapes, header versions, labels, and bad
 * headers / data. Files are written by the test in the documented format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "data/data_fixtures.h"
#include "flexmac/data.h"

/* Writes an .npy file with the given dict text (padded per the spec). */
static void write_npy_raw(const char *path, int version, const char *dict, const void *data,
                          size_t len)
{
    size_t pre = version == 1 ? 10 : 12;
    size_t hlen = strlen(dict) + 1;
    while ((pre + hlen) % 64)
        hlen++;
    uint8_t *buf = malloc(pre + hlen + len);
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (uint8_t)version;
    buf[7] = 0;
    if (version == 1) {
        buf[8] = (uint8_t)hlen;
        buf[9] = (uint8_t)(hlen >> 8);
    } else {
        for (int i = 0; i < 4; i++)
            buf[8 + i] = (uint8_t)(hlen >> (8 * i));
    }
    memset(buf + pre, ' ', hlen);
    memcpy(buf + pre, dict, strlen(dict));
    buf[pre + hlen - 1] = '\n';
    if (len)
        memcpy(buf + pre + hlen, data, len);
    assert_int_equal(fx_write(path, buf, pre + hlen + len, 0), 0);
    free(buf);
}

static void write_npy(const char *path, const char *descr, const char *shape, const void *data,
                      size_t len)
{
    char dict[256];
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr,
             shape);
    write_npy_raw(path, 1, dict, data, len);
}

typedef struct files {
    char dir[256], x[512], y[512], spec[1100];
} files;

static files *make_files(void)
{
    files *f = calloc(1, sizeof *f);
    fx_tmpdir(f->dir);
    snprintf(f->x, sizeof f->x, "%s/x.npy", f->dir);
    snprintf(f->y, sizeof f->y, "%s/y.npy", f->dir);
    snprintf(f->spec, sizeof f->spec, "%s,%s", f->x, f->y);
    return f;
}

static void free_files(files *f)
{
    fx_rmtree(f->dir);
    free(f);
}

static fm_dataset *open_ok(const char *spec)
{
    fm_dataset *ds = NULL;
    fm_error e = {0};
    fm_status st = fm_dataset_open(spec, NULL, &ds, &e);
    if (st)
        fprintf(stderr, "open %s: %s\n", spec, e.msg);
    assert_int_equal(st, FM_OK);
    return ds;
}

static fm_status open_err(const char *spec, fm_error *e)
{
    fm_dataset *ds = NULL;
    fm_status st = fm_dataset_open(spec, NULL, &ds, e);
    assert_null(ds);
    return st;
}

static void test_u8_nhw_i8_labels(void **state)
{
    (void)state;
    files *f = make_files();
    uint8_t px[3 * 2 * 4];
    for (int i = 0; i < 24; i++)
        px[i] = (uint8_t)(i * 11);
    int64_t lab[3] = {4, 0, 2};
    write_npy(f->x, "|u1", "(3, 2, 4)", px, sizeof px);
    write_npy(f->y, "<i8", "(3,)", lab, sizeof lab);
    fm_dataset *ds = open_ok(f->spec);
    int c, h, w;
    fm_dataset_shape(ds, &c, &h, &w);
    assert_true(c == 1 && h == 2 && w == 4);
    assert_int_equal(fm_dataset_count(ds), 3);
    assert_int_equal(fm_dataset_num_classes(ds), 5);
    float x[24];
    int32_t l[3];
    fm_error e = {0};
    int64_t idx[3] = {2, 0, 1};
    assert_int_equal(fm_dataset_read(ds, idx, 3, x, l, &e), FM_OK);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(l[k], lab[idx[k]]);
        for (int j = 0; j < 8; j++)
            assert_true(x[k * 8 + j] == (float)px[idx[k] * 8 + j]);
    }
    fm_dataset_close(ds);
    free_files(f);
}

static void test_u8_nchw_i4_labels_v2(void **state)
{
    (void)state;
    files *f = make_files();
    uint8_t px[2 * 3 * 3 * 2];
    for (int i = 0; i < 36; i++)
        px[i] = (uint8_t)(255 - i * 7);
    int32_t lab[2] = {1, 9};
    write_npy_raw(f->x, 2, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 3, 2), }",
                  px, sizeof px);
    write_npy(f->y, "<i4", "(2,)", lab, sizeof lab);
    fm_dataset *ds = open_ok(f->spec);
    int c, h, w;
    fm_dataset_shape(ds, &c, &h, &w);
    assert_true(c == 3 && h == 3 && w == 2);
    float x[36];
    int32_t l[2];
    fm_error e = {0};
    assert_int_equal(fm_dataset_read_range(ds, 0, 2, x, l, &e), FM_OK);
    for (int i = 0; i < 36; i++)
        assert_true(x[i] == (float)px[i]); /* CHW in, CHW out */
    assert_true(l[0] == 1 && l[1] == 9);
    assert_int_equal(fm_dataset_num_classes(ds), 10);
    fm_dataset_close(ds);
    free_files(f);
}

static void test_f32_nchw_u1_labels(void **state)
{
    (void)state;
    files *f = make_files();
    float px[2 * 1 * 2 * 2] = {-1.5f, 0.0f, 3.25f, 1e-3f, 255.0f, -0.0f, 7.0f, 1e6f};
    uint8_t lab[2] = {3, 3};
    write_npy(f->x, "<f4", "(2, 1, 2, 2)", px, sizeof px);
    write_npy(f->y, "|u1", "(2,)", lab, sizeof lab);
    fm_dataset *ds = open_ok(f->spec);
    float x[8];
    int32_t l[2];
    fm_error e = {0};
    assert_int_equal(fm_dataset_read_range(ds, 0, 2, x, l, &e), FM_OK);
    assert_memory_equal(x, px, sizeof px);
    assert_true(l[0] == 3 && l[1] == 3);
    fm_dataset_close(ds);
    /* Float RGB with the "unit" preset: value * (1/255). */
    float rgb[1 * 3 * 1 * 2] = {255, 0, 51, 102, 1, 2};
    write_npy(f->x, "<f4", "(1, 3, 1, 2)", rgb, sizeof rgb);
    fm_preprocess p;
    fm_preprocess_preset("unit", &p);
    fm_dataset *d2 = NULL;
    assert_int_equal(fm_dataset_open(f->x, &p, &d2, &e), FM_OK);
    float y[6];
    int32_t ly;
    assert_int_equal(fm_dataset_read_range(d2, 0, 1, y, &ly, &e), FM_OK);
    for (int i = 0; i < 6; i++)
        assert_true(y[i] == rgb[i] * (1.0f / 255.0f));
    assert_int_equal(ly, -1); /* no labels file */
    assert_int_equal(fm_dataset_num_classes(d2), 0);
    fm_dataset_close(d2);
    free_files(f);
}

static void test_fortran_order_unsupported(void **state)
{
    (void)state;
    files *f = make_files();
    uint8_t px[4] = {0};
    write_npy_raw(f->x, 1, "{'descr': '|u1', 'fortran_order': True, 'shape': (1, 2, 2), }", px,
                  4);
    fm_error e = {0};
    assert_int_equal(open_err(f->x, &e), FM_ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "fortran_order"));
    assert_non_null(strstr(e.msg, f->x));
    free_files(f);
}

static void test_bad_headers(void **state)
{
    (void)state;
    files *f = make_files();
    uint8_t px[64] = {0};
    fm_error e = {0};
    static const struct {
        const char *dict;
        fm_status want;
    } cases[] = {
        {"{'fortran_order': False, 'shape': (1, 2, 2), }", FM_ERR_FORMAT},            /* descr */
        {"{'descr': '|u1', 'shape': (1, 2, 2), }", FM_ERR_FORMAT},                    /* order */
        {"{'descr': '|u1', 'fortran_order': False, }", FM_ERR_FORMAT},                /* shape */
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1, x, 2), }", FM_ERR_FORMAT},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2 }", FM_ERR_FORMAT},
        {"{'descr': '|u1", FM_ERR_FORMAT}, /* unterminated string */
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }", FM_ERR_UNSUPPORTED},
        {"{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2, 2), }", FM_ERR_UNSUPPORTED},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", FM_ERR_SHAPE},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2, 2), }", FM_ERR_UNSUPPORTED},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (0, 2, 2), }", FM_ERR_FORMAT},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1, 99999999999, 2), }",
         FM_ERR_FORMAT},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (1, 20, 20), }", FM_ERR_FORMAT},
        {"not a dict", FM_ERR_FORMAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        write_npy_raw(f->x, 1, cases[i].dict, px, 8);
        fm_status st = open_err(f->x, &e);
        if (st != cases[i].want)
            fprintf(stderr, "case %zu: %s -> %s\n", i, cases[i].dict, e.msg);
        assert_int_equal(st, cases[i].want);
        assert_non_null(strstr(e.msg, f->x));
    }
    /* Bad magic, unknown version, header longer than the file, empty file. */
    assert_int_equal(fx_write(f->x, "\x93NUMPX\x01\x00\x10\x00", 10, 0), 0);
    assert_int_equal(open_err(f->x, &e), FM_ERR_FORMAT);
    assert_int_equal(fx_write(f->x, "\x93NUMPY\x09\x00\x10\x00", 10, 0), 0);
    assert_int_equal(open_err(f->x, &e), FM_ERR_UNSUPPORTED);
    assert_int_equal(fx_write(f->x, "\x93NUMPY\x01\x00\xff\x00{'descr'", 17, 0), 0);
    assert_int_equal(open_err(f->x, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "truncated"));
    assert_int_equal(fx_write(f->x, "", 0, 0), 0);
    assert_int_equal(open_err(f->x, &e), FM_ERR_FORMAT);
    assert_int_equal(open_err("/nonexistent/x.npy", &e), FM_ERR_IO);
    free_files(f);
}

static void test_bad_labels(void **state)
{
    (void)state;
    files *f = make_files();
    uint8_t px[3 * 4] = {0};
    write_npy(f->x, "|u1", "(3, 2, 2)", px, sizeof px);
    fm_error e = {0};
    int64_t lab[3] = {0, -1, 2};
    write_npy(f->y, "<i8", "(3,)", lab, sizeof lab); /* negative */
    assert_int_equal(open_err(f->spec, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "label[1]"));
    write_npy(f->y, "<i8", "(2,)", lab, 16); /* count mismatch */
    assert_int_equal(open_err(f->spec, &e), FM_ERR_SHAPE);
    assert_non_null(strstr(e.msg, f->y));
    write_npy(f->y, "<f4", "(3,)", lab, 12); /* dtype */
    assert_int_equal(open_err(f->spec, &e), FM_ERR_UNSUPPORTED);
    write_npy(f->y, "<i8", "(3,)", lab, 12); /* truncated */
    assert_int_equal(open_err(f->spec, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "truncated"));
    free_files(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u8_nhw_i8_labels),
        cmocka_unit_test(test_u8_nchw_i4_labels_v2),
        cmocka_unit_test(test_f32_nchw_u1_labels),
        cmocka_unit_test(test_fortran_order_unsupported),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_bad_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
