/* box.c: the sandbox a run's Wine processes live in: bubblewrap's namespaces, the prefix as an overlay of
 * the read-only template on a size-limited tmpfs, and the run's cgroup. */
#define _GNU_SOURCE
#include "box.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define BOX_MAX_ARGS 256
/* The kernel's count behind RLIMIT_NPROC also holds a few tasks of the box's own that /proc shows without
 * the run's marker (bubblewrap's setup); a watched count this close to the limit has reached it. */
#define BOX_TASK_SLACK 4
/* A prefix write that leaves less than this on the box's disk counts as reaching the limit. */
#define BOX_DISK_SLACK (1 << 20)

struct box {
    pid_t pid;
    struct cgroup *cg;
    char cg_why[256];
    char rw[4200];          /* the tmpfs under the overlay, as the host names it */
    char marker[4300];      /* SVCCERT_RUN=<run dir>: every process of the run has it */
    long long memory_bytes;
    int pids;
};

struct box_argv {
    char *v[BOX_MAX_ARGS];
    int n, overflow;
};

static void box_arg(struct box_argv *a, const char *w)
{
    if (a->n < BOX_MAX_ARGS - 1)
        a->v[a->n++] = (char *)w;
    else
        a->overflow = 1;
}

static const char *box_bwrap(void)
{
    const char *env = getenv("SVCCERT_BWRAP");

    return env && *env ? env : "/usr/bin/bwrap";
}

/* What Wine needs of the host, read-only, and nothing else: no home, no /tmp, no /var, no /root, no other
 * run, not this project. Merged-/usr systems have /bin and /lib as links into /usr. */
static void box_host_view(struct box_argv *a)
{
    static const char *const tops[] = { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };
    static const char *const etc[] = { "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
                                       "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/localtime",
                                       "/etc/fonts" };
    static char links[sizeof tops / sizeof tops[0]][256];
    size_t i;

    box_arg(a, "--ro-bind");
    box_arg(a, "/usr");
    box_arg(a, "/usr");
    for (i = 0; i < sizeof tops / sizeof tops[0]; i++) {
        struct stat st;
        ssize_t n;

        if (lstat(tops[i], &st))
            continue;
        if (S_ISLNK(st.st_mode) && (n = readlink(tops[i], links[i], sizeof links[i] - 1)) > 0) {
            links[i][n] = 0;
            box_arg(a, "--symlink");
            box_arg(a, links[i]);
        } else {
            box_arg(a, "--ro-bind");
            box_arg(a, tops[i]);
        }
        box_arg(a, tops[i]);
    }
    for (i = 0; i < sizeof etc / sizeof etc[0]; i++) {
        box_arg(a, "--ro-bind-try");
        box_arg(a, etc[i]);
        box_arg(a, etc[i]);
    }
}

/* The namespaces: a PID namespace whose end ends every process of the run, no network unless asked for,
 * and a session of its own (no way into the caller's terminal). */
static void box_namespaces(struct box_argv *a, int network)
{
    box_arg(a, "--die-with-parent");
    box_arg(a, "--new-session");
    box_arg(a, "--unshare-pid");
    box_arg(a, "--unshare-ipc");
    box_arg(a, "--unshare-uts");
    box_arg(a, "--unshare-cgroup-try");
    if (!network)
        box_arg(a, "--unshare-net");
}

/* What every box has, the probe's included: bwrap, its namespaces, the host's read-only view, /proc, /dev. */
static void box_base(struct box_argv *a, int network)
{
    box_arg(a, box_bwrap());
    box_namespaces(a, network);
    box_host_view(a);
    box_arg(a, "--proc");
    box_arg(a, "/proc");
    box_arg(a, "--dev");
    box_arg(a, "/dev");
}

int box_available(char *err, size_t errlen)
{
    static int probed, ok;
    static char why[256];

    if (!probed) {
        struct box_argv a = { .n = 0 };
        pid_t pid;
        int st, null;

        probed = 1;
        box_base(&a, 0);
        box_arg(&a, "--");
        box_arg(&a, "/usr/bin/true");
        a.v[a.n] = NULL;
        if (access(box_bwrap(), X_OK)) {
            snprintf(why, sizeof why, "no sandbox: %s is missing (Debian: apt-get install bubblewrap), or run with "
                     "--no-sandbox", box_bwrap());
        } else if ((pid = fork()) == 0) {
            null = open("/dev/null", O_RDWR);
            if (null >= 0) {
                dup2(null, 0);
                dup2(null, 1);
                dup2(null, 2);
            }
            execv(a.v[0], a.v);
            _exit(127);
        } else if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
            snprintf(why, sizeof why, "no sandbox: bubblewrap cannot make namespaces here (are user namespaces "
                     "disabled?), or run with --no-sandbox");
        } else {
            ok = 1;
        }
    }
    if (!ok)
        snprintf(err, errlen, "%s", why);
    return ok ? 0 : -1;
}

/* The child's errors travel up a close-on-exec pipe: nothing arrives when exec succeeded. */
static void box_die(int fd, const char *what)
{
    char msg[512];
    int n = snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));

    if (n > 0 && write(fd, msg, (size_t)n) < 0)
        _exit(126);
    _exit(127);
}

static void box_write_file(int fd, const char *path, const char *text)
{
    int f = open(path, O_WRONLY);

    if (f < 0 || write(f, text, strlen(text)) < 0 || close(f))
        box_die(fd, path);
}

/* In the box's first process: its own mount namespace (and, for an ordinary user, its own user namespace),
 * in which the prefix is the template under the staged files under a writable tmpfs of the disk limit's
 * size. The mounts exist only in this namespace: whatever happens to the run, none is left on the host. */
static void box_mount_prefix(int fd, const struct box_conf *c, const char *rw, const char *pfx, int cg_held)
{
    char opts[13000], upper[4300], work[4300], size[64], map[64];
    uid_t uid = geteuid();
    gid_t gid = getegid();

    if (uid) {
        /* Without a cgroup the process limit is the kernel's RLIMIT_NPROC: set before the user namespace
         * is made, it caps every task of that namespace and of those below it (per-namespace counts,
         * Linux 5.14 and later), whatever else the user runs. */
        struct rlimit nproc = { (rlim_t)c->lim->pids, (rlim_t)c->lim->pids };

        if (!cg_held && setrlimit(RLIMIT_NPROC, &nproc))
            box_die(fd, "cannot set the run's process limit");
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
            box_die(fd, "cannot make a user and mount namespace");
        box_write_file(fd, "/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "0 %lu 1", (unsigned long)uid);
        box_write_file(fd, "/proc/self/uid_map", map);
        snprintf(map, sizeof map, "0 %lu 1", (unsigned long)gid);
        box_write_file(fd, "/proc/self/gid_map", map);
    } else if (unshare(CLONE_NEWNS)) {
        box_die(fd, "cannot make a mount namespace");
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
        box_die(fd, "cannot make the mounts private");
    snprintf(size, sizeof size, "size=%dm,mode=0755", c->lim->disk_mib);
    if (mount("svccert-disk", rw, "tmpfs", MS_NOSUID | MS_NODEV, size))
        box_die(fd, "cannot mount the run's disk (tmpfs)");
    snprintf(upper, sizeof upper, "%s/upper", rw);
    snprintf(work, sizeof work, "%s/work", rw);
    if (mkdir(upper, 0755) || mkdir(work, 0755))
        box_die(fd, "cannot prepare the overlay");
    snprintf(opts, sizeof opts, "lowerdir=%s:%s,upperdir=%s,workdir=%s", c->stage, c->template_dir, upper, work);
    if (mount("svccert-prefix", pfx, "overlay", MS_NOSUID | MS_NODEV, opts)) {
        /* an ordinary user's overlay keeps its own attributes in user.* (kernel 5.11 and later) */
        snprintf(opts, sizeof opts, "lowerdir=%s:%s,upperdir=%s,workdir=%s,userxattr", c->stage, c->template_dir,
                 upper, work);
        if (mount("svccert-prefix", pfx, "overlay", MS_NOSUID | MS_NODEV, opts))
            box_die(fd, "cannot mount the prefix overlay");
    }
}

/* Overlay options separate layers with ':' and options with ',': a path holding either cannot be a layer. */
static int box_layer_ok(const char *p)
{
    return !strpbrk(p, ":,");
}

struct box *box_start(const struct box_conf *c, char *const argv[], char *const envp[], char *err, size_t errlen)
{
    struct box *b = calloc(1, sizeof *b);
    struct box_argv a = { .n = 0 };
    char pfx[4200], msg[512];
    int pipefd[2], i;
    ssize_t got;

    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!box_layer_ok(c->stage) || !box_layer_ok(c->template_dir) || !box_layer_ok(c->dir)) {
        snprintf(err, errlen, "the run's paths may not contain ':' or ',' (an overlay's layers): %s, %s", c->dir,
                 c->template_dir);
        free(b);
        return NULL;
    }
    snprintf(b->rw, sizeof b->rw, "%s/rw", c->dir);
    snprintf(b->marker, sizeof b->marker, "SVCCERT_RUN=%s", c->dir);
    b->memory_bytes = (long long)c->lim->memory_mib << 20;
    b->pids = c->lim->pids;
    snprintf(pfx, sizeof pfx, "%s/pfx", c->dir);
    if ((mkdir(b->rw, 0755) && errno != EEXIST) || (mkdir(pfx, 0755) && errno != EEXIST)) {
        snprintf(err, errlen, "cannot prepare %s: %s", c->dir, strerror(errno));
        free(b);
        return NULL;
    }
    {
        const char *base = strrchr(c->dir, '/');
        /* the files a run writes count against its memory too: the disk is a tmpfs */
        b->cg = cg_new(base ? base + 1 : c->dir, ((long long)c->lim->memory_mib + c->lim->disk_mib) << 20,
                       c->lim->pids, b->cg_why, sizeof b->cg_why);
    }
    box_base(&a, c->network);
    box_arg(&a, "--tmpfs");
    box_arg(&a, "/tmp");
    box_arg(&a, "--dir");
    box_arg(&a, "/svccert/home");
    box_arg(&a, "--bind");
    box_arg(&a, pfx);
    box_arg(&a, BOX_PREFIX);
    box_arg(&a, "--bind");
    box_arg(&a, c->out);
    box_arg(&a, BOX_OUT);
    box_arg(&a, "--chdir");
    box_arg(&a, "/svccert");
    box_arg(&a, "--");
    for (i = 0; argv[i]; i++)
        box_arg(&a, argv[i]);
    a.v[a.n] = NULL;
    if (a.overflow) {
        snprintf(err, errlen, "the sandbox's command line has more than %d words", BOX_MAX_ARGS - 1);
        box_free(b);
        return NULL;
    }
    if (pipe2(pipefd, O_CLOEXEC)) {
        snprintf(err, errlen, "cannot start the sandbox: %s", strerror(errno));
        box_free(b);
        return NULL;
    }
    fflush(NULL);
    b->pid = fork();
    if (b->pid == 0) {
        int null = open("/dev/null", O_RDWR);

        close(pipefd[0]);
        /* its own process group, so the run can never signal the caller's */
        setpgid(0, 0);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        if (b->cg && cg_enter(b->cg))
            box_die(pipefd[1], "cannot enter the run's cgroup");
        box_mount_prefix(pipefd[1], c, b->rw, pfx, b->cg != NULL);
        execve(a.v[0], a.v, envp);
        box_die(pipefd[1], a.v[0]);
    }
    close(pipefd[1]);
    if (b->pid < 0) {
        snprintf(err, errlen, "cannot start the sandbox: %s", strerror(errno));
        close(pipefd[0]);
        box_free(b);
        return NULL;
    }
    while ((got = read(pipefd[0], msg, sizeof msg - 1)) < 0 && errno == EINTR)
        ;
    close(pipefd[0]);
    if (got > 0) {
        msg[got] = 0;
        snprintf(err, errlen, "no sandbox: %s", msg);
        waitpid(b->pid, NULL, 0);
        b->pid = 0;
        box_free(b);
        return NULL;
    }
    return b;
}

pid_t box_pid(const struct box *b)
{
    return b->pid;
}

int box_limit_hit(struct box *b, char *detail, size_t cap)
{
    char path[4400];
    struct statvfs vfs;
    int hit = b->cg ? cg_hit(b->cg, detail, cap) : HR_LIMIT_NONE;
    long long rss;
    long tasks;

    if (hit != HR_LIMIT_NONE || b->pid <= 0)
        return hit;
    /* no cgroup: the run's processes are watched instead (they carry the run's marker) */
    if (!b->cg && !pw_scan(b->marker, &rss, &tasks)) {
        if (rss >= b->memory_bytes) {
            snprintf(detail, cap, "the run's processes reached the memory limit of %lld MiB (resident, watched)",
                     b->memory_bytes >> 20);
            return HR_LIMIT_MEMORY;
        }
        if (tasks >= b->pids - BOX_TASK_SLACK) {
            snprintf(detail, cap, "the run's processes reached the process limit of %d tasks", b->pids);
            return HR_LIMIT_PIDS;
        }
    }
    /* the tmpfs is mounted only in the box's namespace: the host sees it through the first process's root */
    snprintf(path, sizeof path, "/proc/%ld/root%s", (long)b->pid, b->rw);
    if (!statvfs(path, &vfs) && vfs.f_blocks && (unsigned long long)vfs.f_bavail * vfs.f_frsize < BOX_DISK_SLACK) {
        snprintf(detail, cap, "the run wrote its whole disk limit of %llu MiB into its prefix",
                 ((unsigned long long)vfs.f_blocks * vfs.f_frsize) >> 20);
        return HR_LIMIT_DISK;
    }
    return HR_LIMIT_NONE;
}

void box_kill(struct box *b)
{
    if (b->pid > 0)
        kill(b->pid, SIGKILL);
}

int box_cgroup_enforced(const struct box *b, const char **why)
{
    *why = b->cg ? NULL : b->cg_why;
    return b->cg != NULL;
}

void box_free(struct box *b)
{
    if (!b)
        return;
    if (b->pid > 0) {
        kill(b->pid, SIGKILL);
        waitpid(b->pid, NULL, 0);
    }
    cg_free(b->cg);
    free(b);
}

int box_cgroup_available(char *why, size_t cap)
{
    char name[64];
    struct cgroup *g;

    snprintf(name, sizeof name, "svccert-probe-%ld", (long)getpid());
    g = cg_new(name, 1LL << 30, 64, why, cap);
    cg_free(g);
    return g != NULL;
}
