/* checkpoint_down.c: START_PENDING checkpoints 1, 3, 2 (svc.checkpoint.monotonic). */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    static const DWORD cps[] = { 1, 3, 2 };
    int i;

    kit_register(argc, argv);
    for (i = 0; i < 3; i++) {
        kit_report(SERVICE_START_PENDING, 0, cps[i], 2000);
        Sleep(300);
    }
    kit_serve();
}

int wmain(void)
{
    return kit_run(svc);
}
