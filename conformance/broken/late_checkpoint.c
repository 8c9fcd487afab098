/* late_checkpoint.c: promises the next checkpoint within 1 s and brings it after 2.5 s (svc.pending.deadline). */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_register(argc, argv);
    kit_report(SERVICE_START_PENDING, 0, 1, 1000);
    Sleep(2500);
    kit_report(SERVICE_START_PENDING, 0, 2, 1000);
    Sleep(300);
    kit_serve();
}

int wmain(void)
{
    return kit_run(svc);
}
