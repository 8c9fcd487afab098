/* Records carried by OutputDebugString: the one reader of their key=value words, the events of the
   svccert-ctl and svccert-cli records, and svcref markers. */
#include <stdlib.h>
#include <string.h>

#include "parse_ctl.h"

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

int hp_rec_split(const char *text, size_t n, const char *prefix, int truncated, struct hp_rec *r)
{
    size_t plen = strlen(prefix), i;

    if (n < plen || memcmp(text, prefix, plen)) return 0;
    text += plen;
    n -= plen;
    for (i = 0; i < n && text[i] != ' '; i++)
        ;
    r->name = text;
    r->nlen = i;
    r->args = text + i;
    r->alen = n - i;
    r->truncated = truncated;
    /* Wine cut the text; the last word may be partial, so it is not trusted */
    if (truncated)
        while (r->alen && r->args[r->alen - 1] != ' ') r->alen--;
    return 1;
}

int hp_rec_is(const struct hp_rec *r, const char *name)
{
    return r->nlen == strlen(name) && !memcmp(r->name, name, r->nlen);
}

int hp_rec_next(const struct hp_rec *r, size_t *pos, const char **key, size_t *kl, const char **val,
                size_t *vl)
{
    const char *p = r->args;
    size_t i = *pos, j, eq;

    while (i < r->alen) {
        while (i < r->alen && p[i] == ' ') i++;
        for (j = i; j < r->alen && p[j] != ' '; j++)
            ;
        for (eq = i; eq < j && p[eq] != '='; eq++)
            ;
        if (eq < j) {
            *key = p + i;
            *kl = eq - i;
            *val = p + eq + 1;
            *vl = j - eq - 1;
            *pos = j;
            return 1;
        }
        i = j;
    }
    *pos = i;
    return 0;
}

int hp_rec_get(const struct hp_rec *r, const char *key, const char **val, size_t *vl)
{
    size_t pos = 0, kl, len = strlen(key), wl;
    const char *k, *v;
    int found = 0;

    while (hp_rec_next(r, &pos, &k, &kl, &v, &wl)) {
        if (kl != len || memcmp(k, key, kl)) continue;
        *val = v;
        *vl = wl;
        found = 1;
    }
    return found;
}

int hp_rec_flag(const struct hp_rec *r, const char *key)
{
    const char *v;
    size_t vl;

    return hp_rec_get(r, key, &v, &vl) && vl == 1 && v[0] == '1';
}

unsigned hp_rec_pid(const struct hp_rec *r, const char *key)
{
    const char *v;
    size_t vl;
    long long pid;

    if (!hp_rec_get(r, key, &v, &vl) || !hp_parse_dec(v, vl, &pid) || pid <= 0 || pid > 0xffffffffLL) return 0;
    return (unsigned)pid;
}

json_t *hp_rec_event(struct hp_out *o, const char *prefix, const char *evprefix, const char *text,
                     size_t n, int truncated, long long seq, double t, int t_est, unsigned pid,
                     unsigned tid)
{
    size_t elen = strlen(evprefix), pos = 0, kl, vl;
    struct hp_rec r;
    const char *k, *v;
    char name[64];
    json_t *e;

    if (!hp_rec_split(text, n, prefix, truncated, &r)) return NULL;
    if (r.nlen <= elen || r.nlen >= sizeof(name) || memcmp(r.name, evprefix, elen) || !hp_is_word(r.name, r.nlen))
        return hp_bad_record(o, text, n, seq, t, t_est, pid, tid);
    memcpy(name, r.name, r.nlen);
    name[r.nlen] = 0;
    if (!(e = hp_ev_obj(name, seq, t, t_est, pid, tid, 1))) {
        o->failed = 1;
        return NULL;
    }
    if (truncated) hp_set(o, e, "truncated", json_true());
    while (hp_rec_next(&r, &pos, &k, &kl, &v, &vl)) {
        if (!hp_is_word(k, kl) || hp_is_reserved(k, kl) || kl >= sizeof(name)) continue;
        memcpy(name, k, kl);
        name[kl] = 0;
        hp_set(o, e, name, hp_ctl_value(v, vl));
    }
    return e;
}

unsigned hp_ctl_launch_pid(const struct hp_rec *r)
{
    return hp_rec_is(r, "ctl_launch") && hp_rec_flag(r, "ok") ? hp_rec_pid(r, "server_pid") : 0;
}

unsigned hp_ctl_foreign_pid(const struct hp_rec *r)
{
    const char *v;
    size_t vl;

    if (!hp_rec_is(r, "ctl_error") || !hp_rec_get(r, "what", &v, &vl) || vl != 14 || memcmp(v, "foreign_server", 14))
        return 0;
    return hp_rec_pid(r, "server_pid");
}

int hp_ctl_adopted(const struct hp_rec *r, struct hp_buf *name)
{
    const char *v;
    size_t vl;

    if (!hp_rec_is(r, "ctl_install") || !hp_rec_flag(r, "ok") || !hp_rec_flag(r, "adopted") ||
        !hp_rec_get(r, "name", &v, &vl) || !vl || (vl == 1 && v[0] == '-'))
        return 0;
    name->n = 0;
    return !hp_pct_decode(v, vl, name) && name->n;
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
