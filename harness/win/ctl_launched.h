/* ctl_launched.h: whether the servers COM launched for the client run the candidate's own file. */
#ifndef SVCCERT_CTL_LAUNCHED_H
#define SVCCERT_CTL_LAUNCHED_H

#include <windows.h>

/* Checks every process the client started that was not checked before. Wine 8's COM starts an activated
 * class's LocalServer32 from the client process itself (combase's create_server), so those are the
 * servers COM launched. One whose image is not the candidate's file (the class's registration names
 * another copy) gets a ctl_error what=foreign_server (its server_pid, the class whose LocalServer32 names
 * it, its image as name) and is ended. */
void ctl_launched_check(DWORD client_pid, const wchar_t *cand, const wchar_t (*clsids)[40], int nclsids);
/* Whether a server of another file was seen: the run could not be made as asked. */
BOOL ctl_launched_foreign(void);

#endif
