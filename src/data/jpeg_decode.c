/* JPEG decoding with libjpeg(-turbo) into uint8 HWC, grey or RGB.
 *
 * libjpeg's default error handler prints and exits; ours formats the message
 * and longjmps back, so a corrupt file is FM_ERR_FORMAT naming it. Warnings
 * are never printed, but those that mean the data is damaged (premature end,
 * bad Huffman code, lost sync) are treated as errors: libjpeg would otherwise
 * return a silently grey-filled image. Decoding uses libjpeg's defaults
 * (JDCT_ISLOW, fancy upsampling), as PIL does. */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "data/dataset_internal.h"

typedef struct jpeg_err {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
    int damaged; /* a warning that means corrupt data was seen */
} jpeg_err;

static void on_error_exit(j_common_ptr cinfo)
{
    jpeg_err *e = (jpeg_err *)cinfo->err;
    cinfo->err->format_message(cinfo, e->msg);
    longjmp(e->jb, 1);
}

static void on_emit(j_common_ptr cinfo, int level)
{
    jpeg_err *e = (jpeg_err *)cinfo->err;
    if (level != -1)
        return; /* trace messages */
    int code = cinfo->err->msg_code;
    if (!e->damaged && (code == JWRN_JPEG_EOF || code == JWRN_HUFF_BAD_CODE ||
                        code == JWRN_MUST_RESYNC || code == JWRN_HIT_MARKER)) {
        e->damaged = 1;
        cinfo->err->format_message(cinfo, e->msg);
    }
    cinfo->err->num_warnings++;
}

static void on_output(j_common_ptr cinfo)
{
    (void)cinfo;
}

fm_status fm_jpeg_decode(const char *path, FILE *f, fm_scratch *s, int *h, int *w, int *c,
                         fm_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_err jerr;
    memset(&jerr, 0, sizeof jerr);
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = on_error_exit;
    jerr.pub.emit_message = on_emit;
    jerr.pub.output_message = on_output;
    /* volatile: changed after setjmp and read after a longjmp. */
    volatile fm_status st = FM_OK;
    if (setjmp(jerr.jb)) {
        jpeg_destroy_decompress(&cinfo);
        if (st == FM_OK)
            st = fm_error_set(err, FM_ERR_FORMAT, "%s: corrupt JPEG: %s", path, jerr.msg);
        return st;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, f);
    jpeg_read_header(&cinfo, TRUE);
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo.out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        st = fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: CMYK JPEG is not supported", path);
        longjmp(jerr.jb, 1);
    default:
        cinfo.out_color_space = JCS_RGB;
    }
    jpeg_calc_output_dimensions(&cinfo);
    size_t row = (size_t)cinfo.output_width * cinfo.output_components;
    if ((size_t)cinfo.output_height * row > FM_DATA_MAX_IMAGE_BYTES) {
        st = fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: JPEG %ux%u is too large", path,
                          cinfo.output_width, cinfo.output_height);
        longjmp(jerr.jb, 1);
    }
    if (fm_scratch_u8(s, (size_t)cinfo.output_height * row)) {
        st = fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", path);
        longjmp(jerr.jb, 1);
    }
    jpeg_start_decompress(&cinfo);
    while (cinfo.output_scanline < cinfo.output_height && !jerr.damaged) {
        JSAMPROW r = s->u8 + (size_t)cinfo.output_scanline * row;
        jpeg_read_scanlines(&cinfo, &r, 1);
    }
    if (jerr.damaged) {
        st = fm_error_set(err, FM_ERR_FORMAT, "%s: corrupt JPEG: %s", path, jerr.msg);
        longjmp(jerr.jb, 1);
    }
    jpeg_finish_decompress(&cinfo);
    if (jerr.damaged) {
        st = fm_error_set(err, FM_ERR_FORMAT, "%s: corrupt JPEG: %s", path, jerr.msg);
        longjmp(jerr.jb, 1);
    }
    *h = (int)cinfo.output_height;
    *w = (int)cinfo.output_width;
    *c = cinfo.output_components;
    jpeg_destroy_decompress(&cinfo);
    return FM_OK;
}
