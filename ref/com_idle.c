/* com_idle.c: an idle EXE server's delayed quit, ATL's MonitorShutdown in small: quit a moment after the last
 * reference went, not from inside the call that released it.
 * Rule points: none (com_server.c marks where the count reaches zero). */
#include "com_host.h"

/* The call that released the server's last reference is still unwinding when its release runs; a quit
 * posted at once lets the loop thread's CoUninitialize race it. Under Wine 8 that race can hang the
 * process for good in the apartment's teardown (seen under load: the last RemRelease returned, WM_QUIT
 * came, CoUninitialize never did), and on Windows ATL waits too (CAtlExeModuleT's dwTimeOut). The
 * grace is far below any client's patience and the idle rules' 10 s. */
#define COMI_GRACE_MS 500
#define COMI_WM_IDLE (WM_APP + 0x51)

static UINT_PTR comi_timer;

void comi_idle(DWORD loop_tid)
{
    PostThreadMessageW(loop_tid, COMI_WM_IDLE, 0, 0);
}

BOOL comi_message(const MSG *m, BOOL (*busy)(void))
{
    if (m->message == COMI_WM_IDLE) {
        if (!comi_timer)
            comi_timer = SetTimer(NULL, 0, COMI_GRACE_MS, NULL);
        return TRUE;
    }
    if (m->message != WM_TIMER || !comi_timer || m->wParam != comi_timer)
        return FALSE;
    KillTimer(NULL, comi_timer);
    comi_timer = 0;
    /* a client that came back during the grace keeps the server; its release will say idle again */
    if (!busy())
        PostQuitMessage(0);
    return TRUE;
}
