/* prefix.c: the pre-booted Wine prefix template, its per-run hard-link clones, and their cleanup. */
#define _XOPEN_SOURCE 700
#include "harness.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int hr_mkdirs(const char *path)
{
    char buf[4096];
    char *p;

    if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0755) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

static void pfx_cache_dir(char *out, size_t cap)
{
    const char *c = getenv("SVCCERT_CACHE"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");

    if (c && *c)
        snprintf(out, cap, "%s", c);
    else if (x && *x)
        snprintf(out, cap, "%s/svccert", x);
    else
        snprintf(out, cap, "%s/.cache/svccert", h && *h ? h : "/tmp");
}

/* What every run's prefix needs beyond a fresh boot: windows without an X server (a user-started COM
 * server shows one), no crash dialog (with windows working, winedbg would wait on it for a person
 * instead of ending a crashed candidate), and the COM calls whose results only Wine's relay channel
 * prints. Bump PFX_SETTINGS_VERSION when this changes, so that old templates are not reused. */
#define PFX_SETTINGS_VERSION 3
static const char pfx_settings[] =
    "REGEDIT4\r\n\r\n"
    "[HKEY_CURRENT_USER\\Software\\Wine\\Drivers]\r\n"
    "\"Graphics\"=\"null\"\r\n\r\n"
    "[HKEY_CURRENT_USER\\Software\\Wine\\WineDbg]\r\n"
    "\"ShowCrashDialog\"=dword:00000000\r\n\r\n"
    "[HKEY_CURRENT_USER\\Software\\Wine\\Debug]\r\n"
    "\"RelayInclude\"=\"combase.CoRegisterClassObject;combase.CoRevokeClassObject;combase.CoResumeClassObjects;"
    "combase.CoInitializeSecurity;combase.CoInitializeEx\"\r\n";

static int pfx_apply_settings(const char *dir, struct hr_env *e, const char *log)
{
    char loader[512], file[4300];
    char *imp[] = { loader, "reg", "import", "C:\\svccert-settings.reg", NULL };
    FILE *f;
    int pid, st;

    if (hr_wine_tool("wine64", loader, sizeof loader) ||
        (size_t)snprintf(file, sizeof file, "%s/drive_c/svccert-settings.reg", dir) >= sizeof file)
        return -1;
    if (!(f = fopen(file, "w")))
        return -1;
    if ((fputs(pfx_settings, f) < 0) | fclose(f))
        return -1;
    pid = hr_spawn(e, imp, log, log);
    st = pid < 0 ? HR_WAIT_ERROR : hr_wait_until(pid, hr_now_ms() + 60000);
    unlink(file);
    return st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) ? -1 : 0;
}

static int pfx_boot(const char *dir, char *err, size_t errlen)
{
    char loader[512], server[512], log[4300];
    char *boot[] = { loader, "wineboot", "-i", NULL };
    char *wait[] = { server, "-w", NULL };
    struct hr_env *e;
    int pid, st;

    if (hr_wine_tool("wine64", loader, sizeof loader) || hr_wine_tool("wineserver64", server, sizeof server) ||
        (size_t)snprintf(log, sizeof log, "%s.boot.log", dir) >= sizeof log) {
        snprintf(err, errlen, "the paths of Wine (%s) or of the cache (%s) are too long", hr_wine_dir(), dir);
        return -1;
    }
    if (!(e = hr_env_new(dir, "-all"))) {
        snprintf(err, errlen, "cannot make the environment of Wine's processes: out of memory");
        return -1;
    }
    pid = hr_spawn(e, boot, log, log);
    if (pid < 0 || (st = hr_wait_until(pid, hr_now_ms() + 180000)) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
        snprintf(err, errlen, "wineboot failed in %s (see %s)", dir, log);
        if (pid > 0)
            hr_prefix_reap(dir);
        hr_env_free(e);
        return -1;
    }
    if (pfx_apply_settings(dir, e, log)) {
        snprintf(err, errlen, "cannot set the prefix's settings in %s (see %s)", dir, log);
        hr_prefix_reap(dir);
        hr_env_free(e);
        return -1;
    }
    /* The registry reaches system.reg only when the prefix's wineserver exits. */
    pid = hr_spawn(e, wait, log, log);
    if (pid > 0 && hr_wait_until(pid, hr_now_ms() + 60000) == HR_WAIT_TIMEOUT)
        hr_prefix_reap(dir);
    hr_env_free(e);
    return 0;
}

/* One template per machine and Wine build, made once under a lock so concurrent runs wait for it
 * instead of each booting their own. */
int hr_prefix_template(char *out, size_t cap, char *err, size_t errlen)
{
    char cache[4096], lockp[4200], tmp[4200], server[512];
    struct stat st;
    int fd, rc = 0;

    pfx_cache_dir(cache, sizeof cache);
    if (hr_wine_tool("wineserver64", server, sizeof server)) {
        snprintf(err, errlen, "SVCCERT_WINE_DIR is too long");
        return -1;
    }
    if (stat(server, &st)) {
        snprintf(err, errlen, "Wine is not installed (%s missing)", server);
        return -1;
    }
    if ((size_t)snprintf(out, cap, "%s/wine-template-v%d-%lld", cache, PFX_SETTINGS_VERSION,
                         (long long)st.st_mtime) >= cap ||
        (size_t)snprintf(lockp, sizeof lockp, "%s/template.lock", cache) >= sizeof lockp) {
        snprintf(err, errlen, "the cache directory %s is too long", cache);
        return -1;
    }
    if (!access(out, F_OK))
        return 0;
    if (hr_mkdirs(cache)) {
        snprintf(err, errlen, "cannot create %s: %s", cache, strerror(errno));
        return -1;
    }
    fd = open(lockp, O_RDWR | O_CREAT, 0644);
    if (fd < 0 || flock(fd, LOCK_EX)) {
        snprintf(err, errlen, "cannot lock %s: %s", lockp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (access(out, F_OK)) {
        snprintf(tmp, sizeof tmp, "%s.tmp%ld", out, (long)getpid());
        hr_prefix_remove(tmp);
        rc = pfx_boot(tmp, err, errlen);
        if (!rc && rename(tmp, out)) {
            snprintf(err, errlen, "cannot move the template into place: %s", strerror(errno));
            rc = -1;
        }
        if (rc)
            hr_prefix_remove(tmp);
    }
    close(fd);
    return rc;
}

static const char *pfx_src, *pfx_dst;
static size_t pfx_srclen;

int hr_copy_file(const char *from, const char *to)
{
    char buf[65536];
    int in = open(from, O_RDONLY), out;
    ssize_t n;

    if (in < 0)
        return -1;
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    close(in);
    /* a write error may first show at close (a full disk, NFS) */
    if (close(out))
        n = -1;
    return n < 0 ? -1 : 0;
}

/* Directories are made, files copied, links recreated. Only an unconfined run (--no-sandbox) copies the
 * template; a sandboxed one lays an overlay over it. Never hard links: a write through one would change
 * the template every later run starts from. */
static int pfx_clone_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    char dst[4096], target[4096];
    const char *rel = path + pfx_srclen;
    ssize_t n;

    (void)ftw;
    if ((size_t)snprintf(dst, sizeof dst, "%s%s", pfx_dst, rel) >= sizeof dst) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (type == FTW_D)
        return mkdir(dst, sb->st_mode & 07777) && errno != EEXIST ? -1 : 0;
    if (type == FTW_SL) {
        n = readlink(path, target, sizeof target - 1);
        if (n < 0)
            return -1;
        target[n] = 0;
        return symlink(target, dst);
    }
    if (type != FTW_F)
        return 0;
    return hr_copy_file(path, dst);
}

int hr_prefix_clone(const char *tpl, const char *dst, char *err, size_t errlen)
{
    pfx_src = tpl;
    pfx_srclen = strlen(tpl);
    pfx_dst = dst;
    if (nftw(tpl, pfx_clone_one, 32, FTW_PHYS)) {
        snprintf(err, errlen, "cannot clone the Wine prefix %s into %s: %s", tpl, dst, strerror(errno));
        return -1;
    }
    return 0;
}

static int pfx_remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

void hr_prefix_remove(const char *dir)
{
    nftw(dir, pfx_remove_one, 32, FTW_DEPTH | FTW_PHYS);
}

static int pfx_uses_prefix(const char *pid, const char *want, size_t wantlen)
{
    char path[64], buf[65536];
    ssize_t n, i = 0;
    int fd;

    snprintf(path, sizeof path, "/proc/%s/environ", pid);
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    while (n > 0 && i < n) {
        const char *v = buf + i;
        size_t len = strnlen(v, (size_t)(n - i));
        if (len == wantlen && !memcmp(v, want, wantlen))
            return 1;
        i += (ssize_t)len + 1;
    }
    return 0;
}

int hr_prefix_reap(const char *prefix)
{
    char want[4200];
    DIR *d = opendir("/proc");
    struct dirent *de;
    int found = 0;

    if (!d)
        return 0;
    snprintf(want, sizeof want, "WINEPREFIX=%s", prefix);
    while ((de = readdir(d))) {
        long pid = strtol(de->d_name, NULL, 10);
        if (pid <= 1 || pid == (long)getpid() || !pfx_uses_prefix(de->d_name, want, strlen(want)))
            continue;
        kill((pid_t)pid, SIGKILL);
        found++;
    }
    closedir(d);
    return found;
}
