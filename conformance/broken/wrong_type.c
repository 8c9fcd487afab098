/* wrong_type.c: installed as an own-process service, reports itself as a shared one (svc.status.type). */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    SERVICE_STATUS s = { SERVICE_WIN32_SHARE_PROCESS, SERVICE_RUNNING, KIT_CONTROLS, 0, 0, 0, 0 };

    kit_register(argc, argv);
    SetServiceStatus(kit_h, &s);
    WaitForSingleObject(kit_stop, INFINITE);
    s.dwCurrentState = SERVICE_STOPPED;
    s.dwControlsAccepted = 0;
    SetServiceStatus(kit_h, &s);
}

int wmain(void)
{
    return kit_run(svc);
}
