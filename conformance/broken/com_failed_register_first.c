/* com_failed_register_first.c: a service whose first CoRegisterClassObject, before security, fails and registers nothing; it then registers properly (atl.run.order passes). */
#include "com_kit.h"

static DWORD WINAPI no_apartment(void *arg)
{
    DWORD cookie = 0;

    *(HRESULT *)arg = CoRegisterClassObject(&kc_clsid, (IUnknown *)comc_factory(&kc_host), CLSCTX_LOCAL_SERVER,
                                            REGCLS_MULTIPLEUSE | REGCLS_SUSPENDED, &cookie);
    return 0;
}

/* A worker that never joined COM tries to register the class before security is set. In a process with no
 * MTA (the loop thread is apartment-threaded) the call fails with CO_E_NOTINITIALIZED: nothing is
 * registered, no client can reach anything. The loop thread then sets security and registers the class as
 * the kit does. (The failure is not reported, which com.runas.identity judges.) */
static void try_from_worker(void)
{
    HRESULT hr = E_FAIL;
    HANDLE th = CreateThread(NULL, 0, no_apartment, &hr, 0, NULL);

    if (th) {
        WaitForSingleObject(th, INFINITE);
        CloseHandle(th);
    }
    kc_note("CoRegisterClassObject (from a thread with no apartment)", hr);
}

KC_MAIN(.clsid = L"{BD6969D1-908D-4949-80F4-4B724A40ED0A}",
        .appid = L"{0C6F846C-DFD7-4767-BDBE-365E67472721}",
        .coinit = COINIT_APARTMENTTHREADED,
        .before_security = try_from_worker)
