/* unasked_clean_stop.c: stops on its own, unasked, and claims success (svc.stopped.exit-code). */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_register(argc, argv);
    kit_report(SERVICE_RUNNING, KIT_CONTROLS, 0, 0);
    Sleep(800);
    kit_stopped(NO_ERROR, 0);
}

int wmain(void)
{
    return kit_run(svc);
}
