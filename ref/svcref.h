/* svcref.h: the reference service host's internal interface, shared by its few source files. */
#ifndef SVCREF_H
#define SVCREF_H

#include <windows.h>

#define SVCREF_DEFAULT_NAME L"svcref"

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
};

/* config.c */
void cfg_defaults(struct cfg *c);
/* Applies options argv[first..argc-1]; returns FALSE and names the culprit in bad if one is wrong. */
BOOL cfg_parse(struct cfg *c, int argc, wchar_t **argv, int first, const wchar_t **bad);

/* status.c: the only place that calls SetServiceStatus. */
void st_init(void);                       /* globals only: safe before registration */
void st_attach(SERVICE_STATUS_HANDLE h);
void st_report(DWORD state, DWORD controls, DWORD wait_hint);
void st_progress(DWORD wait_hint);   /* the same pending state, one checkpoint further */
void st_stopped(DWORD win32_exit, DWORD specific_exit);
DWORD st_state(void);
void st_mark(const char *rule, const char *why);

/* service.c */
void WINAPI svc_main(DWORD argc, wchar_t **argv);
void svc_set_image_args(int argc, wchar_t **argv);

/* install.c */
int inst_install(int argc, wchar_t **argv);
int inst_uninstall(int argc, wchar_t **argv);

#endif
