/* com_kit.h: what every purpose-built broken COM server shares, so that each file shows only its defect. */
#ifndef SVCCERT_COM_KIT_H
#define SVCCERT_COM_KIT_H

#include <windows.h>
#include <objbase.h>
/* The class, its factory, the ROT's static object and the security descriptor are the reference's own
 * (comc_factory(), comc_rot_object(), comc_security_descriptor()): a broken server differs from a correct
 * one only where its file says. */
#include "../../ref/com_host.h"

/* Service-specific exit code (service) and process exit code (EXE) when COM could not be set up. */
#define KC_EXIT_COM 20
#define KC_EXIT_EXE 3

/* One candidate: its identity, and the hooks where it departs from the correct server. Every hook may
 * be NULL, which is the correct behaviour; a candidate fills in only the one that is its defect. */
struct comkit {
    const wchar_t *clsid, *appid;   /* "{...}", fresh for each candidate */
    const wchar_t *clsid2;          /* a second class the registration writes beside the first (same server and
                                     * AppID), for a candidate that serves two; it registers its class object itself */
    const wchar_t *local_service;   /* what /Service writes as the AppID's LocalService; NULL = our service */
    DWORD coinit;                   /* the loop thread's apartment: 0 = COINIT_MULTITHREADED (free-threaded), or
                                     * COINIT_APARTMENTTHREADED (ATL's default for an EXE: then no MTA exists) */
    BOOL single_use;                /* register REGCLS_SINGLEUSE, not ATL's REGCLS_MULTIPLEUSE: each activation
                                     * then gets a process of its own */
    /* pre-loop, in CAtlServiceModuleT::Run's order */
    void (*before_security)(void);
    HRESULT (*security)(void);      /* replaces kc_security() */
    void (*before_register)(void);
    HRESULT (*register_class)(void);   /* replaces kc_register() */
    void (*after_register)(void);
    /* while serving */
    void (*on_release)(LONG live);  /* an instance (or a LockServer lock) went; live instances left */
    BOOL (*on_idle)(void);          /* no instance, lock or window left (not a service); TRUE = handled */
    BOOL (*on_stop)(void);          /* STOP or SHUTDOWN came; TRUE = handled, the kit does not answer */
    BOOL (*on_main_end)(void);      /* ServiceMain's loop and cleanup are done; TRUE = handled, the kit reports
                                     * no STOPPED */
    /* post-loop */
    void (*before_revoke)(void);
    void (*revoke)(void);           /* replaces kc_revoke() */
};

extern CLSID kc_clsid;               /* the candidate's clsid, parsed */
extern const struct comc_host kc_host; /* how instances and locks hold this server, for comc_factory() */

/* The program: /RegServer, /UnregServer, /Service, -Embedding, or (no argument) the SCM or a person. */
int kc_main(const struct comkit *k, int argc, wchar_t **argv);
/* A candidate's whole entry point from its comkit fields, so that its file holds nothing but the defect. */
#define KC_MAIN(...)                                                                                  \
    int wmain(int argc, wchar_t **argv)                                                                \
    {                                                                                                  \
        static const struct comkit k = { __VA_ARGS__ };                                               \
        return kc_main(&k, argc, argv);                                                                \
    }

/* The correct steps, for a hook to call out of order. Each step happens once; a second call does nothing. */
HRESULT kc_security(void);      /* CoInitializeSecurity with an explicit restrictive descriptor */
HRESULT kc_register(void);      /* CoRegisterClassObject, LOCAL_SERVER, MULTIPLEUSE (or SINGLEUSE) | SUSPENDED */
/* Registers the kit's class object under another CLSID too, revoked with the rest by kc_revoke(). */
HRESULT kc_register_as(const CLSID *clsid, DWORD flags);
void kc_running(void);          /* service: RUNNING, accepting STOP and SHUTDOWN */
void kc_revoke(void);           /* CoRevokeClassObject for every registration still held */
void kc_quit(void);             /* WM_QUIT to the message-loop thread */
/* From inside a COM call (a release): the loop quits a moment after the call returned, whatever still
 * holds the server (a quit from inside the call races its unwinding: ref/com_idle.c). */
void kc_quit_after_call(void);

/* Raw service reports, no discipline, so that a defect can be exactly one call. */
void kc_report(DWORD state, DWORD controls, DWORD checkpoint, DWORD wait_hint);
void kc_stopped(DWORD win32_exit, DWORD specific_exit);

const wchar_t *kc_name(void);       /* the executable's base name without .exe (also the service name) */
void kc_note(const char *what, HRESULT hr);   /* "comkit <name> <what> hr=0x..." as a debug string */

#endif
