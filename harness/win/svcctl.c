/* svcctl.c: the service control program the harness runs inside Wine to drive one candidate service. */
#include "ctl.h"
#include "ctl_com.h"
#include "ctl_launched.h"
#include "ctl_proc.h"
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

/* The service's configuration as the SCM holds it (what StartService would run; services.exe reads the
 * registry only at boot, so an ImagePath changed there later runs nothing). NULL when unreadable. */
static QUERY_SERVICE_CONFIGW *ctl_config(SC_HANDLE svc)
{
    static BYTE buf[8192];
    QUERY_SERVICE_CONFIGW *cfg = (QUERY_SERVICE_CONFIGW *)buf;
    DWORD need;

    return svc && QueryServiceConfigW(svc, cfg, sizeof buf, &need) ? cfg : NULL;
}

/* Records the service the run drives, as installed (by us, or by the candidate's registration). */
static void ctl_rec_install(SC_HANDLE svc, const wchar_t *name, BOOL adopted, DWORD err)
{
    QUERY_SERVICE_CONFIGW *cfg = ctl_config(svc);
    char n[256], image[1024];

    rec_enc(n, sizeof n, name);
    if (!cfg) {
        rec_line("ctl_install ok=0 error=%lu adopted=%d name=%s image_path=- service_type=- start_type=-",
                 err ? err : GetLastError(), adopted ? 1 : 0, n);
        return;
    }
    rec_enc(image, sizeof image, cfg->lpBinaryPathName);
    /* adopted and the name come before the image path: a record Wine cuts keeps them */
    rec_line("ctl_install ok=1 error=0 adopted=%d name=%s image_path=%s service_type=%lu start_type=%lu", adopted ? 1 : 0,
             n, image, cfg->dwServiceType, cfg->dwStartType);
}

/* Whether the service runs the candidate's own copy: only that one may be driven. */
static BOOL ctl_runs_candidate(SC_HANDLE svc, const struct ctl_opts *o)
{
    QUERY_SERVICE_CONFIGW *cfg = ctl_config(svc);

    return cfg && ctl_runs_file(cfg->lpBinaryPathName, o->cand);
}

/* A service that exists under the name but runs another program (the prefix's own, say): said, then
 * left alone. */
static void ctl_rec_taken(SC_HANDLE scm, const wchar_t *name, DWORD err)
{
    SC_HANDLE svc = OpenServiceW(scm, name, SERVICE_QUERY_CONFIG);
    QUERY_SERVICE_CONFIGW *cfg = ctl_config(svc);
    char n[256], image[512];

    rec_enc(n, sizeof n, name);
    rec_enc(image, sizeof image, cfg ? cfg->lpBinaryPathName : NULL);
    rec_line("ctl_note what=name_taken error=%lu name=%s image_path=%s", err, n, image);
    if (svc)
        CloseServiceHandle(svc);
}

/* Adopts an existing service only when it runs the candidate's copy: the AppID's LocalService the
 * candidate's registration installed (COM would start that one), or a service of the run's name that
 * it installed. A name another program holds is never adopted: the run installs under a name of its
 * own (NAME_svccert, NAME_svccert2, ...), or, when the user fixed the name, fails with a ctl_error. */
static SC_HANDLE ctl_install(SC_HANDLE scm, struct ctl_opts *o, const struct ctl_found *f)
{
    static wchar_t name[300];
    SC_HANDLE svc;
    DWORD err = 0;
    int i;

    if (f->service[0]) {
        svc = OpenServiceW(scm, f->service, SERVICE_ALL_ACCESS);
        if (svc && ctl_runs_candidate(svc, o)) {
            o->name = f->service;
            ctl_rec_install(svc, o->name, TRUE, 0);
            o->uninstall = FALSE;
            return svc;
        }
        ctl_rec_taken(scm, f->service, svc ? 0 : GetLastError());
        if (svc)
            CloseServiceHandle(svc);
        /* COM would start that service for an activation, not the candidate */
        if (o->activate) {
            char n[256];
            rec_enc(n, sizeof n, f->service);
            rec_line("ctl_error what=local_service error=%lu name=%s", (unsigned long)ERROR_SERVICE_EXISTS, n);
            return NULL;
        }
    }
    for (i = 0; i < 10; i++) {
        if (i)
            swprintf(name, 300, i == 1 ? L"%ls_svccert" : L"%ls_svccert%d", o->name, i);
        else
            swprintf(name, 300, L"%ls", o->name);
        svc = CreateServiceW(scm, name, name, SERVICE_ALL_ACCESS, o->service_type, SERVICE_DEMAND_START,
                             SERVICE_ERROR_NORMAL, o->image, NULL, NULL, NULL, NULL, NULL);
        if (svc) {
            o->name = name;
            ctl_rec_install(svc, o->name, FALSE, 0);
            return svc;
        }
        err = GetLastError();
        if (err == ERROR_SERVICE_EXISTS) {
            svc = OpenServiceW(scm, name, SERVICE_ALL_ACCESS);
            if (svc && ctl_runs_candidate(svc, o)) {
                o->name = name;
                ctl_rec_install(svc, o->name, TRUE, 0);
                o->uninstall = FALSE;
                return svc;
            }
            if (svc)
                CloseServiceHandle(svc);
        } else if (err != ERROR_DUPLICATE_SERVICE_NAME && err != ERROR_SERVICE_MARKED_FOR_DELETE) {
            break;
        }
        /* the name, or the display name it would have, belongs to another program */
        ctl_rec_taken(scm, name, err);
        if (o->fixed_name)
            break;
    }
    ctl_rec_install(NULL, name, FALSE, err);
    {
        char n[256];
        rec_enc(n, sizeof n, name);
        rec_line("ctl_error what=install error=%lu name=%s", err, n);
    }
    return NULL;
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
 * start the AppID's LocalService. FALSE when it did not start; *harness is then set when the failure is
 * the run's: every StartService error but 1053, which services.exe gives when the candidate's process did
 * not reach its dispatcher in time or ended first. 1056 (already running) means a process the run did
 * not start, so nothing of it may be judged. */
static BOOL ctl_start(SC_HANDLE svc, const struct ctl_opts *o, const struct ctl_found *f, HANDLE *client,
                      BOOL *harness)
{
    LARGE_INTEGER t;
    DWORD err;
    BOOL ok;

    *client = NULL;
    *harness = FALSE;
    if (o->activate) {
        *client = ctl_client_start(o, f);
        return *client != NULL;
    }
    QueryPerformanceCounter(&t);
    ok = StartServiceW(svc, (DWORD)o->nargs, o->nargs ? (const wchar_t **)o->args : NULL);
    err = ok ? 0 : GetLastError();
    rec_line("ctl_start ok=%d error=%lu elapsed_ms=%.3f", ok ? 1 : 0, err, rec_ms_since(&t));
    if (!ok && err != ERROR_SERVICE_REQUEST_TIMEOUT) {
        rec_line("ctl_error what=start error=%lu", err);
        *harness = TRUE;
    }
    return ok;
}

/* The REG_MULTI_SZ of every multi_sz spec with the name of spec i, in order, into data (its length in
 * characters, the final empty string included); 0 when an earlier spec of that name wrote it, -1 when it
 * does not fit. */
static int ctl_param_multi(const struct ctl_opts *o, int i, const wchar_t *name, wchar_t *data, size_t cap)
{
    size_t n = 0, len = wcslen(name);
    int j;

    for (j = 0; j < o->nparams; j++) {
        const wchar_t *c = wcschr(o->params[j], L':'), *e = c ? wcschr(c, L'=') : NULL;

        if (!e || wcsncmp(o->params[j], L"multi_sz:", 9) || (size_t)(e - c - 1) != len || _wcsnicmp(c + 1, name, len))
            continue;
        if (j < i && !n)
            return 0;
        if (n + wcslen(e + 1) + 2 > cap)
            return -1;
        wcscpy(data + n, e + 1);
        n += wcslen(e + 1) + 1;
    }
    data[n++] = 0;
    return (int)n;
}

/* The service's Parameters, where services keep their settings (HKLM\System\CurrentControlSet\Services\
 * NAME\Parameters), written before it starts; a NAME with backslashes names a subkey of Parameters.
 * Each spec is "TYPE:NAME=VALUE", TYPE sz, expand_sz, dword or multi_sz (every multi_sz spec of one
 * NAME is one string of its value, in order). FALSE after a ctl_error when one could not be written. */
static BOOL ctl_param_bad(const wchar_t *spec)
{
    char e[600];

    rec_enc(e, sizeof e, spec);
    rec_line("ctl_error what=param error=%lu spec=%s", (unsigned long)ERROR_INVALID_PARAMETER, e);
    return FALSE;
}

static BOOL ctl_params(const struct ctl_opts *o)
{
    static wchar_t key[1024], data[8192];
    int i;

    for (i = 0; i < o->nparams; i++) {
        const wchar_t *spec = o->params[i], *colon = wcschr(spec, L':'), *eq = colon ? wcschr(colon, L'=') : NULL;
        const wchar_t *slash, *vname;
        wchar_t type[16], name[512];
        DWORD kind, bytes, dword;
        LONG rc;
        HKEY k;
        char ename[600];

        if (!colon || !eq || colon - spec >= 16 || eq - colon - 1 >= 512)
            return ctl_param_bad(spec);
        wcsncpy(type, spec, (size_t)(colon - spec));
        type[colon - spec] = 0;
        wcsncpy(name, colon + 1, (size_t)(eq - colon - 1));
        name[eq - colon - 1] = 0;
        slash = wcsrchr(name, L'\\');
        vname = slash ? slash + 1 : name;
        swprintf(key, 1024, L"System\\CurrentControlSet\\Services\\%ls\\Parameters%ls%.*ls", o->name,
                 slash ? L"\\" : L"", slash ? (int)(slash - name) : 0, name);
        if (!wcscmp(type, L"dword")) {
            kind = REG_DWORD;
            dword = (DWORD)wcstoul(eq + 1, NULL, 0);
            bytes = sizeof dword;
        } else if (!wcscmp(type, L"multi_sz")) {
            int n = ctl_param_multi(o, i, name, data, sizeof data / sizeof data[0]);
            if (n < 0)
                return ctl_param_bad(spec);
            if (!n)
                continue;
            kind = REG_MULTI_SZ;
            bytes = (DWORD)n * sizeof(wchar_t);
        } else if (!wcscmp(type, L"sz") || !wcscmp(type, L"expand_sz")) {
            kind = type[0] == L's' ? REG_SZ : REG_EXPAND_SZ;
            bytes = (DWORD)((wcslen(eq + 1) + 1) * sizeof(wchar_t));
        } else {
            return ctl_param_bad(spec);
        }
        rc = RegCreateKeyExW(HKEY_LOCAL_MACHINE, key, 0, NULL, 0, KEY_SET_VALUE, NULL, &k, NULL);
        if (!rc) {
            const BYTE *p = kind == REG_DWORD ? (const BYTE *)&dword : kind == REG_MULTI_SZ ? (const BYTE *)data
                                                                                          : (const BYTE *)(eq + 1);
            rc = RegSetValueExW(k, vname, 0, kind, p, bytes);
            RegCloseKey(k);
        }
        rec_enc(ename, sizeof ename, name);
        rec_line("ctl_param name=%s type=%ls ok=%d error=%ld", ename, type, rc ? 0 : 1, rc);
        if (rc) {
            rec_line("ctl_error what=param error=%ld name=%s", rc, ename);
            return FALSE;
        }
    }
    return TRUE;
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

/* The service's whole life; CTL_EXIT_HARNESS when it could not be started as the run asked. */
static int ctl_lifecycle(SC_HANDLE scm, SC_HANDLE svc, const struct ctl_opts *o, const struct ctl_found *f)
{
    SERVICE_STATUS_PROCESS s;
    const char *outcome;
    HANDLE client;
    BOOL harness;

    /* the session-0 look is for services that ask for their session (Go, .NET); with its hooks in a COM
       service, Wine 8's COM left an activation unanswered now and then (a reply never sent from inside a
       stub's Disconnect), so a run that drives a COM client goes without it and says so */
    if (o->client && f->nclsids > 0)
        rec_line("ctl_note what=session0 on=0 why=com_client");
    else
        s0_prepare();
    ctl_settle(scm);
    if (!ctl_start(svc, o, f, &client, &harness)) {
        /* after a start that was not ours to judge, no process id is recorded: the process the SCM
           names then is not one the run started */
        if (harness)
            return CTL_EXIT_HARNESS;
        ctl_query(svc, &s);
        return 0;
    }
    if (client && !ctl_wait_activation(svc, client, o, &s)) {
        ctl_client_wait(client, o);
        ctl_query(svc, &s);
        return 0;
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
    return 0;
}

static void ctl_usage(void)
{
    fputs("usage: svcctl --name NAME --image \"C:\\path\\cand.exe [args]\" --cand C:\\path\\cand.exe [--arg A]...\n"
          "              [--shape service|embedding|user] [--register-cmd ARGS] [--reg-file F] [--clsid {X}]...\n"
          "              [--client PATH] [--instances N] [--hold-ms MS] [--gap-ms MS] [--activate] [--watch-ms MS]\n"
          "              [--start-timeout MS] [--stop-timeout MS] [--pause-timeout MS] [--exit-timeout MS]\n"
          "              [--dwell MS] [--poll MS] [--client-timeout MS] [--no-pause] [--no-interrogate] [--no-stop]\n"
          "              [--keep] [--no-install] [--fixed-name] [--service-type own|share] [--param TYPE:NAME=VALUE]...\n"
          "       svcctl --runs-file COMMANDLINE FILE   (prints whether the command line runs that file)\n", stderr);
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
        if (!wcscmp(a, L"--fixed-name")) { o->fixed_name = TRUE; continue; }
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
        else if (!wcscmp(a, L"--param")) {
            if (o->nparams == CTL_MAX_PARAMS)
                return FALSE;
            o->params[o->nparams++] = v;
        }
        else if (!wcscmp(a, L"--service-type")) {
            if (!wcscmp(v, L"own"))
                o->service_type = SERVICE_WIN32_OWN_PROCESS;
            else if (!wcscmp(v, L"share"))
                o->service_type = SERVICE_WIN32_SHARE_PROCESS;
            else
                return FALSE;
        }
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
                          .client_timeout_ms = 60000, .service_type = SERVICE_WIN32_OWN_PROCESS };
    struct ctl_found f = { 0 };
    SC_HANDLE scm, svc;
    BOOL ok;
    int rc;

    /* a check of the image-path comparison itself, for the tests */
    if (argc == 4 && !wcscmp(argv[1], L"--runs-file")) {
        BOOL same = ctl_runs_file(argv[2], argv[3]);
        printf("%s\n", same ? "same" : "other");
        return same ? 0 : 1;
    }
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
        return ctl_launched_foreign() ? CTL_EXIT_HARNESS : 0;
    }
    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
    if (!scm) {
        rec_line("ctl_error what=open_scm error=%lu", GetLastError());
        return CTL_EXIT_HARNESS;
    }
    svc = o.install ? ctl_install(scm, &o, &f) : OpenServiceW(scm, o.name, SERVICE_ALL_ACCESS);
    if (!svc) {
        if (!o.install)
            rec_line("ctl_error what=open_service error=%lu", GetLastError());
        CloseServiceHandle(scm);
        return CTL_EXIT_HARNESS;
    }
    /* an AppID's LocalService the run has just installed is in the registry only now */
    if (f.nlocal_services) {
        struct ctl_found again;
        ctl_scan(&o, "after_install", &again);
    }
    if (!o.client)
        f.nclsids = 0;
    rc = ctl_params(&o) ? ctl_lifecycle(scm, svc, &o, &f) : CTL_EXIT_HARNESS;
    s0_report(ctl_proc_id);
    if (ctl_launched_foreign())
        rc = CTL_EXIT_HARNESS;
    if (o.uninstall) {
        ok = DeleteService(svc);
        rec_line("ctl_uninstall ok=%d error=%lu", ok ? 1 : 0, ok ? 0 : GetLastError());
    }
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    rec_line("ctl_done");
    return rc;
}
