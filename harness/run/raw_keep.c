/* raw_keep.c: the raw log a run keeps beside its trace, gzip-compressed: the same lines at a tenth of the size. */
#include "harness.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Wine's debug lines repeat themselves; level 6 (gzip's default) keeps most of level 9's gain at a third of its time. */
#define RAW_GZ_LEVEL "wb6"

static int raw_keep_fail(const char *to, const char *what, int e, char *err, size_t errlen)
{
    snprintf(err, errlen, "cannot keep the raw log as %s: %s%s%s", to, what ? what : "", what ? ": " : "",
             strerror(e ? e : EIO));
    return -1;
}

int hr_raw_keep(const char *from, const char *to, char *err, size_t errlen)
{
    char tmp[4300];
    unsigned char buf[1 << 16];
    FILE *in;
    gzFile gz;
    size_t n;
    int fd, zr, e;

    in = fopen(from, "rb");
    if (!in)
        return raw_keep_fail(to, "reading the run's log", errno, err, errlen);
    /* a temporary name, renamed when whole: a .gz under its own name is never a half-written one */
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", to) >= sizeof tmp) {
        fclose(in);
        return raw_keep_fail(to, NULL, ENAMETOOLONG, err, errlen);
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        e = errno;
        fclose(in);
        return raw_keep_fail(to, NULL, e, err, errlen);
    }
    (void)fchmod(fd, 0644);
    gz = gzdopen(fd, RAW_GZ_LEVEL);
    if (!gz) {
        e = errno;
        close(fd);
        fclose(in);
        goto fail_errno;
    }
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (gzwrite(gz, buf, (unsigned)n) != (int)n)
            break;
    if (ferror(in)) {
        e = errno;
        gzclose(gz);
        fclose(in);
        unlink(tmp);
        return raw_keep_fail(to, "reading the run's log", e, err, errlen);
    }
    if (n > 0) {
        /* gzwrite failed: zlib says Z_ERRNO for the file's own error (a full disk), else its own words */
        const char *why = gzerror(gz, &zr);

        e = errno;
        snprintf(err, errlen, "cannot keep the raw log as %s: %s", to, zr == Z_ERRNO ? strerror(e ? e : EIO) : why);
        gzclose(gz);
        fclose(in);
        unlink(tmp);
        return -1;
    }
    fclose(in);
    /* the last block and the trailer are written here: a full disk shows here as often as in gzwrite */
    errno = 0;
    zr = gzclose(gz);
    e = errno;
    if (zr != Z_OK)
        goto fail_errno;
    if (rename(tmp, to)) {
        e = errno;
        goto fail_errno;
    }
    return 0;
fail_errno:
    unlink(tmp);
    return raw_keep_fail(to, NULL, e, err, errlen);
}
