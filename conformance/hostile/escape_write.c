/* escape_write.c: writes a marker file at every --path, to show whether a run can write the host's files. */
#include "hostile_kit.h"

static DWORD WINAPI attack(void *arg)
{
    static const char marker[] = "svccert hostile escape_write marker\n";
    const wchar_t *path;
    int i;

    (void)arg;
    for (i = 0; (path = hk_arg_at(L"--path", i)); i++) {
        HANDLE f = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
        DWORD wrote = 0, err;
        BOOL ok = f != INVALID_HANDLE_VALUE && WriteFile(f, marker, sizeof marker - 1, &wrote, NULL);

        err = ok ? 0 : GetLastError();
        if (f != INVALID_HANDLE_VALUE)
            CloseHandle(f);
        hk_say("wrote ok=%d error=%lu path=%ls", ok ? 1 : 0, err, path);
    }
    hk_say("done");
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    return hk_run(argc, argv, "escape_write", attack);
}
