/* builtin.c: which file Wine 8 runs for a candidate carrying its builtin marker: its own installed builtin of that name. */
#define _GNU_SOURCE
#include "harness.h"
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BUILTIN_MAX_LOADER (8L << 20)

static int builtin_is_file(const char *path)
{
    struct stat st;

    return !stat(path, &st) && S_ISREG(st.st_mode);
}

/* Whether c ends a string in the loader's bytes (C strings end in NUL; a script's words in space or quote). */
static int builtin_delim(char c)
{
    return !c || isspace((unsigned char)c) || c == '"' || c == '\'';
}

/* Wine's dll_dir: the directory of the ntdll.so the loader opens, minus x86_64-unix (ntdll's init_paths). The
 * loader opens BIN_TO_DLLDIR "/x86_64-unix/ntdll.so" beside itself, a path compiled into it (loader/main.c),
 * so it is read from the loader's own bytes. */
static int builtin_dll_dir(char *out, size_t cap)
{
    static const char tail[] = "/x86_64-unix/ntdll.so";
    char loader[PATH_MAX], real[PATH_MAX], *bin, *buf = NULL, path[2 * PATH_MAX];
    const char *p, *start;
    long size;
    int found = -1;
    FILE *f;

    if ((size_t)snprintf(loader, sizeof loader, "%s/wine64", hr_wine_dir()) >= sizeof loader || !realpath(loader, real))
        return -1;
    if (!(f = fopen(real, "rb")))
        return -1;
    if (!fseek(f, 0, SEEK_END) && (size = ftell(f)) > 0 && size < BUILTIN_MAX_LOADER && !fseek(f, 0, SEEK_SET) &&
        (buf = malloc((size_t)size + 1)) && fread(buf, 1, (size_t)size, f) == (size_t)size) {
        buf[size] = 0;
        bin = strrchr(real, '/');
        *bin = 0;
        for (p = buf; found && (p = memmem(p, (size_t)(buf + size - p), tail, sizeof tail - 1)); p += sizeof tail - 1) {
            if (!builtin_delim(p[sizeof tail - 1]))
                continue;
            for (start = p; start > buf && !builtin_delim(start[-1]); start--)
                ;
            if (start == p)
                continue;
            snprintf(path, sizeof path, "%s%s%.*s", *start == '/' ? "" : real, *start == '/' ? "" : "/",
                     (int)(p - start), start);
            if (realpath(path, loader) && strlen(loader) < cap) {
                snprintf(path, sizeof path, "%s%s", loader, tail);
                if (builtin_is_file(path)) {
                    snprintf(out, cap, "%s", loader);
                    found = 0;
                }
            }
        }
    }
    free(buf);
    fclose(f);
    return found;
}

/* The first of Wine's places for a builtin of this (lower-cased) name in one dll path (find_builtin_dll): the
 * PE under x86_64-windows, the .so under x86_64-unix, then both in the directory itself. *so: a .so. */
static int builtin_in(const char *dir, const char *name, char *out, size_t cap, int *so)
{
    static const struct { const char *fmt; int so; } places[] = {
        { "%s/x86_64-windows/%s", 0 }, { "%s/x86_64-unix/%s.so", 1 }, { "%s/%s", 0 }, { "%s/%s.so", 1 },
    };
    size_t i;

    for (i = 0; i < sizeof places / sizeof places[0]; i++)
        if ((size_t)snprintf(out, cap, places[i].fmt, dir, name) < cap && builtin_is_file(out)) {
            *so = places[i].so;
            return 0;
        }
    return -1;
}

/* Wine's builtin of this file name: 0 with its path in out (*so set for a .so), -1 when Wine has none. */
static int builtin_find(const char *name, char *out, size_t cap, int *so)
{
    char lower[256], dir[PATH_MAX], *paths, *p, *save = NULL;
    const char *env = getenv("WINEDLLPATH");
    size_t i, n = strlen(name);
    int rc = -1;

    /* Wine looks only for names in ASCII, and lower-cases them */
    if (!n || n >= sizeof lower)
        return -1;
    for (i = 0; i <= n; i++) {
        if ((unsigned char)name[i] > 127)
            return -1;
        lower[i] = (char)tolower((unsigned char)name[i]);
    }
    /* the dll paths in Wine's order: its own dll_dir, then WINEDLLPATH's (set_dll_path) */
    if (!builtin_dll_dir(dir, sizeof dir) && !builtin_in(dir, lower, out, cap, so))
        return 0;
    if (!env || !(paths = strdup(env)))
        return -1;
    for (p = strtok_r(paths, ":", &save); p && rc; p = strtok_r(NULL, ":", &save))
        rc = builtin_in(p, lower, out, cap, so);
    free(paths);
    return rc;
}

/* Whether two files hold the same bytes. */
static int builtin_same(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    char x[65536], y[65536];
    size_t na, nb;
    int same = fa && fb;

    while (same) {
        na = fread(x, 1, sizeof x, fa);
        nb = fread(y, 1, sizeof y, fb);
        same = na == nb && !memcmp(x, y, na) && !ferror(fa) && !ferror(fb);
        if (!na)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

int hr_builtin_instead(const char *path, char *out, size_t cap)
{
    const char *name = strrchr(path, '/');
    int so = 0;

    if (builtin_find(name ? name + 1 : path, out, cap, &so))
        return 0;
    /* the loader maps the builtin when it finds one (load_builtin, LO_BUILTIN_NATIVE): an identical copy is
       the same program, anything else is not the candidate */
    return so || !builtin_same(path, out);
}
