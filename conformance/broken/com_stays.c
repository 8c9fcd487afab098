/* com_stays.c: launched with -Embedding, it neither revokes nor exits once idle (com.revoke.when-idle). */
#include "com_kit.h"

/* The defect: idle is ignored, so WM_QUIT never comes and the post-loop's revocation never runs. */
static BOOL stay(void)
{
    return TRUE;
}

KC_MAIN(.clsid = L"{8BEA85ED-59CD-43A5-B47D-57AE89269F02}",
        .appid = L"{CE17DCBB-3AEC-4961-91E9-0C83644C38CB}",
        .on_idle = stay)
