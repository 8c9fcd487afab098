/* com_reg.c: writes, removes and reads the reference's COM registration under HKCR.
 * Rule points: com.localservice.install, rot.allow-any-client. */
#include "com.h"
#include "cmdline.h"
#include <stdio.h>
#include <wchar.h>

#define REG_CLSID_KEY L"CLSID\\" SVCREF_CLSID_STR
#define REG_APPID_KEY L"AppID\\" SVCREF_APPID_STR

static BOOL reg_set(const wchar_t *key, const wchar_t *name, const wchar_t *value)
{
    HKEY k;
    LONG r = RegCreateKeyExW(HKEY_CLASSES_ROOT, key, 0, NULL, 0, KEY_SET_VALUE, NULL, &k, NULL);

    if (r == ERROR_SUCCESS) {
        r = RegSetValueExW(k, name, 0, REG_SZ, (const BYTE *)value, (DWORD)((wcslen(value) + 1) * sizeof(wchar_t)));
        RegCloseKey(k);
    }
    if (r != ERROR_SUCCESS)
        fprintf(stderr, "svcref: cannot write HKCR\\%ls: error %ld\n", key, r);
    return r == ERROR_SUCCESS;
}

/* The executable's file name, the key HKCR\AppID\<name> that rot.allow-any-client asks for. */
static BOOL reg_exe_name(wchar_t *out, size_t cap)
{
    wchar_t self[MAX_PATH];
    const wchar_t *slash;

    if (!GetModuleFileNameW(NULL, self, MAX_PATH))
        return FALSE;
    slash = wcsrchr(self, L'\\');
    return swprintf(out, cap, L"AppID\\%ls", slash ? slash + 1 : self) > 0;
}

/* com.localservice.install: the CLSID names the AppID, the AppID names the service (when one is
 * given) and the executable-name key names the AppID, so every way in leads to the same place. */
BOOL com_reg_write(const wchar_t *server_cmd, const wchar_t *local_service)
{
    wchar_t exe_key[MAX_PATH + 8];
    BOOL ok = reg_exe_name(exe_key, sizeof exe_key / sizeof exe_key[0]);

    ok = ok && reg_set(REG_CLSID_KEY, NULL, L"svccert reference COM class");
    ok = ok && reg_set(REG_CLSID_KEY, L"AppID", SVCREF_APPID_STR);
    ok = ok && reg_set(REG_CLSID_KEY L"\\LocalServer32", NULL, server_cmd);
    ok = ok && reg_set(REG_APPID_KEY, NULL, L"svccert reference");
    if (ok && local_service)
        ok = reg_set(REG_APPID_KEY, L"LocalService", local_service);
    ok = ok && reg_set(exe_key, L"AppID", SVCREF_APPID_STR);
    return ok;
}

BOOL com_reg_remove(void)
{
    wchar_t exe_key[MAX_PATH + 8];
    BOOL ok = TRUE;

    if (reg_exe_name(exe_key, sizeof exe_key / sizeof exe_key[0]))
        RegDeleteTreeW(HKEY_CLASSES_ROOT, exe_key);
    if (RegDeleteTreeW(HKEY_CLASSES_ROOT, REG_CLSID_KEY) > ERROR_FILE_NOT_FOUND)
        ok = FALSE;
    if (RegDeleteTreeW(HKEY_CLASSES_ROOT, REG_APPID_KEY) > ERROR_FILE_NOT_FOUND)
        ok = FALSE;
    return ok;
}

static BOOL reg_has(const wchar_t *key, const wchar_t *name, wchar_t *out, DWORD cap_bytes)
{
    return RegGetValueW(HKEY_CLASSES_ROOT, key, name, RRF_RT_REG_SZ, NULL, out, &cap_bytes) == ERROR_SUCCESS;
}

/* rot.allow-any-client: LocalService or RunAs on our AppID, and our executable-name key naming it. */
BOOL com_reg_allows_any_client(void)
{
    wchar_t v[512], exe_key[MAX_PATH + 8];

    if (!reg_has(REG_APPID_KEY, L"LocalService", v, sizeof v) && !reg_has(REG_APPID_KEY, L"RunAs", v, sizeof v))
        return FALSE;
    if (!reg_exe_name(exe_key, sizeof exe_key / sizeof exe_key[0]) || !reg_has(exe_key, L"AppID", v, sizeof v))
        return FALSE;
    return !_wcsicmp(v, SVCREF_APPID_STR);
}

/* svcref regserver [-- OPTION...]: LocalServer32 is our quoted path, then the options, each quoted by
 * CommandLineToArgvW's rules, so that an -Embedding server gets them from COM's command line. */
int com_reg_main(BOOL unregister, int argc, wchar_t **argv)
{
    wchar_t cmd[4096], self[MAX_PATH];
    size_t n = 0;
    int i = 2;

    if (unregister) {
        if (!com_reg_remove()) {
            fputs("svcref: cannot remove the COM registration\n", stderr);
            return 1;
        }
        puts("svcref: COM registration removed");
        return 0;
    }
    cmd[0] = L'\0';
    if (!GetModuleFileNameW(NULL, self, MAX_PATH) || !cmdline_append(cmd, sizeof cmd / sizeof cmd[0], &n, self, 1))
        return 1;
    if (i < argc && !wcscmp(argv[i], L"--"))
        i++;
    for (; i < argc; i++)
        if (!cmdline_append(cmd, sizeof cmd / sizeof cmd[0], &n, argv[i], 0)) {
            fputs("svcref: the server command line is too long\n", stderr);
            return 1;
        }
    if (!com_reg_write(cmd, NULL))
        return 1;
    printf("svcref: COM class %ls registered: %ls\n", SVCREF_CLSID_STR, cmd);
    return 0;
}
