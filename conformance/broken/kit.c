/* kit.c: a minimal correct service skeleton that each broken service bends in one place. */
#include "kit.h"

SERVICE_STATUS_HANDLE kit_h;
HANDLE kit_stop;

void kit_report(DWORD state, DWORD controls, DWORD checkpoint, DWORD wait_hint)
{
    SERVICE_STATUS s = { SERVICE_WIN32_OWN_PROCESS, state, controls, NO_ERROR, 0, checkpoint, wait_hint };

    SetServiceStatus(kit_h, &s);
}

void kit_stopped(DWORD win32_exit, DWORD specific_exit)
{
    SERVICE_STATUS s = { SERVICE_WIN32_OWN_PROCESS, SERVICE_STOPPED, 0, win32_exit, specific_exit, 0, 0 };

    SetServiceStatus(kit_h, &s);
}

DWORD WINAPI kit_handler(DWORD control, DWORD type, void *data, void *ctx)
{
    (void)type;
    (void)data;
    (void)ctx;
    if (control == SERVICE_CONTROL_STOP || control == SERVICE_CONTROL_SHUTDOWN) {
        kit_report(SERVICE_STOP_PENDING, 0, 1, 3000);
        SetEvent(kit_stop);
        return NO_ERROR;
    }
    return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

void kit_register(DWORD argc, wchar_t **argv)
{
    kit_h = RegisterServiceCtrlHandlerExW(argc ? argv[0] : L"broken", kit_handler, NULL);
}

void kit_block(DWORD ms)
{
    HANDLE never = CreateEventW(NULL, TRUE, FALSE, NULL);

    WaitForSingleObject(never, ms);
    CloseHandle(never);
}

void kit_serve(void)
{
    kit_report(SERVICE_RUNNING, KIT_CONTROLS, 0, 0);
    WaitForSingleObject(kit_stop, INFINITE);
    kit_stopped(NO_ERROR, 0);
}

int kit_run(LPSERVICE_MAIN_FUNCTIONW svc_main)
{
    SERVICE_TABLE_ENTRYW table[] = { { (wchar_t *)L"broken", svc_main }, { NULL, NULL } };

    kit_stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    return StartServiceCtrlDispatcherW(table) ? 0 : 2;
}
