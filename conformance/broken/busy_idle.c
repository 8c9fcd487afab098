/* busy_idle.c: RUNNING with a checkpoint of 3 (svc.idle.checkpoint-zero). */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_register(argc, argv);
    kit_report(SERVICE_RUNNING, KIT_CONTROLS, 3, 0);
    WaitForSingleObject(kit_stop, INFINITE);
    kit_stopped(NO_ERROR, 0);
}

int wmain(void)
{
    return kit_run(svc);
}
