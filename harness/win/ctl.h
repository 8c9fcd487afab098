/* ctl.h: what the controller's parts share: its options and what the registry scan found. */
#ifndef SVCCERT_CTL_H
#define SVCCERT_CTL_H

#include <windows.h>
#include "comclient.h"

#define CTL_MAX_ARGS 32
#define CTL_MAX_PARAMS 32
/* The controller's exit status when the run could not be made as asked (a ctl_error record says why):
 * the harness's failure, never the candidate's. */
#define CTL_EXIT_HARNESS 3

enum ctl_shape { CTL_SHAPE_SERVICE, CTL_SHAPE_EMBEDDING, CTL_SHAPE_USER };

/* What one run does; every value can be set from the command line. */
struct ctl_opts {
    enum ctl_shape shape;
    const wchar_t *name;
    BOOL fixed_name;               /* the user chose the name: never install under another */
    DWORD service_type;            /* SERVICE_WIN32_OWN_PROCESS or SERVICE_WIN32_SHARE_PROCESS */
    const wchar_t *params[CTL_MAX_PARAMS];  /* "TYPE:NAME=VALUE" for the service's Parameters key */
    int nparams;
    const wchar_t *image;          /* the full image path, arguments included */
    const wchar_t *cand;           /* the candidate's path alone */
    const wchar_t *args[CTL_MAX_ARGS];  /* ServiceMain's start arguments, or a user-started server's */
    int nargs;
    const wchar_t *register_cmd;   /* arguments for the candidate's self-registration */
    const wchar_t *reg_file;       /* a .reg file to import instead */
    const wchar_t *clsids[CLI_MAX_CLSIDS];
    int nclsids;
    const wchar_t *client;         /* the COM client's path */
    DWORD instances, hold_ms, gap_ms;
    BOOL activate;                 /* service shape: let COM start the service (LocalService) */
    DWORD start_timeout_ms;        /* for RUNNING-with-controls or STOPPED after StartService */
    DWORD stop_timeout_ms;         /* for STOPPED after STOP */
    DWORD pause_timeout_ms;        /* for PAUSED after PAUSE, RUNNING after CONTINUE */
    DWORD exit_timeout_ms;         /* for the process to end after STOPPED or WM_CLOSE */
    DWORD dwell_ms;                /* time spent RUNNING before the controls are sent */
    DWORD watch_ms;                /* how long an idle EXE server is watched */
    DWORD client_timeout_ms;
    DWORD poll_ms;
    BOOL pause, interrogate, stop, uninstall;
    BOOL install;                  /* FALSE: drive a service someone else installed */
};

/* What the registry scan found for the candidate. */
struct ctl_found {
    wchar_t service[256];          /* the AppID's LocalService, when it is an installed service of ours */
    int nlocal_services;           /* the candidate's AppIDs that name a LocalService, installed or not */
    wchar_t clsids[CLI_MAX_CLSIDS][40];
    int nclsids;
};

#endif
