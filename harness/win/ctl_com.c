/* ctl_com.c: the EXE-server shapes of a run: a COM client activates the candidate, the controller watches it leave or stay. */
#include "ctl.h"
#include "ctl_com.h"
#include "ctl_launched.h"
#include "ctl_proc.h"
#include "record.h"
#include <stdio.h>
#include <tlhelp32.h>
#include <wchar.h>

/* Processes of the candidate's file watched at the end: a single-use class makes one per activation (the
 * client makes at most 64, and its LockServer probe one more). */
#define CTL_MAX_SERVERS 80

/* The classes the client was started on: a server COM launches for one must be the candidate's file. */
static wchar_t com_classes[CLI_MAX_CLSIDS][40];
static int com_nclasses;

HANDLE ctl_client_start(const struct ctl_opts *o, const struct ctl_found *f)
{
    PROCESS_INFORMATION pi;
    wchar_t cmd[2048];
    char enc[2048];
    size_t n;
    int i;

    if (!o->nclsids && !f->nclsids) {
        rec_line("ctl_client ok=0 error=0 exit=- outcome=no_class elapsed_ms=0.0");
        return NULL;
    }
    n = (size_t)swprintf(cmd, 2048, L"\"%ls\" --instances %lu --hold-ms %lu --gap-ms %lu --rot-enum --lock", o->client,
                         o->instances, o->hold_ms, o->gap_ms);
    com_nclasses = 0;
    for (i = 0; i < (o->nclsids ? o->nclsids : f->nclsids) && n < 1900; i++) {
        const wchar_t *clsid = o->nclsids ? o->clsids[i] : f->clsids[i];

        n += (size_t)swprintf(cmd + n, 2048 - n, L" --clsid %ls", clsid);
        wcsncpy(com_classes[com_nclasses], clsid, 39);
        com_classes[com_nclasses++][39] = 0;
    }
    rec_enc(enc, sizeof enc, cmd);
    /* The client polls while Wine starts a server; with +ole and +relay on, that polling alone would
     * write hundreds of thousands of lines a second. So the client runs with few channels and hands the
     * run's full set on to the server Wine launches from it (with the client's environment). */
    if (!ctl_spawn(cmd, L"+timestamp,+pid,warn+debugstr,+process", TRUE, &pi)) {
        rec_line("ctl_client ok=0 error=%lu exit=- outcome=not_started elapsed_ms=0.0", GetLastError());
        return NULL;
    }
    rec_line("ctl_client_start client_pid=%lu cmdline=%s", pi.dwProcessId, enc);
    CloseHandle(pi.hThread);
    return pi.hProcess;
}

void ctl_client_wait(HANDLE client, const struct ctl_opts *o)
{
    LARGE_INTEGER t;
    DWORD code = 0, pid, r;

    if (!client)
        return;
    pid = GetProcessId(client);
    QueryPerformanceCounter(&t);
    /* every server COM launches meanwhile is looked at while it runs (a short poll: a server of another
       file is ended before it does much) */
    do {
        ctl_launched_check(pid, o->cand, (const wchar_t (*)[40])com_classes, com_nclasses);
        r = WaitForSingleObject(client, 20);
    } while (r == WAIT_TIMEOUT && rec_ms_since(&t) < o->client_timeout_ms);
    if (r != WAIT_OBJECT_0) {
        TerminateProcess(client, 1);
        rec_line("ctl_client ok=0 error=0 exit=- outcome=timeout elapsed_ms=%.3f", rec_ms_since(&t));
    } else {
        GetExitCodeProcess(client, &code);
        rec_line("ctl_client ok=%d error=0 exit=%lu outcome=exited elapsed_ms=%.3f", code == 0, code, rec_ms_since(&t));
    }
    CloseHandle(client);
}

/* Waits up to ms for the server to end; records the watch and returns TRUE if it ended. */
static BOOL com_watch(HANDLE h, DWORD pid, const char *what, DWORD ms)
{
    LARGE_INTEGER t;
    DWORD code = 0;
    BOOL gone;

    QueryPerformanceCounter(&t);
    gone = WaitForSingleObject(h, ms) == WAIT_OBJECT_0;
    if (gone) {
        GetExitCodeProcess(h, &code);
        rec_line("ctl_watch what=%s server_pid=%lu outcome=exited elapsed_ms=%.3f code=%lu", what, pid,
                 rec_ms_since(&t), code);
    } else {
        rec_line("ctl_watch what=%s server_pid=%lu outcome=alive elapsed_ms=%.3f code=-", what, pid, rec_ms_since(&t));
    }
    return gone;
}

static void com_kill(HANDLE h, DWORD pid)
{
    BOOL ok = TerminateProcess(h, 1);

    rec_line("ctl_kill server_pid=%lu ok=%d", pid, ok ? 1 : 0);
    WaitForSingleObject(h, 5000);
}

/* Whether the running process pid is of the candidate's own file (another copy of the same name is not). */
static BOOL com_is_candidate(DWORD pid, const struct ctl_opts *o)
{
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    wchar_t image[MAX_PATH * 2], quoted[MAX_PATH * 2 + 4];
    DWORD n = MAX_PATH * 2;
    BOOL ours = FALSE;

    if (!h)
        return FALSE;
    if (QueryFullProcessImageNameW(h, 0, image, &n)) {
        swprintf(quoted, MAX_PATH * 2 + 4, L"\"%ls\"", image);
        ours = ctl_runs_file(quoted, o->cand);
    }
    CloseHandle(h);
    return ours;
}

/* The candidate's processes that COM started (by the file they run: the controller never learns their ids
 * otherwise). */
static int com_find(const struct ctl_opts *o, DWORD *pids, int max)
{
    PROCESSENTRY32W pe = { .dwSize = sizeof pe };
    wchar_t exe[MAX_PATH];
    HANDLE snap;
    int n = 0;

    if (!ctl_exe_name(o->cand, exe, MAX_PATH))
        return 0;
    snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return 0;
    for (BOOL more = Process32FirstW(snap, &pe); more && n < max; more = Process32NextW(snap, &pe))
        if (!_wcsicmp(pe.szExeFile, exe) && pe.th32ProcessID != GetCurrentProcessId() &&
            com_is_candidate(pe.th32ProcessID, o))
            pids[n++] = pe.th32ProcessID;
    CloseHandle(snap);
    return n;
}

/* Every process of the candidate's file still running but skip (the one the controller started itself),
 * each watched until it leaves, and ended if it stays: a single-use class leaves one per activation. */
static void com_watch_rest(const struct ctl_opts *o, DWORD skip, BOOL say_none)
{
    DWORD pids[CTL_MAX_SERVERS];
    int n, i, watched = 0;

    n = com_find(o, pids, CTL_MAX_SERVERS);
    for (i = 0; i < n; i++) {
        HANDLE h;

        if (pids[i] == skip || !(h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_TERMINATE,
                                                 FALSE, pids[i])))
            continue;
        /* an idle server has revoke_after_idle_ms to leave; the watch covers it with room to spare (the
         * servers leave side by side, so the first watch covers the others' time too) */
        if (!com_watch(h, pids[i], "exit", o->watch_ms))
            com_kill(h, pids[i]);
        CloseHandle(h);
        watched++;
    }
    if (!watched && say_none)
        rec_line("ctl_watch what=exit server_pid=- outcome=not_running elapsed_ms=0.0 code=-");
}

void ctl_run_embedding(const struct ctl_opts *o, const struct ctl_found *f)
{
    ctl_client_wait(ctl_client_start(o, f), o);
    com_watch_rest(o, 0, TRUE);
}

struct com_windows { DWORD pid; BOOL close; int n; };

static BOOL CALLBACK com_window_one(HWND w, LPARAM lp)
{
    struct com_windows *c = (struct com_windows *)lp;
    DWORD pid = 0;

    GetWindowThreadProcessId(w, &pid);
    if (pid == c->pid && IsWindowVisible(w) && !GetParent(w)) {
        if (c->close)
            PostMessageW(w, WM_CLOSE, 0, 0);
        c->n++;
    }
    return TRUE;
}

/* The visible top-level windows of a process (what a person sees of it); close: post WM_CLOSE to each. */
static int com_windows(DWORD pid, BOOL close)
{
    struct com_windows c = { pid, close, 0 };

    EnumWindows(com_window_one, (LPARAM)&c);
    return c.n;
}

/* A client that came before the class object is registered would make COM start a second server, so
 * wait for the sign a person waits for: the server's window, or (a GUI program) its idle message loop.
 * WaitForInputIdle fails at once for console programs, hence the window. */
static void com_wait_ready(const PROCESS_INFORMATION *pi, const struct ctl_opts *o)
{
    const char *outcome = "timeout";
    LARGE_INTEGER t;

    QueryPerformanceCounter(&t);
    while (rec_ms_since(&t) < o->start_timeout_ms) {
        if (WaitForSingleObject(pi->hProcess, 0) == WAIT_OBJECT_0) {
            outcome = "exited";
            break;
        }
        if (com_windows(pi->dwProcessId, FALSE)) {
            outcome = "window";
            break;
        }
        if (WaitForInputIdle(pi->hProcess, 0) == 0) {
            outcome = "input_idle";
            break;
        }
        Sleep(20);
    }
    rec_line("ctl_wait what=ready outcome=%s elapsed_ms=%.3f", outcome, rec_ms_since(&t));
    /* a server that shows itself just before registering still gets in first */
    Sleep(300);
}

void ctl_run_user(const struct ctl_opts *o, const struct ctl_found *f)
{
    PROCESS_INFORMATION pi;
    wchar_t cmd[2048];
    char enc[2048];
    size_t n;
    int i;

    n = (size_t)swprintf(cmd, 2048, L"\"%ls\"", o->cand);
    for (i = 0; i < o->nargs && n < 1900; i++)
        n += (size_t)swprintf(cmd + n, 2048 - n, wcschr(o->args[i], L' ') ? L" \"%ls\"" : L" %ls", o->args[i]);
    rec_enc(enc, sizeof enc, cmd);
    if (!ctl_spawn(cmd, NULL, FALSE, &pi)) {
        rec_line("ctl_launch ok=0 error=%lu server_pid=- cmdline=%s", GetLastError(), enc);
        return;
    }
    rec_line("ctl_launch ok=1 error=0 server_pid=%lu cmdline=%s", pi.dwProcessId, enc);
    CloseHandle(pi.hThread);
    com_wait_ready(&pi, o);
    if (WaitForSingleObject(pi.hProcess, 0) != WAIT_OBJECT_0) {
        ctl_client_wait(ctl_client_start(o, f), o);
        /* staying is proven only by watching as long as an idle server may take to leave */
        if (!com_watch(pi.hProcess, pi.dwProcessId, "stay", o->watch_ms)) {
            rec_line("ctl_close server_pid=%lu windows=%d", pi.dwProcessId, com_windows(pi.dwProcessId, TRUE));
            if (!com_watch(pi.hProcess, pi.dwProcessId, "exit", o->exit_timeout_ms))
                com_kill(pi.hProcess, pi.dwProcessId);
        }
    } else {
        com_watch(pi.hProcess, pi.dwProcessId, "exit", 0);
    }
    /* the servers COM launched for activations the user-started one no longer took (a single-use class) */
    com_watch_rest(o, pi.dwProcessId, FALSE);
    CloseHandle(pi.hProcess);
}
