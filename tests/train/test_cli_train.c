/* `flexmac train` end to end on a tiny IDX data set written by the test
 * (one epoch over 96 samples), plus its usage errors (exit status 2) and
 * data errors (exit status 1, message naming the file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fm_test.h"
#include "onnx.pb-c.h"

#define N 96

static void put_be32(FILE *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    fwrite(b, 1, 4, f);
}

/* DIR/NAME-images-idx3-ubyte and DIR/NAME-labels-idx1-ubyte, uncompressed:
 * class c (0..9) lights up row band c of the image. */
static void write_idx(const char *dir, const char *name, uint64_t seed)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte", dir, name);
    FILE *fi = fopen(path, "wb");
    snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte", dir, name);
    FILE *fl = fopen(path, "wb");
    assert_non_null(fi);
    assert_non_null(fl);
    put_be32(fi, 0x803);
    put_be32(fi, N);
    put_be32(fi, 28);
    put_be32(fi, 28);
    put_be32(fl, 0x801);
    put_be32(fl, N);
    uint64_t r = seed;
    for (int s = 0; s < N; s++) {
        uint8_t label = (uint8_t)(s % 10), img[28 * 28];
        for (int i = 0; i < 28 * 28; i++)
            img[i] = (uint8_t)(fm_test_rand(&r) % 40 + (i / 28 / 2 - 2 == label ? 200 : 0));
        fwrite(img, 1, sizeof img, fi);
        fwrite(&label, 1, 1, fl);
    }
    fclose(fi);
    fclose(fl);
}

static void test_train_tiny_idx(void **state)
{
    (void)state;
    char dir[] = "/tmp/flexmac_train_XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_idx(dir, "train", 1);
    write_idx(dir, "t10k", 2);
    char args[2048], out[8192], model[600], json[600];
    snprintf(model, sizeof model, "%s/m.onnx", dir);
    snprintf(json, sizeof json, "%s/run.json", dir);
    snprintf(args, sizeof args, "train --data %s --epochs 1 --batch 32 --lr 0.01 --seed 3 --out %s --json %s",
             dir, model, json);
    int rc = fm_test_cli(args, out, sizeof out);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, out);
    assert_non_null(strstr(out, "epoch 1/1"));
    assert_non_null(strstr(out, "test accuracy"));
    FILE *f = fopen(model, "rb");
    assert_non_null(f);
    uint8_t *buf = malloc(1 << 20);
    size_t len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
    assert_non_null(m);
    assert_int_equal(m->graph->n_node, 10);
    assert_string_equal(m->graph->output[0]->name, "logits");
    onnx__model_proto__free_unpacked(m, NULL);
    free(buf);
    f = fopen(json, "r");
    assert_non_null(f);
    len = fread(out, 1, sizeof out - 1, f);
    out[len] = '\0';
    fclose(f);
    assert_non_null(strstr(out, "\"test_accuracy\""));
    assert_non_null(strstr(out, "\"per_epoch\""));

    /* unwritable output: exit 1, message names the file */
    snprintf(args, sizeof args, "train --data %s --epochs 1 --out /nonexistent-dir/m.onnx", dir);
    assert_int_equal(fm_test_cli(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "/nonexistent-dir/m.onnx"));

    char p[600];
    const char *names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "m.onnx",
                           "run.json"};
    for (int i = 0; i < 6; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

static void expect_usage_error(const char *args, const char *msg)
{
    char out[4096];
    int rc = fm_test_cli(args, out, sizeof out);
    if (rc != 2 || !strstr(out, msg))
        fail_msg("'%s': exit %d, output '%s' (wanted 2 and '%s')", args, rc, out, msg);
}

static void test_usage_errors(void **state)
{
    (void)state;
    expect_usage_error("train --bogus 1", "unknown option '--bogus'");
    expect_usage_error("train --epochs x --data d --out o", "--epochs: 'x' is not an integer");
    expect_usage_error("train --epochs 0 --data d --out o", "--epochs");
    expect_usage_error("train --lr -1 --data d --out o", "--lr");
    expect_usage_error("train --lr nan --data d --out o", "--lr");
    expect_usage_error("train --momentum 1.5 --data d --out o", "--momentum");
    expect_usage_error("train --seed -3 --data d --out o", "--seed");
    expect_usage_error("train --batch", "needs a value");
    expect_usage_error("train --out o.onnx", "--data and --out are required");
    expect_usage_error("train stray", "unexpected argument 'stray'");
    char out[4096];
    assert_int_equal(fm_test_cli("train --help", out, sizeof out), 0);
    assert_non_null(strstr(out, "usage: flexmac train"));
}

static void test_missing_data(void **state)
{
    (void)state;
    char out[4096];
    assert_int_equal(fm_test_cli("train --data /nonexistent-data --out /tmp/x.onnx", out, sizeof out), 1);
    assert_non_null(strstr(out, "/nonexistent-data/train-images-idx3-ubyte"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_train_tiny_idx),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_missing_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
