/* ignore_stop.c: accepts STOP, says nothing, and keeps running. */
#include "kit.h"

static DWORD WINAPI deaf(DWORD control, DWORD type, void *data, void *ctx)
{
    (void)control;
    (void)type;
    (void)data;
    (void)ctx;
    return NO_ERROR;
}

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_h = RegisterServiceCtrlHandlerExW(argc ? argv[0] : L"broken", deaf, NULL);
    kit_report(SERVICE_RUNNING, KIT_CONTROLS, 0, 0);
    kit_block(INFINITE);
}

int wmain(void)
{
    return kit_run(svc);
}
