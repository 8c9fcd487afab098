/* memory_hog.c: commits and touches memory up to --mib (16384), to show whether a run's memory is limited. */
#include "hostile_kit.h"

#define HOG_STEP_MIB 64
#define HOG_REPORT_MIB 512
#define HOG_PAGE 4096

static DWORD WINAPI attack(void *arg)
{
    unsigned want = hk_num(L"--mib", 16384), got = 0;
    size_t step = (size_t)HOG_STEP_MIB << 20, i;

    (void)arg;
    while (got + HOG_STEP_MIB <= want && !hk_stopping()) {
        volatile char *p = VirtualAlloc(NULL, step, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);

        if (!p) {
            hk_say("refused mib=%u error=%lu", got, GetLastError());
            break;
        }
        /* committed is only promised: a written page is one the host really has to give */
        for (i = 0; i < step; i += HOG_PAGE)
            p[i] = (char)(i >> 12 | 1);
        got += HOG_STEP_MIB;
        if (got % HOG_REPORT_MIB == 0)
            hk_say("committed mib=%u", got);
    }
    hk_say("done mib=%u", got);
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    return hk_run(argc, argv, "memory_hog", attack);
}
