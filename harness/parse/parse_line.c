/* Splitting raw log lines into client trace lines, wineserver lines and Wine messages. */
#include <string.h>

#include "parse_line.h"

static int hp_is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hp_hexval(char c)
{
    if (c >= '0' && c <= '9') return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'f') return (unsigned)(c - 'a' + 10);
    return (unsigned)(c - 'A' + 10);
}

int hp_parse_hex(const char *s, size_t n, unsigned long long *v)
{
    unsigned long long x = 0;
    size_t i = 0;

    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) i = 2;
    if (i == n || n - i > 16) return 0;
    for (; i < n; i++) {
        if (!hp_is_hex(s[i])) return 0;
        x = (x << 4) | hp_hexval(s[i]);
    }
    *v = x;
    return 1;
}

int hp_parse_dec(const char *s, size_t n, long long *v)
{
    unsigned long long x = 0;
    size_t i = 0;
    int neg = 0;

    if (n && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n || n - i > 18) return 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        x = x * 10 + (unsigned long long)(s[i] - '0');
    }
    *v = neg ? -(long long)x : (long long)x;
    return 1;
}

/* Reads up to 8 hex digits ending at `stop`; returns the char after it or NULL. */
static char *hp_hex_field(char *p, char stop, unsigned *v)
{
    unsigned x = 0;
    int n = 0;

    while (hp_is_hex(*p) && n < 9) {
        x = (x << 4) | hp_hexval(*p++);
        n++;
    }
    if (n == 0 || n > 8 || *p != stop) return NULL;
    *v = x;
    return p + 1;
}

/* Cuts a token ending at `stop` in place; returns the char after it or NULL. */
static char *hp_token(char *p, char stop, const char **tok)
{
    char *q = p;

    while (*q && *q != stop && *q != ' ') q++;
    if (q == p || *q != stop) return NULL;
    *q = 0;
    *tok = p;
    return q + 1;
}

static int hp_is_class(const char *c)
{
    return !strcmp(c, "trace") || !strcmp(c, "warn") || !strcmp(c, "err") || !strcmp(c, "fixme");
}

static int hp_is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '@';
}

/* "Call module.func(args) ret=addr" or "Ret  module.func() retval=X ret=addr": +relay prints these
   without the class:channel:function header. Other relay lines ("Call PE DLL (proc=...") are not calls. */
static int hp_relay_rest(char *p, struct hp_line *l)
{
    char *name, *q, *r, *end = NULL;
    int dot = 0;
    size_t n;

    if (!strncmp(p, "Call ", 5)) l->is_ret = 0;
    else if (!strncmp(p, "Ret  ", 5)) l->is_ret = 1;
    else return 0;
    name = p + 5;
    for (q = name; hp_is_name_char(*q); q++) dot |= *q == '.';
    if (q == name || !dot || *q != '(') return 0;
    if (l->is_ret) {
        if (strncmp(q, "() retval=", 10)) return 0;
        r = q + 10;
        n = strspn(r, "0123456789abcdefABCDEF");
        if (!n || (r[n] && r[n] != ' ') || !hp_parse_hex(r, n, &l->retval)) return 0;
        l->msg = "";
    } else {
        /* a string argument may hold ") ret=" itself: the list ends at the last one */
        for (r = q + 1; (r = strstr(r, ") ret=")); r++) end = r;
        if (!end) return 0;
        *end = 0;
        l->msg = q + 1;
    }
    *q = 0;
    l->func = name;
    l->cls = l->chan = "";
    l->kind = HP_RELAY;
    return 1;
}

/* pid:tid:class:channel:function message, after the optional timestamp; or a relay line. */
static int hp_client_rest(char *p, struct hp_line *l)
{
    char *q;

    if (!(p = hp_hex_field(p, ':', &l->pid))) return 0;
    if (!(p = hp_hex_field(p, ':', &l->tid))) return 0;
    if (*p == 'C' || *p == 'R') return hp_relay_rest(p, l);
    if (!(p = hp_token(p, ':', &l->cls)) || !hp_is_class(l->cls)) return 0;
    if (!(p = hp_token(p, ':', &l->chan))) return 0;
    l->func = p;
    q = strchr(p, ' ');
    if (q) {
        *q = 0;
        l->msg = q + 1;
    } else {
        l->msg = "";
    }
    l->kind = HP_CLIENT;
    return 1;
}

/* seconds.fraction: (Wine's +timestamp); returns the char after the colon or NULL. */
static char *hp_timestamp(char *p, double *ms)
{
    double sec = 0, frac = 0, scale = 1;
    int nd = 0, nf = 0;

    while (*p >= '0' && *p <= '9' && nd < 12) {
        sec = sec * 10 + (*p++ - '0');
        nd++;
    }
    if (!nd || *p != '.') return NULL;
    p++;
    while (*p >= '0' && *p <= '9' && nf < 9) {
        frac = frac * 10 + (*p++ - '0');
        scale *= 10;
        nf++;
    }
    if (!nf || *p != ':') return NULL;
    *ms = sec * 1000.0 + frac * 1000.0 / scale;
    return p + 1;
}

void hp_classify(char *line, struct hp_line *l)
{
    size_t n = strlen(line);
    char *p = line, *q;
    unsigned id;

    memset(l, 0, sizeof(*l));
    l->kind = HP_OTHER;
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;

    while (*p == ' ') p++;
    if ((q = hp_timestamp(p, &l->t))) {
        l->has_t = 1;
        if (!hp_client_rest(q, l)) {
            memset(l, 0, sizeof(*l));
            l->kind = HP_OTHER;
        }
        return;
    }
    if ((q = hp_hex_field(p, ':', &id))) {
        if (*q == ' ' && p == line) {
            l->kind = HP_SERVER;
            l->tid = id;
            l->body = q + 1;
            return;
        }
        if (hp_client_rest(p, l)) return;
        memset(l, 0, sizeof(*l));
        l->kind = HP_OTHER;
        return;
    }
    if (!strncmp(line, "wine: ", 6)) {
        l->kind = HP_WINEMSG;
        l->body = line + 6;
    }
}

int hp_server_split(const char *body, struct hp_srv *s)
{
    const char *p = body, *q;
    size_t n;

    memset(s, 0, sizeof(*s));
    s->args = "";
    if (*p == '*') {
        q = strchr(p + 1, '*');
        if (!q || (size_t)(q - p - 1) >= sizeof(s->name)) return 0;
        memcpy(s->name, p + 1, (size_t)(q - p - 1));
        s->is_star = 1;
        q++;
        while (*q == ' ') q++;
        s->args = q;
        return 1;
    }
    for (q = p; (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_'; q++)
        ;
    n = (size_t)(q - p);
    if (!n || n >= sizeof(s->name) || *q != '(') return 0;
    memcpy(s->name, p, n);
    if (!strncmp(q, "() = ", 5)) {
        s->is_reply = 1;
        q += 5;
        for (p = q; *q && *q != ' '; q++)
            ;
        n = (size_t)(q - p);
        if (!n || n >= sizeof(s->status)) return 0;
        memcpy(s->status, p, n);
        while (*q == ' ') q++;
        if (*q == '{') {
            q++;
            while (*q == ' ') q++;
            s->args = q;
        }
        return 1;
    }
    q++;
    while (*q == ' ') q++;
    s->args = q;
    return 1;
}

/* Past a quoted string starting at p (which points at the quote). */
static const char *hp_skip_string(const char *p)
{
    p++;
    while (*p && *p != '"') {
        if (*p == '\\' && p[1]) p++;
        p++;
    }
    return *p ? p + 1 : p;
}

/* End of the value starting at v: the next comma or unmatched closer outside nesting. */
static const char *hp_value_end(const char *v)
{
    int d = 0;

    while (*v) {
        if (*v == '"') {
            v = hp_skip_string(v);
            continue;
        }
        if (*v == '{' || *v == '(') d++;
        else if (*v == '}' || *v == ')') {
            if (!d) break;
            d--;
        } else if (*v == ',' && !d) break;
        v++;
    }
    return v;
}

int hp_kv(const char *args, const char *key, const char **val, size_t *len)
{
    size_t kl = strlen(key);
    const char *p = args, *e;
    int depth = 0, at_item = 1;

    while (*p) {
        if (*p == '"') {
            p = hp_skip_string(p);
            at_item = 0;
            continue;
        }
        if (*p == '{' || *p == '(') {
            depth++;
        } else if (*p == '}' || *p == ')') {
            if (!depth) return 0;
            depth--;
        } else if (!depth && *p == ',') {
            at_item = 1;
            p++;
            continue;
        } else if (*p == ' ') {
            p++;
            continue;
        } else if (!depth && at_item && !strncmp(p, key, kl) && p[kl] == '=') {
            p += kl + 1;
            e = hp_value_end(p);
            while (e > p && e[-1] == ' ') e--;
            *val = p;
            *len = (size_t)(e - p);
            return 1;
        }
        at_item = 0;
        p++;
    }
    return 0;
}

int hp_kv_hex(const char *args, const char *key, unsigned long long *v)
{
    const char *s;
    size_t n;

    return hp_kv(args, key, &s, &n) && hp_parse_hex(s, n, v);
}

int hp_kv_dec(const char *args, const char *key, long long *v)
{
    const char *s;
    size_t n;

    return hp_kv(args, key, &s, &n) && hp_parse_dec(s, n, v);
}

size_t hp_split(const char *s, char sep, const char **w, size_t *wl, size_t max)
{
    size_t n = 0;

    while (*s && n < max) {
        while (*s == ' ') s++;
        if (!*s) break;
        w[n] = s;
        while (*s && *s != sep) s++;
        wl[n] = (size_t)(s - w[n]);
        while (wl[n] && w[n][wl[n] - 1] == ' ') wl[n]--;
        n++;
        if (*s == sep) s++;
    }
    return n;
}
