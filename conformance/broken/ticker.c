/* ticker.c: a timer thread raises checkpoints while the init thread is blocked (svc.checkpoint.progress-only). */
#include "kit.h"

static HANDLE ready;

static DWORD WINAPI tick(void *arg)
{
    DWORD cp;

    (void)arg;
    for (cp = 1; cp <= 6; cp++) {
        kit_report(SERVICE_START_PENDING, 0, cp, 1000);
        Sleep(500);
    }
    SetEvent(ready);
    return 0;
}

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_register(argc, argv);
    ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    CloseHandle(CreateThread(NULL, 0, tick, NULL, 0, NULL));
    WaitForSingleObject(ready, INFINITE);   /* "initialization": blocked, no progress */
    kit_serve();
}

int wmain(void)
{
    return kit_run(svc);
}
