/* install.c: registers the reference with the service control manager and removes it again.
 * Rule points: com.localservice.install. */
#include "svc.h"
#include "com.h"
#include "cmdline.h"
#include "eventlog.h"
#include "stopwait.h"
#include <stdio.h>
#include <wchar.h>

#define INST_LOCALSERVICE L"NT AUTHORITY\\LocalService"
/* A double-NUL-terminated list, as CreateService wants it. */
#define INST_DEPENDENCIES L"RpcSs\0"

static const wchar_t *inst_opt(int argc, wchar_t **argv, const wchar_t *name, const wchar_t *dflt)
{
    int i;

    for (i = 2; i + 1 < argc && wcscmp(argv[i], L"--"); i++)
        if (!wcscmp(argv[i], name))
            return argv[i + 1];
    return dflt;
}

static BOOL inst_flag(int argc, wchar_t **argv, const wchar_t *name)
{
    int i;

    for (i = 2; i < argc && wcscmp(argv[i], L"--"); i++)
        if (!wcscmp(argv[i], name))
            return TRUE;
    return FALSE;
}

/* The image path: our own full path, always quoted, then the options after "--", each quoted by
 * CommandLineToArgvW's rules so that ServiceMain's process sees exactly the words it was given. */
static BOOL inst_image_path(int argc, wchar_t **argv, wchar_t *out, size_t cap)
{
    wchar_t self[MAX_PATH];
    size_t n = 0;
    int i = 2;

    out[0] = L'\0';
    if (!GetModuleFileNameW(NULL, self, MAX_PATH) || !cmdline_append(out, cap, &n, self, 1))
        return FALSE;
    while (i < argc && wcscmp(argv[i], L"--"))
        i++;
    for (i++; i < argc; i++)
        if (!cmdline_append(out, cap, &n, argv[i], 0))
            return FALSE;
    return TRUE;
}

/* Least privilege beyond the account: a service SID of its own (unrestricted: it adds a SID to the
 * token that ACLs can name, without the write-restricted token's limits), and the one privilege it
 * uses. SeChangeNotifyPrivilege (bypass traverse checking) is what every file open relies on; the
 * reference never impersonates its COM clients (it asks only IDENTIFY of them and calls no
 * CoImpersonateClient), so it keeps neither SeImpersonatePrivilege nor any other privilege LocalService
 * holds. Services run in session 0, so COM needs no SeCreateGlobalPrivilege for our objects either. */
static void inst_least_privilege(SC_HANDLE svc)
{
    SERVICE_SID_INFO sid = { SERVICE_SID_TYPE_UNRESTRICTED };
    static wchar_t list[] = SE_CHANGE_NOTIFY_NAME L"\0";   /* a double-NUL-terminated list */
    SERVICE_REQUIRED_PRIVILEGES_INFOW privs = { list };

    if (ChangeServiceConfig2W(svc, SERVICE_CONFIG_SERVICE_SID_INFO, &sid))
        puts("svcref: service SID type: unrestricted");
    else
        printf("svcref: service SID type not set: error %lu\n", GetLastError());
    if (ChangeServiceConfig2W(svc, SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO, &privs))
        puts("svcref: required privileges: SeChangeNotifyPrivilege");
    else
        printf("svcref: required privileges not set: error %lu\n", GetLastError());
}

int inst_install(int argc, wchar_t **argv)
{
    const wchar_t *name = inst_opt(argc, argv, L"--name", SVCREF_DEFAULT_NAME);
    const wchar_t *display = inst_opt(argc, argv, L"--display", L"svccert reference service");
    const wchar_t *account = inst_opt(argc, argv, L"--account", L"localservice");
    wchar_t path[4096], self[MAX_PATH];
    SC_HANDLE scm, svc;
    static wchar_t text[] = L"Reference Windows service of the svccert conformance suite.";
    SERVICE_DESCRIPTIONW desc = { text };

    if (!inst_image_path(argc, argv, path, sizeof path / sizeof path[0])) {
        fputs("svcref: cannot build the image path\n", stderr);
        return 1;
    }
    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CREATE_SERVICE);
    if (!scm) {
        fprintf(stderr, "svcref: OpenSCManager failed: error %lu\n", GetLastError());
        return 1;
    }
    /* Least privilege: the LocalService account unless LocalSystem is asked for. The service hosts
     * a COM class, so COM's RPC service must run first: declared, as ATL's installer does, so that
     * the SCM starts RpcSs before us instead of our first COM call waiting for it mid-start. */
    /* The handle only configures what CreateService cannot: no SERVICE_ALL_ACCESS. */
    svc = CreateServiceW(scm, name, display, SERVICE_CHANGE_CONFIG, SERVICE_WIN32_OWN_PROCESS,
                         inst_flag(argc, argv, L"--auto") ? SERVICE_AUTO_START : SERVICE_DEMAND_START,
                         SERVICE_ERROR_NORMAL, path, NULL, NULL, INST_DEPENDENCIES,
                         wcscmp(account, L"localsystem") ? INST_LOCALSERVICE : NULL, NULL);
    if (!svc) {
        fprintf(stderr, "svcref: CreateService %ls failed: error %lu\n", name, GetLastError());
        CloseServiceHandle(scm);
        return 1;
    }
    ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &desc);
    printf("svcref: installed service %ls: %ls\n", name, path);
    inst_least_privilege(svc);
    if (GetModuleFileNameW(NULL, self, MAX_PATH) && evt_install(name, self))
        printf("svcref: event source %ls registered\n", name);
    /* com.localservice.install: COM starts this service for an activation of our class */
    if (!com_reg_write(path, name))
        fputs("svcref: the COM registration could not be written\n", stderr);
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return 0;
}

/* Stops the service if it runs, the way Microsoft's service-control sample does, so that deletion
 * is not left pending: poll at a tenth of the wait hint, and give up only when the checkpoint has
 * stood still for longer than the wait hint the service itself announced (stopwait.c). */
static void inst_stop(SC_HANDLE svc, const wchar_t *name)
{
    SERVICE_STATUS_PROCESS sp;
    SERVICE_STATUS ss;
    struct stopwait w;
    DWORD got;

    if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&sp, sizeof sp, &got) ||
        sp.dwCurrentState == SERVICE_STOPPED)
        return;
    if (sp.dwCurrentState != SERVICE_STOP_PENDING) {
        if (!ControlService(svc, SERVICE_CONTROL_STOP, &ss)) {
            printf("svcref: %ls did not take STOP: error %lu\n", name, GetLastError());
            return;
        }
        sp.dwCurrentState = ss.dwCurrentState;
        sp.dwCheckPoint = ss.dwCheckPoint;
        sp.dwWaitHint = ss.dwWaitHint;
    }
    stopwait_begin(&w, sp.dwCheckPoint, GetTickCount());
    for (;;) {
        enum stopwait_verdict v = stopwait_step(&w, sp.dwCurrentState == SERVICE_STOPPED, sp.dwCheckPoint,
                                                sp.dwWaitHint, GetTickCount());
        if (v == STOPWAIT_DONE) {
            printf("svcref: stopped service %ls\n", name);
            return;
        }
        if (v == STOPWAIT_STALLED) {
            printf("svcref: %ls did not stop: checkpoint %lu stood still longer than its wait hint (%lu ms)\n",
                   name, sp.dwCheckPoint, sp.dwWaitHint);
            return;
        }
        Sleep(stopwait_interval(sp.dwWaitHint));
        if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&sp, sizeof sp, &got))
            return;
    }
}

int inst_uninstall(int argc, wchar_t **argv)
{
    const wchar_t *name = inst_opt(argc, argv, L"--name", SVCREF_DEFAULT_NAME);
    SC_HANDLE scm, svc;
    BOOL ok;

    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    if (!scm) {
        fprintf(stderr, "svcref: OpenSCManager failed: error %lu\n", GetLastError());
        return 1;
    }
    svc = OpenServiceW(scm, name, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
    if (!svc) {
        fprintf(stderr, "svcref: no service %ls: error %lu\n", name, GetLastError());
        CloseServiceHandle(scm);
        return 1;
    }
    inst_stop(svc, name);
    ok = DeleteService(svc);
    com_reg_remove();
    if (ok)
        evt_uninstall(name);
    if (ok)
        printf("svcref: removed service %ls\n", name);
    else
        fprintf(stderr, "svcref: DeleteService %ls failed: error %lu\n", name, GetLastError());
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return ok ? 0 : 1;
}
