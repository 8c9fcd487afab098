/* linger.c: reports STOPPED and keeps its process alive for 8 s more (svc.stopped.last). */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_register(argc, argv);
    kit_serve();
}

int wmain(void)
{
    int rc = kit_run(svc);

    Sleep(8000);
    return rc;
}
