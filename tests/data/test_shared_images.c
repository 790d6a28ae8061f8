/* The real image sets in ../shared: the CIFAR-10 test folder (10,000 PNGs)
 * and the ImageNet validation list (1,300 JPEGs). Skipped when absent. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/fm_test.h"
#include "data/image_fixtures.h"
#include "flexmac/data.h"

static void test_cifar10_test_folder(void **state)
{
    (void)state;
    char dir[512], first[600];
    FM_REQUIRE_SHARED(dir, "data/cifar10-test");
    static const char *names[10] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                    "dog",      "frog",       "horse", "ship", "truck"};
    fm_preprocess p;
    fm_preprocess_preset("raw", &p);
    fm_dataset *ds = NULL;
    fm_error e = {0};
    fm_status st = fm_dataset_open(dir, &p, &ds, &e);
    if (st)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(st, FM_OK);
    assert_int_equal(fm_dataset_count(ds), 10000);
    assert_int_equal(fm_dataset_num_classes(ds), 10);
    for (int k = 0; k < 10; k++)
        assert_string_equal(fm_dataset_class_name(ds, k), names[k]);
    int c, h, w;
    fm_dataset_shape(ds, &c, &h, &w);
    assert_true(c == 3 && h == 32 && w == 32);

    /* Sample 0 is the first airplane file; compare with libpng's own
     * simplified-API decode of that file. */
    fm_dataset_sample_name(ds, 0, first, sizeof first);
    assert_non_null(strstr(first, "/airplane/"));
    int rw = 0, rh = 0;
    uint8_t *ref = fx_ref_png_rgb(first, &rw, &rh);
    assert_non_null(ref);
    assert_true(rw == 32 && rh == 32);
    float x0[3 * 32 * 32];
    int32_t l0;
    assert_int_equal(fm_dataset_read_range(ds, 0, 1, x0, &l0, &e), FM_OK);
    assert_int_equal(l0, 0);
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 32 * 32; i++)
            assert_true(x0[k * 1024 + i] == (float)ref[i * 3 + k]);
    free(ref);

    /* A full pass in batches: every sample decodes, 1,000 per class in
     * class order. The time is printed for information, never checked. */
    enum { B = 500 };
    float *x = malloc(sizeof(float) * B * 3 * 32 * 32);
    int32_t lab[B];
    int count[10] = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (int64_t s = 0; s < 10000; s += B) {
        st = fm_dataset_read_range(ds, s, B, x, lab, &e);
        if (st)
            fprintf(stderr, "%s\n", e.msg);
        assert_int_equal(st, FM_OK);
        for (int i = 0; i < B; i++) {
            assert_in_range(lab[i], 0, 9);
            assert_int_equal(lab[i], (int)((s + i) / 1000));
            count[lab[i]]++;
        }
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    fprintf(stderr, "INFO: CIFAR-10 test folder, 10,000 PNGs, one pass: %.3f s CPU\n",
            (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    for (int k = 0; k < 10; k++)
        assert_int_equal(count[k], 1000);
    free(x);
    fm_dataset_close(ds);

    /* The "cifar" preset on sample 0: (v / 255 - mean) / std per channel. */
    fm_preprocess_preset("cifar", &p);
    assert_int_equal(fm_dataset_open(dir, &p, &ds, &e), FM_OK);
    float y0[3 * 32 * 32];
    assert_int_equal(fm_dataset_read_range(ds, 0, 1, y0, NULL, &e), FM_OK);
    for (int k = 0; k < 3; k++)
        assert_true(y0[k * 1024] == (x0[k * 1024] * p.scale - p.mean[k]) / p.std[k]);
    fm_dataset_close(ds);
}

/* Reference JPEG decode with libjpeg defaults (what the reader uses). */
static uint8_t *ref_jpeg(const char *path, int *w, int *h)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, f);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    *w = (int)cinfo.output_width;
    *h = (int)cinfo.output_height;
    size_t row = (size_t)*w * 3;
    uint8_t *buf = malloc(row * (size_t)*h);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW r = buf + row * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &r, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    fclose(f);
    return buf;
}

static void test_imagenet_list(void **state)
{
    (void)state;
    char list[512], name[600];
    FM_REQUIRE_SHARED(list, "data/imagenet-val/labels.txt");
    fm_preprocess p;
    assert_true(fm_preprocess_preset("imagenet-uint8", &p));
    p.crop_h = p.crop_w = 224;
    fm_dataset *ds = NULL;
    fm_error e = {0};
    fm_status st = fm_dataset_open(list, &p, &ds, &e);
    if (st)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(st, FM_OK);
    assert_int_equal(fm_dataset_count(ds), 1300);
    assert_int_equal(fm_dataset_num_classes(ds), 1000); /* synset_words.txt */
    int c, h, w;
    fm_dataset_shape(ds, &c, &h, &w);
    assert_true(c == 3 && h == 224 && w == 224);
    float *x = malloc(sizeof(float) * 3 * 224 * 224);
    int32_t lab;
    assert_int_equal(fm_dataset_read_range(ds, 0, 1, x, &lab, &e), FM_OK);
    assert_int_equal(lab, 472); /* first line: ILSVRC2012_val_00000347.JPEG, 472 */
    fm_dataset_sample_name(ds, 0, name, sizeof name);
    assert_non_null(strstr(name, "ILSVRC2012_val_00000347.JPEG"));
    int rw = 0, rh = 0;
    uint8_t *ref = ref_jpeg(name, &rw, &rh);
    assert_non_null(ref);
    assert_true(rw == 227 && rh == 227);
    /* crop offset (1, 1) */
    for (int k = 0; k < 3; k++)
        for (int y = 0; y < 224; y += 37)
            for (int xx = 0; xx < 224; xx += 29)
                assert_true(x[(k * 224 + y) * 224 + xx] ==
                            (float)ref[((y + 1) * 227 + xx + 1) * 3 + k]);
    free(ref);
    /* The last entry decodes too. */
    assert_int_equal(fm_dataset_read_range(ds, 1299, 1, x, &lab, &e), FM_OK);
    assert_in_range(lab, 0, 999);
    free(x);
    fm_dataset_close(ds);

    /* 160 x 160 with a resize first (MobileNet v1 0.5_160). */
    p.resize = 160;
    p.crop_h = p.crop_w = 160;
    assert_int_equal(fm_dataset_open(list, &p, &ds, &e), FM_OK);
    fm_dataset_shape(ds, &c, &h, &w);
    assert_true(c == 3 && h == 160 && w == 160);
    float *y = malloc(sizeof(float) * 3 * 160 * 160);
    assert_int_equal(fm_dataset_read_range(ds, 0, 1, y, NULL, &e), FM_OK);
    for (int i = 0; i < 3 * 160 * 160; i++)
        assert_true(y[i] >= 0.0f && y[i] <= 255.0f);
    free(y);
    fm_dataset_close(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cifar10_test_folder),
        cmocka_unit_test(test_imagenet_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
