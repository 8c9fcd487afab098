/* read_secret.c: reads each host file --path and prints it, to show whether a run can read the host's files. */
#include "hostile_kit.h"

/* Enough for the tests' planted secret; a longer file is cut, which still proves it was read. */
#define SECRET_MAX 4096

static DWORD WINAPI attack(void *arg)
{
    static char buf[SECRET_MAX + 1];
    const wchar_t *path;
    int i;

    (void)arg;
    for (i = 0; (path = hk_arg_at(L"--path", i)); i++) {
        HANDLE f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                               FILE_ATTRIBUTE_NORMAL, NULL);
        DWORD got = 0, err;
        BOOL ok = f != INVALID_HANDLE_VALUE && ReadFile(f, buf, SECRET_MAX, &got, NULL);

        err = ok ? 0 : GetLastError();
        if (f != INVALID_HANDLE_VALUE)
            CloseHandle(f);
        buf[ok ? got : 0] = 0;
        hk_say("read ok=%d error=%lu bytes=%lu path=%ls content=%s", ok ? 1 : 0, err, got, path, buf);
    }
    hk_say("done");
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    return hk_run(argc, argv, "read_secret", attack);
}
