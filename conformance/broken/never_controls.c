/* never_controls.c: RUNNING with no controls, never accepting any, then an error stop (svc.running.controls). */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_register(argc, argv);
    kit_report(SERVICE_RUNNING, 0, 0, 0);
    Sleep(1500);
    kit_stopped(ERROR_SERVICE_SPECIFIC_ERROR, 5);
}

int wmain(void)
{
    return kit_run(svc);
}
