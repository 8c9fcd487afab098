/* Waits of candidate threads, from the wineserver's select requests, replies and wakeups. */
#include <string.h>

#include "parse_line.h"
#include "parse_out.h"
#include "parse_state.h"
#include "parse_wait.h"

/* NTSTATUS values a select can end with */
#define HP_ST_ABANDONED 0x80
#define HP_ST_USER_APC 0xc0
#define HP_ST_KERNEL_APC 0x100
#define HP_ST_ALERTED 0x101
#define HP_ST_TIMEOUT 0x102
#define HP_ST_PENDING 0x103

/* A status as the server prints it: a name, or a number (hex in replies, decimal in wakeups). */
static long hp_status_code(const char *s, size_t n, int hex)
{
    static const struct { const char *name; long code; } names[] = {
        {"PENDING", HP_ST_PENDING},       {"TIMEOUT", HP_ST_TIMEOUT},
        {"USER_APC", HP_ST_USER_APC},     {"KERNEL_APC", HP_ST_KERNEL_APC},
        {"ALERTED", HP_ST_ALERTED},       {"ABANDONED_WAIT_0", HP_ST_ABANDONED},
        {"ABANDONED", HP_ST_ABANDONED},
    };
    unsigned long long u;
    long long d;
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i].name) == n && !memcmp(names[i].name, s, n)) return names[i].code;
    if (hex) return hp_parse_hex(s, n, &u) && u < 0x7fffffff ? (long)u : -1;
    return hp_parse_dec(s, n, &d) && d >= 0 && d < 0x7fffffff ? (long)d : -1;
}

/* Ends wait i of thread t (the innermost is t->nw - 1) and removes it from the stack. */
static void hp_wait_close(struct hp_state *st, struct hp_thr *t, int i, long long seq_end,
                          double t_end, long code)
{
    struct hp_ev *ev = t->w[i].ev;
    json_t *e = ev->obj;
    const char *res = NULL;
    long index = -1;

    if (code >= 0 && code < 64) {
        res = "signaled";
        index = code;
    } else if (code >= HP_ST_ABANDONED && code < HP_ST_ABANDONED + 64) {
        res = "abandoned";
        index = code - HP_ST_ABANDONED;
    } else if (code == HP_ST_USER_APC || code == HP_ST_ALERTED || code == HP_ST_KERNEL_APC) {
        res = "apc";
    } else if (code == HP_ST_TIMEOUT) {
        res = "timeout";
    }
    hp_set(&st->out, e, "t_end", seq_end >= 0 ? json_real(t_end) : json_null());
    hp_set(&st->out, e, "seq_end", seq_end >= 0 ? json_integer(seq_end) : json_null());
    hp_set(&st->out, e, "result", res ? json_string(res) : json_null());
    if (index >= 0) hp_set(&st->out, e, "index", json_integer(index));
    /* server lines carry no time: the end lies before the next timestamped line */
    if (seq_end >= 0) hp_out_bound(&st->out, ev, "t_end_next");
    ev->state = HP_EV_READY;
    memmove(&t->w[i], &t->w[i + 1], (size_t)(t->nw - i - 1) * sizeof(t->w[0]));
    t->nw--;
}

/* "infinite", "0", "+S.FFFFFFF" (relative) or "ABSOLUTE (+S.FFFFFFF)" -> milliseconds or null. */
static json_t *hp_timeout(const char *v, size_t n)
{
    const char *p = memchr(v, '(', n), *e = v + n;
    double sec = 0, frac = 0, scale = 1;

    if (n == 8 && !memcmp(v, "infinite", 8)) return json_null();
    if (p) p++;
    else p = v;
    if (p < e && *p == '-') return json_real(0);
    if (p < e && *p == '+') p++;
    while (p < e && *p >= '0' && *p <= '9') sec = sec * 10 + (*p++ - '0');
    if (p < e && *p == '.') {
        for (p++; p < e && *p >= '0' && *p <= '9' && scale < 1e12; p++) {
            frac = frac * 10 + (*p - '0');
            scale *= 10;
        }
    }
    return json_real(sec * 1000.0 + frac * 1000.0 / scale);
}

/* Appends the comma-separated handles of "{0034,0038}" as "0x34" strings. */
static void hp_handle_list(struct hp_out *o, json_t *arr, const char *v, size_t n)
{
    size_t i = 0, j;

    if (n >= 2 && v[0] == '{') {
        v++;
        n -= 2;
    }
    while (i < n) {
        for (j = i; j < n && v[j] != ','; j++)
            ;
        if (j > i && json_array_append_new(arr, hp_jhex(v + i, j - i))) o->failed = 1;
        i = j + 1;
    }
}

/* data={WAIT,handles={..}} | {WAIT_ALL,..} | {SIGNAL_AND_WAIT,signal=..,wait=..} | {KEYED_EVENT_*,handle=..} | {} */
static void hp_wait_data(struct hp_state *st, json_t *e, const char *data)
{
    char buf[600];
    size_t n = strlen(data), opl;
    json_t *handles = json_array();
    const char *rest, *v;
    size_t vl;
    int all = 0;

    if (n >= 2 && n < sizeof(buf) && data[0] == '{' && data[n - 1] == '}') {
        memcpy(buf, data + 1, n - 2);
        buf[n - 2] = 0;
        opl = strcspn(buf, ",");
        rest = buf[opl] ? buf + opl + 1 : buf + opl;
        if ((opl == 4 && !memcmp(buf, "WAIT", 4)) || (opl == 8 && !memcmp(buf, "WAIT_ALL", 8))) {
            all = opl == 8;
            if (handles && hp_kv(rest, "handles", &v, &vl)) hp_handle_list(&st->out, handles, v, vl);
        } else if (opl == 15 && !memcmp(buf, "SIGNAL_AND_WAIT", 15)) {
            if (handles && hp_kv(rest, "wait", &v, &vl)) hp_handle_list(&st->out, handles, v, vl);
            if (hp_kv(rest, "signal", &v, &vl)) hp_set(&st->out, e, "signal", hp_jhex(v, vl));
        } else if (opl > 12 && !memcmp(buf, "KEYED_EVENT_", 12)) {
            if (handles && hp_kv(rest, "handle", &v, &vl)) hp_handle_list(&st->out, handles, v, vl);
            hp_set(&st->out, e, "keyed",
                   json_string(opl == 16 && !memcmp(buf + 12, "WAIT", 4) ? "wait" : "release"));
        }
    }
    hp_set(&st->out, e, "handles", handles);
    hp_set(&st->out, e, "all", json_boolean(all));
}

/* Copies a key's value into dst (cut to fit), "" when absent. */
static void hp_copy_kv(const char *args, const char *key, char *dst, size_t cap)
{
    const char *v = "";
    size_t n;

    if (!hp_kv(args, key, &v, &n)) n = 0;
    if (n >= cap) n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = 0;
}

void hp_wait_request(struct hp_state *st, struct hp_thr *t, const char *args)
{
    char cookie[sizeof(t->cookie)], data[sizeof(t->data)];
    struct hp_wait *top = t->nw ? &t->w[t->nw - 1] : NULL;
    unsigned long long flags = 0;
    const char *v;
    size_t n;
    json_t *e;

    hp_copy_kv(args, "cookie", cookie, sizeof(cookie));
    hp_copy_kv(args, "data", data, sizeof(data));
    if (t->req) {
        hp_out_drop(&st->out, t->req);
        t->req = NULL;
    }
    t->req_cont = 0;
    /* after a kernel APC the client re-enters the same select (same cookie, same objects) */
    if (top && top->apc && !strcmp(cookie, top->cookie) && !strcmp(data, top->data)) {
        t->req_cont = 1;
        return;
    }
    e = hp_cand_ev(st, "wait", t->tid);
    hp_set(&st->out, e, "timeout_ms", hp_kv(args, "timeout", &v, &n) ? hp_timeout(v, n) : json_null());
    hp_wait_data(st, e, data);
    hp_kv_hex(args, "flags", &flags);
    hp_set(&st->out, e, "alertable", json_boolean(flags & 1));
    /* no objects but a thread context: stopped from outside (SuspendThread, a debugger, a
       process created suspended), not a wait of its own */
    if ((!data[0] || !strcmp(data, "{}")) && hp_kv(args, "contexts", &v, &n) && n > 2)
        hp_set(&st->out, e, "suspend", json_true());
    t->req = hp_queue(st, e, HP_EV_PENDING);
    memcpy(t->cookie, cookie, sizeof(cookie));
    memcpy(t->data, data, sizeof(data));
}

void hp_wait_reply(struct hp_state *st, struct hp_thr *t, const char *status)
{
    long code = hp_status_code(status, strlen(status), 1);
    struct hp_wait *w;

    if (t->req_cont) {
        t->req_cont = 0;
        if (!t->nw) return;
        if (code == HP_ST_PENDING) t->w[t->nw - 1].apc = 0;
        else if (code != HP_ST_KERNEL_APC) hp_wait_close(st, t, t->nw - 1, st->seq, st->t, code);
        return;
    }
    if (!t->req) return;
    if (code != HP_ST_PENDING) {
        /* satisfied at once: not a wait */
        hp_out_drop(&st->out, t->req);
        t->req = NULL;
        return;
    }
    if (t->nw == HP_WAIT_DEPTH) hp_wait_close(st, t, 0, st->seq, st->t, -1);
    w = &t->w[t->nw++];
    w->ev = t->req;
    memcpy(w->cookie, t->cookie, sizeof(t->cookie));
    memcpy(w->data, t->data, sizeof(t->data));
    w->apc = 0;
    t->req = NULL;
}

void hp_wait_wakeup(struct hp_state *st, struct hp_thr *t, const char *args)
{
    struct hp_wait *top = t->nw ? &t->w[t->nw - 1] : NULL;
    const char *v;
    size_t n;
    long code;

    /* the server wakes the innermost wait of a thread */
    if (!top || !hp_kv(args, "signaled", &v, &n)) return;
    code = hp_status_code(v, n, 0);
    if (code == HP_ST_KERNEL_APC) {
        top->apc = 1;
        top->apc_seq = st->seq;
        top->apc_t = st->t;
        return;
    }
    hp_wait_close(st, t, t->nw - 1, st->seq, st->t, code);
}

void hp_wait_thread_gone(struct hp_state *st, struct hp_thr *t)
{
    if (t->req) {
        hp_out_drop(&st->out, t->req);
        t->req = NULL;
    }
    while (t->nw) hp_wait_close(st, t, t->nw - 1, -1, 0, -1);
}
