/* Helpers shared by the cmocka tests. */
#ifndef FM_TEST_H
#define FM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Path under ../shared (relative to the repo root), or NULL when the folder
 * is absent; the caller then skips with a visible message. */
const char *fm_test_shared(const char *rel, char *buf, size_t n);

/* Skips the current cmocka test with a message on stderr when ../shared is
 * absent. Usage: FM_REQUIRE_SHARED(path, "models/resnet20.onnx"); */
#define FM_REQUIRE_SHARED(buf, rel)                                                  \
    do {                                                                             \
        if (!fm_test_shared((rel), (buf), sizeof(buf))) {                            \
            fprintf(stderr, "SKIP: ../shared/%s not found; test skipped\n", (rel));  \
            skip();                                                                  \
        }                                                                            \
    } while (0)

/* Deterministic xorshift generator for property tests. */
uint64_t fm_test_rand(uint64_t *state);

/* Runs the flexmac CLI with args (a shell-quoted string), captures stdout+stderr
 * into out (NUL-terminated, truncated to n) and returns the exit status. */
int fm_test_cli(const char *args, char *out, size_t n);

/* Runs the CLI with args and asserts its exit status is `code` and, when
 * needle is not NULL, that its output contains needle (printing the whole
 * output when not). Returns the output (a buffer reused by the next call,
 * which the caller may modify). */
char *fm_test_expect_cli(const char *args, int code, const char *needle);

/* Writes len bytes to a fresh temporary file and returns its path (static
 * buffer per call site is the caller's: path must hold 256 bytes). */
int fm_test_write_tmp(const char *suffix, const void *data, size_t len, char *path);

/* Number of samples a data-set test should use: all of them when
 * FLEXMAC_TEST_SCALE=full (the Release run), else `quick` (the sanitizer run
 * and plain ctest). */
long long fm_test_samples(long long all, long long quick);

#endif
