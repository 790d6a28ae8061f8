/* Preprocessing math: presets, crop offsets, shorter-side resize, bilinear
 * values, channel conversion, normalisation (table path == direct formula ==
 * float path, bit for bit), and geometry errors. Uses the internal
 * preprocessing entry points on a hand-made fm_dataset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "data/dataset_internal.h"
#include "flexmac/data.h"

/* A data set shell whose output shape comes from a first image h x w x c. */
static fm_dataset *shell(const fm_preprocess *p, int h, int w, int c)
{
    fm_dataset *ds = calloc(1, sizeof *ds);
    ds->pp = *p;
    fm_error e = {0};
    fm_status st = fm_pp_check(p, &e);
    if (!st)
        st = fm_pp_init(ds, h, w, c, "test", &e);
    if (st)
        fprintf(stderr, "shell: %s\n", e.msg);
    assert_int_equal(st, FM_OK);
    return ds;
}

static void test_presets(void **state)
{
    (void)state;
    fm_preprocess p;
    assert_true(fm_preprocess_preset("raw", &p));
    assert_true(p.scale == 1.0f && p.mean[0] == 0.0f && p.std[2] == 1.0f && p.channels == 0);
    assert_true(fm_preprocess_preset("unit", &p));
    assert_true(p.scale == 1.0f / 255.0f && p.channels == 0);
    assert_true(fm_preprocess_preset("cifar", &p));
    assert_true(p.channels == 3 && p.scale == 1.0f / 255.0f);
    assert_true(p.mean[0] == 0.485f && p.mean[1] == 0.456f && p.mean[2] == 0.406f);
    assert_true(p.std[0] == 0.229f && p.std[1] == 0.224f && p.std[2] == 0.225f);
    assert_true(fm_preprocess_preset("imagenet-uint8", &p));
    assert_true(p.channels == 3 && p.scale == 1.0f && p.mean[1] == 0.0f && p.std[1] == 1.0f);
    assert_true(p.resize == 0 && p.crop_h == 0 && p.crop_w == 0);
    assert_false(fm_preprocess_preset("nope", &p));
    assert_false(fm_preprocess_preset(NULL, &p));
}

static void test_check_rejects_bad_config(void **state)
{
    (void)state;
    fm_preprocess p;
    fm_error e = {0};
    fm_preprocess_preset("raw", &p);
    p.channels = 2;
    assert_int_equal(fm_pp_check(&p, &e), FM_ERR_INVALID);
    fm_preprocess_preset("raw", &p);
    p.crop_h = -1;
    assert_int_equal(fm_pp_check(&p, &e), FM_ERR_INVALID);
    memset(&p, 0, sizeof p); /* zeroed struct: std 0 */
    assert_int_equal(fm_pp_check(&p, &e), FM_ERR_INVALID);
    assert_non_null(strstr(e.msg, "std[0]"));
    /* std of unused channels does not matter; of used ones it does. */
    fm_preprocess_preset("raw", &p);
    p.std[2] = 0;
    assert_int_equal(fm_pp_check(&p, &e), FM_OK);
    fm_dataset ds = {0};
    ds.pp = p;
    assert_int_equal(fm_pp_init(&ds, 4, 4, 1, "grey.png", &e), FM_OK);
    assert_int_equal(fm_pp_init(&ds, 4, 4, 3, "rgb.png", &e), FM_ERR_INVALID);
    assert_non_null(strstr(e.msg, "std[2]"));
}

/* Every uint8 value and channel: table path == formula == float path. */
static void test_normalisation_exact(void **state)
{
    (void)state;
    const char *presets[] = {"raw", "unit", "cifar", "imagenet-uint8"};
    for (int k = 0; k < 4; k++) {
        fm_preprocess p;
        fm_preprocess_preset(presets[k], &p);
        p.channels = 3;
        fm_dataset *ds = shell(&p, 1, 256, 3);
        uint8_t img[256 * 3];
        float f[3 * 256];
        for (int v = 0; v < 256; v++)
            for (int c = 0; c < 3; c++) {
                img[v * 3 + c] = (uint8_t)(c == 1 ? 255 - v : v);
                f[c * 256 + v] = img[v * 3 + c];
            }
        float a[3 * 256], b[3 * 256];
        fm_scratch s = {0};
        fm_error e = {0};
        assert_int_equal(fm_pp_apply_u8(ds, img, 1, 256, 3, a, &s, "t", &e), FM_OK);
        assert_int_equal(fm_pp_apply_f32(ds, f, 1, 256, 3, b, &s, "t", &e), FM_OK);
        for (int c = 0; c < 3; c++)
            for (int v = 0; v < 256; v++) {
                float px = (float)img[v * 3 + c];
                float want = (px * p.scale - p.mean[c]) / p.std[c];
                assert_true(a[c * 256 + v] == want);
                assert_true(b[c * 256 + v] == want);
            }
        fm_scratch_free(&s);
        free(ds);
    }
}

static void test_centre_crop(void **state)
{
    (void)state;
    fm_preprocess p;
    fm_preprocess_preset("raw", &p);
    p.crop_h = 2;
    p.crop_w = 3;
    fm_dataset *ds = shell(&p, 5, 6, 1);
    assert_int_equal(ds->h, 2);
    assert_int_equal(ds->w, 3);
    uint8_t img[30];
    for (int i = 0; i < 30; i++)
        img[i] = (uint8_t)i;
    float out[6];
    fm_scratch s = {0};
    fm_error e = {0};
    assert_int_equal(fm_pp_apply_u8(ds, img, 5, 6, 1, out, &s, "t", &e), FM_OK);
    /* offsets floor((5-2)/2) = 1 and floor((6-3)/2) = 1 */
    const float want[6] = {7, 8, 9, 13, 14, 15};
    for (int i = 0; i < 6; i++)
        assert_true(out[i] == want[i]);
    /* 227 -> 224 starts at row 1 */
    fm_preprocess_preset("raw", &p);
    p.crop_h = p.crop_w = 224;
    free(ds);
    ds = shell(&p, 227, 227, 1);
    uint8_t *big = malloc(227 * 227);
    for (int y = 0; y < 227; y++)
        for (int x = 0; x < 227; x++)
            big[y * 227 + x] = (uint8_t)(y == 1 && x == 1 ? 200 : y);
    float *o = malloc(sizeof(float) * 224 * 224);
    assert_int_equal(fm_pp_apply_u8(ds, big, 227, 227, 1, o, &s, "t", &e), FM_OK);
    assert_true(o[0] == 200.0f);
    assert_true(o[224] == 2.0f);
    free(big);
    free(o);
    /* Crop larger than the image. */
    assert_int_equal(fm_pp_apply_u8(ds, img, 5, 6, 1, out, &s, "small.png", &e), FM_ERR_SHAPE);
    assert_non_null(strstr(e.msg, "small.png"));
    fm_scratch_free(&s);
    free(ds);
    fm_dataset bad = {0};
    bad.pp = p;
    assert_int_equal(fm_pp_init(&bad, 100, 300, 3, "first.png", &e), FM_ERR_SHAPE);
}

static void test_resize_shorter_side_sizes(void **state)
{
    (void)state;
    fm_preprocess p;
    fm_preprocess_preset("raw", &p);
    p.resize = 2;
    int oh, ow;
    fm_error e = {0};
    assert_int_equal(fm_pp_out_size(&p, 4, 8, &oh, &ow, "t", &e), FM_OK);
    assert_true(oh == 2 && ow == 4);
    assert_int_equal(fm_pp_out_size(&p, 8, 4, &oh, &ow, "t", &e), FM_OK);
    assert_true(oh == 4 && ow == 2);
    assert_int_equal(fm_pp_out_size(&p, 3, 5, &oh, &ow, "t", &e), FM_OK);
    assert_true(oh == 2 && ow == 3); /* floor(2 * 5 / 3) */
    p.resize = 256;
    p.crop_h = p.crop_w = 224;
    assert_int_equal(fm_pp_out_size(&p, 227, 300, &oh, &ow, "t", &e), FM_OK);
    assert_true(oh == 224 && ow == 224);
}

static void test_resize_constant_stays_constant(void **state)
{
    (void)state;
    const float consts[] = {0.1f, 37.0f, 255.0f, 1e-7f, 123.456f};
    const int sizes[][4] = {{7, 9, 3, 5}, {5, 5, 17, 17}, {31, 17, 160, 90}, {1, 1, 4, 4}};
    for (int c = 0; c < 5; c++)
        for (int k = 0; k < 4; k++) {
            int h = sizes[k][0], w = sizes[k][1], oh = sizes[k][2], ow = sizes[k][3];
            float *src = malloc(sizeof(float) * h * w), *dst = malloc(sizeof(float) * oh * ow);
            for (int i = 0; i < h * w; i++)
                src[i] = consts[c];
            assert_int_equal(
                fm_resize_bilinear(src, 1, h, w, oh, ow, 0, 0, dst, oh, ow, NULL), 0);
            for (int i = 0; i < oh * ow; i++)
                assert_true(dst[i] == consts[c]);
            free(src);
            free(dst);
        }
}

static void test_resize_values(void **state)
{
    (void)state;
    /* 2x2 -> 4x4: source coordinates -0.25, 0.25, 0.75, 1.25 clamp to
     * 0, 0.25, 0.75, 1. */
    const float src[4] = {0, 100, 200, 40};
    float dst[16];
    assert_int_equal(fm_resize_bilinear(src, 1, 2, 2, 4, 4, 0, 0, dst, 4, 4, NULL), 0);
    const float row0[4] = {0, 25, 75, 100};
    const float row3[4] = {200, 160, 80, 40};
    for (int x = 0; x < 4; x++) {
        assert_true(dst[x] == row0[x]);
        assert_true(dst[12 + x] == row3[x]);
    }
    /* row 1 (y 0.25): between row0 and row3 at 1/4 */
    for (int x = 0; x < 4; x++)
        assert_true(dst[4 + x] == row0[x] + 0.25f * (row3[x] - row0[x]));
    /* 4x4 -> 2x2 averages 2x2 blocks (coordinates 0.5 and 2.5). */
    float big[16], small[4];
    for (int i = 0; i < 16; i++)
        big[i] = (float)(i * 4);
    assert_int_equal(fm_resize_bilinear(big, 1, 4, 4, 2, 2, 0, 0, small, 2, 2, NULL), 0);
    assert_true(small[0] == (0 + 4 + 16 + 20) / 4.0f);
    assert_true(small[3] == (40 + 44 + 56 + 60) / 4.0f);
    /* A window of the resized image equals the same part of the full one. */
    float full[16], win[4];
    assert_int_equal(fm_resize_bilinear(src, 1, 2, 2, 4, 4, 0, 0, full, 4, 4, NULL), 0);
    assert_int_equal(fm_resize_bilinear(src, 1, 2, 2, 4, 4, 1, 2, win, 2, 2, NULL), 0);
    assert_true(win[0] == full[6] && win[1] == full[7] && win[2] == full[10] &&
                win[3] == full[11]);
}

/* Resize + crop through the preprocessing path: uint8 and float agree. */
static void test_resize_crop_pipeline(void **state)
{
    (void)state;
    fm_preprocess p;
    fm_preprocess_preset("cifar", &p);
    p.resize = 20;
    p.crop_h = p.crop_w = 16;
    fm_dataset *ds = shell(&p, 30, 40, 3);
    assert_true(ds->c == 3 && ds->h == 16 && ds->w == 16);
    uint64_t rng = 7;
    uint8_t img[30 * 40 * 3];
    float f[3 * 30 * 40];
    for (int i = 0; i < 30 * 40; i++)
        for (int c = 0; c < 3; c++) {
            img[i * 3 + c] = (uint8_t)fm_test_rand(&rng);
            f[c * 1200 + i] = img[i * 3 + c];
        }
    float a[3 * 256], b[3 * 256];
    fm_scratch s = {0};
    fm_error e = {0};
    assert_int_equal(fm_pp_apply_u8(ds, img, 30, 40, 3, a, &s, "t", &e), FM_OK);
    assert_int_equal(fm_pp_apply_f32(ds, f, 30, 40, 3, b, &s, "t", &e), FM_OK);
    assert_memory_equal(a, b, sizeof a);
    /* Reference: full resize to 20x26, crop at (2, 5), normalise. */
    float *r = malloc(sizeof(float) * 3 * 20 * 26);
    assert_int_equal(fm_resize_bilinear(f, 3, 30, 40, 20, 26, 0, 0, r, 20, 26, NULL), 0);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++) {
                float px = r[(c * 20 + y + 2) * 26 + x + 5];
                assert_true(a[(c * 16 + y) * 16 + x] == (px * p.scale - p.mean[c]) / p.std[c]);
            }
    free(r);
    /* A differently sized image that the crop still fits. */
    uint8_t img2[24 * 24 * 3] = {0};
    assert_int_equal(fm_pp_apply_u8(ds, img2, 24, 24, 3, a, &s, "t", &e), FM_OK);
    fm_scratch_free(&s);
    free(ds);
}

static void test_channel_conversion(void **state)
{
    (void)state;
    fm_preprocess p;
    fm_preprocess_preset("raw", &p);
    p.channels = 1;
    fm_dataset *ds = shell(&p, 1, 2, 3);
    const uint8_t rgb[6] = {10, 20, 30, 255, 0, 128};
    float out[2];
    fm_scratch s = {0};
    fm_error e = {0};
    assert_int_equal(fm_pp_apply_u8(ds, rgb, 1, 2, 3, out, &s, "t", &e), FM_OK);
    assert_true(out[0] == 0.299f * 10.0f + 0.587f * 20.0f + 0.114f * 30.0f);
    assert_true(out[1] == 0.299f * 255.0f + 0.587f * 0.0f + 0.114f * 128.0f);
    free(ds);
    p.channels = 3;
    ds = shell(&p, 1, 2, 1);
    const uint8_t grey[2] = {7, 250};
    float o3[6];
    assert_int_equal(fm_pp_apply_u8(ds, grey, 1, 2, 1, o3, &s, "t", &e), FM_OK);
    const float want[6] = {7, 250, 7, 250, 7, 250};
    assert_memory_equal(o3, want, sizeof want);
    /* Native channels follow the first image; a later RGB image on a grey
     * data set is converted. */
    free(ds);
    p.channels = 0;
    ds = shell(&p, 1, 2, 1);
    assert_int_equal(ds->c, 1);
    assert_int_equal(fm_pp_apply_u8(ds, rgb, 1, 2, 3, out, &s, "t", &e), FM_OK);
    assert_true(out[0] == 0.299f * 10.0f + 0.587f * 20.0f + 0.114f * 30.0f);
    /* Size differs from the first image and nothing fixes it. */
    uint8_t img[9] = {0};
    assert_int_equal(fm_pp_apply_u8(ds, img, 3, 3, 1, out, &s, "odd.png", &e), FM_ERR_SHAPE);
    assert_non_null(strstr(e.msg, "odd.png"));
    fm_scratch_free(&s);
    free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presets),
        cmocka_unit_test(test_check_rejects_bad_config),
        cmocka_unit_test(test_normalisation_exact),
        cmocka_unit_test(test_centre_crop),
        cmocka_unit_test(test_resize_shorter_side_sizes),
        cmocka_unit_test(test_resize_constant_stays_constant),
        cmocka_unit_test(test_resize_values),
        cmocka_unit_test(test_resize_crop_pipeline),
        cmocka_unit_test(test_channel_conversion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
