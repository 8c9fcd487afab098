/* com_dup_register.c: registers its class twice (the second fails with CO_E_OBJISREG), then a second class; a correct server whose cookies must still be followed. */
#include "com_kit.h"

/* A second class object, served by the same factory: it only has to be registered and revoked. */
static const CLSID second = { 0x3c8e1f52, 0x6b0a, 0x4d7e, { 0x91, 0x2f, 0x5e, 0x4a, 0x0c, 0x7b, 0x38, 0xd6 } };

/* Not a defect: the duplicate is refused before Wine numbers it, and what was registered is revoked. */
static void register_more(void)
{
    kc_register_as(&kc_clsid, REGCLS_SINGLEUSE);
    kc_register_as(&second, REGCLS_MULTIPLEUSE | REGCLS_SUSPENDED);
}

KC_MAIN(.clsid = L"{E4A2C7D9-1B3F-4E6A-8C5D-7F0B2A9E6C31}",
        .appid = L"{2F7B9D4E-8A1C-4C3F-B6E5-0D9A7C2E4B18}",
        .after_register = register_more)
