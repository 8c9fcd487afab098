/* session0.h: what the controller and svcs0.dll share to make services.exe's services read as session 0. */
#ifndef SVCCERT_SESSION0_H
#define SVCCERT_SESSION0_H

#include <windows.h>

#define S0_DLL_NAME L"svcs0.dll"
#define S0_TABLE_NAME L"svccert-session0"
#define S0_MAX_PROCS 64

/* what happened in one process services.exe started (flags) */
#define S0_STARTED 1        /* services.exe started it suspended */
#define S0_QUEUED 2         /* the APC that loads the DLL is queued */
#define S0_APPLIED 4        /* the DLL hooked its ntdll: it reads session 0 */

/* why not (error) */
#define S0_ERR_ALLOC 1      /* no memory, no path, no LoadLibraryW */
#define S0_ERR_REMOTE 2     /* writing the DLL's path into the process or queueing the APC failed */
#define S0_ERR_QUERY 3      /* the process's parent or token could not be read */
#define S0_ERR_THUNK 4      /* ntdll's syscall thunks are not the ones this DLL knows (not Wine 8's) */
#define S0_ERR_IMPORT 5     /* services.exe imports no CreateProcessW to redirect */
#define S0_ERR_WOW64 6      /* a 32-bit service: not given the DLL */

/* The table the controller makes (a named file mapping) and the DLL fills in, in every process it is in. */
struct s0_table {
    volatile LONG scm_ready;    /* 1: services.exe's CreateProcessW is redirected; -1: it could not be */
    volatile DWORD scm_error;
    struct {
        volatile DWORD pid;
        volatile LONG flags;
        volatile DWORD error;
    } procs[S0_MAX_PROCS];
};

/* The controller: load svcs0.dll (beside svcctl.exe) into services.exe before the candidate starts, and
 * record what was done (ctl_note what=session0); nothing when the DLL is not there (--no-session0). */
void s0_prepare(void);
/* Records whether the service process `pid` got the look (ctl_note what=session0_process). */
void s0_report(DWORD pid);

#endif
