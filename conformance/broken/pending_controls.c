/* pending_controls.c: accepts STOP while START_PENDING (svc.pending.no-controls). */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    DWORD cp;

    kit_register(argc, argv);
    for (cp = 1; cp <= 3; cp++) {
        kit_report(SERVICE_START_PENDING, SERVICE_ACCEPT_STOP, cp, 3000);
        Sleep(500);
    }
    kit_serve();
}

int wmain(void)
{
    return kit_run(svc);
}
