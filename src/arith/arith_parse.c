/* STUB: replaced by the configuration parser. */
#include "flexmac/arith.h"

fm_status fm_net_arith_parse(const char *spec, fm_net_arith *out, fm_error *err)
{
    (void)out;
    return fm_error_set(err, FM_ERR_UNSUPPORTED, "'%s': configuration parser not built yet", spec);
}
