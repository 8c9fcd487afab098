/* debug_flood.c: OutputDebugString in a tight loop for --seconds (20), to show whether a run's raw log is limited. */
#include "hostile_kit.h"

static DWORD WINAPI attack(void *arg)
{
    /* long lines: the log grows by what Wine writes, not by how many calls were made */
    static const char pad[] = "flood flood flood flood flood flood flood flood flood flood flood flood flood "
                              "flood flood flood flood flood flood flood flood flood flood flood flood flood";
    ULONGLONG end = GetTickCount64() + 1000ULL * hk_num(L"--seconds", 20);
    unsigned long n = 0;

    (void)arg;
    while (GetTickCount64() < end && !hk_stopping())
        hk_say("line n=%lu %s", ++n, pad);
    hk_say("done n=%lu", n);
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    return hk_run(argc, argv, "debug_flood", attack);
}
