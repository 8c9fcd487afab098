/* leave_child.c: starts processes that outlive its own STOP, to show whether a run's end ends everything it started. */
#include "hostile_kit.h"

/* A host program started with an environment of the candidate's choosing: no WINEPREFIX, so nothing
 * that finds a run's processes by their prefix finds it, and no wineserver knows it (Wine runs a file
 * that is not a PE as a Unix program). --tag marks it so that a test can still find it. */
static void start_host_program(const wchar_t *program)
{
    wchar_t cmd[1024], env[512];
    const wchar_t *arg = hk_arg(L"--unix-arg"), *tag = hk_arg(L"--tag");
    STARTUPINFOW si = { 0 };
    PROCESS_INFORMATION pi = { 0 };
    int n;

    si.cb = sizeof si;
    _snwprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" %ls", program, arg ? arg : L"");
    cmd[sizeof cmd / sizeof cmd[0] - 1] = 0;
    n = _snwprintf(env, sizeof env / sizeof env[0] - 1, L"SVCCERT_HOSTILE_TAG=%ls", tag ? tag : L"none");
    if (n < 0)
        n = (int)(sizeof env / sizeof env[0]) - 2;
    env[n] = 0;
    env[n + 1] = 0;
    if (CreateProcessW(program, cmd, NULL, NULL, FALSE, CREATE_UNICODE_ENVIRONMENT, env, NULL, &si, &pi)) {
        hk_say("host-program ok=1 pid=%lu path=%ls", pi.dwProcessId, program);
        if (pi.hThread)
            CloseHandle(pi.hThread);
        if (pi.hProcess)
            CloseHandle(pi.hProcess);
    } else {
        hk_say("host-program ok=0 error=%lu path=%ls", GetLastError(), program);
    }
}

static DWORD WINAPI attack(void *arg)
{
    const wchar_t *program = hk_arg(L"--unix");
    DWORD pid;

    (void)arg;
    pid = hk_spawn_child();
    hk_say("child ok=%d pid=%lu error=%lu", pid ? 1 : 0, pid, pid ? 0 : GetLastError());
    if (program)
        start_host_program(program);
    hk_say("done");
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    return hk_run(argc, argv, "leave_child", attack);
}
