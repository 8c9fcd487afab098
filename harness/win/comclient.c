/* comclient.c: the harness's COM client: activates a class, holds and releases instances, records each act. */
#include <windows.h>
#include <objbase.h>
#include "comclient.h"
#include "record.h"
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <wchar.h>

#define CLI_MAX_INSTANCES 64

struct cli_opts {
    const wchar_t *clsids[CLI_MAX_CLSIDS];
    int nclsids;
    DWORD instances, hold_ms, gap_ms;
    DWORD rounds;                  /* the whole activate-hold-release cycle, this often */
    BOOL lock, rot, rot_enum;
    const wchar_t *rot_item;
    const wchar_t *close_window;   /* title of a window to close (a user-started server) at the end */
};

static DWORD cli_num(const wchar_t *s)
{
    return s ? (DWORD)wcstoul(s, NULL, 10) : 0;
}

static BOOL cli_parse(int argc, wchar_t **argv, struct cli_opts *o)
{
    int i;

    o->instances = CLI_INSTANCES;
    o->hold_ms = CLI_HOLD_MS;
    o->gap_ms = CLI_GAP_MS;
    o->rounds = 1;
    o->rot_item = L"svcref";
    for (i = 1; i < argc; i++) {
        const wchar_t *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!wcscmp(a, L"--lock"))
            o->lock = TRUE;
        else if (!wcscmp(a, L"--rot"))
            o->rot = TRUE;
        else if (!wcscmp(a, L"--rot-enum"))
            o->rot_enum = TRUE;
        else if (!v)
            return FALSE;
        else if (!wcscmp(a, L"--clsid") && o->nclsids < CLI_MAX_CLSIDS)
            o->clsids[o->nclsids++] = v, i++;
        else if (!wcscmp(a, L"--instances"))
            o->instances = cli_num(v), i++;
        else if (!wcscmp(a, L"--hold-ms"))
            o->hold_ms = cli_num(v), i++;
        else if (!wcscmp(a, L"--rounds"))
            o->rounds = cli_num(v), i++;
        else if (!wcscmp(a, L"--gap-ms"))
            o->gap_ms = cli_num(v), i++;
        else if (!wcscmp(a, L"--rot-item"))
            o->rot_item = v, i++;
        else if (!wcscmp(a, L"--close-window"))
            o->close_window = v, i++;
        else
            return FALSE;
    }
    if (o->instances > CLI_MAX_INSTANCES)
        o->instances = CLI_MAX_INSTANCES;
    if (o->rounds < 1 || o->rounds > CLI_MAX_ROUNDS)
        return FALSE;
    return o->nclsids || o->rot || o->rot_enum || o->close_window;
}

/* Releases any COM interface (each starts with IUnknown's), NULL included. */
static void cli_release(void *itf)
{
    IUnknown *u = itf;

    if (u)
        u->lpVtbl->Release(u);
}

/* LockServer goes through CoGetClassObject's proxy; Wine 8's proxy answers E_NOTIMPL itself. CoGetClassObject
 * is an activation: a REGCLS_SINGLEUSE class has COM launch a new server for it, which only an end of
 * activity it can see lets go. Where the lock round trip never reached the server, one instance made and
 * released through the same factory is that end (recorded as an activation and its release, instance
 * `index`, with `remaining` the instances still held). */
static void cli_lock(const CLSID *clsid, const char *enc, DWORD index, DWORD held)
{
    IClassFactory *cf = NULL;
    IUnknown *one = NULL;
    LARGE_INTEGER t;
    HRESULT hr = CoGetClassObject(clsid, CLSCTX_LOCAL_SERVER, NULL, &IID_IClassFactory, (void **)&cf);
    BOOL reached = TRUE;
    int lock;

    if (FAILED(hr)) {
        rec_line("cli_lock lock=1 ok=0 hr=%lu clsid=%s", (unsigned long)hr, enc);
        return;
    }
    for (lock = 1; lock >= 0; lock--) {
        hr = cf->lpVtbl->LockServer(cf, lock);
        reached &= SUCCEEDED(hr);
        rec_line("cli_lock lock=%d ok=%d hr=%lu", lock, SUCCEEDED(hr), (unsigned long)hr);
    }
    if (!reached) {
        QueryPerformanceCounter(&t);
        hr = cf->lpVtbl->CreateInstance(cf, NULL, &IID_IUnknown, (void **)&one);
        rec_line("cli_activate clsid=%s context=%d ok=%d hr=%lu elapsed_ms=%.3f instance=%lu via=factory", enc,
                 CLSCTX_LOCAL_SERVER, SUCCEEDED(hr), (unsigned long)hr, rec_ms_since(&t), index);
        if (SUCCEEDED(hr)) {
            rec_line("cli_release instance=%lu remaining=%lu", index, held);
            cli_release(one);
        }
    }
    cli_release(cf);
}

static void cli_rot_lookup(const wchar_t *item)
{
    IRunningObjectTable *rot = NULL;
    IMoniker *mk = NULL;
    IUnknown *obj = NULL;
    HRESULT hr = GetRunningObjectTable(0, &rot);
    char enc[128];

    if (SUCCEEDED(hr))
        hr = CreateItemMoniker(L"!", item, &mk);
    if (SUCCEEDED(hr))
        hr = rot->lpVtbl->GetObject(rot, mk, &obj);
    rec_enc(enc, sizeof enc, item);
    rec_line("cli_rot_lookup ok=%d hr=%lu item=%s", SUCCEEDED(hr), (unsigned long)hr, enc);
    cli_release(obj);
    cli_release(mk);
    cli_release(rot);
}

/* What another process sees of the running object table: every name in it (a look-up that needs no
 * knowledge of the candidate's item names). */
static void cli_rot_enum(void)
{
    IRunningObjectTable *rot = NULL;
    IEnumMoniker *en = NULL;
    IMoniker *mk;
    IBindCtx *bc = NULL;
    HRESULT hr = GetRunningObjectTable(0, &rot);
    int n = 0;

    if (SUCCEEDED(hr))
        hr = rot->lpVtbl->EnumRunning(rot, &en);
    if (SUCCEEDED(hr))
        hr = CreateBindCtx(0, &bc);
    while (SUCCEEDED(hr) && en->lpVtbl->Next(en, 1, &mk, NULL) == S_OK) {
        LPOLESTR name = NULL;
        char enc[200];

        if (SUCCEEDED(mk->lpVtbl->GetDisplayName(mk, bc, NULL, &name))) {
            rec_enc(enc, sizeof enc, name);
            rec_line("cli_rot_item name=%s", enc);
            CoTaskMemFree(name);
        }
        cli_release(mk);
        n++;
    }
    rec_line("cli_rot_enum ok=%d hr=%lu items=%d", SUCCEEDED(hr), (unsigned long)hr, n);
    cli_release(bc);
    cli_release(en);
    cli_release(rot);
}

/* One round: N instances of each class, the lock probe and ROT look-ups, a hold, then every release;
 * instance numbers go on from the rounds before. Returns the failed activations. */
static int cli_round(const struct cli_opts *po, const CLSID *clsid, DWORD round)
{
    const struct cli_opts o = *po;
    IUnknown *held[CLI_MAX_INSTANCES] = { 0 };
    char enc[128];
    DWORD i, n, got = 0, base;
    int failures = 0, c;

    /* N instances of each class, so that releasing them one by one passes through "some held" */
    n = o.nclsids ? o.instances * (DWORD)o.nclsids : 0;
    if (n > CLI_MAX_INSTANCES)
        n = CLI_MAX_INSTANCES;
    base = round * (n + 1);   /* n instances and the lock probe's one */
    for (i = 0; i < n; i++) {
        LARGE_INTEGER t;
        HRESULT hr;

        c = (int)(i % (DWORD)o.nclsids);
        rec_enc(enc, sizeof enc, o.clsids[c]);
        QueryPerformanceCounter(&t);
        hr = CoCreateInstance(&clsid[c], NULL, CLSCTX_LOCAL_SERVER, &IID_IUnknown, (void **)&held[i]);
        rec_line("cli_activate clsid=%s context=%d ok=%d hr=%lu elapsed_ms=%.3f instance=%lu", enc,
                CLSCTX_LOCAL_SERVER, SUCCEEDED(hr), (unsigned long)hr, rec_ms_since(&t), base + i);
        if (FAILED(hr)) {
            held[i] = NULL;
            failures++;
        } else {
            got++;
        }
    }
    if (o.lock && o.nclsids) {
        rec_enc(enc, sizeof enc, o.clsids[0]);
        cli_lock(&clsid[0], enc, base + n, got);
    }
    if (o.rot)
        cli_rot_lookup(o.rot_item);
    if (o.rot_enum)
        cli_rot_enum();
    Sleep(o.hold_ms);
    /* one by one, each recorded just before the call: from that moment the server may see it gone */
    for (i = 0; i < n; i++) {
        if (!held[i])
            continue;
        if (i && o.gap_ms)
            Sleep(o.gap_ms);
        rec_line("cli_release instance=%lu remaining=%lu", base + i, --got);
        cli_release(held[i]);
        held[i] = NULL;
    }
    return failures;
}

int wmain(int argc, wchar_t **argv)
{
    struct cli_opts o = { 0 };
    CLSID clsid[CLI_MAX_CLSIDS];
    wchar_t server_debug[512];
    char enc[128];
    DWORD n, r;
    int failures = 0, c;

    rec_init("svccert-cli");
    if (!cli_parse(argc, argv, &o)) {
        fputs("usage: comclient --clsid {CLSID}... [--instances N] [--hold-ms M] [--gap-ms G] [--lock]\n"
              "                 [--rounds R] [--rot] [--rot-item NAME] [--rot-enum] [--close-window TITLE]\n", stderr);
        return 2;
    }
    for (c = 0; c < o.nclsids; c++)
        if (FAILED(CLSIDFromString(o.clsids[c], &clsid[c]))) {
            fprintf(stderr, "comclient: bad CLSID %ls\n", o.clsids[c]);
            return 2;
        }
    /* Wine starts a LocalServer32 from this process with this environment: the server gets the run's
     * full tracing while this busy-waiting client keeps its own quiet. */
    n = GetEnvironmentVariableW(L"SVCCERT_SERVER_WINEDEBUG", server_debug, 512);
    if (n && n < 512)
        SetEnvironmentVariableW(L"WINEDEBUG", server_debug);
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    for (r = 0; r < o.rounds; r++) {
        /* a later round comes after the server saw its last reference go: is it still served? */
        if (r)
            Sleep(o.gap_ms);
        failures += cli_round(&o, clsid, r);
    }
    if (o.close_window) {
        HWND w = FindWindowW(NULL, o.close_window);

        rec_enc(enc, sizeof enc, o.close_window);
        rec_line("cli_close_window title=%s ok=%d", enc, w != NULL);
        if (w)
            PostMessageW(w, WM_CLOSE, 0, 0);
    }
    CoUninitialize();
    rec_line("cli_done failures=%d", failures);
    return failures ? 1 : 0;
}
