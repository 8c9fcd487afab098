/* svcctl.c: the service control program the harness runs inside Wine to drive one candidate service. */
#include "ctl.h"
#include "ctl_com.h"
#include "ctl_reg.h"
#include "record.h"
#include "session0.h"
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <wchar.h>

static HANDLE ctl_proc;            /* the candidate's process, once its id is known */
static DWORD ctl_proc_id;

static void ctl_rec_status(const char *ev, const SERVICE_STATUS_PROCESS *s)
{
    rec_line("%s state=%lu controls=%lu checkpoint=%lu wait_hint=%lu win32_exit=%lu specific_exit=%lu "
            "type=%lu service_pid=%lu", ev, s->dwCurrentState, s->dwControlsAccepted, s->dwCheckPoint,
            s->dwWaitHint, s->dwWin32ExitCode, s->dwServiceSpecificExitCode, s->dwServiceType,
            s->dwProcessId);
}

static void ctl_track_process(DWORD pid)
{
    if (!pid || pid == ctl_proc_id)
        return;
    if (ctl_proc)
        CloseHandle(ctl_proc);
    ctl_proc_id = pid;
    ctl_proc = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
}

/* Queries the status and records it when anything a rule could care about changed. */
static BOOL ctl_query(SC_HANDLE svc, SERVICE_STATUS_PROCESS *s)
{
    static SERVICE_STATUS_PROCESS last;
    static BOOL have_last;
    DWORD got;

    if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)s, sizeof *s, &got)) {
        rec_line("ctl_query_failed error=%lu", GetLastError());
        return FALSE;
    }
    ctl_track_process(s->dwProcessId);
    if (!have_last || memcmp(&last, s, sizeof last)) {
        ctl_rec_status("ctl_query", s);
        last = *s;
        have_last = TRUE;
    }
    return TRUE;
}

enum ctl_goal { CTL_GOAL_READY, CTL_GOAL_STATE, CTL_GOAL_STOPPABLE };

/* Polls until the goal is met, the service stopped, or the time is up. */
static const char *ctl_wait_for(SC_HANDLE svc, enum ctl_goal goal, DWORD state, DWORD timeout_ms,
                                const char *what, const struct ctl_opts *o, SERVICE_STATUS_PROCESS *s)
{
    LARGE_INTEGER t;
    const char *outcome = "timeout";

    QueryPerformanceCounter(&t);
    for (;;) {
        if (!ctl_query(svc, s)) {
            outcome = "error";
            break;
        }
        if (goal == CTL_GOAL_READY && s->dwCurrentState == SERVICE_RUNNING && s->dwControlsAccepted) {
            outcome = "reached";
            break;
        }
        if (goal == CTL_GOAL_STOPPABLE && (s->dwControlsAccepted & SERVICE_ACCEPT_STOP)) {
            outcome = "reached";
            break;
        }
        if (goal == CTL_GOAL_STATE && s->dwCurrentState == state) {
            outcome = "reached";
            break;
        }
        if (s->dwCurrentState == SERVICE_STOPPED) {
            outcome = "stopped";
            break;
        }
        /* Wine's SCM does not notice a service process that died; the controller does. */
        if (ctl_proc && WaitForSingleObject(ctl_proc, 0) == WAIT_OBJECT_0) {
            outcome = "exited";
            break;
        }
        if (rec_ms_since(&t) >= timeout_ms)
            break;
        Sleep(o->poll_ms);
    }
    rec_line("ctl_wait what=%s outcome=%s elapsed_ms=%.3f", what, outcome, rec_ms_since(&t));
    return outcome;
}

static void ctl_control(SC_HANDLE svc, DWORD control)
{
    SERVICE_STATUS ss = { 0 };
    LARGE_INTEGER t;
    BOOL ok;
    DWORD err;
    double ms;

    QueryPerformanceCounter(&t);
    ok = ControlService(svc, control, &ss);
    err = ok ? 0 : GetLastError();
    ms = rec_ms_since(&t);
    if (!ok) {
        /* The status ControlService leaves behind on failure means nothing. */
        rec_line("ctl_control control=%lu ok=0 error=%lu elapsed_ms=%.3f", control, err, ms);
        return;
    }
    rec_line("ctl_control control=%lu ok=1 error=0 elapsed_ms=%.3f state=%lu controls=%lu checkpoint=%lu "
            "wait_hint=%lu win32_exit=%lu specific_exit=%lu", control, ms, ss.dwCurrentState,
            ss.dwControlsAccepted, ss.dwCheckPoint, ss.dwWaitHint, ss.dwWin32ExitCode, ss.dwServiceSpecificExitCode);
}

static void ctl_wait_exit(DWORD timeout_ms)
{
    DWORD code = 0, r;

    if (!ctl_proc) {
        rec_line("ctl_wait what=exit outcome=unknown_process elapsed_ms=0.0");
        return;
    }
    r = WaitForSingleObject(ctl_proc, timeout_ms);
    if (r == WAIT_OBJECT_0) {
        GetExitCodeProcess(ctl_proc, &code);
        rec_line("ctl_exit service_pid=%lu code=%lu", ctl_proc_id, code);
    } else {
        rec_line("ctl_wait what=exit outcome=timeout elapsed_ms=%lu", timeout_ms);
    }
}

/* Records the service the run drives, as installed (by us, or by the candidate's registration). */
static void ctl_rec_install(SC_HANDLE svc, const wchar_t *name, BOOL adopted, DWORD err)
{
    static BYTE buf[8192];
    QUERY_SERVICE_CONFIGW *cfg = (QUERY_SERVICE_CONFIGW *)buf;
    char n[256], image[1024];
    DWORD need;

    rec_enc(n, sizeof n, name);
    if (!svc || !QueryServiceConfigW(svc, cfg, sizeof buf, &need)) {
        rec_line("ctl_install ok=0 error=%lu adopted=%d name=%s image_path=- service_type=- start_type=-", err,
                 adopted ? 1 : 0, n);
        return;
    }
    rec_enc(image, sizeof image, cfg->lpBinaryPathName);
    /* adopted and the name come before the image path: a record Wine cuts keeps them */
    rec_line("ctl_install ok=1 error=0 adopted=%d name=%s image_path=%s service_type=%lu start_type=%lu", adopted ? 1 : 0,
             n, image, cfg->dwServiceType, cfg->dwStartType);
}

/* A service the candidate's own registration installed is driven as it is: COM would start that one. */
static SC_HANDLE ctl_install(SC_HANDLE scm, struct ctl_opts *o, const struct ctl_found *f)
{
    SC_HANDLE svc;
    DWORD err;

    if (f->service[0]) {
        o->name = f->service;
        svc = OpenServiceW(scm, o->name, SERVICE_ALL_ACCESS);
        ctl_rec_install(svc, o->name, TRUE, GetLastError());
        o->uninstall = FALSE;
        return svc;
    }
    svc = CreateServiceW(scm, o->name, o->name, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                         SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL, o->image, NULL, NULL, NULL, NULL, NULL);
    err = svc ? 0 : GetLastError();
    if (!svc && err == ERROR_SERVICE_EXISTS) {
        svc = OpenServiceW(scm, o->name, SERVICE_ALL_ACCESS);
        ctl_rec_install(svc, o->name, TRUE, GetLastError());
        o->uninstall = FALSE;
        return svc;
    }
    ctl_rec_install(svc, o->name, FALSE, err);
    return svc;
}

/* Wine hands a starting service process the control pipe of whichever service the SCM is starting
 * at that moment, so a candidate started while the prefix's own services still start can end up
 * running as one of them. Wait until no service has been pending for half a second. */
/* On Windows, COM's RPC service (RpcSs) is an automatic service that runs before any other service
 * starts; Wine starts it on demand, when the first COM call of some process needs it, so a candidate's
 * first COM call would wait seconds for it, or not, depending on what ran before. Start it first, so
 * every candidate meets it running, as on Windows. */
static void ctl_start_rpcss(SC_HANDLE scm)
{
    SC_HANDLE rpcss = OpenServiceW(scm, L"RpcSs", SERVICE_START | SERVICE_QUERY_STATUS);
    SERVICE_STATUS ss = { 0 };
    LARGE_INTEGER t;
    BOOL ok;

    if (!rpcss) {
        rec_line("ctl_note what=rpcss ok=0 error=%lu", GetLastError());
        return;
    }
    QueryPerformanceCounter(&t);
    ok = StartServiceW(rpcss, 0, NULL) || GetLastError() == ERROR_SERVICE_ALREADY_RUNNING;
    while (ok && rec_ms_since(&t) < 15000 && QueryServiceStatus(rpcss, &ss) && ss.dwCurrentState != SERVICE_RUNNING)
        Sleep(25);
    rec_line("ctl_note what=rpcss ok=%d state=%lu elapsed_ms=%.3f", ss.dwCurrentState == SERVICE_RUNNING ? 1 : 0,
             ss.dwCurrentState, rec_ms_since(&t));
    CloseServiceHandle(rpcss);
}

static void ctl_settle(SC_HANDLE scm)
{
    static BYTE buf[256 * 1024];
    LARGE_INTEGER t, quiet;
    DWORD need, count, resume, i;
    BOOL pending;

    ctl_start_rpcss(scm);
    QueryPerformanceCounter(&t);
    quiet = t;
    while (rec_ms_since(&t) < 15000) {
        resume = 0;
        pending = FALSE;
        if (EnumServicesStatusExW(scm, SC_ENUM_PROCESS_INFO, SERVICE_TYPE_ALL, SERVICE_STATE_ALL, buf, sizeof buf,
                                  &need, &count, &resume, NULL)) {
            const ENUM_SERVICE_STATUS_PROCESSW *e = (const ENUM_SERVICE_STATUS_PROCESSW *)buf;
            for (i = 0; i < count; i++) {
                DWORD st = e[i].ServiceStatusProcess.dwCurrentState;
                if (st == SERVICE_START_PENDING || st == SERVICE_STOP_PENDING)
                    pending = TRUE;
            }
        }
        if (pending)
            QueryPerformanceCounter(&quiet);
        else if (rec_ms_since(&quiet) >= 500)
            break;
        Sleep(25);
    }
    rec_line("ctl_note what=settled elapsed_ms=%.3f", rec_ms_since(&t));
}

/* Starts the service: through the SCM, or (activate) by a COM client's activation, which makes COM
 * start the AppID's LocalService. */
static BOOL ctl_start(SC_HANDLE svc, const struct ctl_opts *o, const struct ctl_found *f, HANDLE *client)
{
    LARGE_INTEGER t;
    BOOL ok;

    *client = NULL;
    if (o->activate) {
        *client = ctl_client_start(o, f);
        return *client != NULL;
    }
    QueryPerformanceCounter(&t);
    ok = StartServiceW(svc, (DWORD)o->nargs, o->nargs ? (const wchar_t **)o->args : NULL);
    rec_line("ctl_start ok=%d error=%lu elapsed_ms=%.3f", ok ? 1 : 0, ok ? 0 : GetLastError(), rec_ms_since(&t));
    return ok;
}

/* Before COM asks the SCM to start it, the service is simply STOPPED; wait for the start to begin
 * (or for the client to give up) before reading STOPPED as the end. */
static BOOL ctl_wait_activation(SC_HANDLE svc, HANDLE client, const struct ctl_opts *o, SERVICE_STATUS_PROCESS *s)
{
    LARGE_INTEGER t;
    const char *outcome = "timeout";

    QueryPerformanceCounter(&t);
    while (rec_ms_since(&t) < o->start_timeout_ms) {
        if (!ctl_query(svc, s)) {
            outcome = "error";
            break;
        }
        if (s->dwCurrentState != SERVICE_STOPPED) {
            outcome = "started";
            break;
        }
        if (WaitForSingleObject(client, 0) == WAIT_OBJECT_0) {
            outcome = "client_ended";
            break;
        }
        Sleep(o->poll_ms);
    }
    rec_line("ctl_wait what=activation outcome=%s elapsed_ms=%.3f", outcome, rec_ms_since(&t));
    return !strcmp(outcome, "started");
}

static void ctl_lifecycle(SC_HANDLE scm, SC_HANDLE svc, const struct ctl_opts *o, const struct ctl_found *f)
{
    SERVICE_STATUS_PROCESS s;
    const char *outcome;
    HANDLE client;

    s0_prepare();
    ctl_settle(scm);
    if (!ctl_start(svc, o, f, &client)) {
        ctl_query(svc, &s);
        return;
    }
    if (client && !ctl_wait_activation(svc, client, o, &s)) {
        ctl_client_wait(client, o);
        ctl_query(svc, &s);
        return;
    }
    outcome = ctl_wait_for(svc, CTL_GOAL_READY, 0, o->start_timeout_ms, "running", o, &s);
    if (!strcmp(outcome, "reached")) {
        /* a COM service is used before it is controlled: a client comes and goes while it runs */
        if (!client && (o->nclsids || f->nclsids))
            client = ctl_client_start(o, f);
        ctl_client_wait(client, o);
        client = NULL;
        Sleep(o->dwell_ms);
        ctl_query(svc, &s);
        if (o->pause && (s.dwControlsAccepted & SERVICE_ACCEPT_PAUSE_CONTINUE)) {
            ctl_control(svc, SERVICE_CONTROL_PAUSE);
            /* CONTINUE only makes sense once the service says it is paused. */
            if (!strcmp(ctl_wait_for(svc, CTL_GOAL_STATE, SERVICE_PAUSED, o->pause_timeout_ms, "paused", o, &s),
                        "reached")) {
                ctl_control(svc, SERVICE_CONTROL_CONTINUE);
                ctl_wait_for(svc, CTL_GOAL_STATE, SERVICE_RUNNING, o->pause_timeout_ms, "continued", o, &s);
            }
        }
        if (o->interrogate)
            ctl_control(svc, SERVICE_CONTROL_INTERROGATE);
    }
    ctl_client_wait(client, o);
    ctl_query(svc, &s);
    if (s.dwCurrentState != SERVICE_STOPPED && o->stop) {
        /* A late starter may still come to accept STOP; give it the stop timeout to do so. */
        if (!(s.dwControlsAccepted & SERVICE_ACCEPT_STOP)) {
            rec_line("ctl_note what=stop_not_accepted");
            ctl_wait_for(svc, CTL_GOAL_STOPPABLE, 0, o->stop_timeout_ms, "stoppable", o, &s);
        }
        if (s.dwCurrentState != SERVICE_STOPPED && (s.dwControlsAccepted & SERVICE_ACCEPT_STOP))
            ctl_control(svc, SERVICE_CONTROL_STOP);
    }
    if (s.dwCurrentState != SERVICE_STOPPED)
        ctl_wait_for(svc, CTL_GOAL_STATE, SERVICE_STOPPED, o->stop_timeout_ms, "stopped", o, &s);
    ctl_wait_exit(o->exit_timeout_ms);
    ctl_query(svc, &s);
}

static void ctl_usage(void)
{
    fputs("usage: svcctl --name NAME --image \"C:\\path\\cand.exe [args]\" --cand C:\\path\\cand.exe [--arg A]...\n"
          "              [--shape service|embedding|user] [--register-cmd ARGS] [--reg-file F] [--clsid {X}]...\n"
          "              [--client PATH] [--instances N] [--hold-ms MS] [--gap-ms MS] [--activate] [--watch-ms MS]\n"
          "              [--start-timeout MS] [--stop-timeout MS] [--pause-timeout MS] [--exit-timeout MS]\n"
          "              [--dwell MS] [--poll MS] [--client-timeout MS] [--no-pause] [--no-interrogate] [--no-stop]\n"
          "              [--keep] [--no-install]\n", stderr);
}

/* The run shapes by their --shape names. */
static const struct { const wchar_t *name; enum ctl_shape shape; } ctl_shapes[] = {
    { L"service", CTL_SHAPE_SERVICE }, { L"embedding", CTL_SHAPE_EMBEDDING }, { L"user", CTL_SHAPE_USER },
};

static BOOL ctl_shape_named(const wchar_t *name, enum ctl_shape *shape)
{
    size_t i;

    for (i = 0; i < sizeof ctl_shapes / sizeof ctl_shapes[0]; i++)
        if (!wcscmp(name, ctl_shapes[i].name)) {
            *shape = ctl_shapes[i].shape;
            return TRUE;
        }
    return FALSE;
}

static BOOL ctl_parse(struct ctl_opts *o, int argc, wchar_t **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        const wchar_t *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        DWORD *num = NULL;

        if (!wcscmp(a, L"--no-pause")) { o->pause = FALSE; continue; }
        if (!wcscmp(a, L"--no-interrogate")) { o->interrogate = FALSE; continue; }
        if (!wcscmp(a, L"--no-stop")) { o->stop = FALSE; continue; }
        if (!wcscmp(a, L"--keep")) { o->uninstall = FALSE; continue; }
        if (!wcscmp(a, L"--no-install")) { o->install = FALSE; continue; }
        if (!wcscmp(a, L"--activate")) { o->activate = TRUE; continue; }
        if (!v)
            return FALSE;
        i++;
        if (!wcscmp(a, L"--name")) o->name = v;
        else if (!wcscmp(a, L"--image")) o->image = v;
        else if (!wcscmp(a, L"--cand")) o->cand = v;
        else if (!wcscmp(a, L"--arg") && o->nargs < CTL_MAX_ARGS) o->args[o->nargs++] = v;
        else if (!wcscmp(a, L"--register-cmd")) o->register_cmd = v;
        else if (!wcscmp(a, L"--reg-file")) o->reg_file = v;
        else if (!wcscmp(a, L"--clsid") && o->nclsids < CLI_MAX_CLSIDS) o->clsids[o->nclsids++] = v;
        else if (!wcscmp(a, L"--client")) o->client = v;
        else if (!wcscmp(a, L"--shape")) {
            if (!ctl_shape_named(v, &o->shape))
                return FALSE;
        }
        else if (!wcscmp(a, L"--instances")) num = &o->instances;
        else if (!wcscmp(a, L"--hold-ms")) num = &o->hold_ms;
        else if (!wcscmp(a, L"--gap-ms")) num = &o->gap_ms;
        else if (!wcscmp(a, L"--watch-ms")) num = &o->watch_ms;
        else if (!wcscmp(a, L"--client-timeout")) num = &o->client_timeout_ms;
        else if (!wcscmp(a, L"--start-timeout")) num = &o->start_timeout_ms;
        else if (!wcscmp(a, L"--stop-timeout")) num = &o->stop_timeout_ms;
        else if (!wcscmp(a, L"--pause-timeout")) num = &o->pause_timeout_ms;
        else if (!wcscmp(a, L"--exit-timeout")) num = &o->exit_timeout_ms;
        else if (!wcscmp(a, L"--dwell")) num = &o->dwell_ms;
        else if (!wcscmp(a, L"--poll")) num = &o->poll_ms;
        else return FALSE;
        if (num)
            *num = (DWORD)wcstoul(v, NULL, 10);
    }
    if (o->shape != CTL_SHAPE_SERVICE)
        return o->cand && o->client;
    return o->name && (o->image || !o->install);
}

int wmain(int argc, wchar_t **argv)
{
    struct ctl_opts o = { .start_timeout_ms = 20000, .stop_timeout_ms = 20000, .pause_timeout_ms = 5000,
                          .exit_timeout_ms = 10000, .dwell_ms = 500, .poll_ms = 10, .pause = TRUE,
                          .interrogate = TRUE, .stop = TRUE, .uninstall = TRUE, .install = TRUE,
                          .instances = CLI_INSTANCES, .hold_ms = CLI_HOLD_MS, .gap_ms = CLI_GAP_MS, .watch_ms = 12000,
                          .client_timeout_ms = 60000 };
    struct ctl_found f = { 0 };
    SC_HANDLE scm, svc;
    BOOL ok;

    rec_init("svccert-ctl");
    if (!ctl_parse(&o, argc, argv)) {
        ctl_usage();
        return 2;
    }
    ctl_register(&o);
    if (o.cand)
        ctl_scan(&o, "after_register", &f);
    if (o.shape == CTL_SHAPE_EMBEDDING || o.shape == CTL_SHAPE_USER) {
        if (o.shape == CTL_SHAPE_EMBEDDING)
            ctl_run_embedding(&o, &f);
        else
            ctl_run_user(&o, &f);
        rec_line("ctl_done");
        return 0;
    }
    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    if (!scm) {
        rec_line("ctl_error what=open_scm error=%lu", GetLastError());
        return 1;
    }
    svc = o.install ? ctl_install(scm, &o, &f) : OpenServiceW(scm, o.name, SERVICE_ALL_ACCESS);
    if (!svc) {
        if (!o.install)
            rec_line("ctl_error what=open_service error=%lu", GetLastError());
        return 1;
    }
    if (!o.client)
        f.nclsids = 0;
    ctl_lifecycle(scm, svc, &o, &f);
    s0_report(ctl_proc_id);
    if (o.uninstall) {
        ok = DeleteService(svc);
        rec_line("ctl_uninstall ok=%d error=%lu", ok ? 1 : 0, ok ? 0 : GetLastError());
    }
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    rec_line("ctl_done");
    return 0;
}
