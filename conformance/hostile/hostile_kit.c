/* hostile_kit.c: a correct service that runs one attack on a worker thread while RUNNING. */
#include "hostile_kit.h"
#include <stdarg.h>
#include <stdlib.h>

/* Room for one line of hk_say: read_secret prints what it read, up to its own read size. */
#define HK_LINE 8192

static int hk_argc;
static wchar_t **hk_argv;
static const char *hk_name;
static LPTHREAD_START_ROUTINE hk_attack;

const wchar_t *hk_arg_at(const wchar_t *opt, int nth)
{
    int i;

    for (i = 1; i + 1 < hk_argc; i++)
        if (!wcscmp(hk_argv[i], opt) && nth-- == 0)
            return hk_argv[i + 1];
    return NULL;
}

const wchar_t *hk_arg(const wchar_t *opt)
{
    return hk_arg_at(opt, 0);
}

int hk_flag(const wchar_t *opt)
{
    int i;

    for (i = 1; i < hk_argc; i++)
        if (!wcscmp(hk_argv[i], opt))
            return 1;
    return 0;
}

unsigned hk_num(const wchar_t *opt, unsigned dflt)
{
    const wchar_t *v = hk_arg(opt);
    wchar_t *end;
    unsigned long n;

    if (!v)
        return dflt;
    n = wcstoul(v, &end, 10);
    return *v && !*end ? (unsigned)n : dflt;
}

void hk_say(const char *fmt, ...)
{
    char line[HK_LINE];
    int n = snprintf(line, sizeof line, "hostile %s ", hk_name);
    va_list ap;

    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    OutputDebugStringA(line);
}

int hk_stopping(void)
{
    return WaitForSingleObject(kit_stop, 0) == WAIT_OBJECT_0;
}

DWORD hk_spawn_child(void)
{
    wchar_t self[MAX_PATH], cmd[MAX_PATH + 16];
    STARTUPINFOW si = { 0 };
    PROCESS_INFORMATION pi;

    si.cb = sizeof si;
    if (!GetModuleFileNameW(NULL, self, MAX_PATH))
        return 0;
    _snwprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" --child", self);
    cmd[sizeof cmd / sizeof cmd[0] - 1] = 0;
    if (!CreateProcessW(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
        return 0;
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return pi.dwProcessId;
}

static void WINAPI hk_svc(DWORD argc, wchar_t **argv)
{
    HANDLE worker;

    kit_register(argc, argv);
    kit_report(SERVICE_RUNNING, KIT_CONTROLS, 0, 0);
    hk_say("running");
    /* the attack runs beside the service, not in it: the handler keeps answering while it lasts */
    worker = CreateThread(NULL, 0, hk_attack, NULL, 0, NULL);
    if (!worker)
        hk_say("no-worker error=%lu", GetLastError());
    WaitForSingleObject(kit_stop, INFINITE);
    hk_say("stopping");
    if (worker)
        CloseHandle(worker);
    kit_stopped(NO_ERROR, 0);
}

int hk_run(int argc, wchar_t **argv, const char *name, LPTHREAD_START_ROUTINE attack)
{
    hk_argc = argc;
    hk_argv = argv;
    hk_name = name;
    hk_attack = attack;
    if (hk_flag(L"--child")) {
        hk_say("child pid=%lu", GetCurrentProcessId());
        kit_block(INFINITE);
        return 0;
    }
    return kit_run(hk_svc);
}
