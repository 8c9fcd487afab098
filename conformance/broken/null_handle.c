/* null_handle.c: reports once through a NULL status handle before using the real one (svc.status.handle). */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    SERVICE_STATUS s = { SERVICE_WIN32_OWN_PROCESS, SERVICE_RUNNING, KIT_CONTROLS, 0, 0, 0, 0 };

    kit_register(argc, argv);
    SetServiceStatus(NULL, &s);
    kit_serve();
}

int wmain(void)
{
    return kit_run(svc);
}
