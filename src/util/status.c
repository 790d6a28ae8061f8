#include "flexmac/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

fm_status fm_error_set(fm_error *err, fm_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

fm_status fm_error_prefix(fm_error *err, const char *fmt, ...)
{
    char prefix[FM_ERROR_MSG_MAX], old[FM_ERROR_MSG_MAX];
    va_list ap;
    if (!err)
        return FM_ERR_INTERNAL;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%.400s: %.600s", prefix, old);
    return err->code;
}

void fm_error_clear(fm_error *err)
{
    if (err) {
        err->code = FM_OK;
        err->msg[0] = '\0';
    }
}

const char *fm_status_name(fm_status s)
{
    switch (s) {
    case FM_OK: return "ok";
    case FM_ERR_IO: return "I/O error";
    case FM_ERR_FORMAT: return "format error";
    case FM_ERR_UNSUPPORTED: return "unsupported";
    case FM_ERR_INVALID: return "invalid argument";
    case FM_ERR_SHAPE: return "shape error";
    case FM_ERR_NOMEM: return "out of memory";
    case FM_ERR_INTERNAL: return "internal error";
    }
    return "unknown error";
}
