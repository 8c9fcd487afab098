/* stopped_with_controls.c: reports STOP_PENDING and STOPPED still accepting STOP (svc.stopped.no-controls). */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_register(argc, argv);
    kit_report(SERVICE_RUNNING, KIT_CONTROLS, 0, 0);
    WaitForSingleObject(kit_stop, INFINITE);
    kit_report(SERVICE_STOP_PENDING, SERVICE_ACCEPT_STOP, 2, 1000);
    kit_report(SERVICE_STOPPED, SERVICE_ACCEPT_STOP, 0, 0);
}

int wmain(void)
{
    return kit_run(svc);
}
