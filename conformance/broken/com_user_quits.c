/* com_user_quits.c: started by a person, with its window open, it revokes and exits when the last client leaves (com.revoke.user-control). */
#include "com_kit.h"

/* The defect: the last instance's release is taken as idle, though the window the person opened still
 * holds the server. */
static void released(LONG live)
{
    if (!live)
        kc_quit_after_call();
}

KC_MAIN(.clsid = L"{4F4EDC86-ACBA-4C53-80A9-3652261867D5}",
        .appid = L"{88739923-1D66-4F60-B71C-28FC40A5182A}",
        .on_release = released)
