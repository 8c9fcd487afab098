/* share_process.c: a correct service written to share its process (SERVICE_WIN32_SHARE_PROCESS, one
 * service in its table, named as installed): every report says 0x20, so it is installed as a shared service. */
#include "kit.h"

static void share_report(DWORD state, DWORD controls, DWORD checkpoint, DWORD wait_hint)
{
    SERVICE_STATUS s = { SERVICE_WIN32_SHARE_PROCESS, state, controls, NO_ERROR, 0, checkpoint, wait_hint };

    SetServiceStatus(kit_h, &s);
}

static DWORD WINAPI share_handler(DWORD control, DWORD type, void *data, void *ctx)
{
    (void)type;
    (void)data;
    (void)ctx;
    if (control == SERVICE_CONTROL_STOP || control == SERVICE_CONTROL_SHUTDOWN) {
        share_report(SERVICE_STOP_PENDING, 0, 1, 3000);
        SetEvent(kit_stop);
        return NO_ERROR;
    }
    return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    /* a shared process hosts several services: each registers under its own name */
    kit_h = RegisterServiceCtrlHandlerExW(argc ? argv[0] : L"broken", share_handler, NULL);
    share_report(SERVICE_RUNNING, KIT_CONTROLS, 0, 0);
    WaitForSingleObject(kit_stop, INFINITE);
    share_report(SERVICE_STOPPED, 0, 0, 0);
}

/* In a shared process the dispatcher finds each service by the name in its table, so the table names the
 * service as it is installed (the harness's default: the file's name). */
int wmain(void)
{
    SERVICE_TABLE_ENTRYW table[] = { { (wchar_t *)L"share_process", svc }, { NULL, NULL } };

    kit_stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    return StartServiceCtrlDispatcherW(table) ? 0 : 2;
}
