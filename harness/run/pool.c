/* pool.c: runs one candidate's runs side by side, each in a child process, SVCCERT_JOBS at a time. */
#include "harness.h"
#include "progress.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A run's trace and raw log, named after the run in DIR; -1 when the paths do not fit. */
static int pool_paths(struct hr_pool_run *r, const char *dir)
{
    if ((size_t)snprintf(r->trace, sizeof r->trace, "%s/trace.%s.jsonl", dir, r->name) >= sizeof r->trace ||
        hr_side_path(r->trace, HR_SIDE_RAW, r->raw, sizeof r->raw))
        return -1;
    r->run.trace_path = r->trace;
    return 0;
}

static int pool_jobs(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    const char *env = getenv("SVCCERT_JOBS");

    return env && atoi(env) > 0 ? atoi(env) : cpus > 0 ? (int)cpus : 1;
}

/* Runs share nothing (each has its own prefix and wineserver), so they go side by side, one per CPU:
 * a run spends most of its time waiting on the candidate. A child per run also keeps one run's
 * failure from taking the others down. */
void hr_pool_run(struct hr_pool_run *runs, int n, const char *dir, int progress)
{
    int jobs = pool_jobs(), next = 0, running = 0, i, st, pid;
    struct hr_progress pg;

    /* asked here, once, so that every child inherits the answer */
    hr_wine_version();
    for (i = 0; i < n; i++) {
        runs[i].pid = -1;
        runs[i].rc = HR_HARNESS_ERROR;
    }
    hr_progress_begin(&pg, runs, n, jobs, progress);
    while (next < n || running) {
        if (next < n && running < jobs) {
            struct hr_pool_run *r = &runs[next++];
            if (pool_paths(r, dir)) {
                fprintf(stderr, "svccert: %s run: the directory %s is too long for its files\n", r->name, dir);
                continue;
            }
            fflush(NULL);
            r->pid = fork();
            if (r->pid == 0) {
                char err[512] = "";
                int rc = hr_trace(&r->run, err, sizeof err);
                if (rc)
                    fprintf(stderr, "svccert: %s run: %s\n", r->name, err);
                fflush(NULL);
                _exit(rc);
            }
            if (r->pid > 0) {
                running++;
                hr_progress_started(&pg, (int)(r - runs));
            }
            else
                fprintf(stderr, "svccert: cannot start the %s run: %s\n", r->name, strerror(errno));
            continue;
        }
        pid = hr_progress_wait(&pg, &st);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (i = 0; i < n; i++)
            if (runs[i].pid == pid) {
                runs[i].rc = WIFEXITED(st) ? WEXITSTATUS(st) : HR_HARNESS_ERROR;
                running--;
                hr_progress_ended(&pg, i);
            }
    }
    hr_progress_done(&pg);
}
