/* cmdline.c: quotes arguments by CommandLineToArgvW's rules, for the image path and LocalServer32.
 * Rule points: none. */
#include "cmdline.h"

static int cmd_needs_quotes(const wchar_t *arg)
{
    if (!*arg)
        return 1;
    for (; *arg; arg++)
        if (*arg == L' ' || *arg == L'\t' || *arg == L'\n' || *arg == L'\v' || *arg == L'"')
            return 1;
    return 0;
}

/* CommandLineToArgvW's rules: inside quotes, 2n backslashes before a quote read as n backslashes and
 * end the quoted part, 2n+1 read as n backslashes and a literal quote, and backslashes anywhere
 * else are literal. So every run of backslashes is doubled where a quote follows it (our closing
 * quote included), and every quote in the argument gets one backslash of its own. */
static size_t cmd_quote(wchar_t *out, size_t room, const wchar_t *arg)
{
    size_t n = 0, slashes = 0;

#define CMD_PUT(c) do { if (n < room) out[n] = (c); n++; } while (0)
    CMD_PUT(L'"');
    for (; *arg; arg++) {
        if (*arg == L'\\') {
            slashes++;
            continue;
        }
        if (*arg == L'"')
            slashes = 2 * slashes + 1;
        for (; slashes; slashes--)
            CMD_PUT(L'\\');
        CMD_PUT(*arg);
    }
    for (slashes *= 2; slashes; slashes--)
        CMD_PUT(L'\\');
    CMD_PUT(L'"');
#undef CMD_PUT
    return n;
}

int cmdline_append(wchar_t *out, size_t cap, size_t *len, const wchar_t *arg, int force)
{
    size_t at = *len, room, n;

    if (at)
        at++;   /* the separating space */
    if (at >= cap)
        return 0;
    room = cap - at - 1;
    if (force || cmd_needs_quotes(arg)) {
        n = cmd_quote(out + at, room, arg);
    } else {
        n = wcslen(arg);
        if (n <= room)
            wmemcpy(out + at, arg, n);
    }
    if (n > room) {
        out[*len] = L'\0';
        return 0;
    }
    if (at > *len)
        out[*len] = L' ';
    out[at + n] = L'\0';
    *len = at + n;
    return 1;
}
