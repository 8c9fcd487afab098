/* silent_init.c: 2.5 s of initialization with nothing reported (svc.init.first-report). */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_register(argc, argv);
    Sleep(2500);
    kit_serve();
}

int wmain(void)
{
    return kit_run(svc);
}
