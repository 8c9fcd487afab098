/* com_idle.c: an idle EXE server's delayed quit, ATL's MonitorShutdown in small: quit a moment after
 * the last reference went, not from inside the call that released it, and leave if the client that
 * had COM launch us never came.
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
static UINT_PTR comi_first_timer;
static DWORD comi_first_ms;
static void (*comi_leaving)(DWORD waited_ms);
static volatile LONG comi_seen;   /* any reference ever taken: a client came */

void comi_idle(DWORD loop_tid)
{
    PostThreadMessageW(loop_tid, COMI_WM_IDLE, 0, 0);
}

void comi_referenced(void)
{
    InterlockedExchange(&comi_seen, 1);
}

/* -Embedding means a client asked COM for us; if it died before connecting, nothing would ever take
 * the count to zero and so nothing would end us. ATL's delayed shutdown waits m_dwTimeOut (5 s by
 * default) after the count reached zero; the same wait, counted from start, covers the client that
 * never came. Called on the loop thread, before the loop. */
void comi_await_first(DWORD ms, void (*leaving)(DWORD waited_ms))
{
    comi_first_ms = ms;
    comi_leaving = leaving;
    comi_first_timer = SetTimer(NULL, 0, ms, NULL);
}

/* As ATL's MonitorShutdown does before it quits: suspend first, so that no activation is handed a
 * class object about to be revoked, then look again; one that slipped in keeps the server. */
static void comi_first_expired(void)
{
    KillTimer(NULL, comi_first_timer);
    comi_first_timer = 0;
    if (comi_seen)
        return;   /* its release, not this timer, decides when we leave */
    CoSuspendClassObjects();
    if (comi_seen) {
        CoResumeClassObjects();
        return;
    }
    if (comi_leaving)
        comi_leaving(comi_first_ms);
    PostQuitMessage(0);
}

BOOL comi_message(const MSG *m, BOOL (*busy)(void))
{
    if (m->message == COMI_WM_IDLE) {
        if (!comi_timer)
            comi_timer = SetTimer(NULL, 0, COMI_GRACE_MS, NULL);
        return TRUE;
    }
    if (m->message != WM_TIMER)
        return FALSE;
    if (comi_first_timer && m->wParam == comi_first_timer) {
        comi_first_expired();
        return TRUE;
    }
    if (!comi_timer || m->wParam != comi_timer)
        return FALSE;
    KillTimer(NULL, comi_timer);
    comi_timer = 0;
    /* a client that came back during the grace keeps the server; its release will say idle again */
    if (!busy())
        PostQuitMessage(0);
    return TRUE;
}
