/* The candidate processes: which of their lines reach which handler, their service-channel calls, debug
   strings and deaths. Each handler works on st->p, the process whose line it reads. */
#include <string.h>

#include "parse_cand.h"
#include "parse_com.h"
#include "parse_ctl.h"
#include "parse_line.h"
#include "parse_map.h"
#include "parse_out.h"
#include "parse_relay.h"
#include "parse_state.h"
#include "parse_text.h"
#include "parse_wait.h"

#define HP_STATUS_WORDS 8  /* the handle, then SERVICE_STATUS's seven fields */

/* Ends what a vanishing thread left open; a wait it never woke from keeps a null end, a call it
   never returned from a null result. */
static void hp_thr_remove(struct hp_state *st, struct hp_thr *t)
{
    hp_wait_thread_gone(st, t);
    hp_relay_thread_gone(st, t);
    *t = st->p->thr[--st->p->nthr];
}

void hp_assign(struct hp_state *st, unsigned tid, unsigned pid)
{
    struct hp_proc *keep = st->p;
    struct hp_thr *t;
    size_t i;

    if (hp_map_put(&st->tids, tid, pid)) st->out.failed = 1;
    /* Wine reuses a thread id once it is free: it leaves whichever followed process had it */
    for (i = 0; i < st->nprocs; i++) {
        st->p = st->procs[i];
        t = hp_thr_find(st, tid);
        if (st->p->pid == pid && !st->p->dead) {
            if (!t) hp_thr_add(st, tid);
        } else if (t) {
            hp_thr_remove(st, t);
        }
    }
    st->p = keep;
}

void hp_cand_active(struct hp_state *st)
{
    if (st->p->exit_ev) {
        hp_out_drop(&st->out, st->p->exit_ev);
        st->p->exit_ev = NULL;
    }
}

void hp_cand_crash(struct hp_state *st, const char *detail)
{
    if (st->p->crash) return;
    st->p->crash = 1;
    snprintf(st->p->crash_detail, sizeof(st->p->crash_detail), "%s", detail);
}

static void hp_emit(struct hp_state *st, json_t *e)
{
    hp_queue(st, e, HP_EV_READY);
}

/* The service name Wine prints first (L"name"), or null. */
static json_t *hp_wname(struct hp_state *st, const char *s, const char **end)
{
    int trunc;

    st->buf.n = 0;
    if (hp_dbgstr(s, &st->buf, end, &trunc)) {
        /* debugstr_w prints a NULL pointer as (null) */
        *end = strncmp(s, "(null)", 6) ? s : s + 6;
        return json_null();
    }
    return hp_jstr(st->buf.p, st->buf.n);
}

static json_t *hp_jhexint(const char *s, size_t n)
{
    unsigned long long v;

    return hp_parse_hex(s, n, &v) ? json_integer((json_int_t)v) : json_null();
}

static void hp_status(struct hp_state *st, const struct hp_line *l)
{
    static const char *const names[] = {"type", "state", "controls", "win32_exit",
                                        "specific_exit", "checkpoint", "wait_hint"};
    const char *w[HP_STATUS_WORDS];
    size_t wl[HP_STATUS_WORDS], i;
    json_t *e;

    /* Wine prints "%p %#lx ...": 0x-prefixed hex, and a bare 0 */
    if (hp_split(l->msg, ' ', w, wl, HP_STATUS_WORDS) != HP_STATUS_WORDS) return;
    e = hp_cand_ev(st, "status", l->tid);
    hp_set(&st->out, e, "handle", hp_jhex(w[0], wl[0]));
    for (i = 0; i < 7; i++) hp_set(&st->out, e, names[i], hp_jhexint(w[i + 1], wl[i + 1]));
    hp_emit(st, e);
}

static void hp_service_line(struct hp_state *st, const struct hp_line *l)
{
    const char *w[4], *end;
    size_t wl[4];
    long long v;
    json_t *e, *name;

    if (!strcmp(l->func, "StartServiceCtrlDispatcherW") || !strcmp(l->func, "StartServiceCtrlDispatcherA")) {
        if (hp_split(l->msg, ' ', w, wl, 1) != 1) return;
        e = hp_cand_ev(st, "dispatcher", l->tid);
        hp_set(&st->out, e, "table", hp_jhex(w[0], wl[0]));
        hp_emit(st, e);
    } else if (!strcmp(l->func, "service_run_main_thread")) {
        /* "Starting N services running as process P" */
        if (hp_split(l->msg, ' ', w, wl, 2) != 2 || !hp_parse_dec(w[1], wl[1], &v)) return;
        e = hp_cand_ev(st, "dispatcher_ready", l->tid);
        hp_set(&st->out, e, "count", json_integer(v));
        hp_emit(st, e);
    } else if (!strcmp(l->func, "service_handle_control")) {
        name = hp_wname(st, l->msg, &end);
        if (hp_split(end, ' ', w, wl, 2) != 2 || wl[0] != 7 || memcmp(w[0], "control", 7) ||
            !hp_parse_dec(w[1], wl[1], &v)) {
            json_decref(name);
            return;
        }
        if (v == 0)
            snprintf(st->p->start_service, sizeof(st->p->start_service), "%s",
                     json_is_string(name) ? json_string_value(name) : "");
        e = hp_cand_ev(st, "control_in", l->tid);
        hp_set(&st->out, e, "service", name);
        hp_set(&st->out, e, "control", json_integer(v));
        hp_emit(st, e);
    } else if (!strcmp(l->func, "service_thread")) {
        e = hp_cand_ev(st, "service_main", l->tid);
        hp_set(&st->out, e, "service",
               st->p->start_service[0] ? hp_jstr(st->p->start_service, strlen(st->p->start_service)) : json_null());
        hp_emit(st, e);
    } else if (!strcmp(l->func, "RegisterServiceCtrlHandlerExW")) {
        name = hp_wname(st, l->msg, &end);
        if (hp_split(end, ' ', w, wl, 2) != 2) {
            json_decref(name);
            return;
        }
        e = hp_cand_ev(st, "handler_register", l->tid);
        hp_set(&st->out, e, "service", name);
        hp_set(&st->out, e, "handler", hp_jhex(w[0], wl[0]));
        hp_set(&st->out, e, "context", hp_jhex(w[1], wl[1]));
        hp_set(&st->out, e, "handle", json_null());
        hp_emit(st, e);
    } else if (!strcmp(l->func, "SetServiceStatus")) {
        hp_status(st, l);
    }
}

void hp_cand_client(struct hp_state *st, const struct hp_line *l)
{
    int trunc;
    json_t *e;

    if (!strcmp(l->chan, "service") && !strcmp(l->cls, "trace")) {
        hp_service_line(st, l);
    } else if (hp_debugstr_line(l, &st->buf, &trunc)) {
        e = trunc ? NULL : hp_marker_event(&st->out, st->buf.p, st->buf.n, st->seq, st->t,
                                            st->t_est, st->p->pid, l->tid);
        if (!e) e = hp_debugstr_ev(st, st->p->pid, l->tid, trunc);
        hp_emit(st, e);
    } else if (!strcmp(l->cls, "err") && !strcmp(l->chan, "seh") && strstr(l->msg, "nhandled")) {
        hp_cand_crash(st, l->msg);
    } else if (!strcmp(l->chan, "ole") || !strcmp(l->chan, "msg") || !strcmp(l->chan, "win")) {
        hp_com_cand_line(st, l);
    }
}

void hp_cand_server(struct hp_state *st, const struct hp_line *l, const struct hp_srv *s)
{
    struct hp_thr *t = hp_thr_find(st, l->tid);
    unsigned long long h;
    long long v;

    if (!t) return;
    if (!strcmp(s->name, "select")) {
        if (s->is_reply) hp_wait_reply(st, t, s->status);
        else hp_wait_request(st, t, s->args);
    } else if (s->is_star && !strcmp(s->name, "wakeup")) {
        hp_wait_wakeup(st, t, s->args);
    } else if (!s->is_reply && !strcmp(s->name, "terminate_process")) {
        /* handle 0 kills the other threads first, ffffffff is the process itself: ExitProcess */
        if (hp_kv_hex(s->args, "handle", &h) && (h == 0 || h == 0xffffffffULL)) st->p->self_exit = 1;
    } else if (!s->is_reply && !strcmp(s->name, "terminate_thread")) {
        if (hp_kv_hex(s->args, "handle", &h) && h == 0xfffffffeULL) t->self_exit = 1;
    } else if (!s->is_reply && !strcmp(s->name, "queue_exception_event")) {
        /* a second-chance exception: no handler took it */
        if (hp_kv_dec(s->args, "first", &v) && v == 0) hp_cand_crash(st, "second-chance exception");
    }
}

void hp_cand_thread_killed(struct hp_state *st, unsigned tid, long long code)
{
    struct hp_proc *p = st->p;
    struct hp_thr *t = hp_thr_find(st, tid);
    json_t *e;

    if (!t) return;
    p->last_self = t->self_exit;
    hp_thr_remove(st, t);
    p->exit_code = code;
    p->have_code = 1;
    if (st->term_active && st->term_pid != p->pid) {
        p->killed_foreign = 1;
        p->killed_by = st->term_pid;
    }
    if (p->nthr) return;
    /* the last known thread died: the process ended here unless it shows up again */
    hp_cand_active(st);
    e = hp_cand_ev(st, "process_exit", tid);
    p->exit_ev = hp_queue(st, e, HP_EV_PENDING);
}

static void hp_exit_fields(struct hp_state *st, json_t *e)
{
    const struct hp_proc *p = st->p;
    const char *how = p->crash ? "crash"
                    : p->killed_foreign ? "killed"
                    : (p->self_exit || p->last_self) ? "exit" : "killed";

    hp_set(&st->out, e, "code", p->have_code ? json_integer((json_int_t)(unsigned)p->exit_code) : json_null());
    hp_set(&st->out, e, "how", json_string(how));
    if (p->killed_foreign && !p->crash)
        hp_set(&st->out, e, "by_pid", p->killed_by ? json_integer(p->killed_by) : json_null());
    if (p->crash) hp_set(&st->out, e, "detail", hp_jstr(p->crash_detail, strlen(p->crash_detail)));
}

void hp_cand_process_killed(struct hp_state *st)
{
    struct hp_proc *p = st->p;

    if (p->dead) return;
    if (!p->exit_ev) {
        json_t *e = hp_cand_ev(st, "process_exit", 0);

        p->exit_ev = hp_queue(st, e, HP_EV_PENDING);
        if (!p->exit_ev) return;
    }
    hp_exit_fields(st, p->exit_ev->obj);
    p->exit_ev->state = HP_EV_READY;
    p->exit_ev = NULL;
    p->dead = 1;
    while (p->nthr) hp_thr_remove(st, &p->thr[p->nthr - 1]);
}

void hp_cand_finish(struct hp_state *st)
{
    size_t i, j;

    for (j = 0; j < st->nprocs; j++) {
        st->p = st->procs[j];
        /* a request whose reply the log does not hold says nothing about blocking; a wait still open
           never woke before the trace ended */
        for (i = 0; i < st->p->nthr; i++) {
            hp_wait_thread_gone(st, &st->p->thr[i]);
            hp_relay_thread_gone(st, &st->p->thr[i]);
        }
        /* the log ended between the last thread's death and the server's final word */
        if (st->p->exit_ev && !st->p->dead) hp_cand_process_killed(st);
    }
    st->p = NULL;
}
