/* com_kit.c: a minimal correct COM EXE server (service, -Embedding, user-started) that each broken COM server bends in one place. */
#include "com_kit.h"
#include <sddl.h>
#include <stdio.h>
#include <wchar.h>

CLSID kc_clsid;

/* How the process was started: by the SCM, by COM (-Embedding), or by a person (no argument). */
static enum kc_mode { KC_SERVICE, KC_EMBEDDING, KC_USER } kc_mode;
static DWORD kc_loop_tid;

static const struct comkit *kc_k;
static wchar_t kc_path[MAX_PATH], kc_base[MAX_PATH];
static const wchar_t *kc_file;          /* the executable's file name, with .exe */
static LONG kc_quit_posted;
static BOOL kc_secured, kc_registered, kc_run_reported, kc_inited, kc_user_ref;
static DWORD kc_cookies[4];
static int kc_ncookies;
static SERVICE_STATUS_HANDLE kc_h;
static LONG kc_stopping;
static HANDLE kc_main_thread;           /* ServiceMain's thread, which is also the message-loop thread */

#define KC_HOOK(name) do { if (kc_k->name) kc_k->name(); } while (0)

void kc_note(const char *what, HRESULT hr)
{
    char buf[200];

    snprintf(buf, sizeof buf, "comkit %ls %s hr=0x%08lx", kc_base, what, (unsigned long)hr);
    OutputDebugStringA(buf);
}

const wchar_t *kc_name(void)
{
    return kc_base;
}

/* ---- service reports ---- */

void kc_report(DWORD state, DWORD controls, DWORD checkpoint, DWORD wait_hint)
{
    SERVICE_STATUS s = { SERVICE_WIN32_OWN_PROCESS, state, controls, NO_ERROR, 0, checkpoint, wait_hint };

    SetServiceStatus(kc_h, &s);
}

void kc_stopped(DWORD win32_exit, DWORD specific_exit)
{
    SERVICE_STATUS s = { SERVICE_WIN32_OWN_PROCESS, SERVICE_STOPPED, 0, win32_exit, specific_exit, 0, 0 };

    SetServiceStatus(kc_h, &s);
}

void kc_running(void)
{
    if (kc_mode != KC_SERVICE || kc_run_reported)
        return;
    kc_run_reported = TRUE;
    kc_report(SERVICE_RUNNING, SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN, 0, 0);
}

/* ---- the server's life: instances, locks and the window keep it; the last of them ends it ---- */

void kc_quit(void)
{
    if (!InterlockedExchange(&kc_quit_posted, 1))
        PostThreadMessageW(kc_loop_tid, WM_QUIT, 0, 0);
}

/* The reference's class (ref/com_class.c) calls these as instances and locks come and go. */
static void com_srv_addref(void)
{
    CoAddRefServerProcess();
}

/* CoReleaseServerProcess suspends the class objects itself when the count reaches zero, so no activation
 * slips in between "idle" and the revocation (the shutdown race ATL closes the same way). A service ends
 * on STOP only: the SCM, not its clients, controls its life. */
static void kc_release_server(void)
{
    if (CoReleaseServerProcess() == 0 && kc_mode != KC_SERVICE && !(kc_k->on_idle && kc_k->on_idle()))
        comi_idle(kc_loop_tid);
}

static LONG kc_quit_anyway;

static BOOL kc_busy(void)
{
    return !kc_quit_anyway && (comc_live() > 0 || comc_locks() > 0 || kc_user_ref);
}

void kc_quit_after_call(void)
{
    InterlockedExchange(&kc_quit_anyway, 1);
    comi_idle(kc_loop_tid);
}

static void com_srv_release(void)
{
    if (kc_k->on_release)
        kc_k->on_release(comc_live());
    kc_release_server();
}

const struct comc_host kc_host = { com_srv_addref, com_srv_release };

/* The person closed the window: user control ends, and with it the window's reference. */
static void kc_user_release(void)
{
    if (!kc_user_ref)
        return;
    kc_user_ref = FALSE;
    kc_release_server();
}

/* ---- COM set-up and tear-down ---- */

HRESULT kc_security(void)
{
    PSECURITY_DESCRIPTOR sd;
    HRESULT hr;

    if (kc_secured)
        return S_OK;
    kc_secured = TRUE;
    if (!(sd = comc_security_descriptor()))
        return HRESULT_FROM_WIN32(GetLastError());
    hr = CoInitializeSecurity(sd, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_IMP_LEVEL_IDENTIFY, NULL,
                              EOAC_NONE, NULL);
    kc_note("CoInitializeSecurity", hr);
    return hr;
}

HRESULT kc_register_as(const CLSID *clsid, DWORD flags)
{
    DWORD cookie = 0;
    HRESULT hr;

    hr = CoRegisterClassObject(clsid, (IUnknown *)comc_factory(&kc_host), CLSCTX_LOCAL_SERVER, flags, &cookie);
    kc_note("CoRegisterClassObject", hr);
    if (SUCCEEDED(hr) && kc_ncookies < (int)(sizeof kc_cookies / sizeof kc_cookies[0]))
        kc_cookies[kc_ncookies++] = cookie;
    return hr;
}

/* Suspended, so that no client reaches a class object before all are registered and resumed. */
HRESULT kc_register(void)
{
    if (kc_registered)
        return S_OK;
    kc_registered = TRUE;
    return kc_register_as(&kc_clsid, (kc_k->single_use ? REGCLS_SINGLEUSE : REGCLS_MULTIPLEUSE) | REGCLS_SUSPENDED);
}

void kc_revoke(void)
{
    while (kc_ncookies > 0)
        kc_note("CoRevokeClassObject", CoRevokeClassObject(kc_cookies[--kc_ncookies]));
}

static LRESULT CALLBACK kc_wndproc(HWND w, UINT msg, WPARAM wp, LPARAM lp)
{
    switch (msg) {
    case WM_CLOSE:
        DestroyWindow(w);
        return 0;
    case WM_DESTROY:
        kc_user_release();   /* only the person's own act ends user control */
        return 0;
    default:
        return DefWindowProcW(w, msg, wp, lp);
    }
}

/* A visible top-level window: what makes a user-started server "shown to the user". */
static BOOL kc_window(void)
{
    WNDCLASSW wc = { 0 };
    HWND w;

    wc.lpfnWndProc = kc_wndproc;
    wc.hInstance = GetModuleHandleW(NULL);
    wc.lpszClassName = L"svccert_comkit";
    if (!RegisterClassW(&wc))
        return FALSE;
    w = CreateWindowExW(0, wc.lpszClassName, kc_base, WS_OVERLAPPEDWINDOW, CW_USEDEFAULT, CW_USEDEFAULT, 320, 120,
                        NULL, NULL, wc.hInstance, NULL);
    if (w)
        ShowWindow(w, SW_SHOW);
    return w != NULL;
}

/* PreMessageLoop: COM, security, the class objects (suspended, then resumed), then RUNNING. */
static HRESULT kc_pre_loop(void)
{
    HRESULT hr;

    /* Free-threaded unless the candidate asks otherwise: calls arrive on COM's threads, so the loop never
     * blocks a client. (An apartment-threaded loop thread gets them as messages, which the loop dispatches.) */
    hr = CoInitializeEx(NULL, kc_k->coinit);
    if (FAILED(hr))
        return hr;
    kc_inited = TRUE;
    KC_HOOK(before_security);
    hr = kc_k->security ? kc_k->security() : kc_security();
    if (FAILED(hr))
        return hr;
    if (kc_mode == KC_USER) {
        kc_user_ref = TRUE;   /* the open window counts like a client */
        com_srv_addref();
    }
    KC_HOOK(before_register);
    hr = kc_k->register_class ? kc_k->register_class() : kc_register();
    if (FAILED(hr))
        return hr;
    KC_HOOK(after_register);
    hr = CoResumeClassObjects();
    kc_note("CoResumeClassObjects", hr);
    if (FAILED(hr))
        return hr;
    kc_running();
    return S_OK;
}

/* PostMessageLoop: every class object revoked, then COM left. */
static void kc_post_loop(void)
{
    KC_HOOK(before_revoke);
    if (kc_k->revoke)
        kc_k->revoke();
    else
        kc_revoke();
    if (kc_inited)
        CoUninitialize();
    kc_inited = FALSE;
}

/* CAtlServiceModuleT::Run's shape, for every mode: pre-loop, message loop until WM_QUIT, post-loop. */
static HRESULT kc_run(void)
{
    MSG msg;
    HRESULT hr;

    kc_loop_tid = GetCurrentThreadId();
    /* The thread's queue exists before anyone can post WM_QUIT to it. */
    PeekMessageW(&msg, NULL, WM_USER, WM_USER, PM_NOREMOVE);
    /* The window before COM: creating it makes Wine's IME code enter and leave an apartment on this thread. */
    if (kc_mode == KC_USER && !kc_window())
        return HRESULT_FROM_WIN32(GetLastError());
    hr = kc_pre_loop();
    kc_note("pre-loop", hr);
    if (SUCCEEDED(hr))
        while (GetMessageW(&msg, NULL, 0, 0) > 0) {
            if (comi_message(&msg, kc_busy))
                continue;
            TranslateMessage(&msg);
            DispatchMessageW(&msg);
        }
    kc_post_loop();
    return hr;
}

/* ---- the service ---- */

static DWORD WINAPI kc_handler(DWORD control, DWORD type, void *data, void *ctx)
{
    (void)type;
    (void)data;
    (void)ctx;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        if (InterlockedExchange(&kc_stopping, 1) || (kc_k->on_stop && kc_k->on_stop()))
            return NO_ERROR;
        /* Answered at once; the loop thread does the cleanup and reports STOPPED. */
        kc_report(SERVICE_STOP_PENDING, 0, 1, 3000);
        kc_quit();
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

static void WINAPI kc_svc_main(DWORD argc, wchar_t **argv)
{
    HRESULT hr;

    kc_h = RegisterServiceCtrlHandlerExW(argc ? argv[0] : kc_base, kc_handler, NULL);
    if (!kc_h)
        return;
    DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &kc_main_thread, SYNCHRONIZE,
                    FALSE, 0);
    /* COM's first call may wait seconds for rpcss under Wine: say so first, with a hint that covers it. */
    kc_report(SERVICE_START_PENDING, 0, 1, 10000);
    hr = kc_run();
    if (kc_k->on_main_end && kc_k->on_main_end())
        return;
    if (FAILED(hr))
        kc_stopped(ERROR_SERVICE_SPECIFIC_ERROR, KC_EXIT_COM);
    else
        kc_stopped(NO_ERROR, 0);
}

/* ---- registration ---- */

static BOOL kc_reg_set(const wchar_t *key, const wchar_t *name, const wchar_t *value)
{
    HKEY h;
    LONG r = RegCreateKeyExW(HKEY_CLASSES_ROOT, key, 0, NULL, 0, KEY_SET_VALUE, NULL, &h, NULL);

    if (r == ERROR_SUCCESS) {
        r = RegSetValueExW(h, name, 0, REG_SZ, (const BYTE *)value, (DWORD)((wcslen(value) + 1) * sizeof(wchar_t)));
        RegCloseKey(h);
    }
    if (r != ERROR_SUCCESS)
        fprintf(stderr, "%ls: cannot write HKCR\\%ls: error %ld\n", kc_base, key, r);
    return r == ERROR_SUCCESS;
}

/* One class: its name, its AppID and its LocalServer32 (server: the quoted executable). */
static BOOL kc_reg_class(const wchar_t *clsid, const wchar_t *server)
{
    wchar_t clsid_key[64], server_key[96];

    swprintf(clsid_key, 64, L"CLSID\\%ls", clsid);
    swprintf(server_key, 96, L"CLSID\\%ls\\LocalServer32", clsid);
    if (!kc_reg_set(clsid_key, NULL, kc_base) || !kc_reg_set(clsid_key, L"AppID", kc_k->appid) ||
        !kc_reg_set(server_key, NULL, server))
        return FALSE;
    printf("%ls: COM class %ls registered: %ls\n", kc_base, clsid, server);
    return TRUE;
}

/* CLSID (each class) -> AppID, AppID (-> LocalService), and the executable-name key -> AppID. */
static BOOL kc_regserver(const wchar_t *local_service)
{
    wchar_t appid_key[64], exe_key[MAX_PATH + 8], server[MAX_PATH + 2];

    swprintf(appid_key, 64, L"AppID\\%ls", kc_k->appid);
    swprintf(exe_key, MAX_PATH + 8, L"AppID\\%ls", kc_file);
    swprintf(server, MAX_PATH + 2, L"\"%ls\"", kc_path);
    return kc_reg_class(kc_k->clsid, server) && (!kc_k->clsid2 || kc_reg_class(kc_k->clsid2, server)) &&
           kc_reg_set(appid_key, NULL, kc_base) &&
           (!local_service || kc_reg_set(appid_key, L"LocalService", local_service)) &&
           kc_reg_set(exe_key, L"AppID", kc_k->appid);
}

static int kc_unregserver(void)
{
    wchar_t key[MAX_PATH + 8];
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), svc = NULL;

    swprintf(key, MAX_PATH + 8, L"CLSID\\%ls", kc_k->clsid);
    RegDeleteTreeW(HKEY_CLASSES_ROOT, key);
    if (kc_k->clsid2) {
        swprintf(key, MAX_PATH + 8, L"CLSID\\%ls", kc_k->clsid2);
        RegDeleteTreeW(HKEY_CLASSES_ROOT, key);
    }
    swprintf(key, MAX_PATH + 8, L"AppID\\%ls", kc_k->appid);
    RegDeleteTreeW(HKEY_CLASSES_ROOT, key);
    swprintf(key, MAX_PATH + 8, L"AppID\\%ls", kc_file);
    RegDeleteTreeW(HKEY_CLASSES_ROOT, key);
    if (scm && (svc = OpenServiceW(scm, kc_base, DELETE)))
        DeleteService(svc);
    if (svc)
        CloseServiceHandle(svc);
    if (scm)
        CloseServiceHandle(scm);
    printf("%ls: COM registration removed\n", kc_base);
    return 0;
}

/* /Service: the registration, a LocalService-account service running our own image, and LocalService. */
static int kc_install(void)
{
    wchar_t image[MAX_PATH + 2];
    SC_HANDLE scm, svc;

    swprintf(image, MAX_PATH + 2, L"\"%ls\"", kc_path);
    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CREATE_SERVICE);
    if (!scm) {
        fprintf(stderr, "%ls: OpenSCManager failed: error %lu\n", kc_base, GetLastError());
        return 1;
    }
    svc = CreateServiceW(scm, kc_base, kc_base, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START,
                         SERVICE_ERROR_NORMAL, image, NULL, NULL, NULL, L"NT AUTHORITY\\LocalService", NULL);
    if (!svc && GetLastError() != ERROR_SERVICE_EXISTS) {
        fprintf(stderr, "%ls: CreateService failed: error %lu\n", kc_base, GetLastError());
        CloseServiceHandle(scm);
        return 1;
    }
    if (svc)
        CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    printf("%ls: service %ls installed: %ls\n", kc_base, kc_base, image);
    return kc_regserver(kc_k->local_service ? kc_k->local_service : kc_base) ? 0 : 1;
}

/* ---- the entry point ---- */

/* "/Word" or "-Word", case-insensitive, anywhere on the command line (COM appends -Embedding). */
static BOOL kc_has(int argc, wchar_t **argv, const wchar_t *word)
{
    int i;

    for (i = 1; i < argc; i++)
        if ((argv[i][0] == L'/' || argv[i][0] == L'-') && !_wcsicmp(argv[i] + 1, word))
            return TRUE;
    return FALSE;
}

int kc_main(const struct comkit *k, int argc, wchar_t **argv)
{
    SERVICE_TABLE_ENTRYW table[] = { { kc_base, kc_svc_main }, { NULL, NULL } };
    wchar_t *slash, *dot;

    kc_k = k;
    if (!GetModuleFileNameW(NULL, kc_path, MAX_PATH) || FAILED(CLSIDFromString(k->clsid, &kc_clsid)))
        return 2;
    slash = wcsrchr(kc_path, L'\\');
    kc_file = slash ? slash + 1 : kc_path;
    wcscpy(kc_base, kc_file);
    if ((dot = wcsrchr(kc_base, L'.')) && !_wcsicmp(dot, L".exe"))
        *dot = 0;

    if (kc_has(argc, argv, L"RegServer"))
        return kc_regserver(NULL) ? 0 : 1;
    if (kc_has(argc, argv, L"UnregServer"))
        return kc_unregserver();
    if (kc_has(argc, argv, L"Service"))
        return kc_install();
    /* COM launched us for an activation; never try the dispatcher then, since Wine may hand a process
     * that asks for one the control pipe of another service that is starting. */
    if (kc_has(argc, argv, L"Embedding")) {
        kc_mode = KC_EMBEDDING;
        return FAILED(kc_run()) ? KC_EXIT_EXE : 0;
    }
    /* Started by the SCM, or by a person: only the dispatcher knows. (Under Wine, a process the SCM did not
     * start waits about 10 s here, for the control pipe of the last service started, before it fails.) */
    kc_mode = KC_SERVICE;
    if (StartServiceCtrlDispatcherW(table)) {
        /* The dispatcher returns once STOPPED is reported; ServiceMain's thread may still be finishing. */
        if (kc_main_thread)
            WaitForSingleObject(kc_main_thread, 3000);
        return 0;
    }
    if (GetLastError() != ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
        fprintf(stderr, "%ls: StartServiceCtrlDispatcher failed: error %lu\n", kc_base, GetLastError());
        return 2;
    }
    /* No SCM behind us: a person started us. */
    kc_mode = KC_USER;
    return FAILED(kc_run()) ? KC_EXIT_EXE : 0;
}
