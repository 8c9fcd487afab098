/* unanswered_pause.c: accepts PAUSE and never reports anything for it (svc.control.reported). */
#include "kit.h"

static DWORD WINAPI handler(DWORD control, DWORD type, void *data, void *ctx)
{
    if (control == SERVICE_CONTROL_PAUSE || control == SERVICE_CONTROL_CONTINUE)
        return NO_ERROR;
    return kit_handler(control, type, data, ctx);
}

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_h = RegisterServiceCtrlHandlerExW(argc ? argv[0] : L"broken", handler, NULL);
    kit_report(SERVICE_RUNNING, KIT_CONTROLS | SERVICE_ACCEPT_PAUSE_CONTINUE, 0, 0);
    WaitForSingleObject(kit_stop, INFINITE);
    kit_stopped(NO_ERROR, 0);
}

int wmain(void)
{
    return kit_run(svc);
}
