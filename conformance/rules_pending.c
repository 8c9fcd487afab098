/* The rules about pending reports: no controls while starting, a wait hint, and the next report in time. */
#include "rules.h"

static int pending_is_start(long long state)
{
    return state == TRACE_START_PENDING;
}

static int pending_is_start_or_stop(long long state)
{
    return state == TRACE_START_PENDING || state == TRACE_STOP_PENDING;
}

static void pending_check_controls(const trace *tr, const config *cfg, verdict *v, const trace_status *s)
{
    (void)tr;
    (void)cfg;
    rules_raise_controls(v, s, VERDICT_FAIL, "while starting, a service must accept none.");
}

/* svc.pending.no-controls — START_PENDING accepts no controls. */
void judge_svc_pending_no_controls(const trace *tr, const config *cfg, verdict *v)
{
    static const rules_each each = { pending_is_start, pending_check_controls,
                                     "The service never reported START_PENDING.", "No START_PENDING report",
                                     "accepts a control." };

    rules_judge_each_report(tr, cfg, v, &each);
}

/* A zero hint: how long the state then lasted decides between warn and fail. */
static void pending_zero_hint(const trace *tr, const config *cfg, verdict *v, const trace_status *s)
{
    const trace_status *next = rules_next_status(tr, s);
    const trace_ev *until = next ? next->e : rules_last_seen(tr);
    double slack = cfg->wait_hint_slack_ms, d = until->t - s->e->t;
    const char *state = trace_state_name(s->state);

    verdict_event(v, s->e, "state", "checkpoint", "wait_hint", NULL);
    verdict_event(v, until, "state", "checkpoint", "wait_hint", "reason", "code", "how", NULL);
    verdict_note(verdict_timing(v, "zero-hint pending report to the next report", d, slack, s->e, until),
                 next ? "the next report" : "no next report: measured to the end of the watch");
    if (!verdict_within(d, slack))
        verdict_raise(v, VERDICT_FAIL, "The %s report at seq %lld has a zero wait hint and the state then lasted "
                      "%.7g ms%s, more than the %.7g ms slack: a controller would judge the service stalled at once.",
                      state, s->e->seq, d, next ? "" : " at least", slack);
    else if (next || rules_absence_is_fault(tr, d, slack))
        verdict_raise(v, VERDICT_WARN, "The %s report at seq %lld has a zero wait hint; the next state followed within "
                      "%.7g ms (slack %.7g ms), but every pending report should carry a non-zero hint.", state,
                      s->e->seq, d, slack);
    else
        verdict_raise(v, VERDICT_ERROR, "The %s report at seq %lld has a zero wait hint, and the watch ended %.7g ms "
                      "later (%s), before the %.7g ms slack ran out, so whether the state lasted too long is unknown.",
                      state, s->e->seq, d, rules_why_ended(tr), slack);
}

static void pending_check_hint(const trace *tr, const config *cfg, verdict *v, const trace_status *s)
{
    if (!s->wait_hint)
        pending_zero_hint(tr, cfg, v, s);
}

/* svc.pending.wait-hint — Start and stop pending reports carry a wait hint. */
void judge_svc_pending_wait_hint(const trace *tr, const config *cfg, verdict *v)
{
    static const rules_each each = { pending_is_start_or_stop, pending_check_hint,
                                     "The service never reported START_PENDING or STOP_PENDING.",
                                     "Every START_PENDING and STOP_PENDING report", "carries a non-zero wait hint." };

    rules_judge_each_report(tr, cfg, v, &each);
}

/* The report that ends the wait of s: a new state, or the same state with a higher checkpoint. */
static const trace_status *pending_progress(const trace *tr, const trace_status *s)
{
    const trace_status *n;

    for (n = rules_next_status(tr, s); n; n = rules_next_status(tr, n))
        if (n->state != s->state || n->checkpoint > s->checkpoint)
            return n;
    return NULL;
}

static const trace_status *pending_last(const trace *tr)
{
    size_t i;

    for (i = tr->nst; i > 0; i--)
        if (trace_is_pending(tr->st[i - 1].state))
            return &tr->st[i - 1];
    return NULL;
}

/* svc.pending.deadline — While pending, progress comes before the wait hint runs out. */
void judge_svc_pending_deadline(const trace *tr, const config *cfg, verdict *v)
{
    const trace_status *tight = NULL, *tight_next = NULL;
    double tight_margin = 0;
    size_t i, n = 0;

    if (!rules_need_main(tr, v))
        return;
    for (i = 0; i < tr->nst; i++) {
        const trace_status *s = &tr->st[i], *next;
        const trace_ev *until;
        double limit, d;

        if (!trace_is_pending(s->state))
            continue;
        n++;
        limit = (double)s->wait_hint + cfg->wait_hint_slack_ms;
        next = pending_progress(tr, s);
        until = next ? next->e : rules_last_seen(tr);
        d = until->t - s->e->t;
        if (verdict_within(d, limit)) {
            if (next && (!tight || limit - d < tight_margin)) {
                tight = s;
                tight_next = next;
                tight_margin = limit - d;
            } else if (!next && !rules_absence_is_fault(tr, d, limit)) {
                verdict_event(v, s->e, "state", "checkpoint", "wait_hint", NULL);
                verdict_event(v, until, "reason", "code", "how", NULL);
                verdict_raise(v, VERDICT_ERROR, "The %s report at seq %lld (wait hint %lld ms) was the last one, and "
                              "the watch ended %.7g ms later (%s), before its deadline, so whether the next report "
                              "would have come in time is unknown.", trace_state_name(s->state), s->e->seq,
                              s->wait_hint, d, rules_why_ended(tr));
            }
            continue;
        }
        verdict_event(v, s->e, "state", "checkpoint", "wait_hint", NULL);
        verdict_event(v, until, "state", "checkpoint", "wait_hint", "reason", "code", "how", NULL);
        verdict_note(verdict_timing(v, "pending report to the next progress", d, limit, s->e, until),
                     next ? "threshold = wait hint + wait_hint_slack_ms" :
                     "no next report: measured to the end of the watch, a lower bound");
        if (next)
            verdict_raise(v, VERDICT_FAIL, "After the %s report at seq %lld (checkpoint %lld, wait hint %lld ms), the "
                          "next progress came %.7g ms later, past the hint plus %.7g ms of slack: the SCM would have "
                          "judged the service stalled.", trace_state_name(s->state), s->e->seq, s->checkpoint,
                          s->wait_hint, d, cfg->wait_hint_slack_ms);
        else
            verdict_raise(v, VERDICT_FAIL, "After the %s report at seq %lld (checkpoint %lld, wait hint %lld ms), no "
                          "further progress came in the %.7g ms the trace watched, past the hint plus %.7g ms of "
                          "slack: the SCM would have judged the service stalled.", trace_state_name(s->state),
                          s->e->seq, s->checkpoint, s->wait_hint, d, cfg->wait_hint_slack_ms);
    }
    if (!n) {
        verdict_say(v, VERDICT_NA, "The service never reported a pending state.");
        return;
    }
    if (v->set)
        return;
    if (!tight) {
        const trace_status *last = pending_last(tr);
        double limit = (double)last->wait_hint + cfg->wait_hint_slack_ms;

        verdict_event(v, last->e, "state", "checkpoint", "wait_hint", NULL);
        verdict_event(v, tr->proc_end, "code", "how", NULL);
        verdict_note(verdict_timing(v, "pending report to the process's end", tr->proc_end->t - last->e->t, limit,
                                    last->e, tr->proc_end), "the process ended before any further report");
        verdict_say(v, VERDICT_PASS, "The process ended while pending, within the wait hint of its last pending "
                    "report (svc.stopped.exit-code judges that end).");
        return;
    }
    verdict_event(v, tight->e, "state", "checkpoint", "wait_hint", NULL);
    verdict_event(v, tight_next->e, "state", "checkpoint", "wait_hint", NULL);
    verdict_note(verdict_timing(v, "pending report to the next progress", tight_next->e->t - tight->e->t,
                                (double)tight->wait_hint + cfg->wait_hint_slack_ms, tight->e, tight_next->e),
                 "the tightest of the %zu pending reports", n);
    verdict_say(v, VERDICT_PASS, "After every pending report (%zu in all), the next progress came within its wait hint "
                "plus %.7g ms of slack; the closest call left %.7g ms.", n, cfg->wait_hint_slack_ms, tight_margin);
}
