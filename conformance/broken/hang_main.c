/* hang_main.c: a service whose ServiceMain registers and then blocks for ever without a report. */
#include "kit.h"

static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_register(argc, argv);
    kit_block(INFINITE);
}

int wmain(void)
{
    return kit_run(svc);
}
