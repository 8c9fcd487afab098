/* tamper_prefix.c: appends a line to files every run's prefix shares, to show whether a run can change the template. */
#include "hostile_kit.h"

static void append(const wchar_t *path)
{
    static const char line[] = "\r\n; svccert hostile tamper_prefix was here\r\n";
    HANDLE f = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    DWORD wrote = 0, err;
    BOOL ok = f != INVALID_HANDLE_VALUE && WriteFile(f, line, sizeof line - 1, &wrote, NULL);

    err = ok ? 0 : GetLastError();
    if (f != INVALID_HANDLE_VALUE)
        CloseHandle(f);
    hk_say("appended ok=%d error=%lu path=%ls", ok ? 1 : 0, err, path);
}

static DWORD WINAPI attack(void *arg)
{
    const wchar_t *path;
    int i;

    (void)arg;
    /* both exist in a fresh prefix: a run that can change them in place changes every later run's */
    append(L"C:\\windows\\win.ini");
    append(L"C:\\windows\\system32\\drivers\\etc\\hosts");
    for (i = 0; (path = hk_arg_at(L"--path", i)); i++)
        append(path);
    hk_say("done");
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    return hk_run(argc, argv, "tamper_prefix", attack);
}
