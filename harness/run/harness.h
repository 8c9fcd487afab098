/* harness.h: runs a candidate service under Wine's service control manager and records its trace. */
#ifndef SVCCERT_HARNESS_H
#define SVCCERT_HARNESS_H

#include <stddef.h>

#define HR_MAX_ARGS 32     /* image-path words, and ServiceMain start arguments, each */
#define HR_MAX_CLSIDS 8    /* classes a client activates */
#define HR_MAX_RUNS 8      /* runs of one candidate side by side (one per shape, or the reference's) */
#define HR_MAX_PARAMS 32   /* values written under the service's Parameters key */

/* What a run may use; a run that reaches one ends at once, and says which. */
struct hr_limits {
    int memory_mib;   /* memory of the run's processes (a cgroup's memory controller) */
    int pids;         /* processes and threads of the run at once (the pids controller) */
    int disk_mib;     /* what the run may write into its prefix (a tmpfs under the overlay) */
    int log_mib;      /* the raw log; a flood is cut there */
};
enum { HR_LIMIT_NONE, HR_LIMIT_MEMORY, HR_LIMIT_PIDS, HR_LIMIT_DISK, HR_LIMIT_RAW_LOG };
/* "memory", "pids", "disk", "raw_log": the names a trace's `limit` events use. */
const char *hr_limit_name(int limit);

struct hr_run {
    const char *candidate;              /* host path of the .exe */
    const char *image_args[HR_MAX_ARGS];/* words appended to the service's image path */
    int n_image_args;
    const char *args[HR_MAX_ARGS];      /* ServiceMain start arguments */
    int n_args;
    const char *service_name;           /* NULL: derived from the file name (and another one taken when a
                                           program of the prefix holds it); given: that name or a failed run */
    int share_process;                  /* installed as SERVICE_WIN32_SHARE_PROCESS, not OWN_PROCESS */
    const char *params[HR_MAX_PARAMS];  /* "TYPE:NAME=VALUE" (sz, expand_sz, dword, multi_sz), written under
                                           HKLM\System\CurrentControlSet\Services\<service>\Parameters */
    int n_params;
    const char *shape;                  /* "service" (NULL), "embedding" (COM launches it), "user" */
    const char *register_cmd;           /* words the candidate is run with first: its self-registration */
    const char *reg_file;               /* or a .reg file imported first */
    const char *clsids[HR_MAX_CLSIDS];  /* classes the client activates; none: what the registration added */
    int n_clsids;
    int instances, hold_ms, gap_ms;     /* the client: instances per class, held, released this far apart */
    int watch_ms;                       /* how long an idle EXE server is watched to leave (or stay) */
    int activate;                       /* service shape: started by a client's activation, not by StartService */
    int timeout_s;                      /* hard deadline for the whole run */
    int start_timeout_ms, stop_timeout_ms, pause_timeout_ms, exit_timeout_ms, dwell_ms;
    int no_pause, no_stop;
    int no_session0;                    /* services.exe stays in session 1 as the services see it (--no-session0) */
    const char *trace_path;             /* output; the raw log and controller log go beside it (hr_side_path) */
    int keep_prefix;                    /* debugging: leave the run's prefix on disk */
    int keep_raw;                       /* keep the raw log uncompressed too (hr_side_path's HR_SIDE_RAW_PLAIN) */
    int no_sandbox;                     /* run unconfined (asked for with --no-sandbox, said in the report) */
    int network;                        /* the box keeps the host's network (--network) */
    struct hr_limits lim;               /* what the run's processes may use */
};

/* Exit statuses shared with the command line: a bad candidate or option is the caller's (2); a run that
 * could not be made is the harness's (3), never to be mistaken for a rule that failed (1). */
enum { HR_OK = 0, HR_BAD_INPUT = 2, HR_HARNESS_ERROR = 3 };

void hr_defaults(struct hr_run *r);
/* Checks the candidate is a 64-bit PE before anything runs; returns HR_BAD_INPUT with a reason. */
int hr_check_candidate(const char *path, char *err, size_t errlen);
/* For a candidate carrying Wine's builtin marker: 1, with its path in out, when Wine would run its own installed
 * builtin of the same file name instead (found in Wine's dll path as Wine 8 finds it), and that file's bytes
 * are not the candidate's; 0 when the candidate itself would run. */
int hr_builtin_instead(const char *path, char *out, size_t cap);
/* Whether the 64-bit PE imports the function `fn` by name (its import or delay-load directory): 1 yes,
 * 0 no, -1 unreadable. A program that loads it with GetProcAddress does not import it. */
int hr_pe_imports(const char *path, const char *fn);
/* Whether the run can be confined as asked (always, with no_sandbox); HR_BAD_INPUT with a one-line reason. */
int hr_sandbox_check(const struct hr_run *r, char *err, size_t errlen);
/* What the sandbox can do on this machine, as a JSON text (malloc'd): bubblewrap usable, and whether the
 * memory and process limits are a cgroup's or watched from /proc. */
char *hr_sandbox_json(void);
/* Runs the whole lifecycle; a complete trace is written even when the candidate misbehaves. */
int hr_trace(const struct hr_run *r, char *err, size_t errlen);

/* pool.c: one candidate's runs side by side, each in a child process of its own. */
struct hr_pool_run {
    char name[32];                      /* the run's name; its trace is DIR/trace.NAME.jsonl */
    struct hr_run run;
    char trace[4200], raw[4200];        /* filled in by hr_pool_run */
    int pid, rc;                        /* rc: hr_trace's exit status, HR_HARNESS_ERROR if it never ran */
};
/* SVCCERT_JOBS runs at a time (default: one per CPU); returns when all have ended. With progress, says on
 * stderr as each starts and ends (progress.c). */
void hr_pool_run(struct hr_pool_run *runs, int n, const char *dir, int progress);

/* names.c */
enum hr_side { HR_SIDE_RAW, HR_SIDE_CTL, HR_SIDE_RAW_PLAIN };
/* Where a run's side file goes: beside its trace, TRACE minus ".jsonl" plus ".raw.log.gz" (the raw log as it is
 * kept), ".ctl.log", or ".raw.log" (uncompressed, kept only when asked). Returns -1 when the path does not fit. */
int hr_side_path(const char *trace, enum hr_side which, char *out, size_t cap);
/* The candidate's file name without its directory and without a trailing ".exe" (any case). */
void hr_base_name(const char *path, char *out, size_t cap);
/* The shape a name stands for (a static string), or NULL for no shape; HR_SHAPES lists them for messages. */
const char *hr_shape(const char *name);
#define HR_SHAPES "service, embedding or user"
/* Where the Windows programs are: SVCCERT_WIN_DIR, or build/win beside the svccert binary of a build tree,
 * or PREFIX/lib/svccert/win beside an installed PREFIX/bin/svccert. */
void hr_win_dir(char *out, size_t cap);
/* A file or directory beside the running binary: in_build relative to its directory when that exists,
 * else installed relative to its directory's parent (the installed layout). */
void hr_beside_self(const char *in_build, const char *installed, char *out, size_t cap);

/* raw_keep.c: FROM gzip-compressed into TO, under a temporary name until it is whole; -1 with a one-line
 * reason (a full disk, an unreadable log), leaving no TO and no temporary file. */
int hr_raw_keep(const char *from, const char *to, char *err, size_t errlen);

/* prefix.c */
int hr_prefix_template(char *out, size_t cap, char *err, size_t errlen);
/* A full copy of the template, for an unconfined run. */
int hr_prefix_clone(const char *tpl, const char *dst, char *err, size_t errlen);
void hr_prefix_remove(const char *dir);
/* mkdir -p. */
int hr_mkdirs(const char *path);
int hr_copy_file(const char *from, const char *to);
/* Kills, by pid, any process still using this prefix; returns how many were found. */
int hr_prefix_reap(const char *prefix);

/* proc.c */
struct hr_env;
/* NULL when any part of the environment could not be made: a partial one could lack WINEPREFIX. */
struct hr_env *hr_env_new(const char *prefix, const char *winedebug);
void hr_env_free(struct hr_env *e);
/* Starts argv with stdout/stderr appended to the given files (never a pipe); returns the pid or -1. */
int hr_spawn(struct hr_env *e, char *const argv[], const char *out_path, const char *err_path);
/* Waits for pid until deadline_ms (monotonic); returns its wait status, HR_WAIT_TIMEOUT, or
 * HR_WAIT_ERROR when it cannot be waited for (errno says why). */
#define HR_WAIT_TIMEOUT (-1)
#define HR_WAIT_ERROR (-2)
int hr_wait_until(int pid, long long deadline_ms);
long long hr_now_ms(void);
const char *hr_wine_dir(void);
/* DIR/TOOL of Wine's programs (wine64, wineserver64); -1 when the path does not fit. */
int hr_wine_tool(const char *tool, char *out, size_t cap);
/* What `wine64 --version` says (its first line), asked once per process; "unknown" when it cannot say. */
const char *hr_wine_version(void);

#endif
