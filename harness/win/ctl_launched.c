/* ctl_launched.c: the servers COM launched for the harness's client, each checked to be the candidate's own file. */
#include "ctl_launched.h"
#include "ctl_proc.h"
#include "record.h"
#include <stdio.h>
#include <tlhelp32.h>
#include <wchar.h>

#define LAUNCHED_MAX 256

static DWORD launched_seen[LAUNCHED_MAX];
static int launched_nseen;
static BOOL launched_foreign;

static BOOL launched_known(DWORD pid)
{
    int i;

    for (i = 0; i < launched_nseen; i++)
        if (launched_seen[i] == pid)
            return TRUE;
    return FALSE;
}

static void launched_decided(DWORD pid)
{
    if (launched_nseen < LAUNCHED_MAX)
        launched_seen[launched_nseen++] = pid;
}

/* The activated class whose LocalServer32 runs the image, into clsid ("-" when none says so). */
static void launched_class(const wchar_t *image, const wchar_t (*clsids)[40], int nclsids, wchar_t *clsid)
{
    wchar_t key[64], server[MAX_PATH * 2];
    DWORD bytes;
    int i;

    wcscpy(clsid, L"-");
    for (i = 0; i < nclsids; i++) {
        swprintf(key, 64, L"CLSID\\%ls\\LocalServer32", clsids[i]);
        bytes = sizeof server;
        if (RegGetValueW(HKEY_CLASSES_ROOT, key, NULL, RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, NULL,
                         server, &bytes))
            continue;
        server[MAX_PATH * 2 - 1] = 0;
        if (ctl_runs_file(server, image)) {
            wcsncpy(clsid, clsids[i], 39);
            clsid[39] = 0;
            return;
        }
    }
}

/* One process the client started, not decided before: another file than the candidate's is a ctl_error, and
 * it is ended at once (nothing of it may be judged as the candidate's). A process whose image cannot be read
 * yet (it is still being made) is looked at again at the next poll. */
static void launched_check_one(DWORD pid, const wchar_t *cand, const wchar_t (*clsids)[40], int nclsids)
{
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_TERMINATE | SYNCHRONIZE, FALSE, pid);
    wchar_t image[MAX_PATH * 2], quoted[MAX_PATH * 2 + 4], clsid[40];
    char ei[MAX_PATH * 6], ec[128];
    DWORD n = MAX_PATH * 2;
    BOOL killed;

    if (!h) {
        launched_decided(pid);
        return;
    }
    if (QueryFullProcessImageNameW(h, 0, image, &n) && image[0]) {
        launched_decided(pid);
        swprintf(quoted, MAX_PATH * 2 + 4, L"\"%ls\"", image);
        if (!ctl_runs_file(quoted, cand)) {
            launched_class(image, clsids, nclsids, clsid);
            killed = TerminateProcess(h, 1);
            if (killed)
                WaitForSingleObject(h, 5000);
            rec_enc(ei, sizeof ei, image);
            rec_enc(ec, sizeof ec, clsid);
            rec_line("ctl_error what=foreign_server error=0 server_pid=%lu clsid=%s killed=%d name=%s", pid, ec,
                     killed ? 1 : 0, ei);
            launched_foreign = TRUE;
        }
    }
    CloseHandle(h);
}

void ctl_launched_check(DWORD client_pid, const wchar_t *cand, const wchar_t (*clsids)[40], int nclsids)
{
    PROCESSENTRY32W pe = { .dwSize = sizeof pe };
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);

    if (snap == INVALID_HANDLE_VALUE)
        return;
    for (BOOL more = Process32FirstW(snap, &pe); more; more = Process32NextW(snap, &pe))
        if (pe.th32ParentProcessID == client_pid && !launched_known(pe.th32ProcessID))
            launched_check_one(pe.th32ProcessID, cand, clsids, nclsids);
    CloseHandle(snap);
}

BOOL ctl_launched_foreign(void)
{
    return launched_foreign;
}
