/* status.c: the reference's single door to SetServiceStatus, where the status-field rules are kept.
 * Rule points: svc.status.type, svc.status.handle, svc.pending.no-controls, svc.idle.checkpoint-zero,
 * svc.stopped.no-controls, svc.checkpoint.monotonic, svc.checkpoint.progress-only. */
#include "svc.h"
#include <stdio.h>

static SERVICE_STATUS_HANDLE st_handle;
static SERVICE_STATUS st_cur;
/* The handler thread (STOP_PENDING) and the service thread (later STOP_PENDING steps, STOPPED)
 * both report; one lock keeps the checkpoint sequence of a phase strictly rising. */
static CRITICAL_SECTION st_lock;

/* Announces a rule point at run time; Wine prints it in the same log as the service calls, so a
 * trace shows which rule point produced the call just before it on the same thread. */
void st_mark(const char *rule, const char *why)
{
    char buf[240];

    snprintf(buf, sizeof buf, "svcref rule=%s %s", rule, why);
    OutputDebugStringA(buf);
}

void st_init(void)
{
    InitializeCriticalSection(&st_lock);
    /* svc.status.type: we are installed as an own-process service and say so in every report. */
    st_cur.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    st_cur.dwCurrentState = SERVICE_START_PENDING;
}

static BOOL st_is_pending(DWORD state)
{
    return state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING ||
           state == SERVICE_PAUSE_PENDING || state == SERVICE_CONTINUE_PENDING;
}

static void st_send(void)
{
    /* svc.status.handle: always the handle RegisterServiceCtrlHandlerEx gave us, never NULL. */
    if (!SetServiceStatus(st_handle, &st_cur)) {
        char buf[80];
        snprintf(buf, sizeof buf, "svcref SetServiceStatus failed %lu", GetLastError());
        OutputDebugStringA(buf);
    }
}

/* A new state. Pending states start their checkpoint sequence at 1; settled states carry
 * checkpoint 0 and wait hint 0 (svc.idle.checkpoint-zero); STOP_PENDING and START_PENDING accept
 * nothing (svc.pending.no-controls, svc.stopped.no-controls). */
void st_report(DWORD state, DWORD controls, DWORD wait_hint)
{
    EnterCriticalSection(&st_lock);
    if (st_is_pending(state)) {
        /* svc.checkpoint.monotonic: a phase starts at 1 and only st_progress raises it, under the lock */
        st_cur.dwCheckPoint = st_cur.dwCurrentState == state ? st_cur.dwCheckPoint + 1 : 1;
        st_cur.dwWaitHint = wait_hint;
    } else {
        st_cur.dwCheckPoint = 0;
        st_cur.dwWaitHint = 0;
    }
    if (state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING)
        controls = 0;
    st_cur.dwCurrentState = state;
    st_cur.dwControlsAccepted = controls;
    st_send();
    LeaveCriticalSection(&st_lock);
}

/* Called only by the thread doing the work, right after a step of it finished: the checkpoint
 * says "real progress", never "still alive" (svc.checkpoint.progress-only). */
void st_progress(DWORD wait_hint)
{
    EnterCriticalSection(&st_lock);
    st_cur.dwCheckPoint++;
    st_cur.dwWaitHint = wait_hint;
    st_send();
    LeaveCriticalSection(&st_lock);
}

void st_stopped(DWORD win32_exit, DWORD specific_exit)
{
    EnterCriticalSection(&st_lock);
    st_cur.dwCurrentState = SERVICE_STOPPED;
    st_cur.dwControlsAccepted = 0;
    st_cur.dwCheckPoint = 0;
    st_cur.dwWaitHint = 0;
    st_cur.dwWin32ExitCode = win32_exit;
    st_cur.dwServiceSpecificExitCode = specific_exit;
    st_send();
    LeaveCriticalSection(&st_lock);
}

void st_attach(SERVICE_STATUS_HANDLE h)
{
    st_handle = h;
}

DWORD st_state(void)
{
    DWORD s;

    EnterCriticalSection(&st_lock);
    s = st_cur.dwCurrentState;
    LeaveCriticalSection(&st_lock);
    return s;
}
