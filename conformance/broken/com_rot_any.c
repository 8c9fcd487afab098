/* com_rot_any.c: runs as the activator yet puts an object in the ROT with ROTFLAGS_ALLOWANYCLIENT (rot.allow-any-client). */
#include "com_kit.h"

static IRunningObjectTable *rot;
static DWORD rot_cookie;

/* The defect: ALLOWANYCLIENT, though /RegServer gave the AppID neither LocalService nor RunAs. */
static void rot_register(void)
{
    IMoniker *mk = NULL;
    HRESULT hr = GetRunningObjectTable(0, &rot);

    if (SUCCEEDED(hr))
        hr = CreateItemMoniker(L"!", kc_name(), &mk);
    if (SUCCEEDED(hr))
        hr = rot->lpVtbl->Register(rot, ROTFLAGS_ALLOWANYCLIENT | ROTFLAGS_REGISTRATIONKEEPSALIVE, comc_rot_object(), mk,
                                   &rot_cookie);
    kc_note("ROT Register (ALLOWANYCLIENT)", hr);
    if (mk)
        mk->lpVtbl->Release(mk);
}

/* The rest is correct: the entry leaves the table in the post-loop, with the class objects. */
static void rot_revoke(void)
{
    if (rot && rot_cookie)
        rot->lpVtbl->Revoke(rot, rot_cookie);
    if (rot)
        rot->lpVtbl->Release(rot);
    rot = NULL;
}

KC_MAIN(.clsid = L"{84DA3C28-2713-496F-A813-A727DA4D3E7B}",
        .appid = L"{AC6E71A1-97E9-44FB-9EAB-443D37D5FCFB}",
        .after_register = rot_register,
        .before_revoke = rot_revoke)
