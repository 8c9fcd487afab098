/* hp_gz_open: a raw log read as it is or, when it starts with gzip's magic, through zlib (the kept .raw.log.gz). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "parse_gz.h"

struct hp_gz {
    FILE *in;
    unsigned char pre[2];   /* the bytes read to tell the formats apart, handed out first */
    int npre, gz, done;
    int err;                /* a stream that cannot be read whole fails its reader, never ends quietly */
    z_stream z;
    unsigned char buf[65536];
};

/* The compressed bytes: the peeked ones, then the file's. */
static size_t hp_gz_fill(struct hp_gz *g)
{
    size_t n = 0;

    if (g->npre) {
        memcpy(g->buf, g->pre, (size_t)g->npre);
        n = (size_t)g->npre;
        g->npre = 0;
    }
    n += fread(g->buf + n, 1, sizeof g->buf - n, g->in);
    return n;
}

static ssize_t hp_gz_read(void *cookie, char *out, size_t len)
{
    struct hp_gz *g = cookie;
    uInt want = (uInt)(len > 1u << 30 ? 1u << 30 : len);
    size_t n;
    int zr;

    if (g->err) {
        errno = g->err;
        return -1;
    }
    if (!g->gz) {
        /* a plain log that happened to start with 0x1f: its first byte back, then the file */
        n = 0;
        while (g->npre && n < len) {
            out[n++] = (char)g->pre[0];
            g->pre[0] = g->pre[1];
            g->npre--;
        }
        return (ssize_t)(n + fread(out + n, 1, len - n, g->in));
    }
    g->z.next_out = (unsigned char *)out;
    g->z.avail_out = want;
    /* return as soon as there is text: getline asks again */
    while (g->z.avail_out == want && !g->done && !g->err) {
        if (!g->z.avail_in) {
            n = hp_gz_fill(g);
            if (!n && ferror(g->in)) {
                g->err = errno ? errno : EIO;
                break;
            }
            if (!n) {
                /* the file ended inside a member: a .gz cut short (a full disk, a write that never ended) */
                g->err = EPIPE;
                break;
            }
            g->z.next_in = g->buf;
            g->z.avail_in = (uInt)n;
        }
        zr = inflate(&g->z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            /* gzip allows members one after another (`cat a.gz b.gz`); anything else after the end is damage */
            if (!g->z.avail_in) {
                n = hp_gz_fill(g);
                g->z.next_in = g->buf;
                g->z.avail_in = (uInt)n;
            }
            if (!g->z.avail_in)
                g->done = 1;
            else if (inflateReset(&g->z) != Z_OK)
                g->err = EILSEQ;
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            g->err = zr == Z_MEM_ERROR ? ENOMEM : EILSEQ;
            break;
        }
    }
    n = (size_t)((char *)g->z.next_out - out);
    if (!n && g->err) {
        errno = g->err;
        return -1;
    }
    return (ssize_t)n;
}

static int hp_gz_close(void *cookie)
{
    struct hp_gz *g = cookie;

    if (g->gz)
        inflateEnd(&g->z);
    free(g);
    return 0;
}

FILE *hp_gz_open(FILE *in, int *err)
{
    static const cookie_io_functions_t io = { hp_gz_read, NULL, NULL, hp_gz_close };
    struct hp_gz *g;
    FILE *f;
    int c;

    *err = 0;
    c = getc(in);
    if (c != 0x1f) {
        if (c != EOF && ungetc(c, in) == EOF) {
            *err = EIO;
            return NULL;
        }
        return in;
    }
    if (!(g = calloc(1, sizeof *g))) {
        *err = ENOMEM;
        return NULL;
    }
    g->in = in;
    g->pre[0] = (unsigned char)c;
    g->npre = 1;
    if ((c = getc(in)) != EOF)
        g->pre[g->npre++] = (unsigned char)c;
    /* 16 + MAX_WBITS: a gzip header and trailer, whose CRC and length zlib checks */
    g->gz = g->npre == 2 && g->pre[1] == 0x8b;
    if (g->gz && inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
        free(g);
        *err = ENOMEM;
        return NULL;
    }
    if (!(f = fopencookie(g, "r", io))) {
        *err = errno ? errno : ENOMEM;
        hp_gz_close(g);
        return NULL;
    }
    return f;
}

const char *hp_gz_strerror(int err)
{
    if (err == EPIPE)
        return "the compressed log ends before its gzip stream does (a .gz cut short)";
    if (err == EILSEQ)
        return "the compressed log is damaged (not a valid gzip stream)";
    return strerror(err);
}
