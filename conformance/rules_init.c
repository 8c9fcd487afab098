/* The rules about starting: the dispatcher, the handler registration, the first report, RUNNING's controls. */
#include "rules.h"

#include <stdio.h>
#include <string.h>

#define ERROR_SERVICE_REQUEST_TIMEOUT 1053

static int init_is_str(const trace_ev *e, const char *key, const char *value)
{
    const json_t *s = json_object_get(e->obj, key);

    return !key || (json_is_string(s) && !strcmp(json_string_value(s), value));
}

/* The first event of type ev after `after` (NULL: from the start) whose string fields match the given
 * key/value pairs (a NULL key matches anything). */
static const trace_ev *init_find(const trace *tr, const trace_ev *after, const char *ev, const char *k1,
                                 const char *v1, const char *k2, const char *v2)
{
    size_t i;

    for (i = after ? (size_t)(after - tr->evs) + 1 : 0; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];

        if (trace_is(e, ev) && init_is_str(e, k1, v1) && init_is_str(e, k2, v2))
            return e;
    }
    return NULL;
}

/* The process ended by itself before it called StartServiceCtrlDispatcher: its exit code and when, and StartService's
 * answer when it failed. */
static void init_say_exited(const trace *tr, verdict *v, const trace_ev *start)
{
    const trace_ev *end = tr->proc_end;
    char code[48] = "", after[64] = "", started[96] = "";

    verdict_event(v, tr->proc_start, "image", "cmdline", NULL);
    verdict_event(v, end, "code", "how", "detail", NULL);
    if (trace_has(end, "code"))
        snprintf(code, sizeof code, " with exit code %lld", trace_int(end, "code", 0));
    if (tr->proc_start)
        snprintf(after, sizeof after, " %.7g ms after its start", end->t - tr->proc_start->t);
    if (start && trace_has(start, "ok") && !trace_flag(start, "ok")) {
        verdict_event(v, start, "ok", "error", "elapsed_ms", NULL);
        snprintf(started, sizeof started, " (StartService failed with error %lld)", trace_int(start, "error", 0));
    }
    verdict_say(v, VERDICT_FAIL, "The process exited by itself%s%s (seq %lld) without ever calling "
                "StartServiceCtrlDispatcher%s; a service process must connect to the dispatcher so that ServiceMain "
                "runs.", code, after, end->seq, started);
}

/* svc.dispatcher — The process connects to the service control dispatcher. */
void judge_svc_dispatcher(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *nodisp = init_find(tr, NULL, "harness", "action", "no_dispatcher", NULL, NULL);
    const trace_ev *start = init_find(tr, NULL, "ctl_start", NULL, NULL, NULL, NULL);
    const trace_ev *last = rules_last_seen(tr);

    (void)cfg;
    if (!rules_need_service_run(tr, v, "this service rule"))
        return;
    if (tr->service_main) {
        verdict_event(v, tr->dispatcher, "table", "count", NULL);
        verdict_event(v, tr->service_main, "service", NULL);
        verdict_say(v, VERDICT_PASS, "The process connected to the service control dispatcher and ServiceMain ran "
                    "on thread %lld.", tr->service_main->tid);
        return;
    }
    if (tr->dispatcher) {
        verdict_event(v, tr->dispatcher, "table", "count", NULL);
        verdict_event(v, last, "reason", "code", "how", NULL);
        if (rules_absence_is_fault(tr, 0, RULES_NO_LIMIT))
            verdict_say(v, VERDICT_FAIL, "The process called StartServiceCtrlDispatcher (seq %lld) but ServiceMain "
                        "never ran; the dispatch table must name the installed service so the dispatcher can start it.",
                        tr->dispatcher->seq);
        else
            verdict_say(v, VERDICT_ERROR, "The process called StartServiceCtrlDispatcher (seq %lld), but %s before "
                        "ServiceMain ran, so whether it would have is unknown.", tr->dispatcher->seq,
                        rules_why_ended(tr));
        return;
    }
    if (tr->session0_missing) {
        verdict_event(v, tr->session0_missing, "what", "step", "error", NULL);
        verdict_event(v, last, "reason", "code", "how", NULL);
        verdict_say(v, VERDICT_ERROR, "ServiceMain never ran, but the run could not make services.exe read as "
                    "session 0 to the service (seq %lld): a service that checks its session, as Go's "
                    "svc.IsWindowsService and .NET's IsWindowsService do, never connects in Wine's session 1, so "
                    "whether this one would have is unknown.", tr->session0_missing->seq);
        return;
    }
    /* a process that ended by itself did not fail to connect in time: it left, and the message says so */
    if (tr->proc_end_natural && !tr->trouble) {
        init_say_exited(tr, v, start);
        return;
    }
    if (nodisp) {
        verdict_event(v, nodisp, "action", "detail", NULL);
        verdict_say(v, VERDICT_FAIL, "The process never connected to the service control dispatcher "
                    "(StartServiceCtrlDispatcher), so ServiceMain could not run.");
        return;
    }
    if (start && trace_has(start, "ok") && !trace_flag(start, "ok")) {
        verdict_event(v, start, "ok", "error", "elapsed_ms", NULL);
        if (trace_int(start, "error", 0) == ERROR_SERVICE_REQUEST_TIMEOUT)
            verdict_say(v, VERDICT_FAIL, "StartService failed with error 1053: the process did not connect to the "
                        "control dispatcher in time, so ServiceMain never ran.");
        else
            verdict_say(v, VERDICT_ERROR, "The controller could not start the service (StartService error %lld), so "
                        "whether the process connects to the dispatcher is unknown.", trace_int(start, "error", 0));
        return;
    }
    /* the process's own end was said above: here a complete run ended with the process alive */
    if (rules_absence_is_fault(tr, 0, RULES_NO_LIMIT)) {
        verdict_event(v, tr->end, "reason", NULL);
        verdict_say(v, VERDICT_FAIL, "The run completed but the process never called StartServiceCtrlDispatcher; "
                    "a service process must connect to the dispatcher so that ServiceMain runs.");
        return;
    }
    verdict_event(v, last, "reason", "code", "how", NULL);
    verdict_say(v, VERDICT_ERROR, "The watch ended before the process called StartServiceCtrlDispatcher (%s), so "
                "whether it would have is unknown%s%s.", rules_why_ended(tr), tr->cand_pid ? "" : "; also, ",
                tr->cand_pid ? "" : tr->cand_why);
}

/* svc.handler.immediate — ServiceMain registers its control handler first and at once. */
void judge_svc_handler_immediate(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *sm, *first = NULL, *elsewhere = NULL, *last;
    double limit = cfg->handler_register_ms, d;
    size_t i;

    if (!rules_need_main(tr, v))
        return;
    sm = tr->service_main;
    for (i = (size_t)(sm - tr->evs) + 1; i < tr->nevs && !first; i++) {
        const trace_ev *e = &tr->evs[i];

        if (e->pid != tr->cand_pid)
            continue;
        if (e->tid == sm->tid && (trace_is(e, "handler_register") || trace_is(e, "status") || trace_is(e, "wait")))
            first = e;
        else if (!elsewhere && trace_is(e, "handler_register"))
            elsewhere = e;
    }
    verdict_event(v, sm, "service", NULL);
    if (trace_is(first, "handler_register")) {
        d = first->t - sm->t;
        verdict_event(v, first, "handler", "handle", NULL);
        verdict_timing(v, "ServiceMain start to RegisterServiceCtrlHandler(Ex)", d, limit, sm, first);
        if (verdict_within(d, limit))
            verdict_say(v, VERDICT_PASS, "ServiceMain registered its control handler as its first call, on its own "
                        "thread, %.7g ms after it began (limit %.7g ms).", d, limit);
        else
            verdict_say(v, VERDICT_FAIL, "ServiceMain registered its control handler only %.7g ms after it began; it "
                        "must do so at once, within %.7g ms.", d, limit);
        return;
    }
    if (elsewhere) {
        verdict_event(v, elsewhere, "handler", "handle", NULL);
        verdict_say(v, VERDICT_FAIL, "The control handler was registered on thread %lld, not on the ServiceMain thread "
                    "%lld; ServiceMain itself must register it at once.", elsewhere->tid, sm->tid);
        return;
    }
    if (trace_is(first, "status")) {
        verdict_event(v, first, "state", "handle", NULL);
        verdict_say(v, VERDICT_FAIL, "ServiceMain called SetServiceStatus (seq %lld) before registering its control "
                    "handler; RegisterServiceCtrlHandler(Ex) must come first, since it returns the handle that "
                    "SetServiceStatus needs.", first->seq);
        return;
    }
    if (trace_is(first, "wait")) {
        verdict_event(v, first, "timeout_ms", "handles", "t_end", "result", NULL);
        verdict_say(v, VERDICT_FAIL, "The ServiceMain thread blocked in a wait (seq %lld) before registering its "
                    "control handler; registration must come first, before any wait.", first->seq);
        return;
    }
    last = rules_last_seen(tr);
    d = last->t - sm->t;
    verdict_event(v, last, "reason", "code", "how", NULL);
    if (rules_absence_is_fault(tr, d, limit)) {
        verdict_note(verdict_timing(v, "ServiceMain start to the end of the watch, with no registration", d, limit, sm,
                                    last), "a lower bound: the registration never came");
        verdict_say(v, VERDICT_FAIL, "ServiceMain never registered a control handler in the %.7g ms the trace watched "
                    "it; it must do so within %.7g ms of starting.", d, limit);
    } else {
        verdict_say(v, VERDICT_ERROR, "The watch ended %.7g ms after ServiceMain began (%s), before it registered a "
                    "control handler and before the %.7g ms limit ran out, so the rule could not be judged.", d,
                    rules_why_ended(tr), limit);
    }
}

/* A report that tells the SCM where the start stands: done, RUNNING without controls, or pending with a hint. */
static int init_counts(const trace_status *s)
{
    switch (s->state) {
    case TRACE_RUNNING:
    case TRACE_STOPPED:
        return 1;
    case TRACE_START_PENDING:
    case TRACE_STOP_PENDING:
        return s->wait_hint > 0;
    default:
        return 0;
    }
}

static void init_first_report_pass(verdict *v, const trace_status *q, double d, double limit)
{
    if (q->state == TRACE_RUNNING && q->controls)
        verdict_say(v, VERDICT_PASS, "The service reached RUNNING, accepting controls 0x%llx, %.7g ms after "
                    "ServiceMain began (limit %.7g ms).", (unsigned long long)q->controls, d, limit);
    else if (q->state == TRACE_RUNNING)
        verdict_say(v, VERDICT_PASS, "The service reported RUNNING with no controls accepted %.7g ms after ServiceMain "
                    "began (limit %.7g ms), the recommended way to go on initializing.", d, limit);
    else
        verdict_say(v, VERDICT_PASS, "The service reported %s (wait hint %lld ms) %.7g ms after ServiceMain began "
                    "(limit %.7g ms).", trace_state_name(q->state), q->wait_hint, d, limit);
}

/* svc.init.first-report — Within one second the SCM knows where the start stands. */
void judge_svc_init_first_report(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *sm, *last;
    const trace_status *q = NULL, *weak = NULL;
    double limit = cfg->init_threshold_ms, d;
    size_t i;

    if (!rules_need_main(tr, v))
        return;
    sm = tr->service_main;
    for (i = 0; i < tr->nst && !q; i++) {
        if (tr->st[i].e->seq < sm->seq)
            continue;
        if (init_counts(&tr->st[i]))
            q = &tr->st[i];
        else if (!weak)
            weak = &tr->st[i];
    }
    verdict_event(v, sm, "service", NULL);
    if (weak && (!q || weak->e->seq < q->e->seq))
        verdict_note(verdict_event(v, weak->e, "state", "controls", "checkpoint", "wait_hint", NULL),
                     "does not count: a pending report needs a non-zero wait hint");
    if (q) {
        d = q->e->t - sm->t;
        verdict_event(v, q->e, "state", "controls", "checkpoint", "wait_hint", NULL);
        verdict_timing(v, "ServiceMain start to the first report that counts", d, limit, sm, q->e);
        if (verdict_within(d, limit))
            init_first_report_pass(v, q, d, limit);
        else
            verdict_say(v, VERDICT_FAIL, "The first report telling the SCM where the start stands (%s, seq %lld) came "
                        "%.7g ms after ServiceMain began; within %.7g ms the service must report RUNNING (with or "
                        "without controls) or START_PENDING with a non-zero wait hint.", trace_state_name(q->state),
                        q->e->seq, d, limit);
        return;
    }
    last = rules_last_seen(tr);
    d = last->t - sm->t;
    verdict_event(v, last, "reason", "code", "how", NULL);
    if (rules_absence_is_fault(tr, d, limit)) {
        verdict_note(verdict_timing(v, "ServiceMain start to the end of the watch, with no report that counts", d,
                                    limit, sm, last), "a lower bound: no report that counts ever came");
        verdict_say(v, VERDICT_FAIL, "In the %.7g ms the trace watched after ServiceMain began, the service never "
                    "reported RUNNING or START_PENDING with a non-zero wait hint; it must within %.7g ms.", d, limit);
    } else {
        verdict_say(v, VERDICT_ERROR, "The watch ended %.7g ms after ServiceMain began (%s), before the %.7g ms "
                    "point, with no report that counts yet, so the rule could not be judged.", d, rules_why_ended(tr),
                    limit);
    }
}

/* svc.running.controls — Initialization ends with RUNNING and its controls. */
void judge_svc_running_controls(const trace *tr, const config *cfg, verdict *v)
{
    const trace_status *zero = NULL, *decisive = NULL, *stopped = NULL;
    const trace_ev *gave_up;
    unsigned long long want = (unsigned long long)cfg->expect_controls;
    size_t i;

    if (!rules_need_main(tr, v))
        return;
    for (i = 0; i < tr->nst && !decisive && !stopped; i++) {
        const trace_status *s = &tr->st[i];

        if (s->e->seq < tr->service_main->seq)
            continue;
        if (s->state == TRACE_STOPPED)
            stopped = s;
        else if (s->state == TRACE_RUNNING && (s->controls || !want))
            decisive = s;
        else if (s->state == TRACE_RUNNING && !zero)
            zero = s;
    }
    verdict_note(verdict_event(v, zero ? zero->e : NULL, "state", "controls", NULL),
                 "RUNNING with no controls while initializing");
    if (decisive) {
        unsigned long long got = (unsigned long long)decisive->controls;

        verdict_event(v, decisive->e, "state", "controls", NULL);
        if ((got & want) != want)
            verdict_say(v, VERDICT_FAIL, "Initialization ended with RUNNING (seq %lld) accepting only controls 0x%llx; "
                        "it must accept at least 0x%llx (SERVICE_ACCEPT_STOP unless configured otherwise).",
                        decisive->e->seq, got, want);
        else if (zero)
            verdict_say(v, VERDICT_PASS, "After RUNNING with no controls (seq %lld), the service reported RUNNING "
                        "accepting 0x%llx (seq %lld), which includes the expected 0x%llx.", zero->e->seq, got,
                        decisive->e->seq, want);
        else
            verdict_say(v, VERDICT_PASS, "Initialization ended with RUNNING accepting controls 0x%llx (seq %lld), "
                        "which includes the expected 0x%llx.", got, decisive->e->seq, want);
        return;
    }
    if (stopped) {
        verdict_event(v, stopped->e, "state", "win32_exit", "specific_exit", NULL);
        if (zero)
            verdict_say(v, VERDICT_FAIL, "The service reported RUNNING with no controls (seq %lld) and then STOPPED "
                        "(seq %lld) without ever reporting RUNNING with its controls; a service that uses RUNNING "
                        "without controls while initializing must report its controls once that is done.",
                        zero->e->seq, stopped->e->seq);
        else
            verdict_say(v, VERDICT_NA, "The service stopped (seq %lld) before its initialization ended, so there was "
                        "no RUNNING report with controls to judge (svc.stopped.exit-code judges the stop).",
                        stopped->e->seq);
        return;
    }
    /* the controller waits for RUNNING with controls; its giving up shows the service had its time */
    gave_up = zero ? init_find(tr, zero->e, "ctl_wait", "what", "running", "outcome", "timeout") : NULL;
    if (gave_up) {
        verdict_event(v, gave_up, "what", "outcome", "elapsed_ms", NULL);
        verdict_say(v, VERDICT_FAIL, "The service reported RUNNING with no controls (seq %lld) and never reported "
                    "RUNNING with its controls before the controller gave up waiting for it (seq %lld); it must once "
                    "its initialization is done.", zero->e->seq, gave_up->seq);
        return;
    }
    verdict_event(v, rules_last_seen(tr), "reason", "code", "how", NULL);
    if (zero && rules_absence_is_fault(tr, 0, RULES_NO_LIMIT))
        verdict_say(v, VERDICT_FAIL, "The service reported RUNNING with no controls (seq %lld) and, by the end of the "
                    "run, never reported RUNNING with its controls; it must once its initialization is done.",
                    zero->e->seq);
    else if (zero)
        verdict_say(v, VERDICT_ERROR, "The watch ended (%s) while the service was still RUNNING with no controls "
                    "(since seq %lld), so whether it would have enabled them is unknown.", rules_why_ended(tr),
                    zero->e->seq);
    else
        verdict_say(v, VERDICT_ERROR, "The watch ended (%s) before the service reported RUNNING, so the end of its "
                    "initialization was never seen (svc.init.first-report and svc.pending.deadline judge the wait).",
                    rules_why_ended(tr));
}
