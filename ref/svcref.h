/* svcref.h: the reference service host's internal interface, shared by its few source files. */
#ifndef SVCREF_H
#define SVCREF_H

#include <windows.h>
#include <objbase.h>
#include "com_host.h"

#define SVCREF_DEFAULT_NAME L"svcref"

/* The reference's COM identity, generated once; clients and the registry name it by these. */
#define SVCREF_CLSID_STR L"{1DF5B9B1-88A6-4370-A9BD-DB5066A3B378}"
#define SVCREF_APPID_STR L"{0ABF6263-6CC4-4F9A-A5E7-9862512810BE}"
#define SVCREF_ROT_ITEM L"svcref"          /* item moniker "!svcref" of the running object */
#define SVCREF_WINDOW_TITLE L"svcref COM server"
/* Service-specific exit code when the class object cannot be registered (com.runas.identity). */
#define SVCREF_EXIT_COM_REGISTER 20
/* Exit code of an EXE-server process whose class registration failed. */
#define SVCREF_EXIT_EXE_REGISTER 3

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

extern const CLSID SVCREF_CLSID;   /* = SVCREF_CLSID_STR */

/* com_class.c, com_sd.c: the class and the security descriptor (com_host.h) */

/* com_server.c: COM start-up and shutdown around a message loop, for every shape of the server. */
enum com_mode {
    COM_MODE_SERVICE,     /* started by the SCM (maybe for a LocalService activation): runs until STOP */
    COM_MODE_EMBEDDING,   /* launched by COM with -Embedding: leaves when idle */
    COM_MODE_USER         /* started by a person: stays while its window is open */
};
HRESULT com_start(enum com_mode mode, DWORD loop_tid, const struct cfg *c);
void com_stop(void);
void com_user_release(void);           /* the person closed the window: user control ends */
BOOL com_busy(void);                   /* instances, locks or a user still hold the server */

/* com_reg.c: the COM registration (CLSID, AppID, executable-name key) in HKCR. */
BOOL com_reg_write(const wchar_t *server_cmd, const wchar_t *local_service);
BOOL com_reg_remove(void);
BOOL com_reg_allows_any_client(void);
int com_reg_main(BOOL unregister, int argc, wchar_t **argv);   /* regserver / unregserver */

/* com_exe.c: the EXE-server shapes (-Embedding, -user). */
int exe_run(enum com_mode mode, int argc, wchar_t **argv);

#endif
