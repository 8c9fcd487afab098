/* quits_before_interrogate.c: a correct service that gives up on its own moments after RUNNING, so the harness's INTERROGATE finds it stopped (svc.handler.returns n/a). */
#include "kit.h"

/* Its work source is gone at once: it stops unasked, with an error code (as it should), well within the
 * harness's dwell in RUNNING, so the INTERROGATE that follows fails with 1062 and reaches no handler. */
static void WINAPI svc(DWORD argc, wchar_t **argv)
{
    kit_register(argc, argv);
    kit_report(SERVICE_RUNNING, KIT_CONTROLS, 0, 0);
    kit_block(150);
    kit_stopped(ERROR_SERVICE_SPECIFIC_ERROR, 7);
}

int wmain(void)
{
    return kit_run(svc);
}
