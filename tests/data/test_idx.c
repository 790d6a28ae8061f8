/* IDX reader: round trips of synthetic files (gzip and plain), every spec
 * form, bad inputs, and the real MNIST / Fashion-MNIST files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "data/data_fixtures.h"
#include "flexmac/data.h"

enum { N = 5, H = 4, W = 3 };

typedef struct fixture {
    char dir[256];
    char images[512], labels[512];
    uint8_t px[N * H * W];
    uint8_t lab[N];
} fixture;

/* Writes DIR/set-images-idx3-ubyte[.gz] and the matching labels file. */
static fixture *make_set(int gz)
{
    fixture *f = calloc(1, sizeof *f);
    fx_tmpdir(f->dir);
    for (int i = 0; i < N * H * W; i++)
        f->px[i] = (uint8_t)(i * 37 + 11);
    f->px[0] = 0;
    f->px[1] = 255;
    for (int i = 0; i < N; i++)
        f->lab[i] = (uint8_t)((i * 3) % 7);
    const char *ext = gz ? ".gz" : "";
    snprintf(f->images, sizeof f->images, "%s/set-images-idx3-ubyte%s", f->dir, ext);
    snprintf(f->labels, sizeof f->labels, "%s/set-labels-idx1-ubyte%s", f->dir, ext);
    uint32_t idims[3] = {N, H, W}, ldims[1] = {N};
    assert_int_equal(fx_write_idx(f->images, 0x803, 3, idims, f->px, sizeof f->px, gz), 0);
    assert_int_equal(fx_write_idx(f->labels, 0x801, 1, ldims, f->lab, sizeof f->lab, gz), 0);
    return f;
}

static void free_set(fixture *f)
{
    fx_rmtree(f->dir);
    free(f);
}

static void check_exact(const char *spec, const fixture *f)
{
    fm_dataset *ds = NULL;
    fm_error e = {0};
    fm_status st = fm_dataset_open(spec, NULL, &ds, &e);
    if (st)
        fprintf(stderr, "open %s: %s\n", spec, e.msg);
    assert_int_equal(st, FM_OK);
    assert_int_equal(fm_dataset_count(ds), N);
    int c, h, w;
    fm_dataset_shape(ds, &c, &h, &w);
    assert_int_equal(c, 1);
    assert_int_equal(h, H);
    assert_int_equal(w, W);
    assert_int_equal(fm_dataset_num_classes(ds), 7);
    float x[N * H * W];
    int32_t lab[N];
    assert_int_equal(fm_dataset_read_range(ds, 0, N, x, lab, &e), FM_OK);
    for (int i = 0; i < N * H * W; i++)
        assert_true(x[i] == (float)f->px[i]);
    for (int i = 0; i < N; i++)
        assert_int_equal(lab[i], f->lab[i]);
    /* Random access: samples 3 and 1 only. */
    int64_t idx[2] = {3, 1};
    assert_int_equal(fm_dataset_read(ds, idx, 2, x, lab, &e), FM_OK);
    for (int k = 0; k < 2; k++) {
        for (int j = 0; j < H * W; j++)
            assert_true(x[k * H * W + j] == (float)f->px[idx[k] * H * W + j]);
        assert_int_equal(lab[k], f->lab[idx[k]]);
    }
    fm_dataset_close(ds);
}

static void test_roundtrip_gzip_and_plain(void **state)
{
    (void)state;
    for (int gz = 0; gz < 2; gz++) {
        fixture *f = make_set(gz);
        char spec[1100];
        check_exact(f->images, f);
        snprintf(spec, sizeof spec, "idx:%s,%s", f->images, f->labels);
        check_exact(spec, f);
        snprintf(spec, sizeof spec, "%s/set", f->dir);
        check_exact(spec, f);
        free_set(f);
    }
}

static void test_unit_preset_and_bounds(void **state)
{
    (void)state;
    fixture *f = make_set(1);
    fm_preprocess p;
    assert_true(fm_preprocess_preset("unit", &p));
    fm_dataset *ds = NULL;
    fm_error e = {0};
    assert_int_equal(fm_dataset_open(f->images, &p, &ds, &e), FM_OK);
    float x[H * W];
    assert_int_equal(fm_dataset_read_range(ds, 2, 1, x, NULL, &e), FM_OK);
    for (int j = 0; j < H * W; j++)
        assert_true(x[j] == (float)f->px[2 * H * W + j] * (1.0f / 255.0f));
    int64_t bad = N;
    assert_int_equal(fm_dataset_read(ds, &bad, 1, x, NULL, &e), FM_ERR_INVALID);
    assert_int_equal(fm_dataset_read_range(ds, N - 1, 2, NULL, NULL, &e), FM_ERR_INVALID);
    assert_int_equal(fm_dataset_read_range(ds, -1, 1, x, NULL, &e), FM_ERR_INVALID);
    fm_dataset_close(ds);
    free_set(f);
}

static void test_missing_file(void **state)
{
    (void)state;
    fixture *f = make_set(1);
    fm_dataset *ds = (fm_dataset *)1;
    fm_error e = {0};
    unlink(f->labels);
    assert_int_equal(fm_dataset_open(f->images, NULL, &ds, &e), FM_ERR_IO);
    assert_null(ds);
    assert_non_null(strstr(e.msg, "set-labels-idx1-ubyte.gz"));
    assert_int_equal(fm_dataset_open("/nonexistent/x-images-idx3-ubyte.gz", NULL, &ds, &e),
                     FM_ERR_IO);
    assert_non_null(strstr(e.msg, "/nonexistent/x-images-idx3-ubyte.gz"));
    free_set(f);
}

static void test_wrong_magic(void **state)
{
    (void)state;
    fixture *f = make_set(1);
    uint32_t dims[3] = {N, H, W};
    assert_int_equal(fx_write_idx(f->images, 0x802, 3, dims, f->px, sizeof f->px, 1), 0);
    fm_dataset *ds = NULL;
    fm_error e = {0};
    assert_int_equal(fm_dataset_open(f->images, NULL, &ds, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, f->images));
    assert_non_null(strstr(e.msg, "0x00000802"));
    /* Labels file given where images are expected. */
    char spec[1100];
    snprintf(spec, sizeof spec, "idx:%s,%s", f->labels, f->labels);
    assert_int_equal(fm_dataset_open(spec, NULL, &ds, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "0x00000801"));
    free_set(f);
}

static void test_truncated(void **state)
{
    (void)state;
    for (int gz = 0; gz < 2; gz++) {
        fixture *f = make_set(gz);
        fm_dataset *ds = NULL;
        fm_error e = {0};
        uint32_t dims[3] = {N, H, W};
        /* Payload one sample short. */
        assert_int_equal(
            fx_write_idx(f->images, 0x803, 3, dims, f->px, sizeof f->px - H * W, gz), 0);
        assert_int_equal(fm_dataset_open(f->images, NULL, &ds, &e), FM_ERR_FORMAT);
        assert_non_null(strstr(e.msg, "truncated"));
        assert_non_null(strstr(e.msg, f->images));
        /* Header cut inside the dimensions. */
        uint8_t hdr[6] = {0, 0, 8, 3, 0, 0};
        assert_int_equal(fx_write(f->images, hdr, sizeof hdr, gz), 0);
        assert_int_equal(fm_dataset_open(f->images, NULL, &ds, &e), FM_ERR_FORMAT);
        assert_non_null(strstr(e.msg, "truncated"));
        /* Empty file. */
        assert_int_equal(fx_write(f->images, hdr, 0, 0), 0);
        assert_int_equal(fm_dataset_open(f->images, NULL, &ds, &e), FM_ERR_FORMAT);
        /* A header claiming a huge set in a tiny file. */
        uint32_t huge[3] = {2000000000u, 1, 1};
        assert_int_equal(fx_write_idx(f->images, 0x803, 3, huge, f->px, 10, gz), 0);
        assert_int_equal(fm_dataset_open(f->images, NULL, &ds, &e), FM_ERR_FORMAT);
        free_set(f);
    }
    /* A gzip stream cut in the middle. */
    fixture *f = make_set(1);
    uint8_t big[20000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 2654435761u >> 13);
    uint32_t dims[3] = {20, 100, 10};
    assert_int_equal(fx_write_idx(f->images, 0x803, 3, dims, big, sizeof big, 1), 0);
    FILE *fp = fopen(f->images, "rb");
    uint8_t gzbuf[40000];
    size_t len = fread(gzbuf, 1, sizeof gzbuf, fp);
    fclose(fp);
    assert_int_equal(fx_write(f->images, gzbuf, len / 2, 0), 0);
    fm_dataset *ds = NULL;
    fm_error e = {0};
    assert_int_equal(fm_dataset_open(f->images, NULL, &ds, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "truncated"));
    free_set(f);
}

static void test_count_mismatch(void **state)
{
    (void)state;
    fixture *f = make_set(0);
    uint32_t ldims[1] = {N - 1};
    assert_int_equal(fx_write_idx(f->labels, 0x801, 1, ldims, f->lab, N - 1, 0), 0);
    fm_dataset *ds = NULL;
    fm_error e = {0};
    assert_int_equal(fm_dataset_open(f->images, NULL, &ds, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "5 images"));
    assert_non_null(strstr(e.msg, "4 labels"));
    free_set(f);
}

static void test_idx_folder_needs_split(void **state)
{
    (void)state;
    fixture *f = make_set(1);
    char path[600];
    snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte.gz", f->dir);
    assert_int_equal(rename(f->images, path), 0);
    fm_dataset *ds = NULL;
    fm_error e = {0};
    assert_int_equal(fm_dataset_open(f->dir, NULL, &ds, &e), FM_ERR_INVALID);
    assert_non_null(strstr(e.msg, "/t10k"));
    free_set(f);
}

static void test_mnist_shared(void **state)
{
    (void)state;
    char path[512];
    FM_REQUIRE_SHARED(path, "data/mnist/t10k-images-idx3-ubyte.gz");
    fm_dataset *ds = NULL;
    fm_error e = {0};
    fm_status st = fm_dataset_open(path, NULL, &ds, &e);
    if (st)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(st, FM_OK);
    assert_int_equal(fm_dataset_count(ds), 10000);
    assert_int_equal(fm_dataset_num_classes(ds), 10);
    int c, h, w;
    fm_dataset_shape(ds, &c, &h, &w);
    assert_int_equal(c, 1);
    assert_int_equal(h, 28);
    assert_int_equal(w, 28);
    float *x = malloc(sizeof(float) * 10000 * 784);
    int32_t *lab = malloc(sizeof(int32_t) * 10000);
    assert_int_equal(fm_dataset_read_range(ds, 0, 10000, x, lab, &e), FM_OK);
    int seen[10] = {0};
    for (int i = 0; i < 10000; i++) {
        assert_in_range(lab[i], 0, 9);
        seen[lab[i]]++;
    }
    for (int k = 0; k < 10; k++)
        assert_true(seen[k] > 800);
    assert_int_equal(lab[0], 7); /* the well-known first MNIST test digit */
    float mx = 0;
    for (int i = 0; i < 784; i++)
        mx = x[i] > mx ? x[i] : mx;
    assert_true(mx == 255.0f);
    free(x);
    free(lab);
    fm_dataset_close(ds);
}

static void test_fashion_mnist_system(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        int64_t n;
    } sets[] = {{"/usr/share/datasets/fashion-mnist/train", 60000},
                {"/usr/share/datasets/fashion-mnist/t10k", 10000}};
    if (access("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", R_OK) != 0) {
        fprintf(stderr, "SKIP: Fashion-MNIST not installed (dataset-fashion-mnist)\n");
        skip();
    }
    for (int s = 0; s < 2; s++) {
        fm_dataset *ds = NULL;
        fm_error e = {0};
        assert_int_equal(fm_dataset_open(sets[s].spec, NULL, &ds, &e), FM_OK);
        assert_int_equal(fm_dataset_count(ds), sets[s].n);
        assert_int_equal(fm_dataset_num_classes(ds), 10);
        float x[784];
        int32_t lab;
        assert_int_equal(fm_dataset_read_range(ds, sets[s].n - 1, 1, x, &lab, &e), FM_OK);
        assert_in_range(lab, 0, 9);
        fm_dataset_close(ds);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_gzip_and_plain),
        cmocka_unit_test(test_unit_preset_and_bounds),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_wrong_magic),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_count_mismatch),
        cmocka_unit_test(test_idx_folder_needs_split),
        cmocka_unit_test(test_mnist_shared),
        cmocka_unit_test(test_fashion_mnist_system),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
