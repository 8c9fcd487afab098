/* comclient.c: the harness's COM client: activates a class, holds and releases instances, records each act. */
#include <windows.h>
#include <objbase.h>
#include "record.h"
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <wchar.h>

#define CLI_MAX_INSTANCES 64

struct cli_opts {
    const wchar_t *clsid;
    DWORD instances, hold_ms, gap_ms;
    BOOL lock, rot;
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

    o->instances = 1;
    o->hold_ms = 500;
    o->gap_ms = 200;
    o->rot_item = L"svcref";
    for (i = 1; i < argc; i++) {
        const wchar_t *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!wcscmp(a, L"--lock"))
            o->lock = TRUE;
        else if (!wcscmp(a, L"--rot"))
            o->rot = TRUE;
        else if (!v)
            return FALSE;
        else if (!wcscmp(a, L"--clsid"))
            o->clsid = v, i++;
        else if (!wcscmp(a, L"--instances"))
            o->instances = cli_num(v), i++;
        else if (!wcscmp(a, L"--hold-ms"))
            o->hold_ms = cli_num(v), i++;
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
    return o->clsid || o->rot || o->close_window;
}

/* LockServer goes through CoGetClassObject's proxy; Wine 8's proxy answers E_NOTIMPL itself. */
static void cli_lock(const CLSID *clsid, const char *enc)
{
    IClassFactory *cf = NULL;
    HRESULT hr = CoGetClassObject(clsid, CLSCTX_LOCAL_SERVER, NULL, &IID_IClassFactory, (void **)&cf);
    int lock;

    if (FAILED(hr)) {
        rec_line("cli_lock lock=1 ok=0 hr=%lu clsid=%s", (unsigned long)hr, enc);
        return;
    }
    for (lock = 1; lock >= 0; lock--) {
        hr = cf->lpVtbl->LockServer(cf, lock);
        rec_line("cli_lock lock=%d ok=%d hr=%lu", lock, SUCCEEDED(hr), (unsigned long)hr);
    }
    cf->lpVtbl->Release(cf);
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
    if (obj)
        obj->lpVtbl->Release(obj);
    if (mk)
        mk->lpVtbl->Release(mk);
    if (rot)
        rot->lpVtbl->Release(rot);
}

int wmain(int argc, wchar_t **argv)
{
    struct cli_opts o = { 0 };
    IUnknown *held[CLI_MAX_INSTANCES] = { 0 };
    CLSID clsid;
    char enc[128];
    DWORD i, got = 0;
    int failures = 0;

    rec_init("svccert-cli");
    if (!cli_parse(argc, argv, &o)) {
        fputs("usage: comclient --clsid {CLSID} [--instances N] [--hold-ms M] [--gap-ms G] [--lock]\n"
              "                 [--rot] [--rot-item NAME] [--close-window TITLE]\n", stderr);
        return 2;
    }
    if (o.clsid && FAILED(CLSIDFromString(o.clsid, &clsid))) {
        fprintf(stderr, "comclient: bad CLSID %ls\n", o.clsid);
        return 2;
    }
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    rec_enc(enc, sizeof enc, o.clsid);
    for (i = 0; o.clsid && i < o.instances; i++) {
        LARGE_INTEGER t;
        HRESULT hr;

        QueryPerformanceCounter(&t);
        hr = CoCreateInstance(&clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IUnknown, (void **)&held[i]);
        rec_line("cli_activate clsid=%s context=%d ok=%d hr=%lu elapsed_ms=%.3f instance=%lu", enc,
                CLSCTX_LOCAL_SERVER, SUCCEEDED(hr), (unsigned long)hr, rec_ms_since(&t), i);
        if (FAILED(hr)) {
            held[i] = NULL;
            failures++;
        } else {
            got++;
        }
    }
    if (o.lock && o.clsid)
        cli_lock(&clsid, enc);
    if (o.rot)
        cli_rot_lookup(o.rot_item);
    Sleep(o.hold_ms);
    /* one by one, each release recorded, so a rule can tell what was still held when */
    for (i = 0; i < o.instances; i++) {
        if (!held[i])
            continue;
        if (i && o.gap_ms)
            Sleep(o.gap_ms);
        held[i]->lpVtbl->Release(held[i]);
        held[i] = NULL;
        rec_line("cli_release instance=%lu remaining=%lu", i, --got);
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
