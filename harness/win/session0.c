/* session0.c: the controller's part of the session-0 look: loads svcs0.dll into services.exe and records what it did. */
#include "session0.h"
#include "record.h"
#include <tlhelp32.h>
#include <wchar.h>

static HANDLE s0_map;
static struct s0_table *s0_tab;

/* The prefix's services.exe: the system directory's, by its full path. */
static DWORD s0_find_scm(void)
{
    wchar_t want[MAX_PATH], got[MAX_PATH];
    PROCESSENTRY32W pe = { .dwSize = sizeof pe };
    HANDLE snap, h;
    DWORD pid = 0, n;
    UINT len = GetSystemDirectoryW(want, MAX_PATH - 16);

    if (!len || len >= MAX_PATH - 16)
        return 0;
    wcscat(want, L"\\services.exe");
    snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return 0;
    for (BOOL more = Process32FirstW(snap, &pe); more && !pid; more = Process32NextW(snap, &pe)) {
        if (_wcsicmp(pe.szExeFile, L"services.exe"))
            continue;
        if (!(h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pe.th32ProcessID)))
            continue;
        n = MAX_PATH;
        if (QueryFullProcessImageNameW(h, 0, got, &n) && !_wcsicmp(got, want))
            pid = pe.th32ProcessID;
        CloseHandle(h);
    }
    CloseHandle(snap);
    return pid;
}

/* LoadLibraryW(path) in services.exe, on a thread of its own; the DLL's answer is in the table. */
static const char *s0_load_into(DWORD pid, const wchar_t *path, DWORD *err)
{
    SIZE_T size = (wcslen(path) + 1) * sizeof(wchar_t), wrote = 0;
    void *remote, *load = (void *)GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "LoadLibraryW");
    HANDLE proc, thread;
    DWORD code = 0;

    proc = OpenProcess(PROCESS_CREATE_THREAD | PROCESS_VM_OPERATION | PROCESS_VM_WRITE | PROCESS_VM_READ |
                       PROCESS_QUERY_INFORMATION | SYNCHRONIZE, FALSE, pid);
    if (!proc)
        return *err = GetLastError(), "open";
    remote = VirtualAllocEx(proc, NULL, size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    if (!remote || !WriteProcessMemory(proc, remote, path, size, &wrote) || wrote != size) {
        *err = GetLastError();
        CloseHandle(proc);
        return "write";
    }
    thread = CreateRemoteThread(proc, NULL, 0, (LPTHREAD_START_ROUTINE)load, remote, 0, NULL);
    if (!thread) {
        *err = GetLastError();
        CloseHandle(proc);
        return "thread";
    }
    if (WaitForSingleObject(thread, 10000) != WAIT_OBJECT_0) {
        *err = WAIT_TIMEOUT;
        CloseHandle(thread);
        CloseHandle(proc);
        return "wait";
    }
    GetExitCodeThread(thread, &code);
    CloseHandle(thread);
    CloseHandle(proc);
    if (!code)
        return *err = ERROR_MOD_NOT_FOUND, "load";
    if (s0_tab->scm_ready != 1)
        return *err = s0_tab->scm_error, "redirect";
    return NULL;
}

void s0_prepare(void)
{
    wchar_t path[MAX_PATH];
    wchar_t *slash;
    const char *step = NULL;
    LARGE_INTEGER t;
    DWORD n, pid = 0, err = 0;

    QueryPerformanceCounter(&t);
    n = GetModuleFileNameW(NULL, path, MAX_PATH - 16);
    slash = n && n < MAX_PATH - 16 ? wcsrchr(path, L'\\') : NULL;
    if (!slash) {
        rec_line("ctl_note what=session0 on=1 ok=0 step=path error=%lu", GetLastError());
        return;
    }
    wcscpy(slash + 1, S0_DLL_NAME);
    /* the runner leaves the DLL out when the look is turned off */
    if (GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES) {
        rec_line("ctl_note what=session0 on=0");
        return;
    }
    s0_map = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, sizeof *s0_tab, S0_TABLE_NAME);
    if (s0_map)
        s0_tab = MapViewOfFile(s0_map, FILE_MAP_WRITE, 0, 0, sizeof *s0_tab);
    if (!s0_tab)
        step = "table", err = GetLastError();
    else if (!(pid = s0_find_scm()))
        step = "find_scm", err = GetLastError();
    else
        step = s0_load_into(pid, path, &err);
    rec_line("ctl_note what=session0 on=1 ok=%d step=%s error=%lu scm_pid=%lu elapsed_ms=%.3f", step ? 0 : 1,
             step ? step : "done", err, pid, rec_ms_since(&t));
}

void s0_report(DWORD pid)
{
    LONG flags = 0;
    DWORD error = 0;
    int i;

    if (!s0_tab)
        return;
    for (i = 0; pid && i < S0_MAX_PROCS; i++)
        if (s0_tab->procs[i].pid == pid) {
            flags = s0_tab->procs[i].flags;
            error = s0_tab->procs[i].error;
            break;
        }
    rec_line("ctl_note what=session0_process process=%lu ok=%d started=%d queued=%d applied=%d error=%lu", pid,
             (flags & S0_APPLIED) ? 1 : 0, (flags & S0_STARTED) ? 1 : 0, (flags & S0_QUEUED) ? 1 : 0,
             (flags & S0_APPLIED) ? 1 : 0, error);
}
