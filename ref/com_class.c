/* com_class.c: the reference's COM class: instances that count themselves, and their class factory.
 * Rule points: com.revoke.not-early, com.revoke.when-idle. */
#include "com_host.h"

/* One instance: plain IUnknown, so Wine marshals it with no proxy/stub of ours. */
struct comc_obj {
    IUnknown iface;
    LONG ref;
};

static LONG comc_nlive, comc_nlocks;
static const struct comc_host *comc_host_now;

LONG comc_live(void)
{
    return comc_nlive;
}

LONG comc_locks(void)
{
    return comc_nlocks;
}

static HRESULT STDMETHODCALLTYPE comc_obj_qi(IUnknown *me, REFIID riid, void **out)
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

static ULONG STDMETHODCALLTYPE comc_obj_addref(IUnknown *me)
{
    return (ULONG)InterlockedIncrement(&((struct comc_obj *)me)->ref);
}

static ULONG STDMETHODCALLTYPE comc_obj_release(IUnknown *me)
{
    LONG r = InterlockedDecrement(&((struct comc_obj *)me)->ref);

    if (!r) {
        HeapFree(GetProcessHeap(), 0, me);
        InterlockedDecrement(&comc_nlive);
        /* com.revoke.when-idle: the last instance gone may end the server */
        comc_host_now->release();
    }
    return (ULONG)r;
}

static IUnknownVtbl comc_obj_vtbl = { comc_obj_qi, comc_obj_addref, comc_obj_release };

/* The class factory is static: its lifetime is the registration's, not a client's. */
static HRESULT STDMETHODCALLTYPE comc_cf_qi(IClassFactory *me, REFIID riid, void **out)
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

static ULONG STDMETHODCALLTYPE comc_cf_addref(IClassFactory *me)
{
    (void)me;
    return 2;
}

static ULONG STDMETHODCALLTYPE comc_cf_release(IClassFactory *me)
{
    (void)me;
    return 1;
}

static HRESULT STDMETHODCALLTYPE comc_cf_create(IClassFactory *me, IUnknown *outer, REFIID riid, void **out)
{
    struct comc_obj *o;
    HRESULT hr;

    (void)me;
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (outer)
        return CLASS_E_NOAGGREGATION;
    o = HeapAlloc(GetProcessHeap(), 0, sizeof *o);
    if (!o)
        return E_OUTOFMEMORY;
    o->iface.lpVtbl = &comc_obj_vtbl;
    o->ref = 1;
    /* The server reference is taken before the instance is visible, so that a release racing
     * with this creation cannot take the count to zero and end the server under it. */
    InterlockedIncrement(&comc_nlive);
    comc_host_now->addref();
    hr = comc_obj_qi(&o->iface, riid, out);
    comc_obj_release(&o->iface);
    return hr;
}

static HRESULT STDMETHODCALLTYPE comc_cf_lock(IClassFactory *me, BOOL lock)
{
    (void)me;
    /* com.revoke.not-early: a lock keeps the server (and its registration) alive like an instance */
    if (lock) {
        InterlockedIncrement(&comc_nlocks);
        comc_host_now->addref();
    } else if (InterlockedDecrement(&comc_nlocks) >= 0) {
        comc_host_now->release();
    } else {
        InterlockedIncrement(&comc_nlocks);   /* an unbalanced unlock is ignored */
    }
    return S_OK;
}

static IClassFactoryVtbl comc_cf_vtbl = { comc_cf_qi, comc_cf_addref, comc_cf_release,
                                          comc_cf_create, comc_cf_lock };
static IClassFactory comc_cf = { &comc_cf_vtbl };

IClassFactory *comc_factory(const struct comc_host *host)
{
    comc_host_now = host;
    return &comc_cf;
}

/* The running object put in the ROT: static and uncounted, since the table's own reference must
 * not keep an -Embedding server alive after its last client left. */
static HRESULT STDMETHODCALLTYPE comc_rot_qi(IUnknown *me, REFIID riid, void **out)
{
    if (!out)
        return E_POINTER;
    if (!IsEqualIID(riid, &IID_IUnknown)) {
        *out = NULL;
        return E_NOINTERFACE;
    }
    *out = me;
    return S_OK;
}

static ULONG STDMETHODCALLTYPE comc_rot_ref(IUnknown *me)
{
    (void)me;
    return 1;
}

static IUnknownVtbl comc_rot_vtbl = { comc_rot_qi, comc_rot_ref, comc_rot_ref };
static IUnknown comc_rot = { &comc_rot_vtbl };

IUnknown *comc_rot_object(void)
{
    return &comc_rot;
}
