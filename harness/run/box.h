/* box.h: the runner's sandbox (box.c, cgroup.c): where a run's Wine processes live, and what they may use. */
#ifndef SVCCERT_RUN_BOX_H
#define SVCCERT_RUN_BOX_H

#include "harness.h"
#include <sys/types.h>

/* What the inner script of a run (run.c) needs to be started in a box. Paths are the host's. */
struct box_conf {
    const char *dir;          /* the run directory: stage/, out/ and the mount points live in it */
    const char *template_dir; /* the read-only prefix template, the overlay's lowest layer */
    const char *stage;        /* files laid over the template (the candidate, the controller, ...) */
    const char *out;          /* where the inner script writes the raw log, controller log and status */
    const struct hr_limits *lim;
    int network;
};

/* Inside the box the run always sees the same places, whatever the host's paths are. */
#define BOX_PREFIX "/svccert/pfx"
#define BOX_OUT "/svccert/out"

struct box;

/* Whether a box can be made on this machine (bubblewrap present and namespaces allowed); 0, or -1 with a
 * one-line reason. The probe runs once per process. */
int box_available(char *err, size_t errlen);
/* Starts argv inside a new box (its environment is envp and nothing else); NULL with a reason. */
struct box *box_start(const struct box_conf *c, char *const argv[], char *const envp[], char *err, size_t errlen);
pid_t box_pid(const struct box *b);
/* Which limit the box has hit so far (HR_LIMIT_*), or HR_LIMIT_NONE; `detail` says by how much. */
int box_limit_hit(struct box *b, char *detail, size_t cap);
/* Ends everything in the box at once (the PID namespace dies with its first process). */
void box_kill(struct box *b);
/* Whether the memory and process limits are enforced by a cgroup (1), or only watched from /proc (0,
 * with why). */
int box_cgroup_enforced(const struct box *b, const char **why);
void box_free(struct box *b);
/* Whether this machine lets the harness enforce memory and process limits (a cgroup it can make), and why
 * not; a probe group is made and removed. */
int box_cgroup_available(char *why, size_t cap);

/* cgroup.c: a group of the run below the harness's own, with memory and process limits. */
struct cgroup;
/* NULL with a reason when no controller can be used (no cgroup, no permission): the run then goes on
 * without those two limits, and says so. */
struct cgroup *cg_new(const char *name, long long memory_bytes, int pids, char *why, size_t cap);
/* Puts the calling process in the group (called in the box's first process, before exec). */
int cg_enter(const struct cgroup *g);
/* HR_LIMIT_MEMORY or HR_LIMIT_PIDS when the group hit its limit, else HR_LIMIT_NONE. */
int cg_hit(const struct cgroup *g, char *detail, size_t cap);
/* Kills whatever is left in the group and removes it. */
void cg_free(struct cgroup *g);

/* procwatch.c: the resident memory and the tasks (threads) of every process whose environment holds
 * `marker` (the run's SVCCERT_RUN=...), summed; -1 when /proc cannot be read. */
int pw_scan(const char *marker, long long *rss_bytes, long *tasks);

#endif
