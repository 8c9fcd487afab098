/* service.c: ServiceMain, the control handler and Run's pre-loop / message loop / post-loop, in
 * CAtlServiceModuleT::Run's shape.
 * Rule points: svc.handler.immediate, svc.init.first-report, svc.pending.wait-hint, svc.pending.deadline,
 * svc.checkpoint.progress-only, svc.running.controls, svc.control.reported, svc.handler.returns, svc.stop.pending,
 * svc.stopped.exit-code, svc.stopped.last, atl.run.order, atl.quit.on-stop, com.revoke.all, com.runas.identity. */
#include "svc.h"
#include "config.h"
#include "com.h"
#include "eventlog.h"
#include <stdio.h>

/* Thread messages the handler posts to the loop thread; WM_QUIT ends the loop. */
#define SVC_WM_PAUSE    (WM_APP + 1)
#define SVC_WM_CONTINUE (WM_APP + 2)

static struct cfg svc_cfg;
static int svc_img_argc;
static wchar_t **svc_img_argv;
static DWORD svc_loop_tid;
static DWORD svc_exit_win32, svc_exit_specific;

void svc_set_image_args(int argc, wchar_t **argv)
{
    svc_img_argc = argc;
    svc_img_argv = argv;
}

static DWORD svc_controls(void)
{
    return SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN |
           (svc_cfg.pause ? SERVICE_ACCEPT_PAUSE_CONTINUE : 0);
}

/* A controller judges a pending phase stalled when the checkpoint does not move within the wait
 * hint, so the hint covers a step twice over plus half a second for a loaded machine: never 0
 * (svc.pending.wait-hint), always longer than the step it announces (svc.pending.deadline). */
static DWORD svc_step_hint(DWORD total_ms, DWORD steps)
{
    return 2 * (total_ms / steps) + 500;
}

/* Stands for one step of real work (opening files, connecting, loading state). */
static void svc_work(DWORD ms)
{
    Sleep(ms);
}

static DWORD WINAPI svc_handler(DWORD control, DWORD type, void *data, void *ctx)
{
    DWORD state = st_state();

    (void)type;
    (void)data;
    (void)ctx;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        if (state == SERVICE_STOP_PENDING || state == SERVICE_STOPPED)
            return NO_ERROR;
        /* svc.control.reported / svc.stop.pending: STOP is answered at once with STOP_PENDING. */
        st_mark("svc.control.reported", "STOP answered with STOP_PENDING before any cleanup");
        st_report(SERVICE_STOP_PENDING, 0, svc_step_hint(svc_cfg.stop_ms, svc_cfg.stop_steps));
        /* atl.quit.on-stop: the loop thread ends its loop on WM_QUIT and does the cleanup;
         * svc.handler.returns: the handler itself only posts and returns. */
        st_mark("atl.quit.on-stop", "WM_QUIT posted to the stored loop thread id");
        PostThreadMessageW(svc_loop_tid, WM_QUIT, 0, 0);
        return NO_ERROR;
    case SERVICE_CONTROL_PAUSE:
        if (state != SERVICE_RUNNING)
            return NO_ERROR;
        st_mark("svc.control.reported", "PAUSE answered with PAUSE_PENDING; the loop thread pauses");
        st_report(SERVICE_PAUSE_PENDING, svc_controls(), 1000);
        PostThreadMessageW(svc_loop_tid, SVC_WM_PAUSE, 0, 0);
        return NO_ERROR;
    case SERVICE_CONTROL_CONTINUE:
        if (state != SERVICE_PAUSED)
            return NO_ERROR;
        st_mark("svc.control.reported", "CONTINUE answered with CONTINUE_PENDING");
        st_report(SERVICE_CONTINUE_PENDING, svc_controls(), 1000);
        PostThreadMessageW(svc_loop_tid, SVC_WM_CONTINUE, 0, 0);
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

static void svc_fail(DWORD specific)
{
    svc_exit_win32 = ERROR_SERVICE_SPECIFIC_ERROR;
    svc_exit_specific = specific;
}

/* Initialization in steps; returns FALSE when it failed (the exit codes are set). */
static BOOL svc_initialize(void)
{
    BOOL pending = svc_cfg.start == CFG_START_PENDING ||
                   (svc_cfg.start == CFG_START_AUTO && svc_cfg.init_ms >= 1000);
    DWORD hint = svc_step_hint(svc_cfg.init_ms, svc_cfg.init_steps);
    DWORD i;

    if (svc_cfg.start == CFG_START_RUNNING_NOCTL) {
        st_mark("svc.init.first-report", "RUNNING with no controls until initialization is done");
        st_report(SERVICE_RUNNING, 0, 0);
    } else if (pending) {
        st_mark("svc.init.first-report", "init takes a second or more: START_PENDING, no controls, a wait hint");
        st_report(SERVICE_START_PENDING, 0, hint);
    }
    for (i = 1; i <= svc_cfg.init_steps; i++) {
        svc_work(svc_cfg.init_ms / svc_cfg.init_steps);
        if (i == svc_cfg.init_steps)
            break;
        if (pending) {
            /* svc.checkpoint.progress-only: reported by this thread, after a step really finished. */
            st_mark("svc.checkpoint.progress-only", "init step finished on the init thread");
            st_progress(hint);
        }
    }
    if (svc_cfg.fail_init) {
        svc_fail(svc_cfg.fail_init);
        return FALSE;
    }
    return TRUE;
}

/* Pre-loop, in CAtlServiceModuleT::Run's order: store the loop thread id, initialize (security
 * and class registration slot in here), and only then tell the SCM we are running. */
static BOOL svc_pre_loop(void)
{
    MSG msg;
    HRESULT hr;

    st_mark("atl.quit.on-stop", "loop thread id stored before the loop, for PostThreadMessage");
    svc_loop_tid = GetCurrentThreadId();
    /* Create the thread's message queue now, so that a control posted later cannot be lost. */
    PeekMessageW(&msg, NULL, WM_USER, WM_USER, PM_NOREMOVE);
    if (!svc_initialize())
        return FALSE;
    /* COM (issue 5), CAtlServiceModuleT::PreMessageLoop's order: security, then the class objects,
     * and only then RUNNING (atl.run.order). A failed registration ends the service with our code
     * instead of idling unreachable (com.runas.identity). */
    /* COM's RPC service is not waited for here: the install declares it a dependency (install.c),
     * so the SCM has it running before it starts us. */
    hr = com_start(COM_MODE_SERVICE, svc_loop_tid, &svc_cfg);
    if (FAILED(hr)) {
        evt_report_com_start(hr);
        svc_fail(SVCREF_EXIT_COM_REGISTER);
        return FALSE;
    }
    st_mark("svc.running.controls", "ready: RUNNING with the controls we handle");
    st_report(SERVICE_RUNNING, svc_controls(), 0);
    return TRUE;
}

/* The loop between pre-loop and post-loop. The class objects live in the multithreaded apartment, which
 * needs no message pump: COM's own threads carry the calls. The loop is here to mirror ATL's shutdown,
 * where the handler posts WM_QUIT to the thread that stored its id and that thread then does the
 * cleanup, and because a thread queue gives the handler a way to hand PAUSE/CONTINUE to that thread
 * without doing the work itself. */
static void svc_message_loop(void)
{
    MSG msg;
    UINT_PTR fail_timer = 0;

    if (svc_cfg.fail_run_ms)
        fail_timer = SetTimer(NULL, 0, svc_cfg.fail_run_ms, NULL);
    while (GetMessageW(&msg, NULL, 0, 0) > 0) {
        switch (msg.message) {
        case SVC_WM_PAUSE:
            st_report(SERVICE_PAUSED, svc_controls(), 0);
            break;
        case SVC_WM_CONTINUE:
            st_report(SERVICE_RUNNING, svc_controls(), 0);
            break;
        case WM_TIMER:
            if (fail_timer && msg.wParam == fail_timer) {
                KillTimer(NULL, fail_timer);
                svc_fail(svc_cfg.fail_code);
                return;
            }
            break;
        default:
            DispatchMessageW(&msg);
        }
    }
}

/* Post-loop: cleanup in steps, then STOPPED as the very last act of the service's last thread. */
static void svc_post_loop(void)
{
    DWORD hint = svc_step_hint(svc_cfg.stop_ms, svc_cfg.stop_steps);
    DWORD i;

    /* COM (issue 5): revoke every class object first, so no client enters during the cleanup;
     * all of it before STOPPED (com.revoke.all, atl.quit.on-stop). */
    com_stop();
    /* An error stop has had no STOP control to answer; a long cleanup still says so first. */
    if (st_state() != SERVICE_STOP_PENDING && svc_cfg.stop_ms >= 1000) {
        st_mark("svc.stop.pending", "error stop with a long cleanup: STOP_PENDING first");
        st_report(SERVICE_STOP_PENDING, 0, hint);
    }
    for (i = 1; i <= svc_cfg.stop_steps; i++) {
        svc_work(svc_cfg.stop_ms / svc_cfg.stop_steps);
        if (i < svc_cfg.stop_steps && st_state() == SERVICE_STOP_PENDING) {
            st_mark("svc.stop.pending", "cleanup step finished: checkpoint rises");
            st_progress(hint);
        }
    }
    st_mark("svc.stopped.exit-code", svc_exit_win32 ? "STOPPED with the error that ended the service"
                                                    : "STOPPED after a clean stop: exit code 0");
    st_mark("svc.stopped.last", "STOPPED is the last call; ServiceMain returns right after");
    st_stopped(svc_exit_win32, svc_exit_specific);
}

void WINAPI svc_main(DWORD argc, wchar_t **argv)
{
    const wchar_t *bad;
    SERVICE_STATUS_HANDLE h;

    st_init();
    /* svc.handler.immediate: no service call, wait or COM call comes before this; the name is
     * the one the SCM gave us. */
    h = RegisterServiceCtrlHandlerExW(argc ? argv[0] : SVCREF_DEFAULT_NAME, svc_handler, NULL);
    if (!h)
        return;   /* no handle: nothing can be reported; the SCM sees the process exit */
    st_attach(h);
    st_mark("svc.handler.immediate", "handler registered as ServiceMain's first call (the call above)");
    evt_set_source(argc ? argv[0] : SVCREF_DEFAULT_NAME);

    cfg_defaults(&svc_cfg);
    if (!cfg_parse(&svc_cfg, svc_img_argc, svc_img_argv, 1, &bad) ||
        !cfg_parse(&svc_cfg, (int)argc, argv, 1, &bad)) {
        char buf[160];
        snprintf(buf, sizeof buf, "svcref bad start parameter: %ls", bad ? bad : L"?");
        OutputDebugStringA(buf);
        evt_report_bad_parameter(bad ? bad : L"?");
        st_mark("svc.stopped.exit-code", "bad start parameters: STOPPED with ERROR_INVALID_PARAMETER");
        st_stopped(ERROR_INVALID_PARAMETER, 0);
        return;
    }
    if (svc_pre_loop())
        svc_message_loop();
    svc_post_loop();
}
