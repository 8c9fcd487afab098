/* com_revoke_per_class.c: serves two classes and revokes the first once its last instance is gone while the second's are still held; correct (com.revoke.not-early counts per class). */
#include "com_kit.h"

#define CLSID_B L"{6A26A5BE-7D90-41C0-A985-498117725C18}"

/* Class A is the kit's (comc_live() counts its instances); class B is this file's own, counted apart. */
static CLSID clsid_b;
static DWORD cookie_a, cookie_b;
static LONG b_live;

static HRESULT STDMETHODCALLTYPE b_qi(IUnknown *me, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (!IsEqualIID(riid, &IID_IUnknown)) {
        *out = NULL;
        return E_NOINTERFACE;
    }
    *out = me;
    me->lpVtbl->AddRef(me);
    return S_OK;
}

struct b_obj {
    IUnknown iface;
    LONG ref;
};

static ULONG STDMETHODCALLTYPE b_addref(IUnknown *me)
{
    return (ULONG)InterlockedIncrement(&((struct b_obj *)me)->ref);
}

/* B's count drops before the server's, so that the release hook sees it already gone. */
static ULONG STDMETHODCALLTYPE b_release(IUnknown *me)
{
    LONG r = InterlockedDecrement(&((struct b_obj *)me)->ref);

    if (!r) {
        HeapFree(GetProcessHeap(), 0, me);
        InterlockedDecrement(&b_live);
        kc_host.release();
    }
    return (ULONG)r;
}

static IUnknownVtbl b_vtbl = { b_qi, b_addref, b_release };

static HRESULT STDMETHODCALLTYPE bf_qi(IClassFactory *me, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (!IsEqualIID(riid, &IID_IUnknown) && !IsEqualIID(riid, &IID_IClassFactory)) {
        *out = NULL;
        return E_NOINTERFACE;
    }
    *out = me;
    return S_OK;
}

static ULONG STDMETHODCALLTYPE bf_addref(IClassFactory *me)
{
    (void)me;
    return 2;
}

static ULONG STDMETHODCALLTYPE bf_release(IClassFactory *me)
{
    (void)me;
    return 1;
}

static HRESULT STDMETHODCALLTYPE bf_create(IClassFactory *me, IUnknown *outer, REFIID riid, void **out)
{
    struct b_obj *o;
    HRESULT hr;

    (void)me;
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (outer)
        return CLASS_E_NOAGGREGATION;
    if (!(o = HeapAlloc(GetProcessHeap(), 0, sizeof *o)))
        return E_OUTOFMEMORY;
    o->iface.lpVtbl = &b_vtbl;
    o->ref = 1;
    InterlockedIncrement(&b_live);
    kc_host.addref();
    hr = b_qi(&o->iface, riid, out);
    b_release(&o->iface);
    return hr;
}

static HRESULT STDMETHODCALLTYPE bf_lock(IClassFactory *me, BOOL lock)
{
    (void)me;
    if (lock)
        kc_host.addref();
    else
        kc_host.release();
    return S_OK;
}

static IClassFactoryVtbl bf_vtbl = { bf_qi, bf_addref, bf_release, bf_create, bf_lock };
static IClassFactory b_factory = { &bf_vtbl };

static HRESULT register_both(void)
{
    HRESULT hr;

    hr = CoRegisterClassObject(&kc_clsid, (IUnknown *)comc_factory(&kc_host), CLSCTX_LOCAL_SERVER,
                               REGCLS_MULTIPLEUSE | REGCLS_SUSPENDED, &cookie_a);
    kc_note("CoRegisterClassObject A", hr);
    if (FAILED(hr))
        return hr;
    if (FAILED(hr = CLSIDFromString(CLSID_B, &clsid_b)))
        return hr;
    hr = CoRegisterClassObject(&clsid_b, (IUnknown *)&b_factory, CLSCTX_LOCAL_SERVER,
                               REGCLS_MULTIPLEUSE | REGCLS_SUSPENDED, &cookie_b);
    kc_note("CoRegisterClassObject B", hr);
    return hr;
}

static void revoke(DWORD *cookie, const char *what)
{
    DWORD c = (DWORD)InterlockedExchange((LONG *)cookie, 0);

    if (c)
        kc_note(what, CoRevokeClassObject(c));
}

/* Class A is done with once its last instance went: it is revoked then, while B's instances still work. */
static void released(LONG a_live)
{
    if (a_live == 0 && b_live > 0)
        revoke(&cookie_a, "CoRevokeClassObject A");
}

static void revoke_rest(void)
{
    revoke(&cookie_a, "CoRevokeClassObject A");
    revoke(&cookie_b, "CoRevokeClassObject B");
}

KC_MAIN(.clsid = L"{030E2FB1-7470-4F40-B503-9954E7DAAD9B}",
        .appid = L"{08E15B8D-1CA4-440F-890C-23A78A854DA9}",
        .clsid2 = CLSID_B,
        .register_class = register_both,
        .on_release = released,
        .revoke = revoke_rest)
