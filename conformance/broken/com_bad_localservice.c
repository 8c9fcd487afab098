/* com_bad_localservice.c: its /Service names a LocalService that is not installed, while installing itself under its own name (com.localservice.install). */
#include "com_kit.h"

KC_MAIN(.clsid = L"{0740D8BB-372D-4063-8BC1-6EFDCC2FC37A}",
        .appid = L"{9C5C30DA-BA21-4959-A9B8-CC863148B8CF}",
        /* The defect: the AppID's LocalService names a service that does not exist; the service /Service
        * installs (under the executable's name, running this image) is otherwise correct. */
        .local_service = L"NoSuchService")
