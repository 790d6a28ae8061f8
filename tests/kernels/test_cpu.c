/* FLEXMAC_ISA caps the detected ISA (and never raises it). The answer is
 * cached per process, so each setting is checked in a forked child. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fm_test.h"
#include "flexmac/kernels.h"

/* Returns fm_cpu_best_isa() in a child process whose FLEXMAC_ISA is value
 * (NULL: unset). */
static int isa_with_env(const char *value)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (value)
            setenv("FLEXMAC_ISA", value, 1);
        else
            unsetenv("FLEXMAC_ISA");
        _exit((int)fm_cpu_best_isa());
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void test_isa_cap(void **state)
{
    (void)state;
    const int native = isa_with_env(NULL);
    assert_true(native >= FM_ISA_SCALAR && native < FM_ISA_COUNT);
    assert_int_equal(isa_with_env("scalar"), FM_ISA_SCALAR);
    assert_int_equal(isa_with_env("avx2"), native < FM_ISA_AVX2 ? native : FM_ISA_AVX2);
    assert_int_equal(isa_with_env("avx512vnni"), native); /* never raised */
    assert_int_equal(isa_with_env("bogus"), native);      /* unknown: ignored */
    assert_int_equal(isa_with_env(""), native);
}

static void test_isa_cached(void **state)
{
    (void)state;
    fm_isa a = fm_cpu_best_isa();
    assert_int_equal(fm_cpu_best_isa(), a);
    assert_string_equal(fm_isa_name(FM_ISA_AVX512VNNI), "avx512vnni");
    assert_string_equal(fm_isa_name((fm_isa)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isa_cap),
        cmocka_unit_test(test_isa_cached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
