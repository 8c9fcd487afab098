/* proc.c: starting and waiting for the Wine processes of a run, with files (never pipes) as output. */
#include "harness.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

void hr_win_dir(char *out, size_t cap)
{
    const char *env = getenv("SVCCERT_WIN_DIR");
    char self[4096];
    ssize_t n;

    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return;
    }
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    snprintf(out, cap, "%s/win", dirname(self));
}

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

/* The caller's environment minus anything that would let Wine reach a display or another prefix. */
struct hr_env *hr_env_new(const char *prefix, const char *winedebug)
{
    struct hr_env *e = calloc(1, sizeof *e);
    char server[512];
    size_t count = 0, i;

    if (!e)
        return NULL;
    while (environ[count])
        count++;
    e->vars = calloc(count + 8, sizeof *e->vars);
    if (!e->vars) {
        free(e);
        return NULL;
    }
    for (i = 0; i < count; i++)
        if (!proc_is_overridden(environ[i]))
            e->vars[e->n++] = strdup(environ[i]);
    snprintf(server, sizeof server, "%s/wineserver64", hr_wine_dir());
    e->vars[e->n++] = proc_fmt("WINEPREFIX=", prefix);
    e->vars[e->n++] = proc_fmt("WINEDEBUG=", winedebug);
    e->vars[e->n++] = proc_fmt("WINESERVER=", server);
    /* No Mono or Gecko installer dialogs: a service run needs neither. */
    e->vars[e->n++] = strdup("WINEDLLOVERRIDES=mscoree,mshtml=");
    return e;
}

void hr_env_free(struct hr_env *e)
{
    int i;

    if (!e)
        return;
    for (i = 0; i < e->n; i++)
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

    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    /* Its own process group, so the run can never signal the caller's. */
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
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
            return 0;
        if (hr_now_ms() >= deadline_ms)
            return -1;
        usleep(10000);
    }
}
