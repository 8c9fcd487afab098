/* proc.c: starting and waiting for the Wine processes of a run, with files (never pipes) as output. */
#include "harness.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct hr_env {
    char **vars;
    int n;
};

long long hr_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *hr_wine_dir(void)
{
    const char *d = getenv("SVCCERT_WINE_DIR");

    return d && *d ? d : "/usr/lib/wine";
}

static int proc_is_overridden(const char *var)
{
    static const char *const ours[] = { "WINEPREFIX=", "WINEDEBUG=", "WINESERVER=", "WINEDLLOVERRIDES=",
                                        "DISPLAY=", "WAYLAND_DISPLAY=", "WINELOADER=" };
    size_t i;

    for (i = 0; i < sizeof ours / sizeof ours[0]; i++)
        if (!strncmp(var, ours[i], strlen(ours[i])))
            return 1;
    return 0;
}

static char *proc_fmt(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = malloc(n);

    if (s)
        snprintf(s, n, "%s%s", a, b);
    return s;
}

int hr_wine_tool(const char *tool, char *out, size_t cap)
{
    return (size_t)snprintf(out, cap, "%s/%s", hr_wine_dir(), tool) >= cap ? -1 : 0;
}

/* The caller's environment minus anything that would let Wine reach a display or another prefix. */
struct hr_env *hr_env_new(const char *prefix, const char *winedebug)
{
    struct hr_env *e = calloc(1, sizeof *e);
    char server[512];
    size_t count = 0, i;
    int ours;

    if (!e)
        return NULL;
    while (environ[count])
        count++;
    e->vars = calloc(count + 8, sizeof *e->vars);
    if (!e->vars || hr_wine_tool("wineserver64", server, sizeof server))
        goto fail;
    for (i = 0; i < count; i++)
        if (!proc_is_overridden(environ[i]) && !(e->vars[e->n++] = strdup(environ[i])))
            goto fail;
    ours = e->n;
    e->vars[e->n++] = proc_fmt("WINEPREFIX=", prefix);
    e->vars[e->n++] = proc_fmt("WINEDEBUG=", winedebug);
    e->vars[e->n++] = proc_fmt("WINESERVER=", server);
    /* No Mono or Gecko installer dialogs: a service run needs neither. */
    e->vars[e->n++] = strdup("WINEDLLOVERRIDES=mscoree,mshtml=");
    /* A NULL here would end the list early: Wine would then run on the user's own prefix. */
    for (; ours < e->n; ours++)
        if (!e->vars[ours])
            goto fail;
    return e;
fail:
    hr_env_free(e);
    return NULL;
}

void hr_env_free(struct hr_env *e)
{
    int i;

    if (!e)
        return;
    for (i = 0; e->vars && i < e->n; i++)
        free(e->vars[i]);
    free(e->vars);
    free(e);
}

/* O_APPEND on every writer keeps interleaved lines of the server and its clients whole and in
 * order; a pipe would be held open by Wine's long-lived system processes. */
int hr_spawn(struct hr_env *e, char *const argv[], const char *out_path, const char *err_path)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    pid_t pid;
    int rc;

    if ((rc = posix_spawn_file_actions_init(&fa))) {
        errno = rc;
        return -1;
    }
    if ((rc = posix_spawnattr_init(&at))) {
        posix_spawn_file_actions_destroy(&fa);
        errno = rc;
        return -1;
    }
    /* Its own process group, so the run can never signal the caller's. */
    if (!(rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) &&
        !(rc = posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_APPEND, 0644)) &&
        !(rc = posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_APPEND, 0644)) &&
        !(rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP)) && !(rc = posix_spawnattr_setpgroup(&at, 0)))
        rc = posix_spawn(&pid, argv[0], &fa, &at, argv, e->vars);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (rc) {
        errno = rc;
        return -1;
    }
    return (int)pid;
}

int hr_wait_until(int pid, long long deadline_ms)
{
    int status;

    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return HR_WAIT_ERROR;
        if (hr_now_ms() >= deadline_ms)
            return HR_WAIT_TIMEOUT;
        usleep(10000);
    }
}

/* The version goes into every trace's header; a child of the pool inherits it, so Wine is asked once.
 * Its output goes to a file, as every Wine process's does (hr_spawn). */
const char *hr_wine_version(void)
{
    static char version[128];
    char loader[512], out[4200];
    const char *tmpdir = getenv("TMPDIR");
    char *argv[] = { loader, "--version", NULL };
    struct hr_env *e;
    FILE *f = NULL;
    int fd, pid, st;

    if (version[0])
        return version;
    snprintf(version, sizeof version, "unknown");
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    if ((size_t)snprintf(out, sizeof out, "%s/svccert-version.XXXXXX", tmpdir) >= sizeof out ||
        hr_wine_tool("wine64", loader, sizeof loader) || (fd = mkstemp(out)) < 0)
        return version;
    close(fd);
    e = hr_env_new("/nonexistent", "-all");
    pid = e ? hr_spawn(e, argv, out, "/dev/null") : -1;
    st = pid < 0 ? HR_WAIT_ERROR : hr_wait_until(pid, hr_now_ms() + 10000);
    if (st == HR_WAIT_TIMEOUT) {
        kill(pid, SIGKILL);
        hr_wait_until(pid, hr_now_ms() + 1000);
    }
    if (st >= 0 && WIFEXITED(st) && !WEXITSTATUS(st) && (f = fopen(out, "r")) && fgets(version, sizeof version, f))
        version[strcspn(version, "\r\n")] = 0;
    if (!version[0])
        snprintf(version, sizeof version, "unknown");
    if (f)
        fclose(f);
    unlink(out);
    hr_env_free(e);
    return version;
}
