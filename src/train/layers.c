/* Forward and backward kernels of the training layers. Convolution runs as
 * im2col + one sgemm over the whole batch (columns of all samples side by
 * side) so OpenBLAS sees large matrices; fully connected layers are sgemms. */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "train/net_internal.h"

const float *fm_tlayer_fwd_weights(const fm_tlayer *l)
{
    return l->w_eff ? l->w_eff : l->w;
}

/* col[(c*k + i)*k + j][b*P + p] = in[b][c][oy*s - pad + i][ox*s - pad + j] */
static void im2col(const fm_tlayer *l, const float *in, float *col, int n)
{
    const int k = l->k, s = l->stride, pad = l->pad;
    const int oh = l->out_h, ow = l->out_w, ih = l->in_h, iw = l->in_w;
    const int64_t P = (int64_t)oh * ow, ld = P * n;
    for (int b = 0; b < n; b++) {
        const float *x = in + (int64_t)b * l->in_size;
        for (int c = 0; c < l->in_c; c++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++) {
                    float *row = col + ((int64_t)(c * k + i) * k + j) * ld + b * P;
                    const float *plane = x + (int64_t)c * ih * iw;
                    for (int oy = 0; oy < oh; oy++) {
                        int y = oy * s - pad + i;
                        float *dst = row + (int64_t)oy * ow;
                        if (y < 0 || y >= ih) {
                            memset(dst, 0, (size_t)ow * sizeof *dst);
                            continue;
                        }
                        for (int ox = 0; ox < ow; ox++) {
                            int xx = ox * s - pad + j;
                            dst[ox] = (xx >= 0 && xx < iw) ? plane[(int64_t)y * iw + xx] : 0.0f;
                        }
                    }
                }
    }
}

/* Adjoint of im2col: accumulates columns back into din (zeroed here). */
static void col2im(const fm_tlayer *l, const float *col, float *din, int n)
{
    const int k = l->k, s = l->stride, pad = l->pad;
    const int oh = l->out_h, ow = l->out_w, ih = l->in_h, iw = l->in_w;
    const int64_t P = (int64_t)oh * ow, ld = P * n;
    memset(din, 0, (size_t)(n * l->in_size) * sizeof *din);
    for (int b = 0; b < n; b++) {
        float *x = din + (int64_t)b * l->in_size;
        for (int c = 0; c < l->in_c; c++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++) {
                    const float *row = col + ((int64_t)(c * k + i) * k + j) * ld + b * P;
                    float *plane = x + (int64_t)c * ih * iw;
                    for (int oy = 0; oy < oh; oy++) {
                        int y = oy * s - pad + i;
                        if (y < 0 || y >= ih)
                            continue;
                        const float *src = row + (int64_t)oy * ow;
                        for (int ox = 0; ox < ow; ox++) {
                            int xx = ox * s - pad + j;
                            if (xx >= 0 && xx < iw)
                                plane[(int64_t)y * iw + xx] += src[ox];
                        }
                    }
                }
    }
}

void fm_conv_forward(fm_net *net, fm_tlayer *l, const float *in, float *out, int n)
{
    const int64_t P = (int64_t)l->out_h * l->out_w, BP = P * n;
    im2col(l, in, net->col, n);
    /* tmp (O x BP) = W (O x K) * col (K x BP) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l->out_c, (int)BP, (int)l->kdim, 1.0f,
                fm_tlayer_fwd_weights(l), (int)l->kdim, net->col, (int)BP, 0.0f, net->tmp,
                (int)BP);
    for (int b = 0; b < n; b++)
        for (int o = 0; o < l->out_c; o++) {
            const float *src = net->tmp + o * BP + b * P;
            float *dst = out + (int64_t)b * l->out_size + o * P;
            const float bias = l->b[o];
            for (int64_t p = 0; p < P; p++)
                dst[p] = src[p] + bias;
        }
}

/* Needs net->col still holding this layer's im2col of `in`; the forward pass
 * is therefore recomputed per layer in backward order (see net.c). */
void fm_conv_backward(fm_net *net, fm_tlayer *l, const float *in, const float *dout,
                      float *din, int n)
{
    const int64_t P = (int64_t)l->out_h * l->out_w, BP = P * n;
    im2col(l, in, net->col, n);
    for (int o = 0; o < l->out_c; o++) {
        double gb = 0.0;
        for (int b = 0; b < n; b++) {
            const float *src = dout + (int64_t)b * l->out_size + o * P;
            float *dst = net->tmp + o * BP + b * P;
            for (int64_t p = 0; p < P; p++) {
                dst[p] = src[p];
                gb += src[p];
            }
        }
        l->gb[o] = (float)gb;
    }
    /* gW (O x K) = dY (O x BP) * col^T (BP x K) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, l->out_c, (int)l->kdim, (int)BP, 1.0f,
                net->tmp, (int)BP, net->col, (int)BP, 0.0f, l->gw, (int)l->kdim);
    if (!din)
        return;
    /* dcol (K x BP) = W^T (K x O) * dY (O x BP) */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)l->kdim, (int)BP, l->out_c, 1.0f,
                fm_tlayer_fwd_weights(l), (int)l->kdim, net->tmp, (int)BP, 0.0f, net->dcol,
                (int)BP);
    col2im(l, net->dcol, din, n);
}

void fm_fc_forward(fm_tlayer *l, const float *in, float *out, int n)
{
    const int ni = (int)l->kdim, no = l->out_c;
    for (int b = 0; b < n; b++)
        memcpy(out + (int64_t)b * no, l->b, (size_t)no * sizeof *out);
    /* out (n x O) += in (n x I) * W^T (I x O) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, no, ni, 1.0f, in, ni,
                fm_tlayer_fwd_weights(l), ni, 1.0f, out, no);
}

void fm_fc_backward(fm_tlayer *l, const float *in, const float *dout, float *din, int n)
{
    const int ni = (int)l->kdim, no = l->out_c;
    /* gW (O x I) = dout^T (O x n) * in (n x I) */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, no, ni, n, 1.0f, dout, no, in, ni, 0.0f,
                l->gw, ni);
    for (int o = 0; o < no; o++) {
        double s = 0.0;
        for (int b = 0; b < n; b++)
            s += dout[(int64_t)b * no + o];
        l->gb[o] = (float)s;
    }
    if (din) /* din (n x I) = dout (n x O) * W (O x I) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, ni, no, 1.0f, dout, no,
                    fm_tlayer_fwd_weights(l), ni, 0.0f, din, ni);
}

void fm_maxpool_forward(fm_tlayer *l, const float *in, float *out, int n)
{
    const int k = l->k, s = l->stride, ih = l->in_h, iw = l->in_w;
    int64_t o = 0;
    for (int b = 0; b < n; b++)
        for (int c = 0; c < l->in_c; c++) {
            const int64_t base = (int64_t)b * l->in_size + (int64_t)c * ih * iw;
            for (int oy = 0; oy < l->out_h; oy++)
                for (int ox = 0; ox < l->out_w; ox++, o++) {
                    int64_t best = base + (int64_t)(oy * s) * iw + ox * s;
                    float bv = in[best];
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++) {
                            int64_t at = base + (int64_t)(oy * s + i) * iw + ox * s + j;
                            if (in[at] > bv) { /* first maximum wins, like ONNX */
                                bv = in[at];
                                best = at;
                            }
                        }
                    out[o] = bv;
                    l->argmax[o] = (int32_t)best;
                }
        }
}

void fm_maxpool_backward(fm_tlayer *l, const float *dout, float *din, int n)
{
    memset(din, 0, (size_t)(n * l->in_size) * sizeof *din);
    const int64_t total = n * l->out_size;
    for (int64_t o = 0; o < total; o++)
        din[l->argmax[o]] += dout[o];
}

void fm_relu_forward(const float *in, float *out, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

void fm_relu_backward(const float *out, const float *dout, float *din, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        din[i] = out[i] > 0.0f ? dout[i] : 0.0f;
}

double fm_softmax_ce(const float *logits, const int32_t *labels, int n, int c, float *prob,
                     float *dlogits, int *correct)
{
    double loss = 0.0;
    int ok = 0;
    for (int b = 0; b < n; b++) {
        const float *z = logits + (int64_t)b * c;
        float *p = prob + (int64_t)b * c;
        int arg = 0;
        for (int j = 1; j < c; j++)
            if (z[j] > z[arg])
                arg = j;
        double sum = 0.0;
        for (int j = 0; j < c; j++) {
            p[j] = expf(z[j] - z[arg]);
            sum += p[j];
        }
        for (int j = 0; j < c; j++)
            p[j] = (float)(p[j] / sum);
        int y = labels[b];
        loss += -((double)z[y] - z[arg] - log(sum));
        ok += arg == y;
        if (dlogits) {
            float *d = dlogits + (int64_t)b * c;
            for (int j = 0; j < c; j++)
                d[j] = (p[j] - (j == y ? 1.0f : 0.0f)) / (float)n;
        }
    }
    if (correct)
        *correct = ok;
    return loss;
}
