/* flexmac sweep: the grid it lists (every row an inline form the parser
 * accepts, with the |P| and GEMM-group count the arithmetic gives), usage
 * errors, a bad model, and a short real run whose CSV and JSON hold one
 * row per configuration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/fm_test.h"
#include "flexmac/arith.h"

static char *out; /* the last run's output */
#define expect(args, code, needle) (out = fm_test_expect_cli((args), (code), (needle)))

static int popcount16(unsigned v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

static void test_list(void **state)
{
    (void)state;
    expect("sweep --list", 0, "axbxp:K=2,L=4,select=static,P=r+s<4");
    int rows = 0, axbxp = 0, asm_rows = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int idx, K, L, np, groups;
        char spec[128], sel[16], pset[64];
        if (line[0] == '#')
            continue;
        rows++;
        if (sscanf(line, "%d %127s %d %d %15s %63s %d %d", &idx, spec, &K, &L, sel, pset, &np, &groups) == 8) {
            fm_net_arith n;
            fm_error err;
            assert_int_equal(idx, rows);
            assert_int_equal(fm_net_arith_parse(spec, &n, &err), FM_OK);
            assert_int_equal(n.deflt.x.K, K);
            assert_int_equal(n.deflt.w.K, K);
            int lx = fm_axbxp_kept(&n.deflt.x, 0), lw = fm_axbxp_kept(&n.deflt.w, 1), pairs = 0;
            assert_int_equal(lx, L);
            assert_int_equal(lw, L);
            for (int r = 0; r < lx; r++)
                pairs += popcount16(n.deflt.pset[r] & ((1u << lw) - 1u));
            assert_int_equal(pairs, np);
            fm_axbxp_group g[FM_MAX_BLOCKS];
            assert_int_equal(fm_axbxp_plan(&n.deflt, g, FM_MAX_BLOCKS), groups);
            /* L = N: one row, select "any" */
            int N = fm_axbxp_nblocks(8, K);
            assert_true((L == N) == (strcmp(sel, "any") == 0));
            fm_net_arith_free(&n);
            axbxp++;
        } else if (strstr(line, "asm:w=")) {
            asm_rows++;
        }
    }
    /* K=2: L1 3 + L2 3x2 + L3 3x3 + L4 3; K=4: L1 3 + L2 2 */
    assert_int_equal(axbxp, 26);
    assert_int_equal(asm_rows, 3);
    assert_int_equal(rows, 31);
    expect("sweep --list --grid asm", 0, "asm:w={1,3,5,7}");
    assert_null(strstr(out, "axbxp"));
}

static void test_usage_and_bad_model(void **state)
{
    (void)state;
    expect("sweep", 2, "--model is required");
    expect("sweep --model m.onnx", 2, "--data is required");
    expect("sweep --list --grid everything", 2, "--grid");
    expect("sweep --list --limit -3", 2, "--limit");
    expect("sweep --list extra", 2, "unexpected argument");
    expect("sweep --help", 0, "usage: flexmac sweep");
    expect("sweep --model /nonexistent/m.onnx --data /nonexistent/d", 1, "/nonexistent/m.onnx");
}

static void test_short_run(void **state)
{
    (void)state;
    char model[512], test[512], train[512], args[2048];
    FM_REQUIRE_SHARED(model, "models/resnet20.onnx");
    FM_REQUIRE_SHARED(test, "data/cifar10-test");
    FM_REQUIRE_SHARED(train, "data/cifar10-train");
    char csv[] = "/tmp/flexmac_sweep_XXXXXX", json[] = "/tmp/flexmac_sweep_json_XXXXXX";
    int fd = mkstemp(csv);
    assert_true(fd >= 0);
    close(fd);
    fd = mkstemp(json);
    assert_true(fd >= 0);
    close(fd);
    snprintf(args, sizeof args,
             "sweep --model %s --data %s --calib-data %s --calib-n 16 --grid asm --limit 8 "
             "--threads 1 --csv %s --json %s",
             model, test, train, csv, json);
    expect(args, 0, "asm:w={1,3,5,7}");
    assert_non_null(strstr(out, "d fxp8"));

    FILE *f = fopen(csv, "r");
    assert_non_null(f);
    char line[512];
    int lines = 0;
    while (fgets(line, sizeof line, f))
        lines++;
    fclose(f);
    assert_int_equal(lines, 1 + 5); /* header, fp32, fxp8, three alphabets */

    static char txt[1 << 16];
    f = fopen(json, "r");
    assert_non_null(f);
    size_t n = fread(txt, 1, sizeof txt - 1, f);
    fclose(f);
    txt[n] = '\0';
    cJSON *root = cJSON_Parse(txt);
    assert_non_null(root);
    cJSON *res = cJSON_GetObjectItem(root, "results");
    assert_int_equal(cJSON_GetArraySize(res), 5);
    cJSON *r1 = cJSON_GetArrayItem(res, 1);
    assert_string_equal(cJSON_GetObjectItem(r1, "arith")->valuestring, "fxp8");
    assert_int_equal((int)cJSON_GetObjectItem(r1, "samples")->valuedouble, 8);
    cJSON_Delete(root);
    unlink(csv);
    unlink(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_usage_and_bad_model),
        cmocka_unit_test(test_short_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
