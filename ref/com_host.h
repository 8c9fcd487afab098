/* com_host.h: the reference's COM parts that any server host links (the reference, the broken kit). */
#ifndef SVCREF_COM_HOST_H
#define SVCREF_COM_HOST_H

#include <windows.h>
#include <objbase.h>

/* com_class.c: the served class (instances that count themselves), its class factory, and the
 * static running object a server may put in the ROT. */
IClassFactory *comc_factory(void);
IUnknown *comc_rot_object(void);
LONG comc_live(void);                  /* live instances */
LONG comc_locks(void);                 /* LockServer(TRUE) locks held */

/* com_sd.c: the explicit, restrictive security descriptor for CoInitializeSecurity, or NULL on failure. */
PSECURITY_DESCRIPTOR comc_security_descriptor(void);

/* What the host provides: each instance and lock holds the server; the last one gone may end it. */
void com_srv_addref(void);
void com_srv_release(void);

#endif
