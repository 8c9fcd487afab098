/* com_revoke_after_stopped.c: the STOP handler reports STOPPED, and the loop thread revokes its class object a few ms later (svc.stopped.last, atl.quit.on-stop). */
#include "com_kit.h"

/* The defect: STOPPED comes from the handler while the message loop still runs; the loop thread then
 * revokes its class object after the fact. ServiceMain reports nothing more, so the only activity after
 * STOPPED is that COM call, from a thread other than the one that reported STOPPED. */
static BOOL stopped_now(void)
{
    kc_stopped(NO_ERROR, 0);
    kc_quit();
    return TRUE;
}

static BOOL said_already(void)
{
    return TRUE;
}

KC_MAIN(.clsid = L"{5CC4C8EB-14C3-4E61-BEA5-62120EB6BBCD}",
        .appid = L"{66BADED4-6142-45BE-95F5-2B815172137E}",
        .on_stop = stopped_now,
        .on_main_end = said_already)
