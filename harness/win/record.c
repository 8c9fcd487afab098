/* record.c: the records the controller and the COM client leave in Wine's debug log. */
#include "record.h"
#include <stdarg.h>
#include <stdio.h>

static LARGE_INTEGER rec_freq, rec_t0;
static const char *rec_prefix = "svccert-rec";

void rec_init(const char *prefix)
{
    rec_prefix = prefix;
    QueryPerformanceFrequency(&rec_freq);
    QueryPerformanceCounter(&rec_t0);
}

double rec_ms_since(const LARGE_INTEGER *from)
{
    LARGE_INTEGER now;

    QueryPerformanceCounter(&now);
    return (double)(now.QuadPart - from->QuadPart) * 1000.0 / (double)rec_freq.QuadPart;
}

/* Percent-encoding keeps a value free of spaces, quotes and backslashes, which Wine's debugstr
 * escaping would otherwise rewrite. */
void rec_enc(char *out, size_t cap, const wchar_t *s)
{
    char u8[1024];
    const unsigned char *p;
    size_t n = 0;

    if (!s) {
        snprintf(out, cap, "-");
        return;
    }
    WideCharToMultiByte(CP_UTF8, 0, s, -1, u8, sizeof u8, NULL, NULL);
    for (p = (const unsigned char *)u8; *p && n + 4 < cap; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '.' || *p == '_' || *p == '-' || *p == ':' || *p == '/')
            out[n++] = (char)*p;
        else
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", *p);
    }
    out[n] = 0;
}

/* Wine cuts debug strings near 300 characters and marks the cut, which the parser reports;
 * records are written to stay under that, and a longer one is left for Wine to cut visibly. */
void rec_line(const char *fmt, ...)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s ", rec_prefix);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    OutputDebugStringA(buf);
    printf("%10.3f %s\n", rec_ms_since(&rec_t0), buf);
    fflush(stdout);
}
