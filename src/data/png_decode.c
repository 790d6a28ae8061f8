/* PNG decoding with libpng into uint8 HWC, grey (1 channel) or RGB (3).
 *
 * libpng reports errors by longjmp; our error callback records the message
 * and jumps back here, so a corrupt file becomes FM_ERR_FORMAT naming it and
 * nothing is printed. Everything allocated lives in the caller's scratch or
 * in the png structs, which are destroyed on both paths. */
#include <png.h>
#include <setjmp.h>
#include <string.h>

#include "data/dataset_internal.h"

typedef struct png_ctx {
    char msg[256];
} png_ctx;

static void on_error(png_structp png, png_const_charp msg)
{
    png_ctx *ctx = png_get_error_ptr(png);
    snprintf(ctx->msg, sizeof ctx->msg, "%s", msg ? msg : "libpng error");
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg; /* benign (e.g. unknown chunks); never printed */
}

fm_status fm_png_decode(const char *path, FILE *f, fm_scratch *s, int *h, int *w, int *c,
                        fm_error *err)
{
    png_ctx ctx = {{0}};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (!png)
        return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory (libpng)", path);
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory (libpng)", path);
    }
    /* volatile: changed after setjmp and read after a longjmp. */
    volatile fm_status st = FM_OK;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        if (st == FM_OK)
            st = fm_error_set(err, FM_ERR_FORMAT, "%s: corrupt PNG: %s", path, ctx.msg);
        return st;
    }
    /* Refuse absurd sizes before libpng allocates for them. */
    png_set_user_limits(png, 1u << 16, 1u << 16);
    png_init_io(png, f);
    png_read_info(png, info);
    png_uint_32 pw, ph;
    int depth, ctype, interlace;
    png_get_IHDR(png, info, &pw, &ph, &depth, &ctype, &interlace, NULL, NULL);
    if (depth == 16)
        png_set_strip_16(png); /* keep the high byte */
    if (ctype == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    png_set_strip_alpha(png); /* alpha (incl. tRNS expansion) is dropped */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int ch = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if ((ch != 1 && ch != 3) || rowbytes != (size_t)pw * ch) {
        st = fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: PNG with %d channels after expansion",
                          path, ch);
        png_error(png, "unsupported");
    }
    if ((size_t)ph * rowbytes > FM_DATA_MAX_IMAGE_BYTES) {
        st = fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: PNG %ux%u is too large", path,
                          (unsigned)pw, (unsigned)ph);
        png_error(png, "too large");
    }
    if (fm_scratch_u8(s, (size_t)ph * rowbytes) || fm_scratch_rows(s, ph)) {
        st = fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", path);
        png_error(png, "out of memory");
    }
    png_bytepp rows = (png_bytepp)s->rows;
    for (png_uint_32 y = 0; y < ph; y++)
        rows[y] = s->u8 + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    *h = (int)ph;
    *w = (int)pw;
    *c = ch;
    return FM_OK;
}
