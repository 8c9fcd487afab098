/* handoff_init.c: a correct service whose ServiceMain reports START_PENDING and hands the start to a worker thread, which reports its progress and RUNNING (reports from two threads, as Go's svc package makes). */
#include "kit.h"

static DWORD WINAPI start_and_serve(void *arg)
{
    DWORD cp;

    (void)arg;
    for (cp = 2; cp <= 3; cp++) {
        kit_block(200);   /* a step of the initialization, then its progress */
        kit_report(SERVICE_START_PENDING, 0, cp, 1000);
    }
    kit_serve();
    return 0;
}

/* ServiceMain says "starting" at once, then leaves the start and the service's life to the worker. */
static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    HANDLE worker;

    kit_register(argc, argv);
    kit_report(SERVICE_START_PENDING, 0, 1, 1000);
    worker = CreateThread(NULL, 0, start_and_serve, NULL, 0, NULL);
    if (!worker) {
        kit_stopped(GetLastError(), 0);
        return;
    }
    WaitForSingleObject(worker, INFINITE);
    CloseHandle(worker);
}

int wmain(void)
{
    return kit_run(svc);
}
