/* Status codes and error messages shared by every flexmac function.
 *
 * Library functions never print and never exit: they return an fm_status and,
 * when given a non-NULL fm_error, fill it with a one-line human message that
 * names the file, node or field at fault. Only the CLI prints. */
#ifndef FLEXMAC_STATUS_H
#define FLEXMAC_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fm_status {
    FM_OK = 0,
    FM_ERR_IO,          /* file missing, unreadable, short read */
    FM_ERR_FORMAT,      /* corrupt or truncated file contents */
    FM_ERR_UNSUPPORTED, /* valid input that flexmac does not implement */
    FM_ERR_INVALID,     /* bad argument or configuration */
    FM_ERR_SHAPE,       /* shapes that do not fit together */
    FM_ERR_NOMEM,
    FM_ERR_INTERNAL
} fm_status;

#define FM_ERROR_MSG_MAX 1024

typedef struct fm_error {
    fm_status code;
    char msg[FM_ERROR_MSG_MAX];
} fm_error;

/* Records code and a printf-style message in err (if err is not NULL) and
 * returns code, so callers can write `return fm_error_set(err, ...);`. */
fm_status fm_error_set(fm_error *err, fm_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to the message already in err (adds context such as a
 * file name while an error travels up). Returns err->code. */
fm_status fm_error_prefix(fm_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void fm_error_clear(fm_error *err);
const char *fm_status_name(fm_status s);

#ifdef __cplusplus
}
#endif
#endif
