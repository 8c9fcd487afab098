/* disk_fill.c: writes a file under C:\ up to --mib (8192), to show whether a run's disk use is limited. */
#include "hostile_kit.h"

#define FILL_CHUNK_MIB 16
#define FILL_REPORT_MIB 256

static DWORD WINAPI attack(void *arg)
{
    const wchar_t *path = hk_arg(L"--path");
    unsigned want = hk_num(L"--mib", 8192), got = 0;
    DWORD chunk = (DWORD)FILL_CHUNK_MIB << 20, wrote;
    char *buf = VirtualAlloc(NULL, chunk, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    HANDLE f;

    (void)arg;
    if (!path)
        path = L"C:\\hostile_disk_fill.bin";
    f = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (!buf || f == INVALID_HANDLE_VALUE) {
        hk_say("refused mib=0 error=%lu path=%ls", GetLastError(), path);
        return 0;
    }
    /* not zeros: a file system that keeps zero runs sparse would not be filled by them */
    FillMemory(buf, chunk, 0x5a);
    while (got + FILL_CHUNK_MIB <= want && !hk_stopping()) {
        if (!WriteFile(f, buf, chunk, &wrote, NULL) || wrote != chunk) {
            hk_say("refused mib=%u error=%lu path=%ls", got, GetLastError(), path);
            break;
        }
        got += FILL_CHUNK_MIB;
        if (got % FILL_REPORT_MIB == 0)
            hk_say("wrote mib=%u", got);
    }
    CloseHandle(f);
    hk_say("done mib=%u", got);
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    return hk_run(argc, argv, "disk_fill", attack);
}
