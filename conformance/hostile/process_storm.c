/* process_storm.c: starts up to --count (500) blocking children as fast as it can, to show whether a run's processes are limited. */
#include "hostile_kit.h"

/* How often the count reaches the log: often enough to see where a limit stopped it. */
#define STORM_REPORT_EVERY 8

static DWORD WINAPI attack(void *arg)
{
    unsigned want = hk_num(L"--count", 500), got = 0;

    (void)arg;
    while (got < want && !hk_stopping()) {
        if (!hk_spawn_child()) {
            hk_say("refused n=%u error=%lu", got, GetLastError());
            break;
        }
        if (++got % STORM_REPORT_EVERY == 0)
            hk_say("started n=%u", got);
    }
    hk_say("done n=%u", got);
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    return hk_run(argc, argv, "process_storm", attack);
}
