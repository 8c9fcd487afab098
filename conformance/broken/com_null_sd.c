/* com_null_sd.c: a service that calls CoInitializeSecurity with a NULL descriptor, as ATL does by default (sec.com.null-descriptor). */
#include "com_kit.h"

/* The defect, ATL's default InitializeSecurity: a NULL descriptor and neither EOAC_APPID nor
 * EOAC_ACCESS_CONTROL, so every user on the machine may call the server's objects. */
static HRESULT null_descriptor(void)
{
    HRESULT hr = CoInitializeSecurity(NULL, -1, NULL, NULL, RPC_C_AUTHN_LEVEL_PKT, RPC_C_IMP_LEVEL_IMPERSONATE, NULL,
                                      EOAC_NONE, NULL);

    kc_note("CoInitializeSecurity (NULL descriptor)", hr);
    return hr;
}

KC_MAIN(.clsid = L"{2DE72CF6-1F77-463E-A855-0B269D5CC758}",
        .appid = L"{07316F2F-C263-4138-B5E2-0E995E4D1493}",
        .security = null_descriptor)
