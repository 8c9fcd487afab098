/* html_escape.c: untrusted text into HTML/SVG as text, never as markup. */
#include "html_escape.h"
#include <string.h>

/* The length of the valid UTF-8 sequence at s (of at most n bytes), or 0 when it is not one: a string cut
 * short mid-character, or bytes that are no UTF-8, must not make the whole page invalid. */
static size_t rp_utf8_len(const unsigned char *s, size_t n)
{
    size_t len, i;

    if (s[0] < 0x80)
        return 1;
    len = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3 : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
    if (!len || len > n)
        return 0;
    for (i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    /* overlong forms, UTF-16 surrogates and code points past U+10FFFF */
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) || (s[0] == 0xF0 && s[1] < 0x90) ||
        (s[0] == 0xF4 && s[1] > 0x8F))
        return 0;
    return len;
}

void rp_esc(FILE *f, const char *s, size_t max)
{
    size_t n, i, end;

    if (!s)
        return;
    n = strlen(s);
    end = max && n > max ? max : n;
    /* never end inside a UTF-8 sequence: a cut character would make the page's text invalid */
    while (end < n && end > 0 && ((unsigned char)s[end] & 0xC0) == 0x80)
        end--;
    for (i = 0; i < end; i++) {
        unsigned char c = (unsigned char)s[i];

        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            /* a control character is no text a reader can see, and some are errors in HTML */
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
                fputs("&#xFFFD;", f);
            } else if (c < 0x80) {
                fputc(c, f);
            } else {
                size_t len = rp_utf8_len((const unsigned char *)s + i, end - i);
                if (!len) {
                    fputs("&#xFFFD;", f);
                } else {
                    fwrite(s + i, 1, len, f);
                    i += len - 1;
                }
            }
        }
    }
    if (end < n)
        fputs("\xE2\x80\xA6", f);
}

void rp_ms(FILE *f, double ms)
{
    double a = ms < 0 ? -ms : ms;

    char buf[64];
    size_t n;

    if (a < 1000) {
        fprintf(f, "%.*f ms", a == (long long)a ? 0 : 1, ms);
        return;
    }
    snprintf(buf, sizeof buf, "%.3f", ms / 1000);
    n = strlen(buf);
    while (n > 0 && buf[n - 1] == '0')
        buf[--n] = 0;
    if (n > 0 && buf[n - 1] == '.')
        buf[--n] = 0;
    fprintf(f, "%s s", buf);
}
