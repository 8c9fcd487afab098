/* The rules about stopping: STOP_PENDING for long stops, honest exit codes, no controls, STOPPED last. */
#include "rules.h"

#include <math.h>
#include <stdio.h>

static const trace_status *stop_first_pending(const trace *tr, double from, const trace_status *before)
{
    size_t i;

    for (i = 0; i < tr->nst; i++) {
        const trace_status *s = &tr->st[i];

        if (before && s->e->seq >= before->e->seq)
            break;
        if (s->state == TRACE_STOP_PENDING && s->e->t + TRACE_CLOCK_SLOP_MS >= from)
            return s;
    }
    return NULL;
}

static double stop_since(const trace_ev *e, double sent)
{
    return e->t > sent ? e->t - sent : 0;
}

/* A stop nobody asked for: its cleanup's start is only visible through a STOP_PENDING report. */
static void stop_pending_unrequested(const trace *tr, verdict *v, const trace_status *stopped)
{
    const trace_status *sp = stop_first_pending(tr, -1e300, stopped);

    if (!stopped && !sp) {
        verdict_say(v, VERDICT_NA, "The service was not stopped in this run.");
        return;
    }
    verdict_event(v, sp ? sp->e : NULL, "state", "checkpoint", "wait_hint", NULL);
    verdict_event(v, stopped ? stopped->e : NULL, "state", "win32_exit", "specific_exit", NULL);
    if (sp)
        verdict_say(v, VERDICT_PASS, "The service stopped on its own and reported STOP_PENDING (seq %lld) before "
                    "the stop ended.", sp->e->seq);
    else
        verdict_say(v, VERDICT_NA, "The service stopped on its own (seq %lld) without STOP_PENDING; when its cleanup "
                    "began is not visible in the trace, so the length of the cleanup could not be judged.",
                    stopped->e->seq);
}

/* svc.stop.pending — A long stop reports STOP_PENDING first. */
void judge_svc_stop_pending(const trace *tr, const config *cfg, verdict *v)
{
    const trace_status *stopped, *sp;
    const trace_ev *req, *last;
    double limit = cfg->init_threshold_ms, sent, d, dsp;

    if (!rules_need_main(tr, v))
        return;
    stopped = trace_first_state(tr, TRACE_STOPPED);
    req = trace_stop_request(tr, -INFINITY, stopped);
    if (!req) {
        stop_pending_unrequested(tr, v, stopped);
        return;
    }
    sent = trace_ctl_sent(req);
    sp = stop_first_pending(tr, sent, stopped);
    dsp = sp ? stop_since(sp->e, sent) : 0;
    last = stopped ? stopped->e : rules_last_seen(tr);
    d = stop_since(last, sent);
    verdict_event(v, req, "control", "ok", "elapsed_ms", NULL);
    verdict_event(v, sp ? sp->e : NULL, "state", "checkpoint", "wait_hint", NULL);
    verdict_event(v, last, "state", "reason", "code", "how", NULL);
    if (verdict_within(d, limit) && (stopped || tr->proc_end_natural)) {
        verdict_timing(v, stopped ? "stop request to STOPPED" : "stop request to the process's end", d, limit, req,
                       last);
        verdict_say(v, VERDICT_PASS, "The service %s %.7g ms after the stop request, within %.7g ms, so STOP_PENDING "
                    "was not needed.", stopped ? "reported STOPPED" : "ended its process (without STOPPED)", d, limit);
    } else if (sp && verdict_within(dsp, limit)) {
        verdict_timing(v, "stop request to STOP_PENDING", dsp, limit, req, sp->e);
        verdict_say(v, VERDICT_PASS, "The stop took %s%.7g ms, and the service reported STOP_PENDING %.7g ms after the "
                    "request, within %.7g ms.", stopped ? "" : "at least ", d, dsp, limit);
    } else if (sp) {
        verdict_timing(v, "stop request to STOP_PENDING", dsp, limit, req, sp->e);
        verdict_say(v, VERDICT_FAIL, "The stop took %s%.7g ms, but STOP_PENDING came only %.7g ms after the request; a "
                    "stop longer than %.7g ms must report STOP_PENDING within that time.", stopped ? "" : "at least ",
                    d, dsp, limit);
    } else if (rules_absence_is_fault(tr, d, limit)) {
        json_t *o = verdict_timing(v, stopped ? "stop request to STOPPED" : "stop request to the end of the watch", d,
                                   limit, req, last);

        if (!stopped)
            verdict_note(o, "a lower bound: the stop never ended");
        verdict_say(v, VERDICT_FAIL, "The stop took %s%.7g ms without any STOP_PENDING report; a stop whose cleanup "
                    "takes longer than %.7g ms must report STOP_PENDING (with a wait hint) before STOPPED.",
                    stopped ? "" : "at least ", d, limit);
    } else {
        verdict_say(v, VERDICT_ERROR, "The watch ended %.7g ms after the stop request (%s), before the service stopped "
                    "and before the %.7g ms limit, so the rule could not be judged.", d, rules_why_ended(tr), limit);
    }
}

/* The first report before the stop request that already carried an error code. */
static const trace_status *stop_earlier_error(const trace *tr, double sent)
{
    size_t i;

    for (i = 0; i < tr->nst && tr->st[i].e->t <= sent; i++)
        if (tr->st[i].win32_exit)
            return &tr->st[i];
    return NULL;
}

/* Judges one STOPPED report's exit codes against whether its stop was asked for; the worst report speaks. */
static void stop_judge_code(const trace *tr, verdict *v, const trace_status *stopped)
{
    const trace_ev *req = trace_stop_request(tr, -INFINITY, stopped);
    const trace_status *earlier;
    long long w = stopped->win32_exit, sx = stopped->specific_exit;

    verdict_event(v, stopped->e, "state", "win32_exit", "specific_exit", NULL);
    verdict_event(v, req, "control", "ok", NULL);
    if (w == TRACE_ERROR_SERVICE_SPECIFIC && !sx) {
        verdict_raise(v, VERDICT_FAIL, "STOPPED (seq %lld) gives ERROR_SERVICE_SPECIFIC_ERROR (1066) with a zero "
                      "dwServiceSpecificExitCode; with 1066 the service-specific code must identify the error.",
                      stopped->e->seq);
    } else if (!req && !w) {
        verdict_raise(v, VERDICT_FAIL, "The service stopped on its own (seq %lld; no STOP or SHUTDOWN was sent) with "
                      "dwWin32ExitCode 0; a stop nobody asked for is an error stop and must carry a non-zero code that "
                      "identifies the error.", stopped->e->seq);
    } else if (!req) {
        verdict_raise(v, VERDICT_PASS, "The service stopped on its own and said why: dwWin32ExitCode %lld, "
                      "dwServiceSpecificExitCode %lld.", w, sx);
    } else if (!w) {
        verdict_raise(v, VERDICT_PASS, "The service stopped as asked (%s at seq %lld) and reported exit code 0.",
                      trace_control_name(trace_int(req, "control", 0)), req->seq);
    } else if ((earlier = stop_earlier_error(tr, trace_ctl_sent(req)))) {
        verdict_event(v, earlier->e, "state", "win32_exit", "specific_exit", NULL);
        verdict_raise(v, VERDICT_PASS, "The service stopped as asked with dwWin32ExitCode %lld, repeating the error it "
                      "had already reported at seq %lld.", w, earlier->e->seq);
    } else {
        verdict_raise(v, VERDICT_WARN, "The stop was asked for (%s at seq %lld) and no error had been reported, yet "
                      "STOPPED (seq %lld) carries dwWin32ExitCode %lld; a requested stop that went well should report "
                      "0.", trace_control_name(trace_int(req, "control", 0)), req->seq, stopped->e->seq, w);
    }
}

/* A service process that ended by itself before ServiceMain ran never reported STOPPED: it ended by its own choice,
 * so the missing STOPPED is the product's (the SCM learns only that the process died). */
static int stop_ended_before_main(const trace *tr, verdict *v)
{
    const trace_ev *end = tr->proc_end;
    char after[64] = "";

    if (tr->shape != TRACE_SHAPE_SERVICE || tr->service_main || !end || !tr->proc_end_natural ||
        !rules_absence_is_fault(tr, 0, RULES_NO_LIMIT))
        return 0;
    if (tr->proc_start)
        snprintf(after, sizeof after, ", %.7g ms after its start", end->t - tr->proc_start->t);
    verdict_event(v, tr->proc_start, "image", "cmdline", NULL);
    verdict_event(v, end, "code", "how", "detail", NULL);
    if (trace_has(end, "code"))
        verdict_say(v, VERDICT_FAIL, "The process ended by itself (seq %lld, exit code %lld%s) without ever reaching "
                    "ServiceMain or reporting STOPPED; a service must report STOPPED, with exit codes that say why, "
                    "before its process ends.", end->seq, trace_int(end, "code", 0), after);
    else
        verdict_say(v, VERDICT_FAIL, "The process ended by itself (seq %lld%s) without ever reaching ServiceMain or "
                    "reporting STOPPED; a service must report STOPPED, with exit codes that say why, before its process "
                    "ends.", end->seq, after);
    return 1;
}

/* svc.stopped.exit-code — STOPPED carries exit codes that say why. */
void judge_svc_stopped_exit_code(const trace *tr, const config *cfg, verdict *v)
{
    const trace_status *last = NULL;
    size_t i, n = 0;

    (void)cfg;
    if (stop_ended_before_main(tr, v) || !rules_need_main(tr, v))
        return;
    /* every STOPPED is judged: a service that reports it twice (its handler and ServiceMain racing) must be right
     * both times, whichever came first */
    for (i = 0; i < tr->nst; i++)
        if (tr->st[i].state == TRACE_STOPPED) {
            n++;
            last = &tr->st[i];
            stop_judge_code(tr, v, last);
        }
    if (n) {
        if (n > 1 && v->kind == VERDICT_PASS)
            verdict_say(v, VERDICT_PASS, "Each of the %zu STOPPED reports gave exit codes that say why the service "
                        "stopped (the last, seq %lld: dwWin32ExitCode %lld).", n, last->e->seq, last->win32_exit);
        return;
    }
    verdict_event(v, rules_last_seen(tr), "reason", "code", "how", NULL);
    if (!rules_absence_is_fault(tr, 0, RULES_NO_LIMIT))
        verdict_say(v, VERDICT_ERROR, "The watch ended (%s) before the service stopped, so its exit codes could "
                    "not be judged.", rules_why_ended(tr));
    else if (tr->proc_end_natural)
        verdict_say(v, VERDICT_FAIL, "The process ended (seq %lld) without reporting STOPPED; a service must "
                    "report STOPPED, with exit codes that say why, before its process ends.", tr->proc_end->seq);
    /* STOPPED is owed at the process's own end; a kill took that end away */
    else if (tr->proc_end)
        verdict_say(v, VERDICT_ERROR, "The process was killed by the harness or the SCM before it reported "
                    "STOPPED, so its exit codes could not be judged.");
    else
        verdict_say(v, VERDICT_NA, "The service was not stopped in this run.");
}

static int stop_is_stopping(long long state)
{
    return state == TRACE_STOPPED || state == TRACE_STOP_PENDING;
}

static void stop_check_controls(const trace *tr, const config *cfg, verdict *v, const trace_status *s)
{
    (void)tr;
    (void)cfg;
    rules_raise_controls(v, s, VERDICT_WARN, "a stopping or stopped service should accept none, or a controller "
                         "would offer a stop it cannot honour.");
}

/* svc.stopped.no-controls — Stopping and stopped reports accept no controls. */
void judge_svc_stopped_no_controls(const trace *tr, const config *cfg, verdict *v)
{
    static const rules_each each = { stop_is_stopping, stop_check_controls,
                                     "The service never reported STOP_PENDING or STOPPED.",
                                     "No STOP_PENDING or STOPPED report", "accepts a control." };

    char list[640];
    size_t i, n = 0, len = 0;

    rules_judge_each_report(tr, cfg, v, &each);
    if (v->kind != VERDICT_WARN)
        return;
    /* the message names every offending report, not only the first */
    list[0] = 0;
    for (i = 0; i < tr->nst; i++) {
        const trace_status *s = &tr->st[i];

        if (!stop_is_stopping(s->state) || !s->controls)
            continue;
        n++;
        if (len < sizeof list)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s at seq %lld (0x%llx)", len ? ", " : "",
                                    trace_state_name(s->state), s->e->seq, (unsigned long long)s->controls);
    }
    verdict_trim_utf8(list);
    verdict_say(v, VERDICT_WARN, "%zu stopping or stopped report%s accept%s controls: %s; a stopping or stopped "
                "service should accept none, or a controller would offer a stop it cannot honour.", n, n == 1 ? "" : "s",
                n == 1 ? "s" : "", list);
}

static int stop_is_service_call(const trace_ev *e)
{
    return trace_is(e, "status") || trace_is(e, "handler_register") || trace_is(e, "service_main") ||
           trace_is(e, "dispatcher") || trace_is(e, "dispatcher_ready");
}

/* The COM calls a server makes itself (CoInitializeEx is left out: Wine's own window code calls it on a thread). */
static int stop_is_com_call(const trace_ev *e)
{
    return trace_is(e, "com_security") || trace_is(e, "com_register") || trace_is(e, "com_resume") ||
           trace_is(e, "com_revoke") || trace_is(e, "rot_register");
}

/* An own-process service's process must end soon after STOPPED. */
static void stop_judge_exit(const trace *tr, const config *cfg, verdict *v, const trace_status *stopped)
{
    double limit = cfg->exit_after_stopped_ms;
    const trace_ev *last = rules_last_seen(tr);
    double d = stop_since(last, stopped->e->t);

    verdict_event(v, last, "code", "how", "reason", NULL);
    if (tr->proc_end_natural && verdict_within(d, limit)) {
        verdict_timing(v, "STOPPED to the process's exit", d, limit, stopped->e, last);
        verdict_raise(v, VERDICT_PASS, "Nothing followed STOPPED, and the process exited %.7g ms after it "
                      "(limit %.7g ms).", d, limit);
    } else if (tr->proc_end_natural) {
        verdict_timing(v, "STOPPED to the process's exit", d, limit, stopped->e, last);
        verdict_raise(v, VERDICT_FAIL, "The process exited %.7g ms after STOPPED; an own-process service's process "
                      "must exit within %.7g ms of it.", d, limit);
    } else if (rules_absence_is_fault(tr, d, limit)) {
        verdict_note(verdict_timing(v, "STOPPED to the end of the watch, with the process still there", d, limit,
                                    stopped->e, last), "a lower bound: the process never exited by itself");
        verdict_raise(v, VERDICT_FAIL, "The process had not exited %.7g ms after STOPPED, when %s; an own-process "
                      "service's process must exit within %.7g ms of it.", d, rules_why_ended(tr), limit);
    } else {
        verdict_raise(v, VERDICT_ERROR, "The watch ended %.7g ms after STOPPED (%s), before the process exited and "
                      "before the %.7g ms limit, so whether it would have exited in time is unknown.", d,
                      rules_why_ended(tr), limit);
    }
}

/* svc.stopped.last — STOPPED is the last word, and the process exits soon after. */
void judge_svc_stopped_last(const trace *tr, const config *cfg, verdict *v)
{
    const trace_status *stopped;
    long long type;
    size_t i;

    if (!rules_need_main(tr, v))
        return;
    stopped = trace_first_state(tr, TRACE_STOPPED);
    if (!stopped) {
        rules_unexercised(tr, v, "The service never reported STOPPED, so nothing could follow it "
                          "(svc.stopped.exit-code judges a missing STOPPED).", "the service reported STOPPED",
                          "the rule could not be judged");
        return;
    }
    verdict_event(v, stopped->e, "state", NULL);
    for (i = (size_t)(stopped->e - tr->evs) + 1; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];

        if (e->pid != tr->cand_pid)
            continue;
        if (stop_is_service_call(e)) {
            verdict_event(v, e, "state", "service", NULL);
            verdict_raise(v, VERDICT_FAIL, "After STOPPED (seq %lld), the process still made a service call (%s at "
                          "seq %lld, thread %lld); STOPPED must be the service's last report and the end of its "
                          "service activity.", stopped->e->seq, e->ev, e->seq, e->tid);
        } else if (stop_is_com_call(e) && e->tid != stopped->e->tid) {
            verdict_event(v, e, "clsid", "cookie", "result", NULL);
            verdict_raise(v, VERDICT_FAIL, "After STOPPED (seq %lld, thread %lld), another thread of the process "
                          "still made a COM call (%s at seq %lld, thread %lld, %.7g ms later); once STOPPED is "
                          "reported the process may be ended at any moment, so no other thread may go on with service "
                          "or COM activity.", stopped->e->seq, stopped->e->tid, e->ev, e->seq, e->tid,
                          e->t - stopped->e->t);
        }
    }
    if (!trace_installed_type(tr, &type))
        type = stopped->type;
    if (type & TRACE_OWN_PROCESS)
        stop_judge_exit(tr, cfg, v, stopped);
    else if (!v->set)
        verdict_say(v, VERDICT_PASS, "Nothing followed STOPPED; the service shares its process, so the process need "
                    "not exit.");
}
