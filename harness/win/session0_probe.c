/* session0_probe.c: s0probe.exe, a test service that decides it runs as a service the way Go's svc.IsWindowsService
 * and .NET's WindowsServiceHelpers do (the parent is services.exe in session 0), and says what it read. */
#include <windows.h>
#include <winternl.h>
#include <stdio.h>

#define PROBE_NAME L"s0probe"

static SERVICE_STATUS_HANDLE probe_handle;
static HANDLE probe_stop;

/* Go's logic (golang.org/x/sys/windows/svc/security.go): the SystemProcessInformation entry of the parent. */
static BOOL probe_parent(ULONG cls, ULONG_PTR parent, wchar_t *image, size_t cap, ULONG *session)
{
    ULONG size = 256 * 1024, need = 0;
    BYTE *buf = NULL;
    NTSTATUS st;
    const SYSTEM_PROCESS_INFORMATION *p;

    for (;;) {
        if (!(buf = HeapAlloc(GetProcessHeap(), 0, size)))
            return FALSE;
        st = NtQuerySystemInformation(cls, buf, size, &need);
        if (st >= 0)
            break;
        HeapFree(GetProcessHeap(), 0, buf);
        if (st != (NTSTATUS)0xC0000004L || size > 64 * 1024 * 1024)
            return FALSE;
        size *= 2;
    }
    for (p = (const SYSTEM_PROCESS_INFORMATION *)buf;;
         p = (const SYSTEM_PROCESS_INFORMATION *)((const BYTE *)p + p->NextEntryOffset)) {
        if ((ULONG_PTR)p->UniqueProcessId == parent) {
            _snwprintf(image, cap, L"%.*s", (int)(p->ImageName.Length / sizeof(wchar_t)),
                       p->ImageName.Buffer ? p->ImageName.Buffer : L"");
            image[cap - 1] = 0;
            *session = p->SessionId;
            HeapFree(GetProcessHeap(), 0, buf);
            return TRUE;
        }
        if (!p->NextEntryOffset)
            break;
    }
    HeapFree(GetProcessHeap(), 0, buf);
    return FALSE;
}

/* Go's svc.IsAnInteractiveSession (kardianos/service up to 1.2.1): the first of INTERACTIVE or SERVICE among the
 * process token's groups; 1 interactive, 0 a service, 2 neither. */
static int probe_interactive(HANDLE tok)
{
    static BYTE buf[4096];
    TOKEN_GROUPS *g = (TOKEN_GROUPS *)buf;
    SID_IDENTIFIER_AUTHORITY nt = { SECURITY_NT_AUTHORITY };
    PSID inter, svc;
    DWORD got, i;
    int r = 2;

    if (!GetTokenInformation(tok, TokenGroups, buf, sizeof buf, &got))
        return -1;
    AllocateAndInitializeSid(&nt, 1, SECURITY_INTERACTIVE_RID, 0, 0, 0, 0, 0, 0, 0, &inter);
    AllocateAndInitializeSid(&nt, 1, SECURITY_SERVICE_RID, 0, 0, 0, 0, 0, 0, 0, &svc);
    for (i = 0; i < g->GroupCount && r == 2; i++) {
        if (EqualSid(g->Groups[i].Sid, inter))
            r = 1;
        else if (EqualSid(g->Groups[i].Sid, svc))
            r = 0;
    }
    FreeSid(inter);
    FreeSid(svc);
    return r;
}

/* CheckTokenMembership(NULL, S-1-5-rid): the caller's token, through a copy Wine makes of it. */
static int probe_member(DWORD rid)
{
    SID_IDENTIFIER_AUTHORITY nt = { SECURITY_NT_AUTHORITY };
    PSID sid;
    BOOL is = FALSE;

    if (!AllocateAndInitializeSid(&nt, 1, rid, 0, 0, 0, 0, 0, 0, 0, &sid))
        return -1;
    if (!CheckTokenMembership(NULL, sid, &is))
        is = -1;
    FreeSid(sid);
    return is;
}

static DWORD WINAPI probe_handler(DWORD control, DWORD type, void *data, void *ctx)
{
    SERVICE_STATUS s = { SERVICE_WIN32_OWN_PROCESS, SERVICE_STOPPED, 0, 0, 0, 0, 0 };

    (void)type, (void)data, (void)ctx;
    if (control == SERVICE_CONTROL_STOP) {
        SetServiceStatus(probe_handle, &s);
        SetEvent(probe_stop);
    }
    return NO_ERROR;
}

static void WINAPI probe_main(DWORD argc, wchar_t **argv)
{
    SERVICE_STATUS s = { SERVICE_WIN32_OWN_PROCESS, SERVICE_RUNNING, SERVICE_ACCEPT_STOP, 0, 0, 0, 0 };

    (void)argc, (void)argv;
    probe_stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    probe_handle = RegisterServiceCtrlHandlerExW(PROBE_NAME, probe_handler, NULL);
    SetServiceStatus(probe_handle, &s);
    WaitForSingleObject(probe_stop, INFINITE);
}

int wmain(void)
{
    static const SERVICE_TABLE_ENTRYW table[] = { { (wchar_t *)PROBE_NAME, probe_main }, { NULL, NULL } };
    PROCESS_BASIC_INFORMATION pbi;
    wchar_t image[MAX_PATH] = L"-", ximage[MAX_PATH] = L"-";
    ULONG session = ~0u, xsession = ~0u, got;
    DWORD own = ~0u, parent_sess = ~0u, token_sess = ~0u;
    HANDLE tok;
    int interactive = -1;
    char line[512], img8[MAX_PATH];
    BOOL service;

    if (NtQueryInformationProcess(GetCurrentProcess(), ProcessBasicInformation, &pbi, sizeof pbi, NULL) < 0)
        return 3;
    probe_parent(5, pbi.InheritedFromUniqueProcessId, image, MAX_PATH, &session);
    probe_parent(57, pbi.InheritedFromUniqueProcessId, ximage, MAX_PATH, &xsession);
    /* .NET's Process.SessionId and the token's session */
    ProcessIdToSessionId(GetCurrentProcessId(), &own);
    ProcessIdToSessionId((DWORD)pbi.InheritedFromUniqueProcessId, &parent_sess);
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
        GetTokenInformation(tok, TokenSessionId, &token_sess, sizeof token_sess, &got);
        interactive = probe_interactive(tok);
        CloseHandle(tok);
    }
    WideCharToMultiByte(CP_UTF8, 0, image, -1, img8, sizeof img8, NULL, NULL);
    service = session == 0 && !lstrcmpiW(image, L"services.exe");
    snprintf(line, sizeof line, "s0probe parent_image=%s parent_session=%lu parent_session_ext=%lu "
             "parent_pid_session=%lu own_session=%lu token_session=%lu interactive=%d member_interactive=%d "
             "member_service=%d service=%d", img8, session, xsession, parent_sess, own, token_sess, interactive,
             probe_member(SECURITY_INTERACTIVE_RID), probe_member(SECURITY_SERVICE_RID), service ? 1 : 0);
    OutputDebugStringA(line);
    /* like Go's sample: not a service, so a command line program, and here there is no command */
    if (!service)
        return 2;
    return StartServiceCtrlDispatcherW(table) ? 0 : 1;
}
