/* names.c: what the runner calls things and where it puts them: side files, short names, shapes, the build. */
#define _GNU_SOURCE
#include "harness.h"
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int hr_side_path(const char *trace, enum hr_side which, char *out, size_t cap)
{
    size_t n = strlen(trace);

    if (n > 6 && !strcmp(trace + n - 6, ".jsonl"))
        n -= 6;
    return (size_t)snprintf(out, cap, "%.*s%s", (int)n, trace,
                            which == HR_SIDE_CTL ? ".ctl.log" : which == HR_SIDE_RAW ? ".raw.log.gz" : ".raw.log") >= cap
               ? -1 : 0;
}

void hr_base_name(const char *path, char *out, size_t cap)
{
    const char *b = strrchr(path, '/');
    size_t n;

    b = b ? b + 1 : path;
    n = strlen(b);
    if (n > 4 && !strcasecmp(b + n - 4, ".exe"))
        n -= 4;
    snprintf(out, cap, "%.*s", (int)n, b);
}

const char *hr_shape(const char *name)
{
    static const char *const shapes[] = { "service", "embedding", "user" };
    size_t i;

    for (i = 0; name && i < sizeof shapes / sizeof shapes[0]; i++)
        if (!strcmp(name, shapes[i]))
            return shapes[i];
    return NULL;
}

/* The directory of the running binary: the build directory, wherever the tree was checked out. */
static void names_self_dir(char *out, size_t cap)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

    self[n > 0 ? n : 0] = 0;
    snprintf(out, cap, "%s", dirname(self));
}

/* DIR/in_build when that exists (a build tree: build/svccert beside build/win), else DIR/../installed (an
 * installed command: PREFIX/bin/svccert, its helpers under PREFIX/lib/svccert and PREFIX/share/svccert);
 * DIR is the running binary's directory, so neither layout depends on where it was built or installed. */
void hr_beside_self(const char *in_build, const char *installed, char *out, size_t cap)
{
    char dir[4096];

    char path[PATH_MAX + 4400], real[PATH_MAX];

    names_self_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/%s", dir, in_build);
    if (access(path, F_OK))
        snprintf(path, sizeof path, "%s/../%s", dir, installed);
    /* the report names the reference by this path: without "bin/.." */
    snprintf(out, cap, "%s", realpath(path, real) ? real : path);
}

void hr_win_dir(char *out, size_t cap)
{
    const char *env = getenv("SVCCERT_WIN_DIR");

    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return;
    }
    hr_beside_self("win", "lib/svccert/win", out, cap);
}

const char *hr_limit_name(int limit)
{
    static const char *const names[] = { "none", "memory", "pids", "disk", "raw_log" };

    return limit >= 0 && limit < (int)(sizeof names / sizeof names[0]) ? names[limit] : "unknown";
}
