/* ctl_reg.c: the candidate's COM registration, run the way its users would, and the registry it left. */
#include "ctl.h"
#include "ctl_proc.h"
#include "ctl_reg.h"
#include "record.h"
#include <stdio.h>
#include <wchar.h>

#define REG_MAX 16

struct reg_scan {
    const wchar_t *cand;           /* the candidate's path: only what runs that file is the candidate's */
    wchar_t exe[MAX_PATH];
    struct { wchar_t clsid[40], appid[40], server[MAX_PATH]; } cls[REG_MAX];
    int ncls;
    struct { wchar_t appid[40], service[256], run_as[256], params[256]; } app[REG_MAX];
    int napp;
    wchar_t exe_appid[40];
    struct { wchar_t name[256], image[MAX_PATH], dll[MAX_PATH]; } svc[REG_MAX];
    int nsvc;
};

/* A command line is ours when it runs the candidate's own file: another file of the same name (the prefix's
 * C:\Program Files copy of the program, say) is another program, whatever its name. */
static BOOL reg_is_ours(const struct reg_scan *s, const wchar_t *cmd)
{
    return cmd[0] && ctl_runs_file(cmd, s->cand);
}

static BOOL reg_str(HKEY root, const wchar_t *key, const wchar_t *value, wchar_t *out, DWORD cap)
{
    DWORD bytes = cap * sizeof(wchar_t);

    out[0] = 0;
    if (RegGetValueW(root, key, value, RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, NULL, out, &bytes))
        return FALSE;
    out[cap - 1] = 0;
    return TRUE;
}

static int reg_find_app(const struct reg_scan *s, const wchar_t *appid)
{
    int i;

    for (i = 0; i < s->napp; i++)
        if (!_wcsicmp(s->app[i].appid, appid))
            return i;
    return -1;
}

/* An AppID joins the scan once anything of the candidate's names it. */
static void reg_add_app(struct reg_scan *s, const wchar_t *appid)
{
    wchar_t key[64];

    if (!appid[0] || reg_find_app(s, appid) >= 0 || s->napp == REG_MAX)
        return;
    swprintf(key, 64, L"AppID\\%ls", appid);
    wcsncpy(s->app[s->napp].appid, appid, 39);
    reg_str(HKEY_CLASSES_ROOT, key, L"LocalService", s->app[s->napp].service, 256);
    reg_str(HKEY_CLASSES_ROOT, key, L"RunAs", s->app[s->napp].run_as, 256);
    /* Wine reads ServiceParams; Windows documents ServiceParameters */
    if (!reg_str(HKEY_CLASSES_ROOT, key, L"ServiceParameters", s->app[s->napp].params, 256))
        reg_str(HKEY_CLASSES_ROOT, key, L"ServiceParams", s->app[s->napp].params, 256);
    s->napp++;
}

static void reg_scan_services(struct reg_scan *s)
{
    static const wchar_t root[] = L"System\\CurrentControlSet\\Services";
    wchar_t name[256], key[400], image[MAX_PATH];
    HKEY k;
    DWORD i, n;
    int j;

    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, root, 0, KEY_READ, &k))
        return;
    for (i = 0; n = 256, !RegEnumKeyExW(k, i, name, &n, NULL, NULL, NULL, NULL); i++) {
        BOOL named = FALSE;

        swprintf(key, 400, L"%ls\\%ls", root, name);
        if (!reg_str(HKEY_LOCAL_MACHINE, key, L"ImagePath", image, MAX_PATH))
            image[0] = 0;
        for (j = 0; j < s->napp; j++)
            named |= !_wcsicmp(s->app[j].service, name);
        if ((named || reg_is_ours(s, image)) && s->nsvc < REG_MAX) {
            wcsncpy(s->svc[s->nsvc].name, name, 255);
            wcsncpy(s->svc[s->nsvc].image, image, MAX_PATH - 1);
            /* a service a shared host (svchost) runs is the DLL its Parameters name */
            swprintf(key, 400, L"%ls\\%ls\\Parameters", root, name);
            reg_str(HKEY_LOCAL_MACHINE, key, L"ServiceDll", s->svc[s->nsvc].dll, MAX_PATH);
            s->nsvc++;
        }
    }
    RegCloseKey(k);
}

static void reg_scan_classes(struct reg_scan *s)
{
    wchar_t clsid[64], key[128], server[MAX_PATH], appid[64];
    HKEY k;
    DWORD i, n;
    int j;

    if (RegOpenKeyExW(HKEY_CLASSES_ROOT, L"CLSID", 0, KEY_READ, &k))
        return;
    for (i = 0; n = 64, !RegEnumKeyExW(k, i, clsid, &n, NULL, NULL, NULL, NULL); i++) {
        if (clsid[0] != L'{')
            continue;
        swprintf(key, 128, L"CLSID\\%ls\\LocalServer32", clsid);
        reg_str(HKEY_CLASSES_ROOT, key, NULL, server, MAX_PATH);
        swprintf(key, 128, L"CLSID\\%ls", clsid);
        reg_str(HKEY_CLASSES_ROOT, key, L"AppID", appid, 64);
        /* ours: served by the candidate's file, or by an AppID the candidate's file claims */
        if (!reg_is_ours(s, server) && !(appid[0] && (reg_find_app(s, appid) >= 0)))
            continue;
        if (s->ncls == REG_MAX)
            break;
        for (j = 0; clsid[j]; j++)
            clsid[j] = towupper(clsid[j]);
        wcsncpy(s->cls[s->ncls].clsid, clsid, 39);
        wcsncpy(s->cls[s->ncls].appid, appid, 39);
        wcsncpy(s->cls[s->ncls].server, server, MAX_PATH - 1);
        s->ncls++;
    }
    RegCloseKey(k);
}

static int reg_find_class(const struct reg_scan *s, const wchar_t *clsid)
{
    int i;

    for (i = 0; i < s->ncls; i++)
        if (!_wcsicmp(s->cls[i].clsid, clsid))
            return i;
    return -1;
}

/* The classes the user named join the scan whoever serves them: a class whose AppID's LocalService is
 * hosted by a shared process (svchost) names no file of the candidate's, yet it is what the run activates. */
static void reg_scan_named(struct reg_scan *s, const struct ctl_opts *o)
{
    wchar_t key[128];
    HKEY k;
    int i, j;

    for (i = 0; i < o->nclsids && s->ncls < REG_MAX; i++) {
        if (wcslen(o->clsids[i]) >= 40 || reg_find_class(s, o->clsids[i]) >= 0)
            continue;
        swprintf(key, 128, L"CLSID\\%ls", o->clsids[i]);
        if (RegOpenKeyExW(HKEY_CLASSES_ROOT, key, 0, KEY_READ, &k))
            continue;
        RegCloseKey(k);
        wcsncpy(s->cls[s->ncls].clsid, o->clsids[i], 39);
        for (j = 0; s->cls[s->ncls].clsid[j]; j++)
            s->cls[s->ncls].clsid[j] = towupper(s->cls[s->ncls].clsid[j]);
        reg_str(HKEY_CLASSES_ROOT, key, L"AppID", s->cls[s->ncls].appid, 40);
        swprintf(key, 128, L"CLSID\\%ls\\LocalServer32", o->clsids[i]);
        reg_str(HKEY_CLASSES_ROOT, key, NULL, s->cls[s->ncls].server, MAX_PATH);
        s->ncls++;
    }
}

static void reg_record(const struct reg_scan *s, const char *when)
{
    char a[128], b[128], c[640], d[640];
    int i;

    for (i = 0; i < s->ncls; i++) {
        rec_enc(a, sizeof a, s->cls[i].clsid);
        rec_enc(b, sizeof b, s->cls[i].appid[0] ? s->cls[i].appid : NULL);
        rec_enc(c, sizeof c, s->cls[i].server[0] ? s->cls[i].server : NULL);
        rec_line("ctl_reg_class clsid=%s appid=%s local_server32=%s", a, b, c);
    }
    for (i = 0; i < s->napp; i++) {
        rec_enc(a, sizeof a, s->app[i].appid);
        rec_enc(b, sizeof b, s->app[i].service[0] ? s->app[i].service : NULL);
        rec_enc(c, sizeof c, s->app[i].run_as[0] ? s->app[i].run_as : NULL);
        rec_enc(d, sizeof d, s->app[i].params[0] ? s->app[i].params : NULL);
        rec_line("ctl_reg_appid appid=%s local_service=%s run_as=%s service_params=%s", a, b, c, d);
    }
    if (s->exe_appid[0]) {
        rec_enc(a, sizeof a, s->exe);
        rec_enc(b, sizeof b, s->exe_appid);
        rec_line("ctl_reg_exe exe=%s appid=%s", a, b);
    }
    for (i = 0; i < s->nsvc; i++) {
        rec_enc(a, sizeof a, s->svc[i].name);
        rec_enc(c, sizeof c, s->svc[i].image);
        rec_enc(d, sizeof d, s->svc[i].dll[0] ? s->svc[i].dll : NULL);
        rec_line("ctl_reg_service name=%s image_path=%s service_dll=%s", a, c, d);
    }
    rec_line("ctl_reg_done when=%s classes=%d appids=%d exes=%d services=%d", when, s->ncls, s->napp,
             s->exe_appid[0] ? 1 : 0, s->nsvc);
}

void ctl_scan(const struct ctl_opts *o, const char *when, struct ctl_found *f)
{
    static struct reg_scan s;
    wchar_t key[MAX_PATH + 8];
    int i, j;

    memset(&s, 0, sizeof s);
    memset(f, 0, sizeof *f);
    s.cand = o->cand;
    if (!ctl_exe_name(o->cand, s.exe, MAX_PATH))
        return;
    swprintf(key, MAX_PATH + 8, L"AppID\\%ls", s.exe);
    if (reg_str(HKEY_CLASSES_ROOT, key, L"AppID", s.exe_appid, 40))
        reg_add_app(&s, s.exe_appid);
    reg_scan_classes(&s);
    reg_scan_named(&s, o);
    for (i = 0; i < s.ncls; i++)
        reg_add_app(&s, s.cls[i].appid);
    reg_scan_services(&s);
    reg_record(&s, when);
    for (i = 0; i < s.napp; i++)
        f->nlocal_services += s.app[i].service[0] != 0;
    /* The service COM would start: a LocalService that is installed and runs the candidate. */
    for (i = 0; i < s.napp && !f->service[0]; i++)
        for (j = 0; j < s.nsvc; j++)
            if (s.app[i].service[0] && !_wcsicmp(s.app[i].service, s.svc[j].name) && reg_is_ours(&s, s.svc[j].image))
                wcsncpy(f->service, s.svc[j].name, 255);
    for (i = 0; i < s.ncls && f->nclsids < CLI_MAX_CLSIDS; i++)
        wcsncpy(f->clsids[f->nclsids++], s.cls[i].clsid, 39);
}

/* Runs the candidate's registration (or reg.exe) and waits for it; it does not need the run's full
 * tracing, only its debug strings. */
static void reg_run(wchar_t *cmdline, const char *how, const char *what)
{
    PROCESS_INFORMATION pi;
    DWORD code = 0, r;
    LARGE_INTEGER t;

    QueryPerformanceCounter(&t);
    if (!ctl_spawn(cmdline, L"+timestamp,+pid,warn+debugstr", FALSE, &pi)) {
        rec_line("ctl_register how=%s what=%s ok=0 error=%lu exit=- elapsed_ms=0.0", how, what, GetLastError());
        return;
    }
    r = WaitForSingleObject(pi.hProcess, 30000);
    if (r != WAIT_OBJECT_0) {
        TerminateProcess(pi.hProcess, 1);
        rec_line("ctl_register how=%s what=%s ok=0 error=%lu exit=- outcome=timeout elapsed_ms=%.3f", how, what,
                 (unsigned long)WAIT_TIMEOUT, rec_ms_since(&t));
    } else {
        GetExitCodeProcess(pi.hProcess, &code);
        rec_line("ctl_register how=%s what=%s ok=%d error=0 exit=%lu outcome=exited elapsed_ms=%.3f", how, what,
                 code == 0, code, rec_ms_since(&t));
    }
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
}

void ctl_register(const struct ctl_opts *o)
{
    wchar_t cmd[2048];
    char what[1024];

    if (o->register_cmd) {
        swprintf(cmd, 2048, L"\"%ls\" %ls", o->cand, o->register_cmd);
        rec_enc(what, sizeof what, o->register_cmd);
        reg_run(cmd, "cmd", what);
    }
    if (o->reg_file) {
        swprintf(cmd, 2048, L"reg.exe import \"%ls\"", o->reg_file);
        rec_enc(what, sizeof what, o->reg_file);
        reg_run(cmd, "reg", what);
    }
}
