/* plan.c: which runs `svccert check` makes of a candidate (one per shape), and running them side by side. */
#define _GNU_SOURCE
#include "cli.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct cli_run *plan_add(struct cli_plan *p, const struct hr_run *base, const char *name, const char *shape)
{
    struct cli_run *r;

    if (p->n == CLI_MAX_RUNS)
        return NULL;
    r = &p->runs[p->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->run = *base;
    r->run.shape = shape;
    return r;
}

static void plan_args(struct hr_run *r, const char *const *words, int n)
{
    int i;

    for (i = 0; i < n && r->n_args < HR_MAX_ARGS; i++)
        r->args[r->n_args++] = words[i];
}

/* The reference is run in every shape it has, so that each rule meets the situation it is about:
 * a long start and stop under the SCM (pending states, checkpoints), a class object and a running
 * object that a LocalService may offer to any client, a start that COM makes through the SCM, a real
 * failure of CoRegisterClassObject (com.runas.identity), a launch by COM, and a start by a person. */
static void plan_reference(struct cli_plan *p, const struct hr_run *base)
{
    static const char *const svc[] = { "--init-ms", "1500", "--init-steps", "3", "--stop-ms", "1200",
                                       "--stop-steps", "3", "--rot" };
    static const char *const fail[] = { "--com-fail-register" };
    static const char *const user[] = { "-user", "--rot" };
    struct cli_run *r;

    if ((r = plan_add(p, base, "service", "service"))) {
        r->run.register_cmd = "/Service";
        if (!r->run.n_args)
            plan_args(&r->run, svc, 9);
    }
    if ((r = plan_add(p, base, "activation", "service"))) {
        r->run.register_cmd = "/Service";
        r->run.activate = 1;
    }
    if ((r = plan_add(p, base, "register-failure", "service"))) {
        r->run.register_cmd = "/Service";
        plan_args(&r->run, fail, 1);
    }
    if ((r = plan_add(p, base, "embedding", "embedding")))
        r->run.register_cmd = "regserver -- --rot";
    if ((r = plan_add(p, base, "user", "user"))) {
        r->run.register_cmd = "/RegServer";
        r->run.n_args = 0;
        plan_args(&r->run, user, 2);
    }
}

int cli_plan_make(struct cli_plan *p, const struct hr_run *base, int reference, char *err, size_t errlen)
{
    char shapes[256], *save = NULL, *s;

    memset(p, 0, sizeof *p);
    if (reference && !base->shape) {
        plan_reference(p, base);
        return 0;
    }
    snprintf(shapes, sizeof shapes, "%s", base->shape ? base->shape : "service");
    for (s = strtok_r(shapes, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        const char *shape = !strcmp(s, "service") ? "service" : !strcmp(s, "embedding") ? "embedding" :
                            !strcmp(s, "user") ? "user" : NULL;
        int i;

        if (!shape) {
            snprintf(err, errlen, "unknown shape '%s' (service, embedding or user)", s);
            return -1;
        }
        for (i = 0; i < p->n; i++)
            if (!strcmp(p->runs[i].name, shape))
                shape = NULL;
        if (shape && !plan_add(p, base, shape, shape)) {
            snprintf(err, errlen, "too many shapes");
            return -1;
        }
    }
    if (!p->n) {
        snprintf(err, errlen, "no shape given (service, embedding or user)");
        return -1;
    }
    return 0;
}

/* Runs share nothing (each has its own prefix and wineserver), so they go side by side, one per CPU:
 * a run spends most of its time waiting on the candidate. A child per run also keeps one run's
 * failure from taking the others down. */
void cli_plan_run(struct cli_plan *p, const char *dir)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    const char *env = getenv("SVCCERT_JOBS");
    int jobs = env && atoi(env) > 0 ? atoi(env) : cpus > 0 ? (int)cpus : 1;
    int next = 0, running = 0, i, st, pid;

    for (i = 0; i < p->n; i++) {
        struct cli_run *r = &p->runs[i];
        snprintf(r->trace, sizeof r->trace, "%s/trace.%s.jsonl", dir, r->name);
        snprintf(r->raw, sizeof r->raw, "%s/trace.%s.raw.log", dir, r->name);
        r->run.trace_path = r->trace;
        r->pid = -1;
        r->rc = HR_HARNESS_ERROR;
    }
    while (next < p->n || running) {
        if (next < p->n && running < jobs) {
            struct cli_run *r = &p->runs[next++];
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
            if (r->pid > 0)
                running++;
            else
                fprintf(stderr, "svccert: cannot start the %s run: %s\n", r->name, strerror(errno));
            continue;
        }
        pid = wait(&st);
        if (pid < 0)
            break;
        for (i = 0; i < p->n; i++)
            if (p->runs[i].pid == pid) {
                p->runs[i].rc = WIFEXITED(st) ? WEXITSTATUS(st) : HR_HARNESS_ERROR;
                running--;
            }
    }
}
