/* ctl_proc.c: starting a process with the WINEDEBUG it should have, and the file name a command line runs. */
#include "ctl_proc.h"
#include <wchar.h>

BOOL ctl_spawn(wchar_t *cmdline, const wchar_t *winedebug, BOOL hand_on, PROCESS_INFORMATION *pi)
{
    STARTUPINFOW si = { .cb = sizeof si };
    wchar_t saved[512];
    DWORD had = GetEnvironmentVariableW(L"WINEDEBUG", saved, 512);
    const wchar_t *mine = had && had < 512 ? saved : NULL;
    BOOL ok;

    /* the child inherits this process's environment as it is at CreateProcess */
    if (hand_on)
        SetEnvironmentVariableW(L"SVCCERT_SERVER_WINEDEBUG", mine);
    if (winedebug)
        SetEnvironmentVariableW(L"WINEDEBUG", winedebug);
    ok = CreateProcessW(NULL, cmdline, NULL, NULL, FALSE, 0, NULL, NULL, &si, pi);
    if (winedebug)
        SetEnvironmentVariableW(L"WINEDEBUG", mine);
    if (hand_on)
        SetEnvironmentVariableW(L"SVCCERT_SERVER_WINEDEBUG", NULL);
    return ok;
}

BOOL ctl_exe_name(const wchar_t *cmd, wchar_t *out, size_t cap)
{
    const wchar_t *p = cmd, *end, *slash;
    size_t n;

    while (*p == L' ')
        p++;
    if (*p == L'"') {
        p++;
        end = wcschr(p, L'"');
    } else {
        /* an unquoted path runs to ".exe" (it may hold spaces), else to the first space */
        const wchar_t *dot = NULL, *q;
        for (q = p; *q; q++)
            if (!_wcsnicmp(q, L".exe", 4) && (q[4] == 0 || q[4] == L' ')) {
                dot = q + 4;
                break;
            }
        end = dot ? dot : wcschr(p, L' ');
    }
    if (!end)
        end = p + wcslen(p);
    for (slash = end; slash > p && slash[-1] != L'\\' && slash[-1] != L'/'; slash--)
        ;
    n = (size_t)(end - slash);
    if (!n || n >= cap)
        return FALSE;
    wmemcpy(out, slash, n);
    out[n] = 0;
    return TRUE;
}
