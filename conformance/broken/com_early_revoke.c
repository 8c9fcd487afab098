/* com_early_revoke.c: revokes its class object when one instance goes while the client still holds others (com.revoke.not-early). */
#include "com_kit.h"

/* The defect: the first instance to go is taken as the end of the server's work, and the class object is
 * revoked though instances are still alive (held by the client). Later releases find nothing left to
 * revoke; the server still exits once the last one goes. (Revoking inside CreateInstance instead would
 * come before the client even sees its activation succeed, and make COM launch a new server for each
 * further activation.) */
static void released(LONG live)
{
    if (live > 0)
        kc_revoke();
}

KC_MAIN(.clsid = L"{FDEAF60B-47F9-4E5A-8F75-C29553051CA7}",
        .appid = L"{D6C231E0-7D04-4F33-83A2-B720E7262AA4}",
        .on_release = released)
