/* The trace model the rules read: one svccert-trace/1 run, its candidate found and its reports indexed. */
#ifndef SC_TRACE_H
#define SC_TRACE_H

#include <jansson.h>
#include <stddef.h>

/* dwCurrentState values */
enum {
    TRACE_STOPPED = 1, TRACE_START_PENDING, TRACE_STOP_PENDING, TRACE_RUNNING,
    TRACE_CONTINUE_PENDING, TRACE_PAUSE_PENDING, TRACE_PAUSED
};

/* ControlService codes */
enum { TRACE_CTL_STOP = 1, TRACE_CTL_PAUSE, TRACE_CTL_CONTINUE, TRACE_CTL_INTERROGATE, TRACE_CTL_SHUTDOWN };

#define TRACE_ERROR_SERVICE_SPECIFIC 1066
#define TRACE_OWN_PROCESS 0x10

/* The event families a source may record (the header's hooks). */
enum {
    TRACE_HOOK_SERVICE = 0x1, TRACE_HOOK_WAITS = 0x2, TRACE_HOOK_DEBUGSTR = 0x4, TRACE_HOOK_CONTROLLER = 0x8,
    TRACE_HOOK_COM = 0x10, TRACE_HOOK_REGISTRY = 0x20, TRACE_HOOK_COM_CLIENT = 0x40
};
/* How the harness drove the candidate (the header's run.shape): as a service under the SCM, as an EXE
 * COM server launched by COM with -Embedding, or as that EXE started directly by a user. A header
 * without run (sources older than the shapes) drove a service. */
enum { TRACE_SHAPE_SERVICE, TRACE_SHAPE_EMBEDDING, TRACE_SHAPE_USER };

/* Traces written before hooks existed recorded exactly these families. */
#define TRACE_HOOKS_LEGACY (TRACE_HOOK_SERVICE | TRACE_HOOK_WAITS | TRACE_HOOK_DEBUGSTR | TRACE_HOOK_CONTROLLER)

/* Keys of the header's limits: what a trace's source is known not to do. lockserver: its class-factory proxy does
 * not forward LockServer to the server; runas: RunAs identity is not enforced; rot_allow_any_client:
 * ROTFLAGS_ALLOWANYCLIENT is not policed; class_suspend: class objects are not suspended when
 * CoReleaseServerProcess reaches zero. */
#define TRACE_LIMIT_LOCKSERVER "lockserver"
#define TRACE_LIMIT_RUNAS "runas"
#define TRACE_LIMIT_ROT_ALLOW_ANY_CLIENT "rot_allow_any_client"
#define TRACE_LIMIT_CLASS_SUSPEND "class_suspend"

/* COM constants the rules test bits of */
#define TRACE_CLSCTX_LOCAL_SERVER 0x4
#define TRACE_REGCLS_SUSPENDED 0x4
#define TRACE_EOAC_ACCESS_CONTROL 0x4
#define TRACE_EOAC_APPID 0x8
#define TRACE_ROTFLAGS_ALLOWANYCLIENT 0x2
/* Times from two processes come from one tick clock read at different moments: orderings within
 * this many ms of each other are taken as simultaneous. */
#define TRACE_CLOCK_SLOP_MS 2.0

#define TRACE_MAX_SERVERS 32

typedef struct trace_ev {
    json_t *obj;        /* the whole line, owned by the trace */
    const char *ev;
    long long seq;
    double t;
    long long pid, tid;
} trace_ev;

/* One SetServiceStatus call of the candidate, its fields already checked to be integers. */
typedef struct trace_status {
    const trace_ev *e;
    int has_handle;
    unsigned long long handle;
    long long type, state, controls, win32_exit, specific_exit, checkpoint, wait_hint;
} trace_status;

typedef struct trace {
    char error[512];            /* non-empty: the trace is unusable and every rule errs with this */
    trace_ev *evs;              /* the known events after the header, in seq order */
    size_t nevs;
    json_t *header;
    unsigned hooks;             /* TRACE_HOOK_* families recorded */
    int hooks_given;            /* 0: the header has no hooks and TRACE_HOOKS_LEGACY is assumed */
    int shape;                  /* TRACE_SHAPE_*: how this run drove the candidate */
    int shape_given;            /* 0: the header has no run.shape and the service shape is assumed */
    const char *service_name;   /* NULL when the header does not say */
    int has_service_type;
    long long service_type;     /* as installed: header, else ctl_install */
    long long cand_pid;         /* 0: unknown, and cand_why says why */
    char cand_why[256];
    const trace_ev *dispatcher, *service_main, *end;
    const trace_ev *proc_end;   /* first sign the candidate's process ended (process_exit or ctl_exit) */
    int proc_end_natural;       /* 0 when it was killed (harness or SCM): an end the candidate did not choose */
    const char *end_reason;     /* the end line's reason, or "truncated" when there is none */
    int complete;               /* the harness finished its scenario and lost nothing */
    const trace_ev *trouble;    /* the harness event that says it did not (NULL when none did) */
    const trace_ev *session0_missing; /* the controller's note that services.exe could not be made to read as
                                         session 0 to the service (docs/wine-hooks.md "Session 0"), or NULL */
    int saw_service_main;       /* any process's ServiceMain ran, the candidate's or not */
    trace_status *st;           /* the candidate's status reports, in seq order */
    size_t nst;
    const trace_ev *proc_start; /* the candidate's process_start, or NULL */
    const trace_ev *registry;   /* the last com_registry, or NULL */
    char exe_name[260];         /* the candidate's executable name (trace_exe_name), "" when the header has none */
    /* The embedding shape: every server process COM launched for an activation (a process_start whose command line
     * has -Embedding, and at least one more event of that process in the trace), in the order they started. With
     * REGCLS_SINGLEUSE there is one per activation; the COM rules judge each (trace_model_view). */
    long long servers[TRACE_MAX_SERVERS];
    const trace_ev *server_start[TRACE_MAX_SERVERS];
    size_t nservers;
    size_t servers_omitted;     /* more server processes than TRACE_MAX_SERVERS: counted, not judged */
} trace;

/* The files below form layers, each calling only those above it: names, fields, query, model, load. */

/* trace_names.c: the vocabulary */
unsigned trace_hook_bit(const char *name);
const char *trace_hook_name(unsigned bit);
const char *trace_shape_name(int shape);
int trace_shape_parse(const char *name);
const char *trace_shape_list(char *buf, size_t len);
int trace_is_pending(long long state);
const char *trace_state_name(long long state);
const char *trace_control_name(long long control);

/* trace_fields.c: one event's fields */
int trace_is(const trace_ev *e, const char *ev);
long long trace_int(const trace_ev *e, const char *key, long long dflt);
double trace_num(const trace_ev *e, const char *key, double dflt);
int trace_flag(const trace_ev *e, const char *key);
int trace_has(const trace_ev *e, const char *key);
int trace_parse_hex(const char *s, unsigned long long *out);
int trace_word(const trace_ev *e, const char *key, unsigned long long *out);
int trace_hr_ok(const trace_ev *e, const char *key);
int trace_reg_ok(const trace_ev *reg);
double trace_ctl_sent(const trace_ev *e);
const char *trace_reg_str(const json_t *item, const char *key);
const char *trace_clsid(const trace_ev *e);

/* trace_query.c: questions over a built trace */
const trace_ev *trace_next_of(const trace *tr, const trace_ev *after, const char *ev, long long pid);
int trace_is_embedding(const trace *tr);
int trace_cmdline_embedding(const char *cmd);
long long trace_activation_server(const trace *tr, const trace_ev *act);
int trace_other_server_registered(const trace *tr, const char *clsid);
void trace_exe_fill(trace *tr);
const char *trace_exe_name(const trace *tr);
int trace_names_exe(const char *path, const char *exe);
const json_t *trace_reg_find(const trace *tr, const char *list, const char *key, const char *value);
int trace_names_cand(const trace *tr, const trace_ev *e, const char *key);
int trace_is_kill(const trace *tr, const trace_ev *e);
const trace_ev *trace_harness_closed(const trace *tr, const trace_ev *after);
int trace_names_service(const trace *tr, const trace_ev *e);
const trace_status *trace_first_state(const trace *tr, long long state);
const trace_ev *trace_stop_request(const trace *tr, double from, const trace_status *stopped);
int trace_controls_at(const trace *tr, double t, long long *controls);
int trace_installed_type(const trace *tr, long long *type);
const trace_ev *trace_revoke_of(const trace *tr, const trace_ev *reg);
const char *trace_limit(const trace *tr, const char *key);

/* trace_model.c: the candidate found, its reports and its end indexed */
void trace_model_build(trace *tr);
/* A copy of tr that looks at server process pid as the candidate (its reports, start and end indexed anew); 0 when
 * memory ran out. Free it with trace_view_free, never trace_free: it shares the events with tr. */
int trace_model_view(const trace *tr, long long pid, trace *view);
void trace_view_free(trace *view);

/* trace_load.c: text and files in */
void trace_load_text(trace *tr, const char *text);
void trace_load_file(trace *tr, const char *path);
void trace_free(trace *tr);

#endif
