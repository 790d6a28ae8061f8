/* Temporary: readers not written yet. */
#include "data/dataset_internal.h"

fm_status fm_folder_open(fm_dataset *ds, const char *dir, fm_error *err)
{
    return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: image folders not implemented yet", dir);
}
fm_status fm_list_open(fm_dataset *ds, const char *list, fm_error *err)
{
    return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: image lists not implemented yet", list);
}
fm_status fm_npy_open(fm_dataset *ds, const char *x, const char *y, fm_error *err)
{
    return fm_error_set(err, FM_ERR_UNSUPPORTED, "%s: npy not implemented yet", x);
}
