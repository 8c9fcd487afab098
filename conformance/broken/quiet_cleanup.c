/* quiet_cleanup.c: fails while running, then cleans up for 2.5 s without STOP_PENDING (svc.stop.pending). */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_register(argc, argv);
    kit_report(SERVICE_RUNNING, KIT_CONTROLS, 0, 0);
    Sleep(500);
    Sleep(2500);
    kit_stopped(ERROR_SERVICE_SPECIFIC_ERROR, 3);
}

int wmain(void)
{
    return kit_run(svc);
}
