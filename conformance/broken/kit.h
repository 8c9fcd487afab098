/* kit.h: what every purpose-built broken service shares, so that each file shows only its defect. */
#ifndef SVCCERT_KIT_H
#define SVCCERT_KIT_H

#include <windows.h>

#define KIT_CONTROLS (SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN)

extern SERVICE_STATUS_HANDLE kit_h;
extern HANDLE kit_stop;             /* set by the handler on STOP or SHUTDOWN */

/* Runs the dispatcher with one ServiceMain; returns main's exit status. */
int kit_run(LPSERVICE_MAIN_FUNCTIONW svc_main);
/* Registers kit_handler (a correct one: STOP answered with STOP_PENDING, then kit_stop set). */
void kit_register(DWORD argc, wchar_t **argv);
DWORD WINAPI kit_handler(DWORD control, DWORD type, void *data, void *ctx);
/* A raw report: no discipline at all, so that a defect can be exactly one field. */
void kit_report(DWORD state, DWORD controls, DWORD checkpoint, DWORD wait_hint);
void kit_stopped(DWORD win32_exit, DWORD specific_exit);
/* The correct rest of a service: RUNNING with controls, wait for STOP, STOPPED with 0. */
void kit_serve(void);
/* A wait the wineserver sees (Sleep does not reach it under Wine). */
void kit_block(DWORD ms);

#endif
