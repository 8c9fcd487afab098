/* com_running_first.c: a service that reports RUNNING with its controls before registering its class object (atl.run.order). */
#include "com_kit.h"

KC_MAIN(.clsid = L"{26190DAA-F523-4FED-961D-FFFAF4D54F54}",
        .appid = L"{5F646B91-27C2-43F4-B0ED-AEF60F5E2125}",
        /* The defect: the SCM hears "running" before the class object is registered; the kit's own RUNNING
        * report, after CoResumeClassObjects, then finds it done. */
        .before_register = kc_running)
