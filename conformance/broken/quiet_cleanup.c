/* quiet_cleanup.c: takes STOP silently and cleans up for 2.5 s with no STOP_PENDING (svc.stop.pending). */
#include "kit.h"

static DWORD WINAPI handler(DWORD control, DWORD type, void *data, void *ctx)
{
    if (control == SERVICE_CONTROL_STOP) {
        SetEvent(kit_stop);
        return NO_ERROR;
    }
    return kit_handler(control, type, data, ctx);
}

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_h = RegisterServiceCtrlHandlerExW(argc ? argv[0] : L"broken", handler, NULL);
    kit_report(SERVICE_RUNNING, KIT_CONTROLS, 0, 0);
    WaitForSingleObject(kit_stop, INFINITE);
    Sleep(2500);
    kit_stopped(NO_ERROR, 0);
}

int wmain(void)
{
    return kit_run(svc);
}
