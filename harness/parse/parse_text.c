/* Decoding Wine's escaped debug strings and percent-encoded values into valid UTF-8. */
#include <stdlib.h>
#include <string.h>

#include "parse_text.h"

int hp_buf_put(struct hp_buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        char *p;

        while (cap < b->n + n + 1) cap *= 2;
        if (!(p = realloc(b->p, cap))) return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
    return 0;
}

void hp_buf_free(struct hp_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

static int hp_xdigit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Value of n hex digits at p, or -1. */
static long hp_xdigits(const char *p, int n)
{
    long v = 0;
    int i, d;

    for (i = 0; i < n; i++) {
        if ((d = hp_xdigit(p[i])) < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static int hp_put_cp(struct hp_buf *b, unsigned long cp)
{
    char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return hp_buf_put(b, u, n);
}

/* A UTF-16 unit from a W string; a high surrogate waits in *hi for its partner. */
static int hp_put_unit(struct hp_buf *b, unsigned long u, unsigned long *hi)
{
    if (*hi) {
        unsigned long h = *hi;

        *hi = 0;
        if (u >= 0xdc00 && u <= 0xdfff)
            return hp_put_cp(b, 0x10000 + ((h - 0xd800) << 10) + (u - 0xdc00));
        if (hp_put_cp(b, 0xfffd)) return -1;
    }
    if (u >= 0xd800 && u <= 0xdbff) {
        *hi = u;
        return 0;
    }
    if (u >= 0xdc00 && u <= 0xdfff) u = 0xfffd;
    return hp_put_cp(b, u);
}

int hp_dbgstr(const char *s, struct hp_buf *out, const char **end, int *truncated)
{
    const char *p = s;
    unsigned long hi = 0;
    int wide = 0, rc = 0;
    long v;
    char c;

    *truncated = 0;
    if (*p == 'L') {
        wide = 1;
        p++;
    }
    if (*p++ != '"') return -1;
    for (;;) {
        c = *p;
        if (!c) {
            *truncated = 1;
            break;
        }
        if (c == '"') {
            p++;
            break;
        }
        if (c != '\\' || !p[1]) {
            rc |= wide ? hp_put_unit(out, (unsigned char)c, &hi) : hp_buf_put(out, p, 1);
            p++;
            continue;
        }
        c = p[1];
        p += 2;
        if (wide && (v = hp_xdigits(p - 1, 4)) >= 0) {
            rc |= hp_put_unit(out, (unsigned long)v, &hi);
            p += 3;
        } else if (c == 'x' && (v = hp_xdigits(p, 2)) >= 0) {
            char byte = (char)v;

            rc |= wide ? hp_put_unit(out, (unsigned long)v, &hi) : hp_buf_put(out, &byte, 1);
            p += 2;
        } else {
            char e = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
            rc |= wide ? hp_put_unit(out, (unsigned char)e, &hi) : hp_buf_put(out, &e, 1);
        }
    }
    if (hi) rc |= hp_put_cp(out, 0xfffd);
    if (!strncmp(p, "...", 3)) {
        *truncated = 1;
        p += 3;
    }
    *end = p;
    if (!out->p) rc |= hp_buf_put(out, "", 0);
    return rc ? -2 : 0;
}

/* Length of the valid UTF-8 sequence at s, 0 if it is not one. */
static size_t hp_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len, i;
    unsigned char lo = 0x80, hi = 0xbf;

    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) len = 3;
    else if (c >= 0xf0 && c <= 0xf4) len = 4;
    else return 0;
    if (len > n) return 0;
    if (c == 0xe0) lo = 0xa0;
    else if (c == 0xed) hi = 0x9f;
    else if (c == 0xf0) lo = 0x90;
    else if (c == 0xf4) hi = 0x8f;
    if (s[1] < lo || s[1] > hi) return 0;
    for (i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf) return 0;
    return len;
}

json_t *hp_jstr(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    struct hp_buf b = {0};
    size_t i = 0, k;
    json_t *j;
    int rc = 0;

    while (i < n) {
        k = hp_utf8_len(u + i, n - i);
        if (k) {
            rc |= hp_buf_put(&b, s + i, k);
            i += k;
        } else {
            rc |= hp_put_cp(&b, u[i]);
            i++;
        }
    }
    if (!rc && !b.p) rc = hp_buf_put(&b, "", 0);
    j = rc ? NULL : json_stringn_nocheck(b.p, b.n);
    hp_buf_free(&b);
    return j;
}

int hp_pct_decode(const char *s, size_t n, struct hp_buf *out)
{
    size_t i = 0;
    int rc = 0;
    long v;

    while (i < n) {
        if (s[i] == '%' && i + 2 < n && (v = hp_xdigits(s + i + 1, 2)) >= 0) {
            char byte = (char)v;
            rc |= hp_buf_put(out, &byte, 1);
            i += 3;
        } else {
            rc |= hp_buf_put(out, s + i, 1);
            i++;
        }
    }
    if (!out->p) rc |= hp_buf_put(out, "", 0);
    return rc ? -1 : 0;
}
