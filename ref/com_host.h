/* com_host.h: the reference's COM parts that any server host links (the reference, the broken kit).
 * Rule points: none. */
#ifndef SVCREF_COM_HOST_H
#define SVCREF_COM_HOST_H

#include <windows.h>
#include <objbase.h>

/* What the host provides: each instance and lock holds the server; the last one gone may end it.
 * Passed in rather than called by name, so the class knows nothing of how its host lives and ends
 * and the dependency points one way, from the host to the class. */
struct comc_host {
    void (*addref)(void);
    void (*release)(void);
};

/* com_class.c: the served class (instances that count themselves), its class factory, and the
 * static running object a server may put in the ROT. The factory holds its host through `host`. */
IClassFactory *comc_factory(const struct comc_host *host);
IUnknown *comc_rot_object(void);
LONG comc_live(void);                  /* live instances */
LONG comc_locks(void);                 /* LockServer(TRUE) locks held */

/* com_sd.c: the explicit, restrictive security descriptor for CoInitializeSecurity, or NULL on failure. */
PSECURITY_DESCRIPTOR comc_security_descriptor(void);

/* com_idle.c: an EXE server's quit once idle, a moment after its last reference went (ATL's delayed
 * shutdown), or once its first client has not come in time. comi_idle is called where the count
 * reached zero; the loop hands every message to comi_message first, which ends the loop (WM_QUIT)
 * when the grace has passed and `busy` says no. */
void comi_idle(DWORD loop_tid);
BOOL comi_message(const MSG *m, BOOL (*busy)(void));
/* An -Embedding server's wait for its first client: comi_referenced says one came (any thread); if none
 * did within `ms`, comi_message suspends the class objects, calls `leaving` and ends the loop. */
void comi_await_first(DWORD ms, void (*leaving)(DWORD waited_ms));
#define COMI_FIRST_CLIENT_MS 5000   /* the default wait: ATL's CAtlExeModuleT::m_dwTimeOut */
void comi_referenced(void);

#endif
