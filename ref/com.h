/* com.h: the COM half of the reference: the out-of-process server's start-up and shutdown, its
 * registration and its EXE shapes.
 * Rule points: com.runas.identity. */
#ifndef SVCREF_COM_H
#define SVCREF_COM_H

#include <windows.h>
#include <objbase.h>

struct cfg;

/* The reference's COM identity, generated once; clients and the registry name it by these. */
#define SVCREF_CLSID_STR L"{1DF5B9B1-88A6-4370-A9BD-DB5066A3B378}"
#define SVCREF_APPID_STR L"{0ABF6263-6CC4-4F9A-A5E7-9862512810BE}"
#define SVCREF_ROT_ITEM L"svcref"          /* item moniker "!svcref" of the running object */
#define SVCREF_WINDOW_TITLE L"svcref COM server"
/* Service-specific exit code when the class object cannot be registered (com.runas.identity). */
#define SVCREF_EXIT_COM_REGISTER 20
/* Exit code of an EXE-server process whose class registration failed. */
#define SVCREF_EXIT_EXE_REGISTER 3

extern const CLSID SVCREF_CLSID;   /* = SVCREF_CLSID_STR */

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
