/* svc.h: the service half of the reference (ServiceMain, its control handler, status reporting,
 * installation), which reads on its own, without the COM half.
 * Rule points: none (they are in status.c and service.c). */
#ifndef SVCREF_SVC_H
#define SVCREF_SVC_H

#include <windows.h>
#include "mark.h"

#define SVCREF_DEFAULT_NAME L"svcref"

/* status.c: the only place that calls SetServiceStatus. */
void st_init(void);                       /* globals only: safe before registration */
void st_attach(SERVICE_STATUS_HANDLE h);
void st_report(DWORD state, DWORD controls, DWORD wait_hint);
void st_progress(DWORD wait_hint);   /* the same pending state, one checkpoint further */
void st_stopped(DWORD win32_exit, DWORD specific_exit);
DWORD st_state(void);

/* service.c: ServiceMain (given to StartServiceCtrlDispatcher) and the image path's arguments it reads. */
void WINAPI svc_main(DWORD argc, wchar_t **argv);
void svc_set_image_args(int argc, wchar_t **argv);

/* install.c: CreateService / DeleteService, with the COM registration alongside. */
int inst_install(int argc, wchar_t **argv);
int inst_uninstall(int argc, wchar_t **argv);

#endif
