/* Built-in layer-shape lists (ImageNet, 224x224 input, batch 1), generated
 * by a small builder that tracks the feature-map size through convs and
 * pools, so the lists cannot drift from the published topologies:
 *   AlexNet     Krizhevsky et al. 2012 (grouped conv2/4/5, groups = 2)
 *   VGG-16      Simonyan & Zisserman 2015 (configuration D)
 *   ResNet-50   He et al. 2016, v1.5 (stride on the 3x3 conv, torchvision)
 *   MobileNetV2 Sandler et al. 2018 (width 1.0) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/hw.h"

typedef struct builder {
    fm_hw_net *net;
    int cap;
    int C, H, W; /* current feature map */
    int oom;
} builder;

static void conv(builder *b, const char *name, int M, int k, int stride, int pad, int groups)
{
    if (b->oom)
        return;
    if (b->net->n == b->cap) {
        int cap = b->cap ? 2 * b->cap : 64;
        fm_hw_layer *l = realloc(b->net->layers, (size_t)cap * sizeof *l);
        if (!l) {
            b->oom = 1;
            return;
        }
        b->net->layers = l;
        b->cap = cap;
    }
    fm_hw_layer *l = &b->net->layers[b->net->n];
    memset(l, 0, sizeof *l);
    snprintf(l->name, sizeof l->name, "%s", name);
    l->M = M;
    l->C = b->C / groups;
    l->R = l->S = k;
    l->H = b->H;
    l->W = b->W;
    l->E = (b->H + 2 * pad - k) / stride + 1;
    l->F = (b->W + 2 * pad - k) / stride + 1;
    l->stride = stride;
    l->groups = groups;
    l->mac_index = b->net->n;
    b->net->n++;
    b->C = M;
    b->H = l->E;
    b->W = l->F;
}

static void pool(builder *b, int k, int stride, int pad)
{
    b->H = (b->H + 2 * pad - k) / stride + 1;
    b->W = (b->W + 2 * pad - k) / stride + 1;
}

/* A fully connected layer reads the flattened feature map. */
static void fc(builder *b, const char *name, int M)
{
    b->C = b->C * b->H * b->W;
    b->H = b->W = 1;
    conv(b, name, M, 1, 1, 0, 1);
}

static void alexnet(builder *b)
{
    conv(b, "conv1", 96, 11, 4, 2, 1);
    pool(b, 3, 2, 0);
    conv(b, "conv2", 256, 5, 1, 2, 2);
    pool(b, 3, 2, 0);
    conv(b, "conv3", 384, 3, 1, 1, 1);
    conv(b, "conv4", 384, 3, 1, 1, 2);
    conv(b, "conv5", 256, 3, 1, 1, 2);
    pool(b, 3, 2, 0);
    fc(b, "fc6", 4096);
    fc(b, "fc7", 4096);
    fc(b, "fc8", 1000);
}

static void vgg16(builder *b)
{
    static const int cfg[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0,
                              512, 512, 512, 0, 512, 512, 512, 0};
    int blk = 1, idx = 1;
    char name[32];
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        if (cfg[i] == 0) {
            pool(b, 2, 2, 0);
            blk++;
            idx = 1;
            continue;
        }
        snprintf(name, sizeof name, "conv%d_%d", blk, idx++);
        conv(b, name, cfg[i], 3, 1, 1, 1);
    }
    fc(b, "fc6", 4096);
    fc(b, "fc7", 4096);
    fc(b, "fc8", 1000);
}

static void resnet50(builder *b)
{
    static const int blocks[4] = {3, 4, 6, 3};
    static const int width[4] = {64, 128, 256, 512};
    char name[48];
    conv(b, "conv1", 64, 7, 2, 3, 1);
    pool(b, 3, 2, 1);
    for (int s = 0; s < 4; s++) {
        for (int i = 0; i < blocks[s]; i++) {
            int stride = (i == 0 && s > 0) ? 2 : 1;
            int cin = b->C, h = b->H, w = b->W;
            snprintf(name, sizeof name, "layer%d.%d.conv1", s + 1, i);
            conv(b, name, width[s], 1, 1, 0, 1);
            snprintf(name, sizeof name, "layer%d.%d.conv2", s + 1, i);
            conv(b, name, width[s], 3, stride, 1, 1);
            snprintf(name, sizeof name, "layer%d.%d.conv3", s + 1, i);
            conv(b, name, 4 * width[s], 1, 1, 0, 1);
            if (i == 0) { /* projection shortcut from the block input */
                int c = b->C, hh = b->H, ww = b->W;
                b->C = cin;
                b->H = h;
                b->W = w;
                snprintf(name, sizeof name, "layer%d.%d.downsample", s + 1, i);
                conv(b, name, 4 * width[s], 1, stride, 0, 1);
                b->C = c;
                b->H = hh;
                b->W = ww;
            }
        }
    }
    pool(b, b->H, 1, 0); /* global average pool */
    fc(b, "fc", 1000);
}

static void mobilenetv2(builder *b)
{
    static const int ir[7][4] = {/* t, c, n, s */
                                 {1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                 {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
    char name[48];
    int blk = 1;
    conv(b, "features.0", 32, 3, 2, 1, 1);
    for (int g = 0; g < 7; g++) {
        for (int i = 0; i < ir[g][2]; i++, blk++) {
            int stride = i == 0 ? ir[g][3] : 1;
            int hidden = b->C * ir[g][0];
            if (ir[g][0] != 1) {
                snprintf(name, sizeof name, "features.%d.expand", blk);
                conv(b, name, hidden, 1, 1, 0, 1);
            }
            snprintf(name, sizeof name, "features.%d.dw", blk);
            conv(b, name, hidden, 3, stride, 1, hidden);
            snprintf(name, sizeof name, "features.%d.project", blk);
            conv(b, name, ir[g][1], 1, 1, 0, 1);
        }
    }
    conv(b, "features.18", 1280, 1, 1, 0, 1);
    pool(b, b->H, 1, 0);
    fc(b, "classifier", 1000);
}

static const char *const builtin_names[] = {"alexnet", "vgg16", "resnet50", "mobilenetv2", NULL};

const char *const *fm_hw_builtin_names(void) { return builtin_names; }

fm_status fm_hw_net_builtin(const char *name, fm_hw_net *out, fm_error *err)
{
    static void (*const gen[])(builder *) = {alexnet, vgg16, resnet50, mobilenetv2};
    memset(out, 0, sizeof *out);
    for (int i = 0; builtin_names[i]; i++) {
        if (strcmp(name, builtin_names[i]) != 0)
            continue;
        builder b = {out, 0, 3, 224, 224, 0};
        snprintf(out->name, sizeof out->name, "%s", name);
        gen[i](&b);
        if (b.oom) {
            fm_hw_net_free(out);
            return fm_error_set(err, FM_ERR_NOMEM, "%s: out of memory", name);
        }
        return FM_OK;
    }
    return fm_error_set(err, FM_ERR_INVALID,
                        "unknown built-in network '%s' (alexnet, vgg16, resnet50, mobilenetv2)",
                        name);
}

void fm_hw_net_free(fm_hw_net *n)
{
    if (!n)
        return;
    free(n->layers);
    memset(n, 0, sizeof *n);
}

int64_t fm_hw_layer_macs(const fm_hw_layer *l)
{
    return (int64_t)l->M * l->C * l->R * l->S * l->E * l->F;
}

int64_t fm_hw_net_macs(const fm_hw_net *n)
{
    int64_t s = 0;
    for (int i = 0; i < n->n; i++)
        s += fm_hw_layer_macs(&n->layers[i]);
    return s;
}
