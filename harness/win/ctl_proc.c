/* ctl_proc.c: starting a process with the WINEDEBUG it should have, and which file a command line runs. */
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

/* Where the program part of a command line lies: quoted, or unquoted up to ".exe" (it may hold
 * spaces) or the first space. */
static const wchar_t *proc_exe_span(const wchar_t *cmd, const wchar_t **endp)
{
    const wchar_t *p = cmd, *end;

    while (*p == L' ')
        p++;
    if (*p == L'"') {
        p++;
        end = wcschr(p, L'"');
    } else {
        const wchar_t *dot = NULL, *q;
        for (q = p; *q; q++)
            if (!_wcsnicmp(q, L".exe", 4) && (q[4] == 0 || q[4] == L' ')) {
                dot = q + 4;
                break;
            }
        end = dot ? dot : wcschr(p, L' ');
    }
    *endp = end ? end : p + wcslen(p);
    return p;
}

BOOL ctl_exe_name(const wchar_t *cmd, wchar_t *out, size_t cap)
{
    const wchar_t *end, *p = proc_exe_span(cmd, &end), *slash;
    size_t n;

    for (slash = end; slash > p && slash[-1] != L'\\' && slash[-1] != L'/'; slash--)
        ;
    n = (size_t)(end - slash);
    if (!n || n >= cap)
        return FALSE;
    wmemcpy(out, slash, n);
    out[n] = 0;
    return TRUE;
}

/* The program a command line runs as a path Windows can open: environment strings expanded (services.exe
 * expands a REG_EXPAND_SZ ImagePath), and the NT forms \??\ and \\?\ taken off. */
static BOOL proc_exe_path(const wchar_t *cmd, wchar_t *out, DWORD cap)
{
    const wchar_t *end, *p = proc_exe_span(cmd, &end);
    wchar_t raw[MAX_PATH * 2], *q = out;
    size_t n = (size_t)(end - p);

    if (!n || n >= sizeof raw / sizeof raw[0])
        return FALSE;
    wmemcpy(raw, p, n);
    raw[n] = 0;
    n = ExpandEnvironmentStringsW(raw, out, cap);
    if (!n || n > cap)
        return FALSE;
    if (!wcsncmp(out, L"\\??\\", 4) || !wcsncmp(out, L"\\\\?\\", 4))
        q = out + 4;
    memmove(out, q, (wcslen(q) + 1) * sizeof(wchar_t));
    return TRUE;
}

/* The file's identity (volume and index), which no spelling of its path changes. */
static BOOL proc_file_id(const wchar_t *path, BY_HANDLE_FILE_INFORMATION *info)
{
    HANDLE h = CreateFileW(path, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    BOOL ok;

    if (h == INVALID_HANDLE_VALUE)
        return FALSE;
    ok = GetFileInformationByHandle(h, info);
    CloseHandle(h);
    return ok;
}

/* A path in one spelling: full, long names for short ones where the file exists, any case. */
static void proc_canon(const wchar_t *path, wchar_t *out, DWORD cap)
{
    wchar_t full[MAX_PATH * 2];
    DWORD n = GetFullPathNameW(path, MAX_PATH * 2, full, NULL);

    if (!n || n >= MAX_PATH * 2)
        wcsncpy(full, path, MAX_PATH * 2 - 1), full[MAX_PATH * 2 - 1] = 0;
    n = GetLongPathNameW(full, out, cap);
    if (!n || n >= cap)
        wcsncpy(out, full, cap - 1), out[cap - 1] = 0;
}

BOOL ctl_runs_file(const wchar_t *cmd, const wchar_t *file)
{
    wchar_t exe[MAX_PATH * 2], a[MAX_PATH * 2], b[MAX_PATH * 2];
    BY_HANDLE_FILE_INFORMATION x, y;
    BOOL hx, hy;

    if (!cmd || !file || !proc_exe_path(cmd, exe, MAX_PATH * 2))
        return FALSE;
    /* a bare file name is looked for where services.exe looks (its own directory first), never in the
       candidate's */
    if (!wcschr(exe, L'\\') && !wcschr(exe, L'/'))
        return FALSE;
    hx = proc_file_id(exe, &x);
    hy = proc_file_id(file, &y);
    if (hx && hy)
        return x.dwVolumeSerialNumber == y.dwVolumeSerialNumber && x.nFileIndexHigh == y.nFileIndexHigh &&
               x.nFileIndexLow == y.nFileIndexLow;
    if (hx != hy)
        return FALSE;
    proc_canon(exe, a, MAX_PATH * 2);
    proc_canon(file, b, MAX_PATH * 2);
    return !_wcsicmp(a, b);
}
