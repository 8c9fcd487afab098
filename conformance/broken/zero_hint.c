/* zero_hint.c: STOP_PENDING with a zero wait hint, then 600 ms of cleanup (svc.pending.wait-hint). */
#include "kit.h"

static DWORD WINAPI handler(DWORD control, DWORD type, void *data, void *ctx)
{
    (void)type;
    (void)data;
    (void)ctx;
    if (control != SERVICE_CONTROL_STOP && control != SERVICE_CONTROL_SHUTDOWN)
        return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
    kit_report(SERVICE_STOP_PENDING, 0, 1, 0);
    SetEvent(kit_stop);
    return NO_ERROR;
}

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_h = RegisterServiceCtrlHandlerExW(argc ? argv[0] : L"broken", handler, NULL);
    kit_report(SERVICE_RUNNING, KIT_CONTROLS, 0, 0);
    WaitForSingleObject(kit_stop, INFINITE);
    Sleep(600);
    kit_stopped(NO_ERROR, 0);
}

int wmain(void)
{
    return kit_run(svc);
}
