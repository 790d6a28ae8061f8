/* fm_train_run and fm_net_accuracy over fm_dataset readers (kept apart from
 * the array entry points so programs that train from memory do not pull in
 * the data set readers). */
#include "flexmac/data.h"
#include "train/net_internal.h"
#include "train/train_loop.h"

static fm_status dataset_read(void *ctx, const int64_t *idx, int n, float *x, int32_t *labels,
                              fm_error *err)
{
    return fm_dataset_read(ctx, idx, n, x, labels, err);
}

static fm_status make_source(fm_net *net, fm_dataset *ds, const char *what, fm_sample_source *s,
                             fm_error *err)
{
    int c, h, w;
    fm_dataset_shape(ds, &c, &h, &w);
    if (c != net->in_c || h != net->in_h || w != net->in_w)
        return fm_error_set(err, FM_ERR_SHAPE, "%s set: samples %dx%dx%d, network expects %dx%dx%d",
                            what, c, h, w, net->in_c, net->in_h, net->in_w);
    if (fm_dataset_num_classes(ds) > fm_net_num_outputs(net))
        return fm_error_set(err, FM_ERR_SHAPE, "%s set: %d classes, network has %d outputs", what,
                            fm_dataset_num_classes(ds), fm_net_num_outputs(net));
    s->count = fm_dataset_count(ds);
    s->read = dataset_read;
    s->ctx = ds;
    return FM_OK;
}

fm_status fm_train_run(fm_net *net, fm_dataset *train, fm_dataset *test,
                       const fm_train_config *cfg, fm_train_result *res, fm_error *err)
{
    fm_sample_source tr, te;
    if (!train)
        return fm_error_set(err, FM_ERR_INVALID, "training: no training set");
    fm_status st = make_source(net, train, "training", &tr, err);
    if (st == FM_OK && test)
        st = make_source(net, test, "test", &te, err);
    if (st != FM_OK)
        return st;
    return fm_train_loop(net, &tr, test ? &te : NULL, cfg, res, err);
}

fm_status fm_net_accuracy(fm_net *net, fm_dataset *ds, double *acc, fm_error *err)
{
    fm_sample_source s;
    if (!ds)
        return fm_error_set(err, FM_ERR_INVALID, "evaluation: no data set");
    fm_status st = make_source(net, ds, "test", &s, err);
    return st == FM_OK ? fm_net_accuracy_source(net, &s, acc, err) : st;
}
