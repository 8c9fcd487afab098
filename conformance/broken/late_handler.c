/* late_handler.c: waits before registering its control handler (svc.handler.immediate). */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_block(400);
    kit_register(argc, argv);
    kit_serve();
}

int wmain(void)
{
    return kit_run(svc);
}
