/* session0_dll.c: svcs0.dll, which makes services.exe and the services it starts read as session 0 inside those
 * services, as on Windows (Wine 8 runs every process in session 1); see docs/wine-hooks.md, "Session 0". */
#include <windows.h>
#include <winternl.h>
#include <string.h>
#include "session0.h"

/* Loaded into services.exe (by the controller), the DLL makes services.exe start every service suspended with
 * an APC that loads this DLL again in it, which runs after the service's DLLs are initialised and before its
 * entry point (Wine's LdrInitializeThunk ends in NtContinue(context, TRUE)). In a service, it makes ntdll's
 * answers about sessions say 0 for services.exe and its descendants, and for the process's own token. */

typedef NTSTATUS (NTAPI *s0_qsi_fn)(ULONG, void *, ULONG, ULONG *);
typedef NTSTATUS (NTAPI *s0_qip_fn)(HANDLE, ULONG, void *, ULONG, ULONG *);
typedef NTSTATUS (NTAPI *s0_qit_fn)(HANDLE, ULONG, void *, ULONG, ULONG *);
typedef NTSTATUS (NTAPI *s0_dup_fn)(HANDLE, ACCESS_MASK, void *, BOOLEAN, TOKEN_TYPE, HANDLE *);
typedef BOOL (WINAPI *s0_cp_fn)(LPCWSTR, LPWSTR, LPSECURITY_ATTRIBUTES, LPSECURITY_ATTRIBUTES, BOOL, DWORD, LPVOID,
                                LPCWSTR, LPSTARTUPINFOW, LPPROCESS_INFORMATION);

#define S0_THUNK 32
#define S0_SESSION_INFO 24      /* ProcessSessionInformation */
#define S0_TOKEN_SESSION 12     /* TokenSessionId */
#define S0_TOKEN_STATS 10       /* TokenStatistics */
#define S0_TOKEN_GROUPS 2       /* TokenGroups */
#define S0_MAX_OWN 64
#define S0_MAX_DEPTH 64

static s0_qsi_fn s0_qsi;
static s0_qip_fn s0_qip;
static s0_qit_fn s0_qit;
static s0_dup_fn s0_dup;
static s0_cp_fn s0_real_cp;
static ULONG_PTR s0_scm_pid;      /* services.exe: this process's parent */
/* TokenIds of this process's token and of the copies made of it (CheckTokenMembership(NULL) makes one) */
static LUID s0_own[S0_MAX_OWN];
static volatile LONG s0_nown;
static HANDLE s0_own_handle;      /* the process's token, kept open to compare handles with */
static NTSTATUS (NTAPI *s0_compare)(HANDLE, HANDLE);
static HMODULE s0_self;
static HANDLE s0_table_map;
static struct s0_table *s0_table;

/* The shared table the controller made: where this DLL says what it did in each process. */
static void s0_open_table(void)
{
    s0_table_map = OpenFileMappingW(FILE_MAP_WRITE, FALSE, S0_TABLE_NAME);
    if (s0_table_map)
        s0_table = MapViewOfFile(s0_table_map, FILE_MAP_WRITE, 0, 0, sizeof *s0_table);
}

static void s0_mark(DWORD pid, LONG flag, DWORD error)
{
    LONG i;

    if (!s0_table)
        return;
    for (i = 0; i < S0_MAX_PROCS; i++) {
        /* claim the first free slot, or find this process's */
        LONG prev = InterlockedCompareExchange((LONG *)&s0_table->procs[i].pid, (LONG)pid, 0);
        if (prev == 0 || (DWORD)prev == pid) {
            InterlockedOr(&s0_table->procs[i].flags, flag);
            if (error)
                s0_table->procs[i].error = error;
            return;
        }
    }
}

/* ---- in a service: the answers about sessions ---- */

static ULONG_PTR s0_parent_of(ULONG_PTR pid, const SYSTEM_PROCESS_INFORMATION *list)
{
    const SYSTEM_PROCESS_INFORMATION *p = list;

    for (;;) {
        if ((ULONG_PTR)p->UniqueProcessId == pid)
            return (ULONG_PTR)p->InheritedFromUniqueProcessId;
        if (!p->NextEntryOffset)
            return 0;
        p = (const SYSTEM_PROCESS_INFORMATION *)((const BYTE *)p + p->NextEntryOffset);
    }
}

/* services.exe and every process it started, or they did, are in session 0 on Windows. */
static BOOL s0_in_zero(ULONG_PTR pid, const SYSTEM_PROCESS_INFORMATION *list)
{
    int depth;

    for (depth = 0; pid && depth < S0_MAX_DEPTH; depth++) {
        if (pid == s0_scm_pid)
            return TRUE;
        pid = list ? s0_parent_of(pid, list) : 0;
    }
    return FALSE;
}

/* A fresh process list from the real call; the caller frees it. */
static SYSTEM_PROCESS_INFORMATION *s0_list(void)
{
    ULONG size = 64 * 1024, need = 0;
    void *buf;
    NTSTATUS st;

    for (;;) {
        if (!(buf = HeapAlloc(GetProcessHeap(), 0, size)))
            return NULL;
        st = s0_qsi(SystemProcessInformation, buf, size, &need);
        if (st >= 0)
            return buf;
        HeapFree(GetProcessHeap(), 0, buf);
        if (st != (NTSTATUS)0xC0000004L || size >= 64 * 1024 * 1024)   /* STATUS_INFO_LENGTH_MISMATCH */
            return NULL;
        size = need > size ? need + 16 * 1024 : size * 2;
    }
}

static NTSTATUS NTAPI s0_query_system(ULONG cls, void *buf, ULONG len, ULONG *ret)
{
    NTSTATUS st = s0_qsi(cls, buf, len, ret);
    SYSTEM_PROCESS_INFORMATION *list = buf, *p = buf;

    /* the three classes whose entries start with SYSTEM_PROCESS_INFORMATION */
    if (st < 0 || !buf || (cls != 5 && cls != 57 && cls != 148))
        return st;
    for (;;) {
        if (s0_in_zero((ULONG_PTR)p->UniqueProcessId, list))
            p->SessionId = 0;
        if (!p->NextEntryOffset)
            break;
        p = (SYSTEM_PROCESS_INFORMATION *)((BYTE *)p + p->NextEntryOffset);
    }
    return st;
}

static NTSTATUS NTAPI s0_query_process(HANDLE h, ULONG cls, void *buf, ULONG len, ULONG *ret)
{
    NTSTATUS st = s0_qip(h, cls, buf, len, ret);
    PROCESS_BASIC_INFORMATION pbi;
    SYSTEM_PROCESS_INFORMATION *list;

    if (st < 0 || cls != S0_SESSION_INFO || len < sizeof(DWORD) || !buf)
        return st;
    if (s0_qip(h, ProcessBasicInformation, &pbi, sizeof pbi, NULL) < 0)
        return st;
    if (pbi.UniqueProcessId == GetCurrentProcessId()) {
        *(DWORD *)buf = 0;
        return st;
    }
    list = s0_list();
    if (s0_in_zero(pbi.UniqueProcessId, list))
        *(DWORD *)buf = 0;
    if (list)
        HeapFree(GetProcessHeap(), 0, list);
    return st;
}

static BOOL s0_token_id(HANDLE h, LUID *id)
{
    TOKEN_STATISTICS ts;
    ULONG got;

    if (s0_qit(h, S0_TOKEN_STATS, &ts, sizeof ts, &got) < 0)
        return FALSE;
    *id = ts.TokenId;
    return TRUE;
}

static BOOL s0_is_own(HANDLE h)
{
    LUID id;
    LONG i, n = s0_nown;

    /* a handle opened without TOKEN_QUERY (CheckTokenMembership duplicates one) is compared as an object */
    if (s0_compare && s0_own_handle && s0_compare(h, s0_own_handle) == 0)
        return TRUE;
    if (!s0_token_id(h, &id))
        return FALSE;
    for (i = 0; i < n && i < S0_MAX_OWN; i++)
        if (s0_own[i].LowPart == id.LowPart && s0_own[i].HighPart == id.HighPart)
            return TRUE;
    return FALSE;
}

static void s0_add_own(HANDLE h)
{
    LUID id;
    LONG i;

    if (s0_token_id(h, &id) && (i = InterlockedIncrement(&s0_nown) - 1) < S0_MAX_OWN)
        s0_own[i] = id;
}

/* A service's token on Windows holds NT AUTHORITY\SERVICE (S-1-5-6) where a logged-on user's holds
 * INTERACTIVE (S-1-5-4); Wine gives every token INTERACTIVE. Go's svc.IsAnInteractiveSession (kardianos/service
 * up to 1.2.1) reads exactly that. The SIDs are the same size, so the group is rewritten in place. */
static void s0_service_groups(TOKEN_GROUPS *g, ULONG len)
{
    static const SID_IDENTIFIER_AUTHORITY nt = { SECURITY_NT_AUTHORITY };
    DWORD i;

    if (len < sizeof(DWORD))
        return;
    for (i = 0; i < g->GroupCount && (BYTE *)&g->Groups[i + 1] <= (BYTE *)g + len; i++) {
        SID *sid = g->Groups[i].Sid;

        if (sid && sid->Revision == SID_REVISION && sid->SubAuthorityCount == 1 &&
            !memcmp(&sid->IdentifierAuthority, &nt, sizeof nt) && sid->SubAuthority[0] == SECURITY_INTERACTIVE_RID)
            sid->SubAuthority[0] = SECURITY_SERVICE_RID;
    }
}

static NTSTATUS NTAPI s0_query_token(HANDLE h, ULONG cls, void *buf, ULONG len, ULONG *ret)
{
    NTSTATUS st = s0_qit(h, cls, buf, len, ret);

    /* only the process's own token and its copies: a client's token the service impersonates is the client's */
    if (st < 0 || !buf || (cls != S0_TOKEN_SESSION && cls != S0_TOKEN_GROUPS) || len < sizeof(DWORD) || !s0_is_own(h))
        return st;
    if (cls == S0_TOKEN_SESSION)
        *(DWORD *)buf = 0;
    else
        s0_service_groups(buf, len);
    return st;
}

static NTSTATUS NTAPI s0_duplicate_token(HANDLE h, ACCESS_MASK access, void *attr, BOOLEAN effective, TOKEN_TYPE type,
                                         HANDLE *out)
{
    NTSTATUS st = s0_dup(h, access, attr, effective, type, out);

    if (st >= 0 && out && s0_is_own(h))
        s0_add_own(*out);
    return st;
}

/* Wine 8's ntdll syscall thunk (32 bytes, position-independent: its jumps are relative, its addresses
 * absolute): mov r10,rcx; mov eax,N; test byte [0x7ffe0308],1; jne; syscall; ret; jmp; ret; call [0x7ffe1000]; ret. */
static const BYTE s0_thunk_head[3] = { 0x4c, 0x8b, 0xd1 };
static const BYTE s0_thunk_tail[24] = { 0xf6, 0x04, 0x25, 0x08, 0x03, 0xfe, 0x7f, 0x01, 0x75, 0x03, 0x0f, 0x05,
                                        0xc3, 0xeb, 0x01, 0xc3, 0xff, 0x14, 0x25, 0x00, 0x10, 0xfe, 0x7f, 0xc3 };

/* Copies the thunk of `name` to `tramp` (the original from then on) and points the thunk at `hook`. */
static BOOL s0_hook(HMODULE ntdll, const char *name, void *hook, BYTE *tramp, void **orig)
{
    BYTE *f = (BYTE *)GetProcAddress(ntdll, name);
    BYTE jmp[12] = { 0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xe0 };   /* mov rax, hook; jmp rax */
    DWORD old;

    if (!f || memcmp(f, s0_thunk_head, sizeof s0_thunk_head) || f[3] != 0xb8 ||
        memcmp(f + 8, s0_thunk_tail, sizeof s0_thunk_tail))
        return FALSE;
    memcpy(tramp, f, S0_THUNK);
    *orig = tramp;
    memcpy(jmp + 2, &hook, sizeof hook);
    if (!VirtualProtect(f, sizeof jmp, PAGE_EXECUTE_READWRITE, &old))
        return FALSE;
    memcpy(f, jmp, sizeof jmp);
    VirtualProtect(f, sizeof jmp, old, &old);
    FlushInstructionCache(GetCurrentProcess(), f, sizeof jmp);
    return TRUE;
}

static DWORD s0_in_service(void)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    PROCESS_BASIC_INFORMATION pbi;
    HANDLE tok;
    DWORD old;
    BYTE *tramp;
    void *o;

    tramp = VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_EXECUTE_READWRITE);
    if (!ntdll || !tramp)
        return S0_ERR_ALLOC;
    /* the real calls first: the parent and the own token, before anything is hooked */
    if (NtQueryInformationProcess(GetCurrentProcess(), ProcessBasicInformation, &pbi, sizeof pbi, NULL) < 0)
        return S0_ERR_QUERY;
    s0_scm_pid = pbi.InheritedFromUniqueProcessId;
    if (!s0_hook(ntdll, "NtQuerySystemInformation", (void *)s0_query_system, tramp, &o))
        return S0_ERR_THUNK;
    s0_qsi = (s0_qsi_fn)o;
    if (!s0_hook(ntdll, "NtQueryInformationProcess", (void *)s0_query_process, tramp + S0_THUNK, &o))
        return S0_ERR_THUNK;
    s0_qip = (s0_qip_fn)o;
    if (!s0_hook(ntdll, "NtQueryInformationToken", (void *)s0_query_token, tramp + 2 * S0_THUNK, &o))
        return S0_ERR_THUNK;
    s0_qit = (s0_qit_fn)o;
    if (!s0_hook(ntdll, "NtDuplicateToken", (void *)s0_duplicate_token, tramp + 3 * S0_THUNK, &o))
        return S0_ERR_THUNK;
    s0_dup = (s0_dup_fn)o;
    VirtualProtect(tramp, 4096, PAGE_EXECUTE_READ, &old);
    /* the process's own token: read through the original, now that it is known */
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return S0_ERR_QUERY;
    s0_add_own(tok);
    if (!s0_nown)
        return S0_ERR_QUERY;
    s0_compare = (NTSTATUS (NTAPI *)(HANDLE, HANDLE))(void *)GetProcAddress(ntdll, "NtCompareObjects");
    s0_own_handle = tok;
    /* ProcessIdToSessionId of the own pid reads the PEB */
    pbi.PebBaseAddress->SessionId = 0;
    return 0;
}

/* ---- in services.exe: every service it starts gets this DLL before its entry point ---- */

static void s0_inject(const PROCESS_INFORMATION *pi)
{
    wchar_t path[MAX_PATH];
    DWORD n = GetModuleFileNameW(s0_self, path, MAX_PATH);
    SIZE_T size = (n + 1) * sizeof(wchar_t), wrote = 0;
    void *remote, *load = (void *)GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "LoadLibraryW");
    BOOL wow = FALSE;

    s0_mark(pi->dwProcessId, S0_STARTED, 0);
    /* a 32-bit process has no 64-bit kernel32 to run the APC in */
    if (IsWow64Process(pi->hProcess, &wow) && wow) {
        s0_mark(pi->dwProcessId, 0, S0_ERR_WOW64);
        return;
    }
    if (!n || n >= MAX_PATH || !load) {
        s0_mark(pi->dwProcessId, 0, S0_ERR_ALLOC);
        return;
    }
    remote = VirtualAllocEx(pi->hProcess, NULL, size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    if (!remote || !WriteProcessMemory(pi->hProcess, remote, path, size, &wrote) || wrote != size) {
        s0_mark(pi->dwProcessId, 0, S0_ERR_REMOTE);
        return;
    }
    /* kernel32 sits at the same address in every process of the prefix */
    if (!QueueUserAPC((PAPCFUNC)load, pi->hThread, (ULONG_PTR)remote)) {
        s0_mark(pi->dwProcessId, 0, S0_ERR_REMOTE);
        return;
    }
    s0_mark(pi->dwProcessId, S0_QUEUED, 0);
}

static BOOL WINAPI s0_create_process(LPCWSTR app, LPWSTR cmd, LPSECURITY_ATTRIBUTES pa, LPSECURITY_ATTRIBUTES ta,
                                     BOOL inherit, DWORD flags, LPVOID env, LPCWSTR dir, LPSTARTUPINFOW si,
                                     LPPROCESS_INFORMATION pi)
{
    if (!s0_real_cp(app, cmd, pa, ta, inherit, flags | CREATE_SUSPENDED, env, dir, si, pi))
        return FALSE;
    s0_inject(pi);
    if (!(flags & CREATE_SUSPENDED))
        ResumeThread(pi->hThread);
    return TRUE;
}

/* Points services.exe's import of CreateProcessW at the hook. */
static DWORD s0_in_scm(void)
{
    BYTE *base = (BYTE *)GetModuleHandleW(NULL);
    IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(base + ((IMAGE_DOS_HEADER *)base)->e_lfanew);
    IMAGE_DATA_DIRECTORY *dir = &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];
    IMAGE_IMPORT_DESCRIPTOR *imp;
    void *real = (void *)GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "CreateProcessW");
    DWORD old;

    if (!dir->VirtualAddress || !real)
        return S0_ERR_IMPORT;
    for (imp = (IMAGE_IMPORT_DESCRIPTOR *)(base + dir->VirtualAddress); imp->Name; imp++) {
        IMAGE_THUNK_DATA *t = (IMAGE_THUNK_DATA *)(base + imp->FirstThunk);

        for (; t->u1.Function; t++) {
            if ((void *)t->u1.Function != real)
                continue;
            s0_real_cp = (s0_cp_fn)real;
            if (!VirtualProtect(&t->u1.Function, sizeof(void *), PAGE_READWRITE, &old))
                return S0_ERR_IMPORT;
            InterlockedExchangePointer((void **)&t->u1.Function, (void *)s0_create_process);
            VirtualProtect(&t->u1.Function, sizeof(void *), old, &old);
            return 0;
        }
    }
    return S0_ERR_IMPORT;
}

/* services.exe is the system directory's, whatever a candidate calls itself. */
static BOOL s0_is_scm(void)
{
    wchar_t self[MAX_PATH], scm[MAX_PATH];
    UINT n = GetSystemDirectoryW(scm, MAX_PATH - 16);

    if (!n || n >= MAX_PATH - 16 || !GetModuleFileNameW(NULL, self, MAX_PATH))
        return FALSE;
    wcscat(scm, L"\\services.exe");
    return !lstrcmpiW(self, scm);
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, void *reserved)
{
    DWORD err;

    (void)reserved;
    if (reason != DLL_PROCESS_ATTACH)
        return TRUE;
    s0_self = inst;
    DisableThreadLibraryCalls(inst);
    s0_open_table();
    if (s0_is_scm()) {
        err = s0_in_scm();
        if (s0_table)
            s0_table->scm_error = err, InterlockedExchange(&s0_table->scm_ready, err ? -1 : 1);
    } else {
        err = s0_in_service();
        s0_mark(GetCurrentProcessId(), err ? 0 : S0_APPLIED, err);
    }
    /* stay loaded: the hooks live here */
    return TRUE;
}
