/* The rules about CoRegisterClassObject's outcome: in time when launched for activation, failures reported. */
#include "rules.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The candidate's first successful registration of clsid after from, else its first failed one: a failed call
 * registered nothing, and a retry that succeeds is what an activation reaches. */
static const trace_ev *register_find(const trace *tr, const trace_ev *from, const char *clsid)
{
    const trace_ev *reg, *failed = NULL;

    for (reg = trace_next_of(tr, NULL, "com_register", tr->cand_pid); reg;
         reg = trace_next_of(tr, reg, "com_register", tr->cand_pid))
        if (reg->seq > from->seq && !strcasecmp(trace_clsid(reg), clsid)) {
            if (trace_reg_ok(reg))
                return reg;
            if (!failed)
                failed = reg;
        }
    return failed;
}

/* Judges one activation of the client against the server's registrations. */
static void register_judge_activation(const trace *tr, const config *cfg, verdict *v, const trace_ev *start,
                                      const trace_ev *act)
{
    const char *clsid = trace_clsid(act);
    const trace_ev *reg = register_find(tr, start, clsid), *ready, *last;
    double limit = cfg->activation_timeout_ms, d;

    verdict_event(v, act, "clsid", "context", "ok", "hr", "elapsed_ms", NULL);
    if (!reg) {
        last = rules_last_seen(tr);
        d = last->t - start->t;
        if (rules_absence_is_fault(tr, d, limit)) {
            verdict_note(verdict_timing(v, "start to the end of the watch, without a registration", d, limit, start,
                                        last), "a lower bound: the class was never registered");
            verdict_raise(v, VERDICT_FAIL, "The server never registered the requested class %s (watched for %.7g ms "
                          "after its start); a server launched for activation must register it within %.7g ms.",
                          clsid, d, limit);
        } else {
            verdict_raise(v, VERDICT_ERROR, "The watch ended %.7g ms after the server's start (%s), before it "
                          "registered %s and before the %.7g ms limit.", d, rules_why_ended(tr), clsid, limit);
        }
        return;
    }
    verdict_event(v, reg, "clsid", "context", "flags", "cookie", "result", NULL);
    if (!trace_reg_ok(reg)) {
        verdict_raise(v, VERDICT_FAIL, "Registering the requested class %s failed (seq %lld), so the activation "
                      "could not be served.", clsid, reg->seq);
        return;
    }
    if (!(trace_int(reg, "context", 0) & TRACE_CLSCTX_LOCAL_SERVER)) {
        verdict_raise(v, VERDICT_FAIL, "The class %s was registered (seq %lld) with context 0x%llx, without "
                      "CLSCTX_LOCAL_SERVER (0x4): other processes cannot reach it.", clsid, reg->seq,
                      (unsigned long long)trace_int(reg, "context", 0));
        return;
    }
    ready = reg;
    if (trace_int(reg, "flags", 0) & TRACE_REGCLS_SUSPENDED) {
        ready = trace_next_of(tr, reg, "com_resume", tr->cand_pid);
        verdict_event(v, ready, "result", NULL);
        if (!ready) {
            verdict_raise(v, VERDICT_FAIL, "The class %s was registered suspended (seq %lld) and never resumed "
                          "(no CoResumeClassObjects), so no client could reach it.", clsid, reg->seq);
            return;
        }
    }
    d = ready->t - start->t;
    verdict_timing(v, ready == reg ? "start to CoRegisterClassObject" : "start to CoResumeClassObjects", d, limit,
                   start, ready);
    if (!verdict_within(d, limit))
        verdict_raise(v, VERDICT_FAIL, "The requested class %s became reachable %.7g ms after the server's start; "
                      "the limit is %.7g ms.", clsid, d, limit);
    else if (!trace_flag(act, "ok"))
        verdict_raise(v, VERDICT_FAIL, "The class %s was registered in time (%.7g ms), but the client's activation "
                      "failed (seq %lld).", clsid, d, act->seq);
    else
        verdict_raise(v, VERDICT_PASS, "The requested class %s was registered with CLSCTX_LOCAL_SERVER %.7g ms after "
                      "the server's start (limit %.7g ms), and the client's activation succeeded.", clsid, d, limit);
}

/* The embedding shape: a server COM launched that registered nothing, when that is its fault (it ended by itself,
 * or the watch outlasted the limit); 0, with nothing said, otherwise. */
static int register_never(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *start = tr->proc_start, *last = rules_last_seen(tr), *end = tr->proc_end;
    double limit = cfg->activation_timeout_ms, d;
    char code[48] = "";

    if (tr->shape != TRACE_SHAPE_EMBEDDING || !start || !last)
        return 0;
    d = last->t - start->t;
    if (!rules_absence_is_fault(tr, d, limit))
        return 0;
    verdict_event(v, start, "image", "cmdline", NULL);
    verdict_note(verdict_timing(v, "start to the end of the watch, without a registration", d, limit, start, last),
                 "a lower bound: no class object was ever registered");
    if (end && tr->proc_end_natural) {
        verdict_event(v, end, "code", "how", "detail", NULL);
        if (trace_has(end, "code"))
            snprintf(code, sizeof code, " with exit code %lld", trace_int(end, "code", 0));
        verdict_say(v, VERDICT_FAIL, "COM launched the server for an activation (seq %lld), and it exited by itself%s "
                    "%.7g ms later (seq %lld) without registering any class object; a server launched for activation "
                    "must register the requested class within %.7g ms.", start->seq, code, d, end->seq, limit);
    } else {
        verdict_say(v, VERDICT_FAIL, "COM launched the server for an activation (seq %lld), and in the %.7g ms the "
                    "trace watched it (%s) it registered no class object; it must register the requested class "
                    "within %.7g ms.", start->seq, d, rules_why_ended(tr), limit);
    }
    return 1;
}

/* A server process that none of the client's activations reached (they launched, or went to, other server
 * processes: the LockServer probe's launch, say): judged by its own registration's time from its start. */
static void register_unasked(const trace *tr, const config *cfg, verdict *v, const trace_ev *start, size_t elsewhere)
{
    const trace_ev *reg, *ready;
    double limit = cfg->activation_timeout_ms, d;

    for (reg = trace_next_of(tr, NULL, "com_register", tr->cand_pid); reg && !trace_reg_ok(reg);
         reg = trace_next_of(tr, reg, "com_register", tr->cand_pid))
        ;
    if (!reg) {
        verdict_say(v, VERDICT_NA, "None of the client's activations reached this server process (%zu went to other "
                    "server processes), and it registered nothing before the watch ended (%s).", elsewhere,
                    rules_why_ended(tr));
        return;
    }
    ready = reg;
    if (trace_int(reg, "flags", 0) & TRACE_REGCLS_SUSPENDED)
        ready = trace_next_of(tr, reg, "com_resume", tr->cand_pid);
    verdict_event(v, reg, "clsid", "context", "flags", "cookie", "result", NULL);
    if (!ready) {
        verdict_say(v, VERDICT_FAIL, "The class %s was registered suspended (seq %lld) and never resumed (no "
                    "CoResumeClassObjects), so no client could reach it.", trace_clsid(reg), reg->seq);
        return;
    }
    d = ready->t - start->t;
    verdict_timing(v, ready == reg ? "start to CoRegisterClassObject" : "start to CoResumeClassObjects", d, limit,
                   start, ready);
    if (!(trace_int(reg, "context", 0) & TRACE_CLSCTX_LOCAL_SERVER))
        verdict_say(v, VERDICT_FAIL, "The class %s was registered (seq %lld) with context 0x%llx, without "
                    "CLSCTX_LOCAL_SERVER (0x4): other processes cannot reach it.", trace_clsid(reg), reg->seq,
                    (unsigned long long)trace_int(reg, "context", 0));
    else if (!verdict_within(d, limit))
        verdict_say(v, VERDICT_FAIL, "The class %s became reachable %.7g ms after the server's start; the limit is "
                    "%.7g ms.", trace_clsid(reg), d, limit);
    else
        verdict_say(v, VERDICT_PASS, "None of the client's activations reached this server process (%zu went to "
                    "other server processes); it registered %s with CLSCTX_LOCAL_SERVER %.7g ms after its start (limit "
                    "%.7g ms).", elsewhere, trace_clsid(reg), d, limit);
}

/* The installed service's name: the header's, else the one its ServiceMain gave. */
static const char *register_service_name(const trace *tr)
{
    if (tr->service_name)
        return tr->service_name;
    return tr->service_main ? json_string_value(json_object_get(tr->service_main->obj, "service")) : NULL;
}

/* Where the server's start is timed from: the process's start when COM launched it with -Embedding, ServiceMain
 * for a service that is an AppID's LocalService (COM starts such a service for an activation). Returns NULL with
 * the verdict said when the rule does not apply or cannot be judged. */
static const trace_ev *register_launch(const trace *tr, verdict *v)
{
    const char *name;

    if (tr->shape == TRACE_SHAPE_EMBEDDING) {
        if (!tr->proc_start)
            verdict_say(v, VERDICT_ERROR, "COM launched the server for an activation (the embedding shape), but its "
                        "start (process_start) is not in the trace, so the time to its registration could not be "
                        "measured.");
        else if (!trace_is_embedding(tr))
            verdict_note(verdict_event(v, tr->proc_start, "cmdline", NULL), "the run says COM launched the server, "
                         "yet its command line has no -Embedding word; the run's word is taken");
        return tr->proc_start;
    }
    /* whether the service is an AppID's LocalService is read from the registry */
    if (!rules_need_hooks(tr, v, TRACE_HOOK_REGISTRY))
        return NULL;
    if (!tr->registry) {
        verdict_say(v, VERDICT_ERROR, "The trace records the registry, yet holds no com_registry snapshot, so whether "
                    "the service is an AppID's LocalService (and COM starts it for an activation) is unknown.");
        return NULL;
    }
    name = register_service_name(tr);
    if (!name || !trace_reg_find(tr, "appids", "local_service", name)) {
        verdict_event(v, tr->registry, "when", NULL);
        verdict_say(v, VERDICT_NA, "No AppID names the service%s%s%s as its LocalService, so COM does not start it "
                    "for an activation and it need not register at start.", name ? " \"" : "", name ? name : "",
                    name ? "\"" : "");
        return NULL;
    }
    if (!tr->service_main)
        verdict_say(v, VERDICT_ERROR, "The service \"%s\" is an AppID's LocalService, but it never reached ServiceMain "
                    "(see svc.dispatcher), so when it started, and whether it would have registered in time, is "
                    "unknown.", name);
    return tr->service_main;
}

/* One server process's verdict of com.register.at-start (judge_com_register_at_start judges each). */
static void com_register_at_start_one(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *first_reg, *act, *start;
    size_t judged = 0, elsewhere = 0;

    if (tr->shape == TRACE_SHAPE_USER) {
        verdict_say(v, VERDICT_NA, "The harness started the server directly, as a user would (the user shape), not "
                    "for an activation, so it need not register at start.");
        return;
    }
    if (!rules_need_hooks(tr, v, TRACE_HOOK_COM) || !rules_need_candidate(tr, v))
        return;
    first_reg = trace_next_of(tr, NULL, "com_register", tr->cand_pid);
    act = trace_next_of(tr, NULL, "cli_activate", -1);
    /* COM launched it for an activation: registering nothing until it ended by itself (or past the limit) is the
     * product's failure, whether or not the client's activation is in the trace */
    if (!first_reg && register_never(tr, cfg, v))
        return;
    if (!first_reg && !act) {
        verdict_say(v, VERDICT_NA, "No class was registered and no client activated one in this run.");
        return;
    }
    if (!(start = register_launch(tr, v)))
        return;
    if (!act) {
        if (!rules_need_hooks(tr, v, TRACE_HOOK_COM_CLIENT))
            return;
        verdict_event(v, start, "cmdline", "service", NULL);
        verdict_say(v, VERDICT_NA, "The server was launched for activation, but no client activation is in the "
                    "trace, so no class was requested.");
        return;
    }
    verdict_event(v, start, "image", "cmdline", "service", NULL);
    for (; act; act = trace_next_of(tr, act, "cli_activate", -1)) {
        long long owner = tr->nservers > 1 ? trace_activation_server(tr, act) : 0;

        /* with several server processes, an activation that launched another one, or that another one served
         * with a class this one never registered, is that process's to answer */
        if ((owner && owner != tr->cand_pid) || (tr->nservers > 1 && !owner &&
            !register_find(tr, start, trace_clsid(act)) && trace_other_server_registered(tr, trace_clsid(act)))) {
            elsewhere++;
            continue;
        }
        judged++;
        register_judge_activation(tr, cfg, v, start, act);
    }
    if (!judged)
        register_unasked(tr, cfg, v, start, elsewhere);
}
static void register_judge_service(const trace *tr, verdict *v, const trace_ev *failed)
{
    const trace_status *stopped = NULL;
    const trace_ev *asked;
    size_t i;

    for (i = 0; i < tr->nst && !stopped; i++)
        if (tr->st[i].state == TRACE_STOPPED && tr->st[i].e->seq > failed->seq)
            stopped = &tr->st[i];
    if (!stopped) {
        const trace_ev *last = rules_last_seen(tr);

        verdict_event(v, last, "code", "how", "reason", NULL);
        if (!rules_absence_is_fault(tr, 0, RULES_NO_LIMIT))
            verdict_say(v, VERDICT_ERROR, "The watch ended (%s) without STOPPED after the failed registration, so "
                        "whether the service would have reported it is unknown.", rules_why_ended(tr));
        else
            verdict_say(v, VERDICT_FAIL, "After its class registration failed (seq %lld), the service never reported "
                        "STOPPED with an error code (%s, %.7g ms later): it carried on as if registered.", failed->seq,
                        rules_why_ended(tr), last->t - failed->t);
        return;
    }
    verdict_event(v, stopped->e, "state", "win32_exit", "specific_exit", NULL);
    asked = trace_stop_request(tr, failed->t, stopped);
    if (asked) {
        verdict_event(v, asked, "control", "ok", NULL);
        verdict_say(v, VERDICT_FAIL, "After its class registration failed (seq %lld), the service idled until the "
                    "controller stopped it (seq %lld); it must stop on its own with an error code.", failed->seq,
                    asked->seq);
    } else if (!stopped->win32_exit) {
        verdict_say(v, VERDICT_FAIL, "After its class registration failed (seq %lld), the service reported STOPPED "
                    "(seq %lld) with dwWin32ExitCode 0; the failure must show in the exit code.", failed->seq,
                    stopped->e->seq);
    } else {
        verdict_say(v, VERDICT_PASS, "The service reported the failed registration: STOPPED (seq %lld) with "
                    "dwWin32ExitCode %lld.", stopped->e->seq, stopped->win32_exit);
    }
}

static void register_judge_exe(const trace *tr, verdict *v, const trace_ev *failed)
{
    const trace_ev *last = rules_last_seen(tr), *end = tr->proc_end, *closed = trace_harness_closed(tr, failed);
    const char *how = end ? json_string_value(json_object_get(end->obj, "how")) : NULL;

    verdict_event(v, last, "code", "how", "reason", NULL);
    /* an exit that only followed the user closing the server's window was no report of the failure */
    if (end && tr->proc_end_natural && trace_is(closed, "ctl_close") && closed->seq < end->seq) {
        verdict_event(v, closed, "server_pid", "windows", NULL);
        verdict_say(v, VERDICT_FAIL, "After its class registration failed (seq %lld), the server carried on as if "
                    "registered until the harness closed its window (seq %lld, %.7g ms later); it must exit with an "
                    "error code by itself.", failed->seq, closed->seq, closed->t - failed->t);
    } else if (end && tr->proc_end_natural && !(how && !strcmp(how, "crash"))) {
        if (!trace_has(end, "code"))
            verdict_say(v, VERDICT_ERROR, "The server exited after the failed registration, but its exit code is not "
                        "visible.");
        else if (!trace_int(end, "code", 0))
            verdict_say(v, VERDICT_FAIL, "After its class registration failed (seq %lld), the server exited with code "
                        "0; the failure must show in a non-zero exit code.", failed->seq);
        else
            verdict_say(v, VERDICT_PASS, "The server reported the failed registration by exiting with code %lld.",
                        trace_int(end, "code", 0));
    } else if (end && tr->proc_end_natural) {
        verdict_say(v, VERDICT_FAIL, "After its class registration failed (seq %lld), the server crashed instead of "
                    "exiting with an error code.", failed->seq);
    } else if (!rules_absence_is_fault(tr, 0, RULES_NO_LIMIT)) {
        verdict_say(v, VERDICT_ERROR, "The watch was cut (%s) before the server exited, so whether it would have "
                    "reported the failed registration is unknown.", rules_why_ended(tr));
    } else {
        verdict_say(v, VERDICT_FAIL, "After its class registration failed (seq %lld), the server carried on as if "
                    "registered until %s (%.7g ms later) instead of exiting with an error code.", failed->seq,
                    end ? "it was killed" : "the end of the watch", last->t - failed->t);
    }
}

/* One server process's verdict of com.runas.identity (judge_com_runas_identity judges each). */
static void com_runas_identity_one(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *reg, *failed = NULL, *unseen = NULL;

    (void)cfg;
    if (!rules_need_hooks(tr, v, TRACE_HOOK_COM) || !rules_need_candidate(tr, v))
        return;
    for (reg = trace_next_of(tr, NULL, "com_register", tr->cand_pid); reg && !failed;
         reg = trace_next_of(tr, reg, "com_register", tr->cand_pid)) {
        int ok = trace_hr_ok(reg, "result");

        if (!ok)
            failed = reg;
        else if (ok < 0 && !unseen)
            unseen = reg;
    }
    if (!failed && unseen) {
        verdict_event(v, unseen, "clsid", "result", NULL);
        verdict_say(v, VERDICT_ERROR, "The result of CoRegisterClassObject (seq %lld) is not visible, so whether a "
                    "registration failed could not be judged.", unseen->seq);
        return;
    }
    if (!failed) {
        if (trace_limit(tr, TRACE_LIMIT_RUNAS))
            verdict_say(v, VERDICT_NA, "No class registration failed in this run (the source says: %s): the failure "
                        "a wrong RunAs identity causes was not exercised.", trace_limit(tr, TRACE_LIMIT_RUNAS));
        else
            verdict_say(v, VERDICT_NA, "No class registration failed in this run.");
        return;
    }
    verdict_event(v, failed, "clsid", "context", "flags", "result", NULL);
    /* a service process that never reached ServiceMain cannot report STOPPED: its exit code speaks for it */
    if (tr->shape == TRACE_SHAPE_SERVICE && tr->service_main)
        register_judge_service(tr, v, failed);
    else
        register_judge_exe(tr, v, failed);
}

/* com.register.at-start — A server launched for activation registers its class object in time. */
void judge_com_register_at_start(const trace *tr, const config *cfg, verdict *v)
{
    rules_judge_servers(tr, cfg, v, com_register_at_start_one);
}

/* com.runas.identity — A failed class registration is reported, not ignored. */
void judge_com_runas_identity(const trace *tr, const config *cfg, verdict *v)
{
    rules_judge_servers(tr, cfg, v, com_runas_identity_one);
}
