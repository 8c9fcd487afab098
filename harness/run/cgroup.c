/* cgroup.c: a run's control group, below the harness's own, holding its memory and process limits. */
#include "box.h"
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CG_ROOT "/sys/fs/cgroup"

/* Version 2 has one group holding both controllers; version 1 a group in each controller's tree. */
struct cgroup {
    int v2;
    char mem[4096], pids[4096];
    long long memory_bytes;
};

static int cg_write(const char *dir, const char *file, const char *text)
{
    char path[4200];
    FILE *f;
    int rc;

    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path || !(f = fopen(path, "w")))
        return -1;
    rc = fputs(text, f) < 0;
    return fclose(f) || rc ? -1 : 0;
}

/* The value of `key` in a flat keyed file (memory.events, pids.events, memory.oom_control), or -1. */
static long long cg_key(const char *dir, const char *file, const char *key)
{
    char path[4200], name[64];
    long long v, found = -1;
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (!(f = fopen(path, "r")))
        return -1;
    while (fscanf(f, "%63s %lld", name, &v) == 2)
        if (!strcmp(name, key))
            found = v;
    fclose(f);
    return found;
}

/* The harness's own group in the hierarchy that has `controller` (v1), or in the unified one (v2). */
static int cg_own(const char *controller, char *out, size_t cap)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[4096];
    int found = -1;

    if (!f)
        return -1;
    while (found && fgets(line, sizeof line, f)) {
        char *ctl = strchr(line, ':'), *path = ctl ? strchr(ctl + 1, ':') : NULL, *tok, *save = NULL;

        if (!path)
            continue;
        *path++ = 0;
        path[strcspn(path, "\n")] = 0;
        ctl++;
        if (!controller && !*ctl) {
            found = (size_t)snprintf(out, cap, CG_ROOT "%s", strcmp(path, "/") ? path : "") >= cap ? -1 : 0;
            continue;
        }
        for (tok = strtok_r(ctl, ",", &save); controller && tok; tok = strtok_r(NULL, ",", &save))
            if (!strcmp(tok, controller))
                found = (size_t)snprintf(out, cap, CG_ROOT "/%s%s", controller, strcmp(path, "/") ? path : "") >= cap
                            ? -1 : 0;
    }
    fclose(f);
    return found;
}

static int cg_has_v2_controllers(const char *dir)
{
    char path[4200], line[512] = "";
    FILE *f;

    snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
    if (!(f = fopen(path, "r")))
        return 0;
    if (!fgets(line, sizeof line, f))
        line[0] = 0;
    fclose(f);
    return strstr(line, "memory") && strstr(line, "pids");
}

static int cg_make(const char *parent, const char *name, char *out, size_t cap)
{
    if ((size_t)snprintf(out, cap, "%s/%s", parent, name) >= cap)
        return -1;
    return mkdir(out, 0755) && errno != EEXIST ? -1 : 0;
}

struct cgroup *cg_new(const char *name, long long memory_bytes, int pids, char *why, size_t cap)
{
    struct cgroup *g = calloc(1, sizeof *g);
    char own[4096], num[32];

    if (!g) {
        snprintf(why, cap, "out of memory");
        return NULL;
    }
    g->memory_bytes = memory_bytes;
    if (!cg_own(NULL, own, sizeof own) && cg_has_v2_controllers(own)) {
        /* A v2 group may hand controllers to its children only while it holds no process itself: a
         * delegated leaf (a user's session) cannot, so the limits are then not available. */
        g->v2 = 1;
        if (cg_write(own, "cgroup.subtree_control", "+memory +pids") || cg_make(own, name, g->mem, sizeof g->mem)) {
            snprintf(why, cap, "cannot make a cgroup below %s: %s", own, strerror(errno));
            free(g);
            return NULL;
        }
        snprintf(g->pids, sizeof g->pids, "%s", g->mem);
        snprintf(num, sizeof num, "%lld", memory_bytes);
        if (cg_write(g->mem, "memory.max", num))
            goto fail;
        /* where swap exists, swap is no way around the limit */
        cg_write(g->mem, "memory.swap.max", "0");
        snprintf(num, sizeof num, "%d", pids);
        if (cg_write(g->pids, "pids.max", num))
            goto fail;
        return g;
    }
    if (cg_own("memory", own, sizeof own) || cg_make(own, name, g->mem, sizeof g->mem)) {
        snprintf(why, cap, "no writable memory cgroup (v1 or v2) below the harness's own");
        free(g);
        return NULL;
    }
    if (cg_own("pids", own, sizeof own) || cg_make(own, name, g->pids, sizeof g->pids)) {
        snprintf(why, cap, "no writable pids cgroup (v1 or v2) below the harness's own");
        rmdir(g->mem);
        free(g);
        return NULL;
    }
    snprintf(num, sizeof num, "%lld", memory_bytes);
    if (cg_write(g->mem, "memory.limit_in_bytes", num))
        goto fail;
    /* where swap accounting exists, swap is no way around the limit */
    cg_write(g->mem, "memory.memsw.limit_in_bytes", num);
    snprintf(num, sizeof num, "%d", pids);
    if (cg_write(g->pids, "pids.max", num))
        goto fail;
    return g;
fail:
    snprintf(why, cap, "cannot set the limits of %s: %s", g->mem, strerror(errno));
    cg_free(g);
    return NULL;
}

int cg_enter(const struct cgroup *g)
{
    char pid[32];

    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    if (cg_write(g->mem, "cgroup.procs", pid))
        return -1;
    return g->v2 ? 0 : cg_write(g->pids, "cgroup.procs", pid);
}

int cg_hit(const struct cgroup *g, char *detail, size_t cap)
{
    long long oom = g->v2 ? cg_key(g->mem, "memory.events", "oom_kill") : cg_key(g->mem, "memory.oom_control", "oom_kill");
    long long max = g->v2 ? cg_key(g->mem, "memory.events", "max") : -1;
    long long pmax = cg_key(g->pids, "pids.events", "max");

    if (oom > 0 || max > 0) {
        snprintf(detail, cap, "the run reached its memory limit: %lld MiB for its processes and the files it wrote "
                 "(%lld process(es) killed by the kernel)", g->memory_bytes >> 20, oom > 0 ? oom : 0);
        return HR_LIMIT_MEMORY;
    }
    if (pmax > 0) {
        snprintf(detail, cap, "the run's processes reached the process limit (%lld refused)", pmax);
        return HR_LIMIT_PIDS;
    }
    return HR_LIMIT_NONE;
}

/* Every process still in the group, killed; a group with processes cannot be removed. */
static void cg_empty(const char *dir)
{
    char path[4200];
    long pid;
    int round;

    for (round = 0; round < 50; round++) {
        FILE *f;
        int any = 0;

        snprintf(path, sizeof path, "%s/cgroup.procs", dir);
        if (!(f = fopen(path, "r")))
            return;
        while (fscanf(f, "%ld", &pid) == 1) {
            if (pid > 0 && pid != (long)getpid())
                kill((pid_t)pid, SIGKILL);
            any = 1;
        }
        fclose(f);
        if (!any || !rmdir(dir))
            return;
        usleep(20000);
    }
}

void cg_free(struct cgroup *g)
{
    if (!g)
        return;
    cg_empty(g->mem);
    rmdir(g->mem);
    if (!g->v2) {
        cg_empty(g->pids);
        rmdir(g->pids);
    }
    free(g);
}
