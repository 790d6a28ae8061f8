/* Image folders and list files: PNG (exact) and JPEG (approximate) round
 * trips, PNG variants, ordering, classes.txt, mixed sizes, bad inputs, and
 * concurrent reads. The real CIFAR-10 and ImageNet sets are in
 * test_shared_images.c. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fm_test.h"
#include "data/data_fixtures.h"
#include "data/dataset_internal.h"
#include "data/image_fixtures.h"
#include "flexmac/data.h"

enum { W = 5, H = 4 };

static void path_join(char *out, size_t n, const char *a, const char *b)
{
    int r = snprintf(out, n, "%s/%s", a, b);
    assert_true(r > 0 && (size_t)r < n);
}

static void mkdir_in(const char *dir, const char *name)
{
    char p[512];
    path_join(p, sizeof p, dir, name);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void random_pixels(uint8_t *px, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        px[i] = (uint8_t)(fm_test_rand(&seed) >> 24);
    px[0] = 0;
    px[n - 1] = 255;
}

static fm_dataset *open_ok(const char *spec, const fm_preprocess *p)
{
    fm_dataset *ds = NULL;
    fm_error e = {0};
    fm_status st = fm_dataset_open(spec, p, &ds, &e);
    if (st)
        fprintf(stderr, "open %s: %s\n", spec, e.msg);
    assert_int_equal(st, FM_OK);
    return ds;
}

/* Folder DIR/{cat,ant}/{b,a}.png: order ant/a, ant/b, cat/a, cat/b. */
static void test_png_folder_exact(void **state)
{
    (void)state;
    char dir[256], p[512];
    fx_tmpdir(dir);
    mkdir_in(dir, "cat");
    mkdir_in(dir, "ant");
    mkdir_in(dir, ".hidden");
    const char *files[4] = {"ant/a.png", "ant/b.PNG", "cat/a.png", "cat/b.png"};
    uint8_t px[4][H * W * 3];
    for (int i = 3; i >= 0; i--) { /* written in reverse: order must come from sorting */
        random_pixels(px[i], sizeof px[i], 100 + (uint64_t)i);
        path_join(p, sizeof p, dir, files[i]);
        assert_int_equal(fx_write_png8(p, W, H, 3, px[i]), 0);
    }
    path_join(p, sizeof p, dir, "cat/notes.txt"); /* ignored: not an image name */
    assert_int_equal(fx_write(p, "x", 1, 0), 0);
    fm_dataset *ds = open_ok(dir, NULL);
    assert_int_equal(fm_dataset_count(ds), 4);
    assert_int_equal(fm_dataset_num_classes(ds), 2);
    assert_string_equal(fm_dataset_class_name(ds, 0), "ant");
    assert_string_equal(fm_dataset_class_name(ds, 1), "cat");
    assert_null(fm_dataset_class_name(ds, 2));
    int c, h, w;
    fm_dataset_shape(ds, &c, &h, &w);
    assert_true(c == 3 && h == H && w == W);
    float x[4 * 3 * H * W];
    int32_t lab[4];
    fm_error e = {0};
    assert_int_equal(fm_dataset_read_range(ds, 0, 4, x, lab, &e), FM_OK);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(lab[i], i / 2);
        for (int ch = 0; ch < 3; ch++)
            for (int j = 0; j < H * W; j++)
                assert_true(x[(i * 3 + ch) * H * W + j] == (float)px[i][j * 3 + ch]);
    }
    char name[512];
    fm_dataset_sample_name(ds, 1, name, sizeof name);
    assert_non_null(strstr(name, "ant/b.PNG"));
    int64_t idx[1] = {2};
    assert_int_equal(fm_dataset_read(ds, idx, 1, x, lab, &e), FM_OK);
    assert_true(x[0] == (float)px[2][0] && lab[0] == 1);
    fm_dataset_close(ds);
    fx_rmtree(dir);
}

static uint8_t *decode_file(const char *path, int *h, int *w, int *c, fm_status *st)
{
    fm_scratch s = {0};
    fm_error e = {0};
    *st = fm_image_decode(path, &s, h, w, c, &e);
    if (*st) {
        fm_scratch_free(&s);
        return NULL;
    }
    uint8_t *px = s.u8; /* caller frees */
    s.u8 = NULL;
    fm_scratch_free(&s);
    return px;
}

static void test_png_variants(void **state)
{
    (void)state;
    char dir[256], p[512];
    fx_tmpdir(dir);
    fm_status st;
    int h, w, c;
    uint8_t *out;

    /* 8-bit grey */
    uint8_t grey[H * W];
    random_pixels(grey, sizeof grey, 1);
    path_join(p, sizeof p, dir, "g.png");
    assert_int_equal(fx_write_png8(p, W, H, 1, grey), 0);
    out = decode_file(p, &h, &w, &c, &st);
    assert_true(st == FM_OK && h == H && w == W && c == 1);
    assert_memory_equal(out, grey, sizeof grey);
    free(out);

    /* 1-bit grey expands to 0/255 */
    uint8_t bits[H] = {0xA0, 0x50, 0xF8, 0x00}; /* 5 pixels per row, MSB first */
    path_join(p, sizeof p, dir, "b.png");
    assert_int_equal(fx_write_png(p, W, H, PNG_COLOR_TYPE_GRAY, 1, 0, bits, 1, NULL, 0, NULL, 0),
                     0);
    out = decode_file(p, &h, &w, &c, &st);
    assert_true(st == FM_OK && c == 1);
    assert_true(out[0] == 255 && out[1] == 0 && out[2] == 255 && out[5] == 0 && out[6] == 255);
    assert_true(out[10] == 255 && out[14] == 255 && out[15] == 0);
    free(out);

    /* 16-bit RGB keeps the high byte */
    uint8_t rgb16[H * W * 6];
    random_pixels(rgb16, sizeof rgb16, 2);
    path_join(p, sizeof p, dir, "s.png");
    assert_int_equal(
        fx_write_png(p, W, H, PNG_COLOR_TYPE_RGB, 16, 0, rgb16, W * 6, NULL, 0, NULL, 0), 0);
    out = decode_file(p, &h, &w, &c, &st);
    assert_true(st == FM_OK && c == 3);
    for (int i = 0; i < H * W * 3; i++)
        assert_int_equal(out[i], rgb16[2 * i]);
    free(out);

    /* RGBA drops alpha */
    uint8_t rgba[H * W * 4];
    random_pixels(rgba, sizeof rgba, 3);
    path_join(p, sizeof p, dir, "a.png");
    assert_int_equal(
        fx_write_png(p, W, H, PNG_COLOR_TYPE_RGBA, 8, 0, rgba, W * 4, NULL, 0, NULL, 0), 0);
    out = decode_file(p, &h, &w, &c, &st);
    assert_true(st == FM_OK && c == 3);
    for (int i = 0; i < H * W; i++)
        for (int k = 0; k < 3; k++)
            assert_int_equal(out[i * 3 + k], rgba[i * 4 + k]);
    free(out);

    /* Palette with transparency expands to RGB */
    png_color pal[4] = {{1, 2, 3}, {40, 50, 60}, {200, 100, 0}, {255, 255, 255}};
    uint8_t trns[4] = {0, 128, 255, 255};
    uint8_t ind[H * W];
    for (int i = 0; i < H * W; i++)
        ind[i] = (uint8_t)(i % 4);
    path_join(p, sizeof p, dir, "p.png");
    assert_int_equal(
        fx_write_png(p, W, H, PNG_COLOR_TYPE_PALETTE, 8, 0, ind, W, pal, 4, trns, 4), 0);
    out = decode_file(p, &h, &w, &c, &st);
    assert_true(st == FM_OK && c == 3);
    for (int i = 0; i < H * W; i++) {
        const png_color *q = &pal[i % 4];
        assert_true(out[i * 3] == q->red && out[i * 3 + 1] == q->green &&
                    out[i * 3 + 2] == q->blue);
    }
    free(out);

    /* Adam7 interlaced RGB */
    enum { IW = 13, IH = 11 };
    uint8_t big[IH * IW * 3];
    random_pixels(big, sizeof big, 4);
    path_join(p, sizeof p, dir, "i.png");
    assert_int_equal(
        fx_write_png(p, IW, IH, PNG_COLOR_TYPE_RGB, 8, 1, big, IW * 3, NULL, 0, NULL, 0), 0);
    out = decode_file(p, &h, &w, &c, &st);
    assert_true(st == FM_OK && h == IH && w == IW && c == 3);
    assert_memory_equal(out, big, sizeof big);
    free(out);
    fx_rmtree(dir);
}

static void test_jpeg_roundtrip(void **state)
{
    (void)state;
    char dir[256], p[512];
    fx_tmpdir(dir);
    mkdir_in(dir, "k");
    enum { JW = 24, JH = 16 };
    uint8_t px[JH * JW * 3], g[JH * JW];
    for (int y = 0; y < JH; y++)
        for (int x = 0; x < JW; x++) {
            px[(y * JW + x) * 3] = (uint8_t)(x * 10);
            px[(y * JW + x) * 3 + 1] = (uint8_t)(y * 15);
            px[(y * JW + x) * 3 + 2] = (uint8_t)(128 + x - y);
            g[y * JW + x] = (uint8_t)(x * 5 + y * 3);
        }
    path_join(p, sizeof p, dir, "k/1.jpg");
    assert_int_equal(fx_write_jpeg(p, JW, JH, 3, px, 95), 0);
    path_join(p, sizeof p, dir, "k/2.jpeg");
    assert_int_equal(fx_write_jpeg(p, JW, JH, 1, g, 95), 0);
    fm_dataset *ds = open_ok(dir, NULL);
    assert_int_equal(fm_dataset_count(ds), 2);
    int c, h, w;
    fm_dataset_shape(ds, &c, &h, &w);
    assert_true(c == 3 && h == JH && w == JW);
    float x[2 * 3 * JH * JW];
    fm_error e = {0};
    assert_int_equal(fm_dataset_read_range(ds, 0, 2, x, NULL, &e), FM_OK);
    double err_rgb = 0, err_g = 0;
    int worst = 0;
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < JH * JW; i++) {
            double d = x[k * JH * JW + i] - px[i * 3 + k];
            err_rgb += d < 0 ? -d : d;
            worst = (int)(d < 0 ? -d : d) > worst ? (int)(d < 0 ? -d : d) : worst;
            /* grey image repeated into all 3 channels */
            double dg = x[3 * JH * JW + k * JH * JW + i] - g[i];
            err_g += dg < 0 ? -dg : dg;
        }
    err_rgb /= 3.0 * JH * JW;
    err_g /= 3.0 * JH * JW;
    assert_true(err_rgb < 4.0);
    assert_true(worst < 40);
    assert_true(err_g < 2.0);
    fm_dataset_close(ds);
    fx_rmtree(dir);
}

static void test_classes_txt_and_sizes(void **state)
{
    (void)state;
    char dir[256], p[512];
    fx_tmpdir(dir);
    mkdir_in(dir, "ant");
    mkdir_in(dir, "zebra");
    path_join(p, sizeof p, dir, "classes.txt");
    assert_int_equal(fx_write(p, "zebra\n\n  ant  \n", 15, 0), 0);
    uint8_t a[8 * 8 * 3], b[10 * 12 * 3];
    random_pixels(a, sizeof a, 5);
    random_pixels(b, sizeof b, 6);
    path_join(p, sizeof p, dir, "zebra/z.png");
    assert_int_equal(fx_write_png8(p, 8, 8, 3, a), 0);
    path_join(p, sizeof p, dir, "ant/big.png");
    assert_int_equal(fx_write_png8(p, 12, 10, 3, b), 0);
    /* zebra first: the 8x8 image fixes the size; the 10x12 one does not fit */
    fm_dataset *ds = open_ok(dir, NULL);
    assert_string_equal(fm_dataset_class_name(ds, 0), "zebra");
    assert_string_equal(fm_dataset_class_name(ds, 1), "ant");
    float x[3 * 10 * 12];
    int32_t lab;
    fm_error e = {0};
    assert_int_equal(fm_dataset_read_range(ds, 0, 1, x, &lab, &e), FM_OK);
    assert_int_equal(lab, 0);
    assert_int_equal(fm_dataset_read_range(ds, 1, 1, x, &lab, &e), FM_ERR_SHAPE);
    assert_non_null(strstr(e.msg, "ant/big.png"));
    fm_dataset_close(ds);
    /* A centre crop makes the sizes agree. */
    fm_preprocess pp;
    fm_preprocess_preset("raw", &pp);
    pp.crop_h = pp.crop_w = 6;
    ds = open_ok(dir, &pp);
    assert_int_equal(fm_dataset_read_range(ds, 1, 1, x, &lab, &e), FM_OK);
    assert_int_equal(lab, 1);
    assert_true(x[0] == b[(2 * 12 + 3) * 3]); /* offsets (2, 3) */
    fm_dataset_close(ds);
    /* classes.txt naming a missing folder */
    path_join(p, sizeof p, dir, "classes.txt");
    assert_int_equal(fx_write(p, "zebra\nyak\n", 10, 0), 0);
    ds = NULL;
    assert_int_equal(fm_dataset_open(dir, NULL, &ds, &e), FM_ERR_IO);
    assert_non_null(strstr(e.msg, "yak"));
    fx_rmtree(dir);
}

static void test_empty_folders(void **state)
{
    (void)state;
    char dir[256], p[512];
    fm_dataset *ds = NULL;
    fm_error e = {0};
    fx_tmpdir(dir);
    assert_int_equal(fm_dataset_open(dir, NULL, &ds, &e), FM_ERR_FORMAT);
    assert_null(ds);
    assert_non_null(strstr(e.msg, dir));
    assert_non_null(strstr(e.msg, "no class sub-folders"));
    /* loose images, no classes */
    uint8_t px[3] = {1, 2, 3};
    path_join(p, sizeof p, dir, "x.png");
    assert_int_equal(fx_write_png8(p, 1, 1, 3, px), 0);
    assert_int_equal(fm_dataset_open(dir, NULL, &ds, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "no label"));
    /* class folders without images */
    mkdir_in(dir, "a");
    mkdir_in(dir, "b");
    assert_int_equal(fm_dataset_open(dir, NULL, &ds, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, dir));
    assert_non_null(strstr(e.msg, "no PNG or JPEG"));
    fx_rmtree(dir);
    assert_int_equal(fm_dataset_open("/nonexistent/folder", NULL, &ds, &e), FM_ERR_IO);
    assert_non_null(strstr(e.msg, "/nonexistent/folder"));
}

/* Writes DIR/c/{0,1}.png and returns DIR/c/1.png's path in second. */
static void two_png_folder(char *dir, char *second, size_t n, uint8_t *px, size_t len)
{
    fx_tmpdir(dir);
    mkdir_in(dir, "c");
    char p[512];
    path_join(p, sizeof p, dir, "c/0.png");
    assert_int_equal(fx_write_png8(p, 16, 16, 3, px), 0);
    path_join(second, n, dir, "c/1.png");
    assert_int_equal(fx_write_png8(second, 16, 16, 3, px), 0);
    (void)len;
}

static void expect_read_fails(const char *dir, const char *bad, fm_status want)
{
    fm_dataset *ds = open_ok(dir, NULL);
    float x[3 * 16 * 16];
    fm_error e = {0};
    assert_int_equal(fm_dataset_read_range(ds, 0, 1, x, NULL, &e), FM_OK);
    assert_int_equal(fm_dataset_read_range(ds, 1, 1, x, NULL, &e), want);
    assert_non_null(strstr(e.msg, bad));
    fm_dataset_close(ds);
}

static void test_corrupt_png(void **state)
{
    (void)state;
    char dir[256], bad[512];
    uint8_t px[16 * 16 * 3];
    random_pixels(px, sizeof px, 9);
    two_png_folder(dir, bad, sizeof bad, px, sizeof px);
    size_t len = 0;
    uint8_t *b = fx_slurp(bad, &len);
    assert_true(len > 60);
    /* Damage the compressed data (CRC and inflate both notice). */
    uint8_t *c = malloc(len);
    memcpy(c, b, len);
    for (size_t i = 45; i < 60; i++)
        c[i] ^= 0x5A;
    assert_int_equal(fx_write(bad, c, len, 0), 0);
    expect_read_fails(dir, "1.png", FM_ERR_FORMAT);
    /* Truncated. */
    assert_int_equal(fx_write(bad, b, len / 2, 0), 0);
    expect_read_fails(dir, "1.png", FM_ERR_FORMAT);
    /* Signature only. */
    assert_int_equal(fx_write(bad, b, 8, 0), 0);
    expect_read_fails(dir, "1.png", FM_ERR_FORMAT);
    /* Not an image at all. */
    assert_int_equal(fx_write(bad, "hello world", 11, 0), 0);
    expect_read_fails(dir, "1.png", FM_ERR_FORMAT);
    /* A huge claimed size in IHDR (with a valid CRC) is refused. */
    memcpy(c, b, len);
    c[16] = 0x7f; /* width high byte */
    uint32_t crc = (uint32_t)crc32(0, c + 12, 17);
    c[29] = (uint8_t)(crc >> 24);
    c[30] = (uint8_t)(crc >> 16);
    c[31] = (uint8_t)(crc >> 8);
    c[32] = (uint8_t)crc;
    assert_int_equal(fx_write(bad, c, len, 0), 0);
    expect_read_fails(dir, "1.png", FM_ERR_FORMAT);
    /* A corrupt first image fails already at open. */
    char first[512];
    path_join(first, sizeof first, dir, "c/0.png");
    assert_int_equal(fx_write(first, b, len / 3, 0), 0);
    fm_dataset *ds = NULL;
    fm_error e = {0};
    assert_int_equal(fm_dataset_open(dir, NULL, &ds, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "0.png"));
    free(b);
    free(c);
    fx_rmtree(dir);
}

static void test_corrupt_jpeg(void **state)
{
    (void)state;
    char dir[256], bad[512];
    uint8_t px[16 * 16 * 3];
    random_pixels(px, sizeof px, 10);
    two_png_folder(dir, bad, sizeof bad, px, sizeof px);
    char jp[512];
    path_join(jp, sizeof jp, dir, "c/1.jpg");
    assert_int_equal(rename(bad, jp), 0);
    assert_int_equal(fx_write_jpeg(jp, 16, 16, 3, px, 90), 0);
    size_t len = 0;
    uint8_t *b = fx_slurp(jp, &len);
    /* Truncated inside the entropy-coded data. */
    assert_int_equal(fx_write(jp, b, len - 40, 0), 0);
    expect_read_fails(dir, "1.jpg", FM_ERR_FORMAT);
    /* Header only (SOI + a few bytes). */
    assert_int_equal(fx_write(jp, b, 20, 0), 0);
    expect_read_fails(dir, "1.jpg", FM_ERR_FORMAT);
    /* Garbage after SOI. */
    uint8_t junk[64] = {0xFF, 0xD8, 0xFF, 0x01, 0x02};
    assert_int_equal(fx_write(jp, junk, sizeof junk, 0), 0);
    expect_read_fails(dir, "1.jpg", FM_ERR_FORMAT);
    free(b);
    fx_rmtree(dir);
}

static void write_text(const char *path, const char *text)
{
    assert_int_equal(fx_write(path, text, strlen(text), 0), 0);
}

static void test_list_file(void **state)
{
    (void)state;
    char dir[256], p[512], list[512], text[1024];
    fx_tmpdir(dir);
    mkdir_in(dir, "img");
    uint8_t px[3][6 * 6];
    for (int i = 0; i < 3; i++) {
        random_pixels(px[i], sizeof px[i], 20 + (uint64_t)i);
        snprintf(p, sizeof p, "%s/img/%d.png", dir, i);
        assert_int_equal(fx_write_png8(p, 6, 6, 1, px[i]), 0);
    }
    path_join(list, sizeof list, dir, "list.txt");
    snprintf(text, sizeof text,
             "# comment\nimg/2.png, 7\n\n  img/0.png ,3  \r\n%s/img/1.png,0\n", dir);
    write_text(list, text);
    fm_dataset *ds = open_ok(list, NULL);
    assert_int_equal(fm_dataset_count(ds), 3);
    assert_int_equal(fm_dataset_num_classes(ds), 8);
    float x[3 * 36];
    int32_t lab[3];
    fm_error e = {0};
    assert_int_equal(fm_dataset_read_range(ds, 0, 3, x, lab, &e), FM_OK);
    const int order[3] = {2, 0, 1}, labels[3] = {7, 3, 0};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(lab[k], labels[k]);
        for (int j = 0; j < 36; j++)
            assert_true(x[k * 36 + j] == (float)px[order[k]][j]);
    }
    fm_dataset_close(ds);
    /* classes.txt next to the list sets num_classes */
    path_join(p, sizeof p, dir, "classes.txt");
    write_text(p, "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n");
    ds = open_ok(list, NULL);
    assert_int_equal(fm_dataset_num_classes(ds), 10);
    fm_dataset_close(ds);
    fx_rmtree(dir);
}

static void test_bad_list_lines(void **state)
{
    (void)state;
    char dir[256], p[512], list[512];
    fx_tmpdir(dir);
    uint8_t px[4] = {1, 2, 3, 4};
    path_join(p, sizeof p, dir, "a.png");
    assert_int_equal(fx_write_png8(p, 2, 2, 1, px), 0);
    path_join(list, sizeof list, dir, "list.txt");
    static const char *bad[] = {
        "a.png, 1\na.png\n",          /* no comma */
        "a.png, 1\na.png, x\n",       /* label not a number */
        "a.png, 1\na.png, -2\n",      /* negative */
        "a.png, 1\n, 3\n",            /* no file */
        "a.png, 1\na.png, 3 4\n",     /* trailing junk */
        "a.png, 1\na.png, 99999999999\n",
    };
    fm_dataset *ds = NULL;
    fm_error e = {0};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_text(list, bad[i]);
        assert_int_equal(fm_dataset_open(list, NULL, &ds, &e), FM_ERR_FORMAT);
        assert_null(ds);
        assert_non_null(strstr(e.msg, "list.txt:2"));
    }
    write_text(list, "a.png, 1\n\nmissing.png, 3\n");
    assert_int_equal(fm_dataset_open(list, NULL, &ds, &e), FM_ERR_IO);
    assert_non_null(strstr(e.msg, "list.txt:3"));
    assert_non_null(strstr(e.msg, "missing.png"));
    write_text(list, "# nothing\n\n");
    assert_int_equal(fm_dataset_open(list, NULL, &ds, &e), FM_ERR_FORMAT);
    assert_non_null(strstr(e.msg, "list.txt"));
    fx_rmtree(dir);
}

typedef struct job {
    fm_dataset *ds;
    int64_t start;
    int n;
    float *x;
    int32_t *lab;
    fm_status st;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    fm_error e = {0};
    /* many small calls, so the two threads interleave */
    for (int k = 0; k < j->n && !j->st; k++)
        j->st = fm_dataset_read_range(j->ds, j->start + k, 1, j->x + (size_t)k * 3 * 64 * 64,
                                      j->lab + k, &e);
    return NULL;
}

static void test_concurrent_reads(void **state)
{
    (void)state;
    char dir[256], p[512];
    fx_tmpdir(dir);
    mkdir_in(dir, "a");
    mkdir_in(dir, "b");
    enum { N = 24 };
    uint8_t *px = malloc(80 * 72 * 3);
    for (int i = 0; i < N; i++) {
        random_pixels(px, 80 * 72 * 3, 300 + (uint64_t)i);
        snprintf(p, sizeof p, "%s/%s/%02d.%s", dir, i < N / 2 ? "a" : "b", i,
                 i % 3 ? "png" : "jpg");
        if (i % 3)
            assert_int_equal(fx_write_png8(p, 80, 72, 3, px), 0);
        else
            assert_int_equal(fx_write_jpeg(p, 80, 72, 3, px, 80), 0);
    }
    free(px);
    fm_preprocess pp;
    fm_preprocess_preset("cifar", &pp);
    pp.resize = 70;
    pp.crop_h = pp.crop_w = 64;
    fm_dataset *ds = open_ok(dir, &pp);
    size_t per = 3 * 64 * 64;
    float *ref = malloc(sizeof(float) * N * per), *x = malloc(sizeof(float) * N * per);
    int32_t rl[N], l[N];
    fm_error e = {0};
    assert_int_equal(fm_dataset_read_range(ds, 0, N, ref, rl, &e), FM_OK);
    job a = {ds, 0, N / 2, x, l, FM_OK}, b = {ds, N / 2, N / 2, x + N / 2 * per, l + N / 2, FM_OK};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, run_job, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, run_job, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.st, FM_OK);
    assert_int_equal(b.st, FM_OK);
    assert_memory_equal(ref, x, sizeof(float) * N * per);
    assert_memory_equal(rl, l, sizeof rl);
    free(ref);
    free(x);
    fm_dataset_close(ds);
    fx_rmtree(dir);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    fm_dataset *ds = NULL;
    fm_error e = {0};
    assert_int_equal(fm_dataset_open("", NULL, &ds, &e), FM_ERR_INVALID);
    assert_int_equal(fm_dataset_open(NULL, NULL, &ds, &e), FM_ERR_INVALID);
    assert_int_equal(fm_dataset_open("x", NULL, NULL, &e), FM_ERR_INVALID);
    assert_int_equal(fm_dataset_open("/nonexistent/list.txt", NULL, &ds, &e), FM_ERR_IO);
    assert_non_null(strstr(e.msg, "/nonexistent/list.txt"));
    assert_int_equal(fm_dataset_open("idx:only-one", NULL, &ds, &e), FM_ERR_INVALID);
    fm_preprocess p;
    fm_preprocess_preset("raw", &p);
    p.std[0] = 0;
    assert_int_equal(fm_dataset_open("/nonexistent", &p, &ds, &e), FM_ERR_INVALID);
    assert_non_null(strstr(e.msg, "std[0]"));
    fm_dataset_close(NULL);
    assert_int_equal(fm_dataset_count(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_folder_exact),
        cmocka_unit_test(test_png_variants),
        cmocka_unit_test(test_jpeg_roundtrip),
        cmocka_unit_test(test_classes_txt_and_sizes),
        cmocka_unit_test(test_empty_folders),
        cmocka_unit_test(test_corrupt_png),
        cmocka_unit_test(test_corrupt_jpeg),
        cmocka_unit_test(test_list_file),
        cmocka_unit_test(test_bad_list_lines),
        cmocka_unit_test(test_concurrent_reads),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
