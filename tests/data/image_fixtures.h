/* PNG and JPEG writers for the image reader tests (libpng / libjpeg), plus
 * a reference PNG decode through libpng's simplified API, which shares no
 * code path with the reader under test. Header-only. */
#ifndef FM_IMAGE_FIXTURES_H
#define FM_IMAGE_FIXTURES_H

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>

/* rows: h rows of libpng row bytes for the given colour type and depth;
 * palette/n_palette for PNG_COLOR_TYPE_PALETTE (trns may be NULL). */
static inline int fx_write_png(const char *path, int w, int h, int color_type, int depth,
                               int interlace, const uint8_t *data, size_t rowbytes,
                               const png_color *palette, int n_palette, const uint8_t *trns,
                               int n_trns)
{
    unlink(path); /* no O_TRUNC rewrite: see fx_write */
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    png_bytep *rows = malloc(sizeof(png_bytep) * (size_t)h);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color_type,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (palette)
        png_set_PLTE(png, info, palette, n_palette);
    if (trns)
        png_set_tRNS(png, info, trns, n_trns, NULL);
    png_write_info(png, info);
    for (int y = 0; y < h; y++)
        rows[y] = (png_bytep)(data + (size_t)y * rowbytes);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    return fclose(f) == 0 ? 0 : -1;
}

/* 8-bit grey (c = 1) or RGB (c = 3) PNG from HWC pixels. */
static inline int fx_write_png8(const char *path, int w, int h, int c, const uint8_t *px)
{
    return fx_write_png(path, w, h, c == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, 8, 0, px,
                        (size_t)w * c, NULL, 0, NULL, 0);
}

static inline int fx_write_jpeg(const char *path, int w, int h, int c, const uint8_t *px,
                                int quality)
{
    unlink(path); /* no O_TRUNC rewrite: see fx_write */
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, f);
    cinfo.image_width = (JDIMENSION)w;
    cinfo.image_height = (JDIMENSION)h;
    cinfo.input_components = c;
    cinfo.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW r = (JSAMPROW)(px + (size_t)cinfo.next_scanline * w * c);
        jpeg_write_scanlines(&cinfo, &r, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return fclose(f) == 0 ? 0 : -1;
}

/* Reference decode (libpng simplified API) to RGB HWC; caller frees. */
static inline uint8_t *fx_ref_png_rgb(const char *path, int *w, int *h)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path))
        return NULL;
    img.format = PNG_FORMAT_RGB;
    uint8_t *buf = malloc(PNG_IMAGE_SIZE(img));
    if (!buf || !png_image_finish_read(&img, NULL, buf, 0, NULL)) {
        free(buf);
        png_image_free(&img);
        return NULL;
    }
    *w = (int)img.width;
    *h = (int)img.height;
    return buf;
}

/* Reads a whole file; caller frees. */
static inline uint8_t *fx_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

#endif
