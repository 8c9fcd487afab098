/* harness.h: runs a candidate service under Wine's service control manager and records its trace. */
#ifndef SVCCERT_HARNESS_H
#define SVCCERT_HARNESS_H

#include <stddef.h>

#define HR_MAX_ARGS 32

struct hr_run {
    const char *candidate;              /* host path of the .exe */
    const char *image_args[HR_MAX_ARGS];/* words appended to the service's image path */
    int n_image_args;
    const char *args[HR_MAX_ARGS];      /* ServiceMain start arguments */
    int n_args;
    const char *service_name;           /* NULL: derived from the file name */
    const char *shape;                  /* "service" (NULL), "embedding" (COM launches it), "user" */
    const char *register_cmd;           /* words the candidate is run with first: its self-registration */
    const char *reg_file;               /* or a .reg file imported first */
    const char *clsids[8];              /* classes the client activates; none: what the registration added */
    int n_clsids;
    int instances, hold_ms, gap_ms;     /* the client: instances per class, held, released this far apart */
    int watch_ms;                       /* how long an idle EXE server is watched to leave (or stay) */
    int activate;                       /* service shape: started by a client's activation, not by StartService */
    int timeout_s;                      /* hard deadline for the whole run */
    int start_timeout_ms, stop_timeout_ms, pause_timeout_ms, exit_timeout_ms, dwell_ms;
    int no_pause, no_stop;
    const char *trace_path;             /* output; the raw log and controller log go beside it */
    int keep_prefix;                    /* debugging: leave the run's prefix on disk */
};

/* Exit statuses shared with the command line. */
enum { HR_OK = 0, HR_HARNESS_ERROR = 1, HR_BAD_INPUT = 2 };

void hr_defaults(struct hr_run *r);
/* Checks the candidate is a 64-bit PE before anything runs; returns HR_BAD_INPUT with a reason. */
int hr_check_candidate(const char *path, char *err, size_t errlen);
/* Runs the whole lifecycle; a complete trace is written even when the candidate misbehaves. */
int hr_trace(const struct hr_run *r, char *err, size_t errlen);

/* prefix.c */
int hr_prefix_template(char *out, size_t cap, char *err, size_t errlen);
int hr_prefix_clone(const char *tpl, const char *dst, char *err, size_t errlen);
void hr_prefix_remove(const char *dir);
/* mkdir -p. */
int hr_mkdirs(const char *path);
int hr_copy_file(const char *from, const char *to);
/* Where the Windows programs are: build/win beside the svccert binary, or SVCCERT_WIN_DIR. */
void hr_win_dir(char *out, size_t cap);
/* Kills, by pid, any process still using this prefix; returns how many were found. */
int hr_prefix_reap(const char *prefix);

/* proc.c */
struct hr_env;
struct hr_env *hr_env_new(const char *prefix, const char *winedebug);
void hr_env_free(struct hr_env *e);
/* Starts argv with stdout/stderr appended to the given files (never a pipe); returns the pid or -1. */
int hr_spawn(struct hr_env *e, char *const argv[], const char *out_path, const char *err_path);
/* Waits for pid until deadline_ms (monotonic); returns its wait status, or -1 on timeout. */
int hr_wait_until(int pid, long long deadline_ms);
long long hr_now_ms(void);
const char *hr_wine_dir(void);

#endif
