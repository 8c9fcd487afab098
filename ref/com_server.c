/* com_server.c: COM set-up before the message loop and tear-down after it, in ATL's order.
 * Rule points: sec.com.null-descriptor, atl.run.order, com.runas.identity, com.revoke.when-idle,
 * com.revoke.user-control, com.revoke.all, rot.allow-any-client. */
#include "com.h"
#include "com_host.h"
#include "config.h"
#include "mark.h"
#include <stdio.h>

const CLSID SVCREF_CLSID = { 0x1df5b9b1, 0x88a6, 0x4370, { 0xa9, 0xbd, 0xdb, 0x50, 0x66, 0xa3, 0xb3, 0x78 } };

static enum com_mode com_mode_now;
static DWORD com_loop_tid;
static BOOL com_inited;
static DWORD com_cookies[4];
static int com_ncookies;
static DWORD com_rot_cookie;
static IRunningObjectTable *com_rot;
static BOOL com_user_ref;

static void com_note(const char *what, HRESULT hr)
{
    char buf[120];

    snprintf(buf, sizeof buf, "svcref com %s hr=0x%08lx", what, (unsigned long)hr);
    OutputDebugStringA(buf);
}

/* Only an -Embedding or user-started server leaves when idle; a service waits for STOP, since the
 * SCM, not its clients, controls its life. */
static BOOL com_quits_when_idle(void)
{
    return com_mode_now != COM_MODE_SERVICE;
}

/* The server count. As an EXE server it is COM's own (CoAddRefServerProcess): CoReleaseServerProcess
 * suspends the class objects itself when the count reaches zero, so no activation can slip in between
 * "idle" and the revocation (the shutdown race ATL closes the same way).
 *
 * A service must not use it. CoReleaseServerProcess's documentation: "When that count reaches zero, OLE
 * automatically calls CoSuspendClassObjects, which prevents new activation requests from coming in ...
 * New activation requests result in launching a new instance of the local server process." For a
 * LocalService that instance is the service already RUNNING, so the next client would be refused
 * (CO_E_SERVER_STOPPING) and nothing here would ever call CoResumeClassObjects: the service would stop
 * serving once its first client left. Wine's combase leaves the suspension a FIXME, so no run under Wine
 * shows it. CAtlServiceModuleT::Unlock avoids it the same way ("We are running as a service, therefore
 * transition to zero does not unload the process"): in service mode it counts in the module only. */
static volatile LONG com_svc_refs;

static void com_srv_addref(void)
{
    comi_referenced();
    if (com_mode_now == COM_MODE_SERVICE)
        InterlockedIncrement(&com_svc_refs);
    else
        CoAddRefServerProcess();
}

static void com_srv_release(void)
{
    if (com_mode_now == COM_MODE_SERVICE) {
        if (InterlockedDecrement(&com_svc_refs) == 0)
            st_mark("com.revoke.when-idle", "service: server count 0, no CoReleaseServerProcess, nothing "
                                            "suspended: the class objects serve on until STOP");
        return;
    }
    if (CoReleaseServerProcess() == 0 && com_quits_when_idle()) {
        st_mark("com.revoke.when-idle", "no instance, no lock, no user control: the loop quits after a grace");
        comi_idle(com_loop_tid);
    }
}

/* com.revoke.when-idle: what ends an -Embedding server whose client never came (com_idle.c). */
static void com_first_missed(DWORD waited_ms)
{
    char why[160];

    snprintf(why, sizeof why, "launched for activation, no client within %lu ms: class objects suspended, "
             "the loop quits", (unsigned long)waited_ms);
    st_mark("com.revoke.when-idle", why);
}

BOOL com_busy(void)
{
    return comc_live() > 0 || comc_locks() > 0 || com_user_ref;
}

static const struct comc_host com_srv_host = { com_srv_addref, com_srv_release };

void com_user_release(void)
{
    if (!com_user_ref)
        return;
    com_user_ref = FALSE;
    st_mark("com.revoke.user-control", "the window was closed: user control ends");
    com_srv_release();
}

static HRESULT com_security(void)
{
    PSECURITY_DESCRIPTOR sd = comc_security_descriptor();
    HRESULT hr;

    if (!sd)
        return HRESULT_FROM_WIN32(GetLastError());
    /* sec.com.null-descriptor: ATL's default passes a NULL descriptor, which lets every user on
     * the machine call our objects; we name who may. */
    st_mark("sec.com.null-descriptor", "CoInitializeSecurity with an explicit restrictive descriptor");
    hr = CoInitializeSecurity(sd, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
                              RPC_C_IMP_LEVEL_IDENTIFY, NULL, EOAC_NONE, NULL);
    com_note("CoInitializeSecurity", hr);
    return hr;
}

/* --com-fail-register: a real failure of the registration call, for com.runas.identity. Wine has no
 * RunAs identity check (CO_E_WRONG_SERVER_IDENTITY) to provoke, so the call is made before this process
 * has joined COM: Wine and Windows then return CO_E_NOTINITIALIZED. Should it succeed all the same,
 * the registration is undone and the start goes on: a failure is never claimed that did not happen. */
static HRESULT com_register_unjoined(void)
{
    DWORD cookie = 0;
    HRESULT hr = CoRegisterClassObject(&SVCREF_CLSID, (IUnknown *)comc_factory(&com_srv_host), CLSCTX_LOCAL_SERVER,
                                       REGCLS_MULTIPLEUSE | REGCLS_SUSPENDED, &cookie);

    com_note("CoRegisterClassObject (before joining COM)", hr);
    if (SUCCEEDED(hr))
        CoRevokeClassObject(cookie);
    return hr;
}

static HRESULT com_register(void)
{
    HRESULT hr;
    DWORD cookie = 0;

    /* atl.run.order: suspended, so that no client reaches a class object before all are registered */
    hr = CoRegisterClassObject(&SVCREF_CLSID, (IUnknown *)comc_factory(&com_srv_host), CLSCTX_LOCAL_SERVER,
                               REGCLS_MULTIPLEUSE | REGCLS_SUSPENDED, &cookie);
    com_note("CoRegisterClassObject", hr);
    if (SUCCEEDED(hr))
        com_cookies[com_ncookies++] = cookie;
    return hr;
}

/* rot.allow-any-client: any client may see the object only when our registration allows it. */
static void com_rot_register(void)
{
    IMoniker *mk = NULL;
    DWORD flags = ROTFLAGS_REGISTRATIONKEEPSALIVE;
    HRESULT hr;

    if (com_reg_allows_any_client()) {
        st_mark("rot.allow-any-client", "LocalService/RunAs and the executable-name key: ALLOWANYCLIENT");
        flags |= ROTFLAGS_ALLOWANYCLIENT;
    } else {
        st_mark("rot.allow-any-client", "activated as activator: no ALLOWANYCLIENT");
    }
    hr = GetRunningObjectTable(0, &com_rot);
    if (SUCCEEDED(hr))
        hr = CreateItemMoniker(L"!", SVCREF_ROT_ITEM, &mk);
    if (SUCCEEDED(hr))
        hr = com_rot->lpVtbl->Register(com_rot, flags, comc_rot_object(), mk, &com_rot_cookie);
    com_note("ROT Register", hr);
    if (FAILED(hr))
        com_rot_cookie = 0;
    if (mk)
        mk->lpVtbl->Release(mk);
}

HRESULT com_start(enum com_mode mode, DWORD loop_tid, const struct cfg *c)
{
    HRESULT hr;

    com_mode_now = mode;
    com_loop_tid = loop_tid;
    if (c && c->com_fail_register && FAILED(hr = com_register_unjoined())) {
        st_mark("com.runas.identity", "CoRegisterClassObject failed: report it instead of idling");
        return hr;
    }
    /* Free-threaded: calls arrive on COM's threads, so a paused or busy loop never blocks a client. */
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr))
        return hr;
    com_inited = TRUE;
    hr = com_security();
    if (FAILED(hr))
        return hr;
    if (mode == COM_MODE_USER) {
        /* com.revoke.user-control: the open window counts like a client */
        st_mark("com.revoke.user-control", "started by a person: the window holds the server");
        com_user_ref = TRUE;
        com_srv_addref();
    }
    hr = com_register();
    if (FAILED(hr)) {
        st_mark("com.runas.identity", "CoRegisterClassObject failed: report it instead of idling");
        return hr;
    }
    if (c && c->rot)
        com_rot_register();
    st_mark("atl.run.order", "security set, class objects registered: resume them, then report running");
    hr = CoResumeClassObjects();
    com_note("CoResumeClassObjects", hr);
    if (SUCCEEDED(hr) && mode == COM_MODE_EMBEDDING) {
        DWORD ms = c ? c->first_client_ms : COMI_FIRST_CLIENT_MS;

        st_mark("com.revoke.when-idle", "launched for activation: the first client has a while to come");
        comi_await_first(ms, com_first_missed);
    }
    return hr;
}

void com_stop(void)
{
    if (com_rot_cookie && com_rot)
        com_rot->lpVtbl->Revoke(com_rot, com_rot_cookie);
    com_rot_cookie = 0;
    if (com_rot)
        com_rot->lpVtbl->Release(com_rot);
    com_rot = NULL;
    if (com_ncookies)
        st_mark("com.revoke.all", "post-loop: every class registration revoked before we end");
    while (com_ncookies > 0)
        com_note("CoRevokeClassObject", CoRevokeClassObject(com_cookies[--com_ncookies]));
    if (com_inited)
        CoUninitialize();
    com_inited = FALSE;
}
