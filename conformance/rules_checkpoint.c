/* The rules about checkpoints: they rise within a pending phase, and only real progress raises them. */
#include "rules.h"

#include <stdio.h>
#include <string.h>

/* svc.checkpoint.monotonic — Checkpoints rise within a pending phase. */
void judge_svc_checkpoint_monotonic(const trace *tr, const config *cfg, verdict *v)
{
    const trace_status *first = NULL, *last = NULL;
    size_t i, steps = 0;

    (void)cfg;
    if (!rules_need_main(tr, v))
        return;
    /* a phase is a run of consecutive reports in one pending state */
    for (i = 1; i < tr->nst; i++) {
        const trace_status *prev = &tr->st[i - 1], *s = &tr->st[i];

        if (s->state != prev->state || !trace_is_pending(s->state))
            continue;
        steps++;
        if (!first)
            first = prev;
        last = s;
        if (s->checkpoint < prev->checkpoint) {
            verdict_event(v, prev->e, "state", "checkpoint", NULL);
            verdict_event(v, s->e, "state", "checkpoint", NULL);
            verdict_raise(v, VERDICT_FAIL, "In %s, the checkpoint went down from %lld (seq %lld) to %lld (seq %lld); "
                          "within a pending phase it must rise with every report.", trace_state_name(s->state),
                          prev->checkpoint, prev->e->seq, s->checkpoint, s->e->seq);
        } else if (s->checkpoint == prev->checkpoint) {
            verdict_event(v, prev->e, "state", "checkpoint", NULL);
            verdict_event(v, s->e, "state", "checkpoint", NULL);
            verdict_raise(v, VERDICT_WARN, "In %s, the report at seq %lld repeats checkpoint %lld; each report of a "
                          "pending phase should raise it.", trace_state_name(s->state), s->e->seq, s->checkpoint);
        }
    }
    if (!steps) {
        verdict_say(v, VERDICT_NA, "No pending phase had two or more reports, so there was no checkpoint sequence to "
                    "judge.");
        return;
    }
    if (v->set)
        return;
    verdict_event(v, first->e, "state", "checkpoint", NULL);
    verdict_event(v, last->e, "state", "checkpoint", NULL);
    verdict_say(v, VERDICT_PASS, "The checkpoint rose with every report that followed another in the same pending "
                "state (%zu in all).", steps);
}

/* Whether wait w of the init thread had begun before report r and not yet ended when r was made. */
static int checkpoint_wait_covers(const trace_ev *w, const trace_status *r)
{
    if (w->seq >= r->e->seq || w->t > r->e->t)
        return 0;
    if (trace_has(w, "seq_end"))
        return trace_int(w, "seq_end", 0) > r->e->seq;
    if (trace_has(w, "t_end"))
        return trace_num(w, "t_end", 0) > r->e->t;
    return 1;
}

/* Looks for one wait of the init thread during which other threads raised the checkpoint. */
static int checkpoint_find_ticker(const trace *tr, verdict *v, long long init_tid, const trace_status *from,
                                  const trace_status *to, const char *assumed)
{
    size_t i;

    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *w = &tr->evs[i];
        const trace_status *r, *lo = NULL, *hi = NULL;
        json_t *o;

        if (w->pid != tr->cand_pid || w->tid != init_tid || !trace_is(w, "wait"))
            continue;
        for (r = from; r < to; r++) {
            if (r->e->tid == init_tid || !checkpoint_wait_covers(w, r))
                continue;
            if (!hi && (!lo || r->checkpoint < lo->checkpoint))
                lo = r;
            else if (r->checkpoint > lo->checkpoint)
                hi = r;
        }
        if (!hi)
            continue;
        o = verdict_event(v, w, "timeout_ms", "handles", "t_end", "seq_end", "result", NULL);
        verdict_note(o, "the init thread is %s", assumed);
        verdict_event(v, lo->e, "state", "checkpoint", "wait_hint", NULL);
        verdict_event(v, hi->e, "state", "checkpoint", "wait_hint", NULL);
        if (trace_has(w, "t_end"))
            verdict_say(v, VERDICT_FAIL, "While the initializing thread %lld was blocked in one wait of %.7g ms (seq "
                        "%lld), thread %lld raised the START_PENDING checkpoint from %lld to %lld: checkpoints must "
                        "show real progress, not tick while initialization is stuck.", init_tid,
                        trace_num(w, "t_end", 0) - w->t, w->seq, hi->e->tid, lo->checkpoint, hi->checkpoint);
        else
            verdict_say(v, VERDICT_FAIL, "While the initializing thread %lld was blocked in a wait that never ended "
                        "(seq %lld, from t=%.7g), thread %lld raised the START_PENDING checkpoint from %lld to %lld: "
                        "checkpoints must show real progress, not tick while initialization is stuck.", init_tid,
                        w->seq, w->t, hi->e->tid, lo->checkpoint, hi->checkpoint);
        return 1;
    }
    return 0;
}

/* The threads the START_PENDING reports [from, to) came from, each with its count, "12 (2), 13 (3)", for a message:
 * the evidence must name every one of them, not the first. */
static const char *checkpoint_threads(const trace_status *from, const trace_status *to, char *buf, size_t len)
{
    const trace_status *r, *q;
    size_t n = 0, count;

    buf[0] = 0;
    for (r = from; r < to && n < len; r++) {
        for (q = from; q < r && q->e->tid != r->e->tid; q++)
            ;
        if (q < r)
            continue;
        for (count = 0, q = r; q < to; q++)
            count += q->e->tid == r->e->tid;
        n += (size_t)snprintf(buf + n, len - n, "%s%lld (%zu)", n ? ", " : "", r->e->tid, count);
    }
    return buf;
}

/* svc.checkpoint.progress-only — Checkpoints rise only while initialization progresses. */
void judge_svc_checkpoint_progress_only(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *sm;
    const trace_status *from, *to, *end, *r, *other = NULL;
    long long init_tid, init_first = 0;
    char assumed[160], threads[256];
    size_t i, others = 0;

    (void)cfg;
    if (!rules_need_main(tr, v))
        return;
    sm = tr->service_main;
    for (from = tr->st; from < tr->st + tr->nst && from->e->seq < sm->seq; from++)
        ;
    for (to = from; to < tr->st + tr->nst && to->state == TRACE_START_PENDING; to++)
        ;
    if (to - from < 2) {
        verdict_say(v, VERDICT_NA, "The service made fewer than two START_PENDING reports while starting, so there "
                    "were no checkpoint increments to judge.");
        return;
    }
    /* Whoever ends START_PENDING is taken to have done the initialization: ServiceMain may hand it off. */
    end = to < tr->st + tr->nst ? to : NULL;
    init_tid = end ? end->e->tid : sm->tid;
    if (end)
        snprintf(assumed, sizeof assumed, "taken to be tid %lld, which ended START_PENDING with %s at seq %lld",
                 init_tid, trace_state_name(end->state), end->e->seq);
    else
        snprintf(assumed, sizeof assumed, "taken to be the ServiceMain thread, tid %lld (START_PENDING never ended)",
                 init_tid);
    for (i = 0; i < tr->nevs && !init_first; i++)
        if (tr->evs[i].pid == tr->cand_pid && tr->evs[i].tid == init_tid)
            init_first = tr->evs[i].seq;
    /* reports another thread made before the init thread was seen at all came before any hand-off */
    for (r = from; r < to; r++)
        if (r->e->tid != init_tid && r->e->seq > init_first && !others++)
            other = r;
    checkpoint_threads(from, to, threads, sizeof threads);
    if (!others) {
        verdict_note(verdict_event(v, from->e, "state", "checkpoint", NULL), "the init thread is %s", assumed);
        verdict_event(v, (to - 1)->e, "state", "checkpoint", NULL);
        verdict_say(v, VERDICT_PASS, "Every START_PENDING report (%zu in all, from thread%s %s) came from the thread "
                    "doing the initialization (tid %lld)%s.", (size_t)(to - from), strchr(threads, ',') ? "s" : "",
                    threads, init_tid, strchr(threads, ',') ? " or from ServiceMain before that thread first appeared"
                    : "");
        return;
    }
    if (checkpoint_find_ticker(tr, v, init_tid, from, to, assumed))
        return;
    verdict_note(verdict_event(v, other->e, "state", "checkpoint", NULL), "the init thread is %s", assumed);
    for (r = other + 1; r < to; r++)
        if (r->e->tid != init_tid && r->e->seq > init_first)
            verdict_event(v, r->e, "state", "checkpoint", NULL);
    verdict_say(v, VERDICT_WARN, "%zu START_PENDING report%s came from a thread other than the one doing the "
                "initialization (tid %lld); the reports came from thread%s %s (count in brackets). The trace does not "
                "prove the initializing thread was stuck, but a service should only report progress from another "
                "thread when it is sure the initialization is progressing.", others, others == 1 ? "" : "s", init_tid,
                strchr(threads, ',') ? "s" : "", threads);
}
