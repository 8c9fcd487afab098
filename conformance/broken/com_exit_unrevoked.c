/* com_exit_unrevoked.c: once idle it leaves its loop and exits 0 without CoRevokeClassObject (com.revoke.all, com.revoke.when-idle). */
#include "com_kit.h"

/* The defect: the post-loop forgets CoRevokeClassObject; the process leaves COM and exits 0 all the same. */
static void forget(void)
{
}

KC_MAIN(.clsid = L"{478374FE-1F64-496F-BAEC-A3AD9FCD1DEA}",
        .appid = L"{2AA8B37D-C957-4D00-9E93-308D9ACC2904}",
        .revoke = forget)
