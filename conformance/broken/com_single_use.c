/* com_single_use.c: a correct EXE server whose class is REGCLS_SINGLEUSE, so COM launches one process per activation (not broken: every process is judged). */
#include "com_kit.h"

/* Nothing bent: the class object serves one activation, and each process leaves once its instance goes. */
KC_MAIN(.clsid = L"{5B0E6C1A-7F2D-4C8B-9E31-2A6D4F8C0B17}",
        .appid = L"{9D3F2E71-4A6C-4B05-8D1E-6C7A2B9F3E40}",
        .single_use = TRUE)
