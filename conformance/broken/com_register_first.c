/* com_register_first.c: a service that registers its class object before CoInitializeSecurity (atl.run.order). */
#include "com_kit.h"

/* The defect: the class object is registered before security is set; the kit's own registration, after
 * CoInitializeSecurity, then finds it done. */
static void register_now(void)
{
    kc_register();
}

KC_MAIN(.clsid = L"{A160ADDE-664B-4976-9785-9D6D47E43C73}",
        .appid = L"{80464C5E-7799-4CE1-BEF1-4D62FAA94D5B}",
        .before_security = register_now)
