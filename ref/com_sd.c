/* com_sd.c: the security descriptor the reference passes to CoInitializeSecurity instead of ATL's NULL.
 * Rule points: none (com_server.c marks the call that uses it). */
#include "com_host.h"
#include <sddl.h>

/* An absolute SD (CoInitializeSecurity wants one) letting COM callers in only as SYSTEM,
 * Administrators, LOCAL SERVICE or the interactive user. */
PSECURITY_DESCRIPTOR comc_security_descriptor(void)
{
    static BYTE abs_sd[SECURITY_DESCRIPTOR_MIN_LENGTH];
    static BYTE dacl[512], sacl[64], owner[SECURITY_MAX_SID_SIZE], group[SECURITY_MAX_SID_SIZE];
    PSECURITY_DESCRIPTOR rel = NULL;
    DWORD n_abs = sizeof abs_sd, n_dacl = sizeof dacl, n_sacl = sizeof sacl;
    DWORD n_owner = sizeof owner, n_group = sizeof group;
    BOOL ok;

    /* 0x3 = COM_RIGHTS_EXECUTE | COM_RIGHTS_EXECUTE_LOCAL */
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
            L"O:BAG:BAD:(A;;0x3;;;SY)(A;;0x3;;;BA)(A;;0x3;;;LS)(A;;0x3;;;IU)", SDDL_REVISION_1, &rel, NULL))
        return NULL;
    ok = MakeAbsoluteSD(rel, abs_sd, &n_abs, (PACL)dacl, &n_dacl, (PACL)sacl, &n_sacl,
                        owner, &n_owner, group, &n_group);
    LocalFree(rel);
    return ok ? (PSECURITY_DESCRIPTOR)abs_sd : NULL;
}
