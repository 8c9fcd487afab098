/* config.h: the options that shape a run of the reference, read by config.c for the service and the
 * EXE server alike.
 * Rule points: svc.init.first-report. */
#ifndef SVCREF_CONFIG_H
#define SVCREF_CONFIG_H

#include <windows.h>

/* How the service tells the SCM that a long initialization is under way (RULES: svc.init.first-report). */
enum cfg_start {
    CFG_START_AUTO,           /* START_PENDING only when init is expected to take a second or more */
    CFG_START_PENDING,        /* START_PENDING, no controls, wait hint, a checkpoint per finished step */
    CFG_START_RUNNING_NOCTL   /* RUNNING with dwControlsAccepted = 0 until ready (Microsoft's recommended way) */
};

/* Everything a harness can vary, from the image path's arguments and ServiceMain's argv. */
struct cfg {
    DWORD init_ms;          /* total initialization work */
    DWORD init_steps;       /* split into this many steps; each completed step is real progress */
    enum cfg_start start;
    DWORD stop_ms;          /* total cleanup work after STOP */
    DWORD stop_steps;
    DWORD fail_init;        /* non-zero: initialization fails with this service-specific code */
    DWORD fail_run_ms;      /* non-zero: while running, fail after this long ... */
    DWORD fail_code;        /* ... with this service-specific code */
    BOOL pause;             /* accept PAUSE/CONTINUE */
    BOOL com_fail_register; /* provoke a real CoRegisterClassObject failure (see com_server.c) */
    BOOL rot;               /* put a running object in the running object table */
    DWORD first_client_ms;  /* -Embedding: leave if no client came this long after start (ATL's 5 s) */
};

void cfg_defaults(struct cfg *c);
/* Applies options argv[first..argc-1]; returns FALSE and names the culprit in bad if one is wrong. */
BOOL cfg_parse(struct cfg *c, int argc, wchar_t **argv, int first, const wchar_t **bad);

#endif
