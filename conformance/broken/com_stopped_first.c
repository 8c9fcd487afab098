/* com_stopped_first.c: on STOP the handler reports STOPPED at once, before the loop thread revokes (atl.quit.on-stop, svc.stopped.last). */
#include "com_kit.h"

/* The defect: STOPPED comes from the handler before the message loop has even ended; the loop thread then
 * revokes its class object and, like ATL's ServiceMain, reports STOPPED once more, all after the fact. */
static BOOL stopped_now(void)
{
    kc_stopped(NO_ERROR, 0);
    kc_quit();
    return TRUE;
}

KC_MAIN(.clsid = L"{8F9CB558-1607-45AD-ACA3-ACE12A82C3B7}",
        .appid = L"{BC426B19-7A26-44F1-A1F2-4FA694C1EDCE}",
        .on_stop = stopped_now)
