/* com_idle_after_fail.c: a service whose class registration really fails and which serves on as if registered (com.runas.identity). */
#include "com_kit.h"

static DWORD WINAPI no_apartment(void *arg)
{
    DWORD cookie = 0;

    *(HRESULT *)arg = CoRegisterClassObject(&kc_clsid, (IUnknown *)comc_factory(&kc_host), CLSCTX_LOCAL_SERVER,
                                            REGCLS_MULTIPLEUSE | REGCLS_SUSPENDED, &cookie);
    return 0;
}

/* A real failure of the call, since Wine has no RunAs identity check to provoke: made from a thread that
 * never entered an apartment, in a process with no MTA (the loop thread is apartment-threaded), it returns
 * CO_E_NOTINITIALIZED. With an MTA anywhere in the process the same call would succeed (the implicit MTA).
 * The defect: the result is ignored, so the service reports RUNNING and idles until STOP as if its class
 * were registered. */
static HRESULT register_and_ignore(void)
{
    HRESULT hr = E_FAIL;
    HANDLE th = CreateThread(NULL, 0, no_apartment, &hr, 0, NULL);

    if (th) {
        WaitForSingleObject(th, INFINITE);
        CloseHandle(th);
    }
    kc_note("CoRegisterClassObject (from a thread with no apartment)", hr);
    return S_OK;
}

KC_MAIN(.clsid = L"{A309759E-A119-47A1-A699-C0F098AB9A87}",
        .appid = L"{3197A1BD-D615-42FA-B8C0-E02006F3F024}",
        .coinit = COINIT_APARTMENTTHREADED,
        .register_class = register_and_ignore)
