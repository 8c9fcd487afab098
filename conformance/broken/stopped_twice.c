/* stopped_twice.c: the STOP handler reports STOPPED with 0, then ServiceMain reports STOPPED again with an error (svc.stopped.exit-code, svc.stopped.last). */
#include "kit.h"

static HANDLE main_done;

/* The handler's STOPPED comes first, always: ServiceMain learns of the stop only after it. */
static DWORD WINAPI handler(DWORD control, DWORD type, void *data, void *ctx)
{
    (void)type;
    (void)data;
    (void)ctx;
    if (control == SERVICE_CONTROL_STOP || control == SERVICE_CONTROL_SHUTDOWN) {
        kit_stopped(NO_ERROR, 0);
        SetEvent(kit_stop);
        return NO_ERROR;
    }
    return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

/* The defect: ServiceMain, unaware that the handler already said STOPPED, says it again on its way out,
 * with the code of its wait loop's "interrupted" path (a service-specific -1). */
static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_h = RegisterServiceCtrlHandlerExW(argc ? argv[0] : L"broken", handler, NULL);
    kit_report(SERVICE_RUNNING, KIT_CONTROLS, 0, 0);
    WaitForSingleObject(kit_stop, INFINITE);
    kit_stopped(ERROR_SERVICE_SPECIFIC_ERROR, (DWORD)-1);
    SetEvent(main_done);
}

/* The dispatcher returns at the first STOPPED; the process waits for ServiceMain's report before it ends. */
int wmain(void)
{
    int r;

    main_done = CreateEventW(NULL, TRUE, FALSE, NULL);
    r = kit_run(svc);
    WaitForSingleObject(main_done, 3000);
    return r;
}
