/* The shared state every handler works on: the event queue at the current line and the candidate's threads. */
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
    return hp_ev_obj(ev, st->seq, st->t, st->t_est, st->cand, tid, 1);
}

json_t *hp_debugstr_ev(struct hp_state *st, unsigned pid, unsigned tid, int truncated)
{
    json_t *e = hp_ev_obj("debugstr", st->seq, st->t, st->t_est, pid, tid, 1);

    hp_set(&st->out, e, "text", hp_jstr(st->buf.p, st->buf.n));
    if (truncated) hp_set(&st->out, e, "truncated", json_true());
    return e;
}

struct hp_thr *hp_thr_find(struct hp_state *st, unsigned tid)
{
    size_t i;

    for (i = 0; i < st->nthr; i++)
        if (st->thr[i].tid == tid) return &st->thr[i];
    return NULL;
}

struct hp_thr *hp_thr_add(struct hp_state *st, unsigned tid)
{
    struct hp_thr *t = hp_thr_find(st, tid);

    if (t) return t;
    if (st->nthr == st->capthr) {
        size_t cap = st->capthr ? st->capthr * 2 : 16;
        struct hp_thr *p = realloc(st->thr, cap * sizeof(*p));

        if (!p) {
            st->out.failed = 1;
            return NULL;
        }
        st->thr = p;
        st->capthr = cap;
    }
    t = &st->thr[st->nthr++];
    memset(t, 0, sizeof(*t));
    t->tid = tid;
    return t;
}
