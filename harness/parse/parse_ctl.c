/* Records carried by OutputDebugString: the controller's svccert-ctl lines and svcref markers. */
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"

#define HP_CTL_PREFIX "svccert-ctl "
#define HP_MARK_PREFIX "svcref rule="

int hp_debugstr_line(const struct hp_line *l, struct hp_buf *out, int *truncated)
{
    const char *end;

    /* OutputDebugStringW's text reaches the log through kernel32's A call on the seh channel */
    if (l->kind != HP_CLIENT || strcmp(l->cls, "warn") ||
        (strcmp(l->chan, "debugstr") && strcmp(l->chan, "seh")) ||
        (strcmp(l->func, "OutputDebugStringA") && strcmp(l->func, "OutputDebugStringW")))
        return 0;
    out->n = 0;
    return hp_dbgstr(l->msg, out, &end, truncated) == 0;
}

static int hp_is_word(const char *s, size_t n)
{
    size_t i;

    if (!n) return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

static int hp_is_reserved(const char *k, size_t n)
{
    static const char *const names[] = {"ev", "seq", "t", "pid", "tid", "raw", "t_est", "truncated"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == n && !memcmp(names[i], k, n)) return 1;
    return 0;
}

/* Decimal integer -> integer, decimal with a dot -> number, "-" -> null, else a %-decoded string. */
static json_t *hp_ctl_value(const char *v, size_t n)
{
    size_t i = (n && v[0] == '-') ? 1 : 0, digits = 0, dots = 0, frac = 0;
    struct hp_buf b = {0};
    long long iv;
    json_t *j;

    if (n == 1 && v[0] == '-') return json_null();
    for (; i < n; i++) {
        if (v[i] >= '0' && v[i] <= '9') {
            digits++;
            if (dots) frac++;
        } else if (v[i] == '.' && !dots && digits) {
            dots++;
        } else {
            break;
        }
    }
    if (i == n && digits && !dots && hp_parse_dec(v, n, &iv)) return json_integer(iv);
    if (i == n && dots && frac) {
        char tmp[64];

        if (n < sizeof(tmp)) {
            memcpy(tmp, v, n);
            tmp[n] = 0;
            return json_real(strtod(tmp, NULL));
        }
    }
    if (hp_pct_decode(v, n, &b)) return NULL;
    j = hp_jstr(b.p, b.n);
    hp_buf_free(&b);
    return j;
}

static json_t *hp_bad_record(struct hp_out *o, const char *text, size_t n, long long seq, double t,
                             int t_est, unsigned pid, unsigned tid)
{
    json_t *e = hp_ev_obj("harness", seq, t, t_est, pid, tid, 1);

    hp_set(o, e, "action", json_string("bad_ctl_record"));
    hp_set(o, e, "detail", hp_jstr(text, n));
    return e;
}

json_t *hp_ctl_event(struct hp_out *o, const char *text, size_t n, int truncated, long long seq,
                     double t, int t_est, unsigned pid, unsigned tid)
{
    return hp_rec_event(o, HP_CTL_PREFIX, "ctl_", text, n, truncated, seq, t, t_est, pid, tid);
}

json_t *hp_rec_event(struct hp_out *o, const char *prefix, const char *evprefix, const char *text,
                     size_t n, int truncated, long long seq, double t, int t_est, unsigned pid,
                     unsigned tid)
{
    size_t plen = strlen(prefix), elen = strlen(evprefix), i, j, eq;
    const char *p;
    char name[64];
    json_t *e;

    if (n < plen || memcmp(text, prefix, plen)) return NULL;
    p = text + plen;
    n -= plen;
    for (i = 0; i < n && p[i] != ' '; i++)
        ;
    if (i <= elen || i >= sizeof(name) || memcmp(p, evprefix, elen) || !hp_is_word(p, i))
        return hp_bad_record(o, text, n + plen, seq, t, t_est, pid, tid);
    memcpy(name, p, i);
    name[i] = 0;
    if (!(e = hp_ev_obj(name, seq, t, t_est, pid, tid, 1))) {
        o->failed = 1;
        return NULL;
    }
    if (truncated) {
        /* Wine cut the text; the last token may be partial, so it is not trusted */
        while (n > i && p[n - 1] != ' ') n--;
        hp_set(o, e, "truncated", json_true());
    }
    while (i < n) {
        while (i < n && p[i] == ' ') i++;
        for (j = i; j < n && p[j] != ' '; j++)
            ;
        for (eq = i; eq < j && p[eq] != '='; eq++)
            ;
        if (eq < j && hp_is_word(p + i, eq - i) && !hp_is_reserved(p + i, eq - i) &&
            eq - i < sizeof(name)) {
            memcpy(name, p + i, eq - i);
            name[eq - i] = 0;
            hp_set(o, e, name, hp_ctl_value(p + eq + 1, j - eq - 1));
        }
        i = j;
    }
    return e;
}

unsigned hp_ctl_service_pid(const char *text, size_t n)
{
    static const char key[] = " service_pid=";
    size_t kl = sizeof(key) - 1, i, j;
    long long v;

    for (i = 0; i + kl <= n; i++) {
        if (memcmp(text + i, key, kl)) continue;
        for (j = i + kl; j < n && text[j] != ' '; j++)
            ;
        if (hp_parse_dec(text + i + kl, j - i - kl, &v) && v > 0 && v <= 0xffffffffLL)
            return (unsigned)v;
        return 0;
    }
    return 0;
}

unsigned hp_ctl_launch_pid(const char *text, size_t n, int truncated)
{
    static const char name[] = HP_CTL_PREFIX "ctl_launch ";
    size_t nl = sizeof(name) - 1, i, j, eq;
    unsigned pid = 0;
    int ok = 0;
    long long v;

    if (n < nl || memcmp(text, name, nl)) return 0;
    /* the last token of a record Wine cut may be partial */
    if (truncated)
        while (n > nl && text[n - 1] != ' ') n--;
    for (i = nl; i < n; i = j) {
        while (i < n && text[i] == ' ') i++;
        for (j = i; j < n && text[j] != ' '; j++)
            ;
        for (eq = i; eq < j && text[eq] != '='; eq++)
            ;
        if (eq == i + 2 && !memcmp(text + i, "ok", 2)) {
            ok = j - eq == 2 && text[eq + 1] == '1';
        } else if (eq == i + 10 && !memcmp(text + i, "server_pid", 10)) {
            if (hp_parse_dec(text + eq + 1, j - eq - 1, &v) && v > 0 && v <= 0xffffffffLL) pid = (unsigned)v;
        }
    }
    return ok ? pid : 0;
}

json_t *hp_marker_event(struct hp_out *o, const char *text, size_t n, long long seq, double t,
                        int t_est, unsigned pid, unsigned tid)
{
    size_t plen = strlen(HP_MARK_PREFIX), i;
    const char *p;
    json_t *e;

    if (n <= plen || memcmp(text, HP_MARK_PREFIX, plen)) return NULL;
    p = text + plen;
    n -= plen;
    for (i = 0; i < n && p[i] != ' '; i++)
        ;
    if (!i) return NULL;
    e = hp_ev_obj("marker", seq, t, t_est, pid, tid, 1);
    hp_set(o, e, "rule", hp_jstr(p, i));
    while (i < n && p[i] == ' ') i++;
    hp_set(o, e, "text", hp_jstr(p + i, n - i));
    return e;
}
