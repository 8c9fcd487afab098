/* params_echo.c: a correct service that reads its settings from its Parameters key, as service wrappers
 * do, and says what it found (OutputDebugString "params_echo NAME=VALUE"), so a run shows --param reached it. */
#include "kit.h"
#include <stdio.h>

/* Each value under HKLM\System\CurrentControlSet\Services\<the name it was started as>\Parameters. */
static void echo_params(const wchar_t *service)
{
    wchar_t key[512], name[256];
    BYTE data[2048];
    char line[2600];
    DWORD i, nl, dl, type;
    HKEY k;

    swprintf(key, 512, L"System\\CurrentControlSet\\Services\\%ls\\Parameters", service);
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, key, 0, KEY_READ, &k)) {
        OutputDebugStringA("params_echo none");
        return;
    }
    for (i = 0; nl = 256, dl = sizeof data - 4, !RegEnumValueW(k, i, name, &nl, NULL, &type, data, &dl); i++) {
        wchar_t *w = (wchar_t *)data;
        DWORD j;

        memset(data + dl, 0, 4);
        if (type == REG_DWORD) {
            snprintf(line, sizeof line, "params_echo %ls=dword:%lu", name, *(DWORD *)data);
        } else {
            /* a REG_MULTI_SZ shows its strings joined by '|' */
            for (j = 0; type == REG_MULTI_SZ && j + 2 < dl / sizeof(wchar_t); j++)
                if (!w[j])
                    w[j] = L'|';
            snprintf(line, sizeof line, "params_echo %ls=%s:%ls", name,
                     type == REG_SZ ? "sz" : type == REG_EXPAND_SZ ? "expand_sz" : type == REG_MULTI_SZ ? "multi_sz" : "other", w);
        }
        OutputDebugStringA(line);
    }
    RegCloseKey(k);
}

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_register(argc, argv);
    echo_params(argc ? argv[0] : L"broken");
    kit_serve();
}

int wmain(void)
{
    return kit_run(svc);
}
