/* Run-time CPU feature detection: which fast path may run here. */
#include <cpuid.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flexmac/kernels.h"

/* XCR0 via xgetbv: the OS must save the YMM (bits 1,2) and, for AVX-512, the
 * opmask and ZMM state (bits 5,6,7), or the instructions fault or lose state. */
static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static fm_isa detect_isa(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return FM_ISA_SCALAR;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx)
        return FM_ISA_SCALAR;
    uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6)
        return FM_ISA_SCALAR;
    if (__get_cpuid_max(0, NULL) < 7)
        return FM_ISA_SCALAR;
    __cpuid_count(7, 0, a, b, c, d);
    int avx2 = (b >> 5) & 1;
    int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    int vnni = (c >> 11) & 1;
    if (!avx2 || !fma)
        return FM_ISA_SCALAR;
    if (f && dq && bw && vl && vnni && (xcr0 & 0xe6) == 0xe6)
        return FM_ISA_AVX512VNNI;
    return FM_ISA_AVX2;
}

int fm_isa_parse(const char *name)
{
    static const char *names[FM_ISA_COUNT] = {"scalar", "avx2", "avx512vnni"};
    for (int i = 0; name && i < FM_ISA_COUNT; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

const char *fm_isa_name(fm_isa isa)
{
    switch (isa) {
    case FM_ISA_SCALAR: return "scalar";
    case FM_ISA_AVX2: return "avx2";
    case FM_ISA_AVX512VNNI: return "avx512vnni";
    default: return "unknown";
    }
}

/* Per-process cache; the detection is idempotent so a race only repeats it. */
static int cached_isa = -1;

fm_isa fm_cpu_best_isa(void)
{
    int v = __atomic_load_n(&cached_isa, __ATOMIC_ACQUIRE);
    if (v >= 0)
        return (fm_isa)v;
    fm_isa best = detect_isa();
    int cap = fm_isa_parse(getenv("FLEXMAC_ISA"));
    if (cap >= 0 && (fm_isa)cap < best)
        best = (fm_isa)cap;
    __atomic_store_n(&cached_isa, (int)best, __ATOMIC_RELEASE);
    return best;
}
