/* The shared state every handler works on: the event queue at the current line and the followed processes' threads. */
#include <stdlib.h>
#include <string.h>

#include "parse_out.h"
#include "parse_state.h"
#include "parse_text.h"

struct hp_ev *hp_queue(struct hp_state *st, json_t *e, enum hp_ev_state state)
{
    struct hp_ev *ev = hp_out_add(&st->out, e, st->seq, state);

    if (ev && st->t_est) hp_out_bound(&st->out, ev, "t_next");
    return ev;
}

json_t *hp_cand_ev(struct hp_state *st, const char *ev, unsigned tid)
{
    return hp_ev_obj(ev, st->seq, st->t, st->t_est, st->p ? st->p->pid : st->cand, tid, 1);
}

json_t *hp_debugstr_ev(struct hp_state *st, unsigned pid, unsigned tid, int truncated)
{
    json_t *e = hp_ev_obj("debugstr", st->seq, st->t, st->t_est, pid, tid, 1);

    hp_set(&st->out, e, "text", hp_jstr(st->buf.p, st->buf.n));
    if (truncated) hp_set(&st->out, e, "truncated", json_true());
    return e;
}

struct hp_proc *hp_proc_of(const struct hp_state *st, unsigned pid)
{
    size_t i;

    if (!pid) return NULL;
    for (i = 0; i < st->nprocs; i++)
        if (st->procs[i]->pid == pid) return st->procs[i];
    return NULL;
}

struct hp_proc *hp_proc_add(struct hp_state *st, unsigned pid)
{
    struct hp_proc *p = hp_proc_of(st, pid), **a;

    if (p || !pid) return p;
    a = realloc(st->procs, (st->nprocs + 1) * sizeof(*a));
    if (!a || !(p = calloc(1, sizeof(*p)))) {
        if (a) st->procs = a;
        st->out.failed = 1;
        return NULL;
    }
    st->procs = a;
    p->pid = pid;
    st->procs[st->nprocs++] = p;
    return p;
}

void hp_procs_free(struct hp_state *st)
{
    size_t i;

    for (i = 0; i < st->nprocs; i++) {
        free(st->procs[i]->thr);
        free(st->procs[i]);
    }
    free(st->procs);
    st->procs = NULL;
    st->nprocs = 0;
    st->p = NULL;
}

struct hp_thr *hp_proc_thr(struct hp_proc *p, unsigned tid)
{
    size_t i;

    for (i = 0; p && i < p->nthr; i++)
        if (p->thr[i].tid == tid) return &p->thr[i];
    return NULL;
}

struct hp_thr *hp_thr_find(struct hp_state *st, unsigned tid)
{
    return hp_proc_thr(st->p, tid);
}

struct hp_thr *hp_thr_add(struct hp_state *st, unsigned tid)
{
    struct hp_proc *p = st->p;
    struct hp_thr *t = hp_thr_find(st, tid);

    if (t || !p) return t;
    if (p->nthr == p->capthr) {
        size_t cap = p->capthr ? p->capthr * 2 : 16;
        struct hp_thr *n = realloc(p->thr, cap * sizeof(*n));

        if (!n) {
            st->out.failed = 1;
            return NULL;
        }
        p->thr = n;
        p->capthr = cap;
    }
    t = &p->thr[p->nthr++];
    memset(t, 0, sizeof(*t));
    t->tid = tid;
    return t;
}
