/* install.c: registers the reference with the service control manager and removes it again.
 * Rule points: com.localservice.install. */
#include "svc.h"
#include "com.h"
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

/* The image path: our own full path, quoted, then the options after "--", each quoted if needed. */
static BOOL inst_image_path(int argc, wchar_t **argv, wchar_t *out, size_t cap)
{
    wchar_t self[MAX_PATH];
    size_t n;
    int i = 2;

    if (!GetModuleFileNameW(NULL, self, MAX_PATH))
        return FALSE;
    n = (size_t)swprintf(out, cap, L"\"%ls\"", self);
    while (i < argc && wcscmp(argv[i], L"--"))
        i++;
    for (i++; i < argc; i++) {
        int w = swprintf(out + n, cap - n, wcschr(argv[i], L' ') ? L" \"%ls\"" : L" %ls", argv[i]);
        if (w < 0)
            return FALSE;
        n += (size_t)w;
    }
    return TRUE;
}

int inst_install(int argc, wchar_t **argv)
{
    const wchar_t *name = inst_opt(argc, argv, L"--name", SVCREF_DEFAULT_NAME);
    const wchar_t *display = inst_opt(argc, argv, L"--display", L"svccert reference service");
    const wchar_t *account = inst_opt(argc, argv, L"--account", L"localservice");
    wchar_t path[4096];
    SC_HANDLE scm, svc;
    SERVICE_DESCRIPTIONW desc = { (wchar_t *)L"Reference Windows service of the svccert conformance suite." };

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
    svc = CreateServiceW(scm, name, display, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
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
    /* com.localservice.install: COM starts this service for an activation of our class */
    if (!com_reg_write(path, name))
        fputs("svcref: the COM registration could not be written\n", stderr);
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return 0;
}

/* Stops the service if it runs, honouring its wait hint, so that deletion is not left pending. */
static void inst_stop(SC_HANDLE svc)
{
    SERVICE_STATUS_PROCESS sp;
    SERVICE_STATUS ss;
    DWORD got, waited = 0;

    if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&sp, sizeof sp, &got) ||
        sp.dwCurrentState == SERVICE_STOPPED)
        return;
    ControlService(svc, SERVICE_CONTROL_STOP, &ss);
    while (waited < 60000 &&
           QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&sp, sizeof sp, &got) &&
           sp.dwCurrentState != SERVICE_STOPPED) {
        Sleep(200);
        waited += 200;
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
    inst_stop(svc);
    ok = DeleteService(svc);
    com_reg_remove();
    if (ok)
        printf("svcref: removed service %ls\n", name);
    else
        fprintf(stderr, "svcref: DeleteService %ls failed: error %lu\n", name, GetLastError());
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return ok ? 0 : 1;
}
