/* The rules about controls: each accepted control gets a status answer, and the handler returns promptly. */
#include "rules.h"

/* The dwControlsAccepted bit a control needs: -1 for controls every handler takes, 0 when unknown. */
static long long control_accept_bit(long long control)
{
    switch (control) {
    case 1: return 0x1;                             /* STOP */
    case 2: case 3: return 0x2;                     /* PAUSE, CONTINUE */
    case 4: return -1;                              /* INTERROGATE */
    case 5: return 0x4;                             /* SHUTDOWN */
    case 6: return 0x8;                             /* PARAMCHANGE */
    case 7: case 8: case 9: case 10: return 0x10;   /* NETBIND* */
    case 11: return 0x20;                           /* HARDWAREPROFILECHANGE */
    case 12: return 0x40;                           /* POWEREVENT */
    case 13: return 0x80;                           /* SESSIONCHANGE */
    case 15: return 0x100;                          /* PRESHUTDOWN */
    case 16: return 0x200;                          /* TIMECHANGE */
    case 32: return 0x400;                          /* TRIGGEREVENT */
    default: return control >= 128 && control <= 255 ? -1 : 0;  /* user-defined */
    }
}

/* The state that completes a control and the pending state that may answer it first; 0 when the
 * control asks for no change of state. */
static long long control_target(long long control, long long *pending)
{
    *pending = 0;
    switch (control) {
    case TRACE_CTL_STOP:
    case TRACE_CTL_SHUTDOWN:
        *pending = TRACE_STOP_PENDING;
        return TRACE_STOPPED;
    case TRACE_CTL_PAUSE:
        *pending = TRACE_PAUSE_PENDING;
        return TRACE_PAUSED;
    case TRACE_CTL_CONTINUE:
        *pending = TRACE_CONTINUE_PENDING;
        return TRACE_RUNNING;
    default:
        return 0;
    }
}

static const trace_status *control_answer(const trace *tr, double sent, long long final, long long pending)
{
    size_t i;

    for (i = 0; i < tr->nst; i++) {
        const trace_status *s = &tr->st[i];

        if (s->e->t + TRACE_CLOCK_SLOP_MS < sent)
            continue;
        if (s->state == final || (s->state == pending && s->wait_hint > 0))
            return s;
    }
    return NULL;
}

/* The candidate's control_in for the control c (ctl_control) sent, received while ControlService was in progress. */
static const trace_ev *control_received(const trace *tr, const trace_ev *c)
{
    double sent = trace_ctl_sent(c);
    size_t i;

    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];

        if (e->pid == tr->cand_pid && trace_is(e, "control_in") &&
            trace_int(e, "control", -1) == trace_int(c, "control", 0) && e->t + TRACE_CLOCK_SLOP_MS >= sent &&
            e->t <= c->t + TRACE_CLOCK_SLOP_MS)
            return e;
    }
    return NULL;
}

/* Cites control c as it was sent, not by the controller's record alone, which is written after ControlService
 * returned (so after the answer, often): the candidate's control_in when the trace has it, else the record with its
 * send time. Returns the event the control's timing starts from. */
static const trace_ev *control_cite(const trace *tr, verdict *v, const trace_ev *c)
{
    const trace_ev *in = control_received(tr, c);

    if (in)
        verdict_note(verdict_event(v, in, "service", "control", NULL), "the control as the candidate's dispatcher "
                     "received it");
    verdict_note(verdict_event(v, c, "control", "ok", "elapsed_ms", NULL), "the controller's record, written when "
                 "ControlService returned; the control was sent at t=%.7g (t - elapsed_ms)", trace_ctl_sent(c));
    return in ? in : c;
}

/* One accepted control: returns 1 when its answer came in time (with the delay and the answer), else raises
 * the verdict and returns 0. */
static int control_judge_one(const trace *tr, const config *cfg, verdict *v, const trace_ev *c, double *d_out,
                             const trace_status **answer_out)
{
    long long control = trace_int(c, "control", 0), pending, final = control_target(control, &pending);
    double sent = trace_ctl_sent(c), limit = cfg->init_threshold_ms, d;
    const trace_status *answer = control_answer(tr, sent, final, pending);
    const trace_ev *until = answer ? answer->e : rules_last_seen(tr);
    const char *name = trace_control_name(control);
    const trace_ev *from;

    d = until->t - sent;
    if (d < 0)
        d = 0;
    *d_out = d;
    *answer_out = answer;
    if (answer && verdict_within(d, limit))
        return 1;
    from = control_cite(tr, v, c);
    verdict_event(v, until, "state", "wait_hint", "reason", "code", "how", NULL);
    if (answer) {
        verdict_note(verdict_timing(v, "control sent to its answering report", d, limit, from, until),
                     "the control was sent elapsed_ms before its record");
        verdict_raise(v, VERDICT_FAIL, "The %s control (seq %lld) was first answered by %s at seq %lld, %.7g ms after "
                      "it was sent; the answer must come within %.7g ms (a pending report with a wait hint will do).",
                      name, c->seq, trace_state_name(answer->state), answer->e->seq, d, limit);
    } else if (rules_absence_is_fault(tr, d, limit)) {
        verdict_note(verdict_timing(v, "control sent to the end of the watch, with no answer", d, limit, from, until),
                     "a lower bound: no answer ever came");
        verdict_raise(v, VERDICT_FAIL, "The %s control (seq %lld) was never answered by a %s or %s report in the "
                      "%.7g ms the trace watched; the answer must come within %.7g ms.", name, c->seq,
                      trace_state_name(pending), trace_state_name(final), d, limit);
    } else {
        verdict_raise(v, VERDICT_ERROR, "The %s control (seq %lld) had no answer yet when the watch ended %.7g ms "
                      "later (%s), before the %.7g ms limit, so whether it would have been answered in time is "
                      "unknown.", name, c->seq, d, rules_why_ended(tr), limit);
    }
    return 0;
}

/* svc.control.reported — Every accepted control is answered by a status report. */
void judge_svc_control_reported(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *tight = NULL, *from;
    const trace_status *tight_answer = NULL;
    double tight_d = 0;
    size_t i, n = 0;

    if (!rules_need_main(tr, v))
        return;
    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *c = &tr->evs[i];
        const trace_status *answer;
        long long pending;
        double d;

        if (!trace_is(c, "ctl_control") || !trace_flag(c, "ok") ||
            !control_target(trace_int(c, "control", 0), &pending))
            continue;
        n++;
        if (control_judge_one(tr, cfg, v, c, &d, &answer) && (!tight || d > tight_d)) {
            tight = c;
            tight_answer = answer;
            tight_d = d;
        }
    }
    if (!n) {
        verdict_say(v, VERDICT_NA, "No STOP, PAUSE, CONTINUE or SHUTDOWN control was accepted in this run.");
        return;
    }
    if (v->set)
        return;
    from = control_cite(tr, v, tight);
    verdict_event(v, tight_answer->e, "state", "wait_hint", NULL);
    verdict_note(verdict_timing(v, "control sent to its answering report", tight_d, cfg->init_threshold_ms, from,
                                tight_answer->e), "the slowest of the %zu controls", n);
    verdict_say(v, VERDICT_PASS, "Every accepted control (%zu in all) was answered by a report of the new or pending "
                "state within %.7g ms; the slowest took %.7g ms.", n, cfg->init_threshold_ms, tight_d);
}

#define ERROR_SERVICE_REQUEST_TIMEOUT 1053

/* Whether control c reached the service's handler: the dispatcher received it, or ControlService succeeded, or it
 * failed with 1053 because the handler did not answer in time. A call that failed otherwise (1062: the service was
 * not active; 1052: not accepted) never reached a handler and says nothing of it. */
static int control_reached(const trace *tr, const trace_ev *c)
{
    return control_received(tr, c) || trace_flag(c, "ok") ||
           trace_int(c, "error", 0) == ERROR_SERVICE_REQUEST_TIMEOUT;
}

/* svc.handler.returns — The control handler returns promptly. */
void judge_svc_handler_returns(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *slowest = NULL, *unreached = NULL;
    double limit = cfg->handler_return_ms;
    size_t i, n = 0, nunreached = 0;

    if (!rules_need_main(tr, v))
        return;
    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *c = &tr->evs[i];
        long long control, bit, mask = 0;
        double d;

        if (!trace_is(c, "ctl_control"))
            continue;
        control = trace_int(c, "control", 0);
        bit = control_accept_bit(control);
        if (!bit || !trace_controls_at(tr, trace_ctl_sent(c), &mask) || (bit > 0 && !(mask & bit)))
            continue;
        if (!control_reached(tr, c)) {
            if (!nunreached++)
                unreached = c;
            continue;
        }
        n++;
        if (!trace_has(c, "elapsed_ms")) {
            verdict_event(v, c, "control", "ok", "error", NULL);
            verdict_raise(v, VERDICT_ERROR, "The ControlService call for %s at seq %lld has no duration in the trace, "
                          "so whether the handler returned in time is unknown.", trace_control_name(control), c->seq);
            continue;
        }
        d = trace_num(c, "elapsed_ms", 0);
        if (verdict_within(d, limit)) {
            if (!slowest || d > trace_num(slowest, "elapsed_ms", 0))
                slowest = c;
            continue;
        }
        verdict_event(v, c, "control", "ok", "error", "elapsed_ms", NULL);
        verdict_timing(v, "ControlService call duration", d, limit, c, c);
        verdict_raise(v, VERDICT_FAIL, "ControlService(%s) took %.7g ms to return (seq %lld); the handler must return "
                      "within %.7g ms and leave lengthy work to another thread, reporting STOP_PENDING first.",
                      trace_control_name(control), d, c->seq, limit);
    }
    if (!n && unreached) {
        verdict_note(verdict_event(v, unreached, "control", "ok", "error", "elapsed_ms", NULL), "ControlService "
                     "failed and the service's dispatcher never received the control: no handler ran");
        verdict_say(v, VERDICT_NA, "No control reached the service's handler: %zu ControlService call%s failed "
                    "without reaching it (the first, %s at seq %lld, with error %lld), so how fast the handler returns "
                    "was not exercised.", nunreached, nunreached == 1 ? "" : "s",
                    trace_control_name(trace_int(unreached, "control", 0)), unreached->seq,
                    trace_int(unreached, "error", 0));
        return;
    }
    if (!n) {
        verdict_say(v, VERDICT_NA, "No control that the service accepted at the time was sent to it.");
        return;
    }
    if (v->set)
        return;
    if (unreached)
        verdict_note(verdict_event(v, unreached, "control", "ok", "error", NULL), "not counted: ControlService "
                     "failed without reaching the handler (%zu such call%s)", nunreached, nunreached == 1 ? "" : "s");
    verdict_event(v, slowest, "control", "ok", "error", "elapsed_ms", NULL);
    verdict_note(verdict_timing(v, "ControlService call duration", trace_num(slowest, "elapsed_ms", 0), limit, slowest,
                                slowest), "the slowest of the %zu calls", n);
    verdict_say(v, VERDICT_PASS, "Every ControlService call for a control the service accepted (%zu in all) "
                "returned within %.7g ms; the slowest took %.7g ms.", n, limit, trace_num(slowest, "elapsed_ms", 0));
}
