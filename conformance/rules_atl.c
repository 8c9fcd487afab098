/* The service-module rules of CAtlServiceModuleT::Run: order of start, WM_QUIT on stop, NULL security. */
#include "rules.h"

#include <math.h>

#include <string.h>

/* The report that lets the SCM call the service running: RUNNING with controls. */
static const trace_status *atl_running(const trace *tr)
{
    size_t i;

    for (i = 0; i < tr->nst; i++)
        if (tr->st[i].state == TRACE_RUNNING && tr->st[i].controls)
            return &tr->st[i];
    return NULL;
}

/* A registration with REGCLS_SUSPENDED is reachable only once CoResumeClassObjects ran. */
static const trace_ev *atl_reachable_from(const trace *tr, const trace_ev *reg)
{
    if (!(trace_int(reg, "flags", 0) & TRACE_REGCLS_SUSPENDED))
        return reg;
    return trace_next_of(tr, reg, "com_resume", tr->cand_pid);
}

/* The candidate's next registration after `after` (NULL: from the start) that registered something: a visible
 * failure registered nothing, so no client could reach it and it has no place in the order or the cleanup. */
static const trace_ev *atl_next_ok_reg(const trace *tr, const trace_ev *after)
{
    const trace_ev *reg = after;

    while ((reg = trace_next_of(tr, reg, "com_register", tr->cand_pid)))
        if (trace_reg_ok(reg))
            return reg;
    return NULL;
}

/* The service's COM rules share one precondition: a run that drove a service, whose known candidate hosts class
 * objects. A service that never reached ServiceMain is still judged: what it did is what the rules read (no
 * RUNNING, no stop), and svc.dispatcher says why. */
static int atl_need_com_service(const trace *tr, verdict *v, const trace_ev **first_reg)
{
    if (!rules_need_service_run(tr, v, "the service-module rule (CAtlServiceModuleT::Run)"))
        return 0;
    if (!rules_need_hooks(tr, v, TRACE_HOOK_COM) || !rules_need_candidate(tr, v))
        return 0;
    *first_reg = atl_next_ok_reg(tr, NULL);
    if (!*first_reg) {
        const trace_ev *failed = trace_next_of(tr, NULL, "com_register", tr->cand_pid);

        unsigned long long hr = 0;

        verdict_event(v, failed, "clsid", "context", "flags", "result", NULL);
        if (failed && trace_word(failed, "result", &hr))
            verdict_say(v, VERDICT_NA, "Every CoRegisterClassObject of the service failed (the first at seq %lld, "
                        "result 0x%08llx), so it registered nothing and hosts no COM server for this rule to judge.",
                        failed->seq, hr);
        else if (failed)
            verdict_say(v, VERDICT_NA, "Every CoRegisterClassObject of the service failed (the first at seq %lld), so "
                        "it registered nothing and hosts no COM server for this rule to judge.", failed->seq);
        else
            verdict_say(v, VERDICT_NA, "The service registered no class objects (no CoRegisterClassObject), so it "
                        "hosts no COM server for this rule to judge.");
        return 0;
    }
    return 1;
}

/* atl.run.order — Security, then class objects, then RUNNING. */
void judge_atl_run_order(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *first_reg, *sec, *reg, *ready, *latest = NULL;
    const trace_status *running;

    (void)cfg;
    if (!atl_need_com_service(tr, v, &first_reg))
        return;
    sec = trace_next_of(tr, NULL, "com_security", tr->cand_pid);
    running = atl_running(tr);
    for (reg = trace_next_of(tr, NULL, "com_register", tr->cand_pid); reg;
         reg = trace_next_of(tr, reg, "com_register", tr->cand_pid))
        if (!trace_reg_ok(reg))
            verdict_note(verdict_event(v, reg, "clsid", "flags", "result", NULL), "not judged: the registration "
                         "failed, so it registered nothing; only successful registrations are judged");
    if (sec && sec->seq > first_reg->seq) {
        verdict_event(v, first_reg, "clsid", "context", "flags", NULL);
        verdict_event(v, sec, "sd", "capabilities", "result", NULL);
        verdict_raise(v, VERDICT_FAIL, "A class object (%s, seq %lld) was registered before CoInitializeSecurity "
                      "(seq %lld): clients could reach it before security was set.",
                      trace_clsid(first_reg), first_reg->seq, sec->seq);
    }
    for (reg = first_reg; reg && running; reg = atl_next_ok_reg(tr, reg)) {
        ready = atl_reachable_from(tr, reg);
        if (!ready || ready->seq > running->e->seq) {
            verdict_event(v, reg, "clsid", "context", "flags", "result", NULL);
            verdict_event(v, ready, "result", NULL);
            verdict_event(v, running->e, "state", "controls", NULL);
            verdict_raise(v, VERDICT_FAIL, "The class object %s became reachable %s, after the RUNNING report that "
                          "accepts controls (seq %lld): the SCM was told \"running\" before the class objects were "
                          "registered.", trace_clsid(reg),
                          !ready ? "never (registered suspended, never resumed)" : ready == reg ?
                          "when it was registered" : "only at CoResumeClassObjects", running->e->seq);
        } else if (!latest || ready->seq > latest->seq) {
            latest = ready;
        }
    }
    if (v->set)
        return;
    if (!running) {
        rules_unexercised(tr, v, "The service never reported RUNNING with controls, so the order before it was "
                          "never exercised (svc.running.controls judges that).",
                          "the service reported RUNNING with controls", "the order could not be judged");
        verdict_event(v, first_reg, "clsid", "context", "flags", "result", NULL);
        return;
    }
    if (sec)
        verdict_event(v, sec, "sd", "capabilities", "result", NULL);
    else
        verdict_note(verdict_fact(v), "no CoInitializeSecurity call: security comes from the registry");
    verdict_event(v, latest, "clsid", "context", "flags", "result", NULL);
    verdict_event(v, running->e, "state", "controls", NULL);
    verdict_say(v, VERDICT_PASS, "%s, every class object was reachable by seq %lld, and RUNNING with controls came "
                "after (seq %lld).", sec ? "Security was set first" : "No CoInitializeSecurity was called",
                latest->seq, running->e->seq);
}

static const trace_ev *atl_quit_on(const trace *tr, long long tid, double from, long long before_seq)
{
    const trace_ev *q;

    for (q = trace_next_of(tr, NULL, "quit_received", tr->cand_pid); q && q->seq < before_seq;
         q = trace_next_of(tr, q, "quit_received", tr->cand_pid))
        if ((tid < 0 || q->tid == tid) && q->t + TRACE_CLOCK_SLOP_MS >= from)
            return q;
    return NULL;
}

/* The revocations that carry out one stop: every registration's, checked to precede STOPPED. */
static const trace_ev *atl_judge_revokes(const trace *tr, verdict *v, const trace_ev *first_reg,
                                         const trace_status *stopped)
{
    const trace_ev *reg, *rv, *last = NULL;
    unsigned long long c;

    for (reg = first_reg; reg; reg = atl_next_ok_reg(tr, reg)) {
        if (!trace_word(reg, "cookie", &c)) {
            verdict_event(v, reg, "clsid", "cookie", "result", NULL);
            verdict_raise(v, VERDICT_ERROR, "The cookie of the registration at seq %lld is not visible, so its "
                          "revocation could not be followed.", reg->seq);
            continue;
        }
        rv = trace_revoke_of(tr, reg);
        if (!rv || rv->seq > stopped->e->seq) {
            verdict_event(v, reg, "clsid", "cookie", NULL);
            verdict_event(v, rv, "cookie", "result", NULL);
            verdict_raise(v, VERDICT_FAIL, "The class object %s (cookie 0x%llx) was %s: the message loop's cleanup "
                          "must revoke the class objects before STOPPED (seq %lld).",
                          trace_clsid(reg), c,
                          rv ? "revoked only after STOPPED" : "never revoked", stopped->e->seq);
        } else if (!last || rv->seq > last->seq) {
            last = rv;
        }
    }
    return last;
}

/* atl.quit.on-stop — STOP ends the message loop and cleanup precedes STOPPED. */
void judge_atl_quit_on_stop(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *first_reg, *req, *last_rv, *quit, *any_quit;
    const trace_status *stopped, *running;
    long long loop_tid;
    double sent;

    (void)cfg;
    if (!atl_need_com_service(tr, v, &first_reg))
        return;
    stopped = trace_first_state(tr, TRACE_STOPPED);
    req = trace_stop_request(tr, -INFINITY, stopped);
    if (!req) {
        verdict_event(v, stopped ? stopped->e : NULL, "state", "win32_exit", NULL);
        verdict_say(v, VERDICT_NA, "No STOP was sent to the service in this run, so its stop path was not exercised.");
        return;
    }
    verdict_event(v, req, "control", "ok", "elapsed_ms", NULL);
    if (!stopped) {
        verdict_say(v, VERDICT_ERROR, "The service never reported STOPPED after the stop request (%s), so the order "
                    "of its cleanup could not be judged.", rules_why_ended(tr));
        return;
    }
    sent = trace_ctl_sent(req);
    last_rv = atl_judge_revokes(tr, v, first_reg, stopped);
    running = atl_running(tr);
    /* ATL's loop thread is the one that ran PreMessageLoop, reported RUNNING and later revokes */
    loop_tid = last_rv ? last_rv->tid : running ? running->e->tid : tr->service_main ? tr->service_main->tid : -1;
    quit = atl_quit_on(tr, loop_tid, sent, stopped->e->seq);
    any_quit = trace_next_of(tr, NULL, "quit_received", tr->cand_pid);
    if (quit) {
        verdict_event(v, quit, NULL);
    } else if (any_quit) {
        const trace_ev *other = atl_quit_on(tr, -1, sent, stopped->e->seq);

        verdict_event(v, other ? other : any_quit, NULL);
        verdict_raise(v, VERDICT_FAIL, "After the STOP (seq %lld) the message-loop thread %lld took no WM_QUIT before "
                      "STOPPED (seq %lld)%s; the stop must end that thread's loop.", req->seq, loop_tid,
                      stopped->e->seq, other ? ", though another thread did" : "");
    } else {
        verdict_note(verdict_fact(v), "no quit_received event in the trace: whether WM_QUIT was posted is not "
                     "visible, so the order revoke -> STOPPED alone decides");
    }
    verdict_event(v, last_rv, "cookie", "result", NULL);
    verdict_event(v, stopped->e, "state", "win32_exit", NULL);
    if (!v->set)
        verdict_say(v, VERDICT_PASS, "After the STOP (seq %lld), %severy class object was revoked (last at seq %lld) "
                    "before STOPPED (seq %lld).", req->seq, quit ? "the loop thread took WM_QUIT and " : "",
                    last_rv ? last_rv->seq : 0, stopped->e->seq);
}

static int atl_sd(const trace_ev *e, unsigned long long *sd)
{
    return trace_parse_hex(json_string_value(json_object_get(e->obj, "sd")), sd);
}

/* One server process's verdict of sec.com.null-descriptor (judge_sec_com_null_descriptor judges each). */
static void sec_com_null_descriptor_one(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *sec, *reg;
    unsigned long long sd;
    long long caps;
    json_t *o;

    if (!rules_need_hooks(tr, v, TRACE_HOOK_COM) || !rules_need_candidate(tr, v))
        return;
    sec = trace_next_of(tr, NULL, "com_security", tr->cand_pid);
    reg = trace_next_of(tr, NULL, "com_register", tr->cand_pid);
    if (!reg)
        reg = trace_next_of(tr, NULL, "rot_register", tr->cand_pid);
    if (!sec && !reg) {
        verdict_say(v, VERDICT_NA, "The candidate neither called CoInitializeSecurity nor served any COM object.");
        return;
    }
    if (!sec) {
        verdict_note(verdict_fact(v), "no CoInitializeSecurity call from the candidate");
        verdict_event(v, reg, "clsid", "flags", NULL);
        verdict_say(v, VERDICT_PASS, "The candidate never called CoInitializeSecurity, so COM takes its security "
                    "from the registry (the AppID's settings).");
        return;
    }
    for (; sec; sec = trace_next_of(tr, sec, "com_security", tr->cand_pid)) {
        o = verdict_event(v, sec, "sd", "auth_level", "imp_level", "capabilities", "result", NULL);
        if (!atl_sd(sec, &sd) || !trace_has(sec, "capabilities")) {
            verdict_raise(v, VERDICT_ERROR, "The security descriptor or the capabilities of CoInitializeSecurity (seq "
                          "%lld) are not visible in the trace, so the call could not be judged.", sec->seq);
            continue;
        }
        if (trace_hr_ok(sec, "result") == 0) {
            verdict_note(o, "the call failed, so it set nothing");
            continue;
        }
        caps = trace_int(sec, "capabilities", 0);
        if (!sd && !(caps & (TRACE_EOAC_APPID | TRACE_EOAC_ACCESS_CONTROL)))
            verdict_raise(v, cfg->strict ? VERDICT_FAIL : VERDICT_WARN, "CoInitializeSecurity (seq %lld) was called "
                          "with a NULL security descriptor and capabilities 0x%llx (neither EOAC_APPID nor "
                          "EOAC_ACCESS_CONTROL): every user may access the server's objects%s.", sec->seq,
                          (unsigned long long)caps, cfg->strict ? " (a failure under strict)" : "");
    }
    if (!v->set)
        verdict_say(v, VERDICT_PASS, "Every CoInitializeSecurity call passed a security descriptor or took its access "
                    "control from the AppID or an access-control object.");
}

/* sec.com.null-descriptor — CoInitializeSecurity without a descriptor opens the server to all. */
void judge_sec_com_null_descriptor(const trace *tr, const config *cfg, verdict *v)
{
    rules_judge_servers(tr, cfg, v, sec_com_null_descriptor_one);
}
