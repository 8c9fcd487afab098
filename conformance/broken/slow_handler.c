/* slow_handler.c: answers STOP at once but does 2.5 s of work inside the handler (svc.handler.returns). */
#include "kit.h"

static DWORD WINAPI handler(DWORD control, DWORD type, void *data, void *ctx)
{
    if (control == SERVICE_CONTROL_STOP) {
        kit_report(SERVICE_STOP_PENDING, 0, 1, 5000);
        Sleep(2500);
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
    kit_stopped(NO_ERROR, 0);
}

int wmain(void)
{
    return kit_run(svc);
}
