/* crash.c: a service that dies of an access violation while running, never reporting STOPPED. */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    volatile int *nowhere = NULL;

    kit_register(argc, argv);
    kit_report(SERVICE_RUNNING, KIT_CONTROLS, 0, 0);
    Sleep(300);
    *nowhere = 1;
}

int wmain(void)
{
    return kit_run(svc);
}
