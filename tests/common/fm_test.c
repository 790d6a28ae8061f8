#include "common/fm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *fm_test_shared(const char *rel, char *buf, size_t n)
{
    struct stat st;
    const char *root = getenv("FLEXMAC_SHARED");
    snprintf(buf, n, "%s/%s", root ? root : FLEXMAC_SHARED_DIR, rel);
    return stat(buf, &st) == 0 ? buf : NULL;
}

uint64_t fm_test_rand(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

int fm_test_cli(const char *args, char *out, size_t n)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1 </dev/null", FLEXMAC_CLI, args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t len = fread(out, 1, n ? n - 1 : 0, p);
    if (n)
        out[len] = '\0';
    char sink[4096];
    while (fread(sink, 1, sizeof sink, p) > 0) {
    }
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

char *fm_test_expect_cli(const char *args, int code, const char *needle)
{
    static char out[1 << 16];
    int rc = fm_test_cli(args, out, sizeof out);
    if (rc != code || (needle && !strstr(out, needle)))
        fprintf(stderr, "flexmac %s\n-> exit %d, output:\n%s\n(wanted exit %d and '%s')\n", args, rc, out,
                code, needle ? needle : "");
    assert_int_equal(rc, code);
    if (needle)
        assert_non_null(strstr(out, needle));
    return out;
}

int fm_test_write_tmp(const char *suffix, const void *data, size_t len, char *path)
{
    snprintf(path, 256, "/tmp/flexmac_test_XXXXXX%s", suffix ? suffix : "");
    int fd = mkstemps(path, suffix ? (int)strlen(suffix) : 0);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, data, len);
    close(fd);
    return w == (ssize_t)len ? 0 : -1;
}

long long fm_test_samples(long long all, long long quick)
{
    const char *s = getenv("FLEXMAC_TEST_SCALE");
    return s && strcmp(s, "full") == 0 ? all : quick;
}
