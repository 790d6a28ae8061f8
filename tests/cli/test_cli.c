/* The flexmac tool on bad input: each case exits non-zero with a message that
 * names the file (and node where relevant); nothing crashes or hangs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fm_test.h"

#define expect fm_test_expect_cli

static void test_usage_errors(void **state)
{
    (void)state;
    expect("", 2, "usage");
    expect("frobnicate", 2, "unknown command 'frobnicate'");
    expect("eval --model a.onnx --data b --bogus", 2, "bogus");
    expect("eval --model a.onnx --data b --limit abc", 2, "--limit");
    expect("eval --data b", 2, "--model is required");
    expect("info --model a.onnx extra", 2, "unexpected argument");
    expect("eval --model a.onnx --data b --calib median", 2, "--calib");
    expect("eval --help", 0, "usage: flexmac eval");
}

static void test_missing_and_corrupt_model(void **state)
{
    (void)state;
    char buf[512], tmp[256], args[1024];
    expect("info --model /nonexistent/model.onnx", 1, "/nonexistent/model.onnx");
    FM_REQUIRE_SHARED(buf, "models/resnet20.onnx");
    FILE *f = fopen(buf, "rb");
    assert_non_null(f);
    static unsigned char data[1 << 21];
    size_t n = fread(data, 1, sizeof data, f);
    fclose(f);
    assert_int_equal(fm_test_write_tmp(".onnx", data, n / 2, tmp), 0);
    snprintf(args, sizeof args, "info --model %s", tmp);
    expect(args, 1, tmp);
    unlink(tmp);
    for (size_t i = 0; i < 4096; i++)
        data[i] = (unsigned char)(i * 131 + 7);
    assert_int_equal(fm_test_write_tmp(".onnx", data, 4096, tmp), 0);
    snprintf(args, sizeof args, "info --model %s", tmp);
    expect(args, 1, tmp);
    unlink(tmp);
}

static void test_bad_data(void **state)
{
    (void)state;
    char model[512], fm[512], args[2048], dir[] = "/tmp/flexmac_cli_XXXXXX", path[600];
    FM_REQUIRE_SHARED(model, "models/resnet20.onnx");
    assert_non_null(mkdtemp(dir));

    /* wrong IDX magic */
    unsigned char idx[16] = {0, 0, 8, 1, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28};
    snprintf(path, sizeof path, "%s/bad-images-idx3-ubyte", dir);
    FILE *f = fopen(path, "wb");
    fwrite(idx, 1, sizeof idx, f);
    fclose(f);
    snprintf(args, sizeof args, "eval --model %s --data %s", model, path);
    expect(args, 1, path);

    /* empty folder */
    snprintf(path, sizeof path, "%s/empty", dir);
    mkdir(path, 0700);
    snprintf(args, sizeof args, "eval --model %s --data %s", model, path);
    expect(args, 1, path);

    /* corrupt PNG in a class folder */
    snprintf(path, sizeof path, "%s/imgs", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/imgs/cat", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/imgs/cat/broken.png", dir);
    f = fopen(path, "wb");
    fputs("\x89PNG\r\n\x1a\nthis is not a png", f);
    fclose(f);
    snprintf(args, sizeof args, "eval --model %s --data %s/imgs", model, dir);
    expect(args, 1, "broken.png");

    /* corrupt JPEG in an image list */
    snprintf(path, sizeof path, "%s/broken.JPEG", dir);
    f = fopen(path, "wb");
    fputs("\xff\xd8\xff\xe0 not a jpeg at all", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/list.txt", dir);
    f = fopen(path, "w");
    fputs("broken.JPEG, 3\n", f);
    fclose(f);
    snprintf(args, sizeof args, "eval --model %s --data %s --preprocess cifar", model, path);
    expect(args, 1, "broken.JPEG");

    /* shape mismatch: a 3x32x32 model on 28x28 grey images */
    if (fm_test_shared("data/mnist/t10k-images-idx3-ubyte.gz", fm, sizeof fm)) {
        snprintf(args, sizeof args, "eval --model %s --data %s", model, fm);
        expect(args, 1, "shape mismatch");
    }
    snprintf(args, sizeof args, "rm -rf '%s'", dir);
    assert_int_equal(system(args), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_missing_and_corrupt_model),
        cmocka_unit_test(test_bad_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
