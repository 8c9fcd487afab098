/* The rules about CoRevokeClassObject: not while held, soon once idle, never under user control, always before exit. */
#include "rules.h"

#include <math.h>
#include <string.h>
#include <strings.h>

static const trace_ev *revoke_first_ok_reg(const trace *tr)
{
    const trace_ev *reg;

    for (reg = trace_next_of(tr, NULL, "com_register", tr->cand_pid); reg;
         reg = trace_next_of(tr, reg, "com_register", tr->cand_pid))
        if (trace_reg_ok(reg))
            return reg;
    return NULL;
}

static const trace_ev *revoke_next_ok_reg(const trace *tr, const trace_ev *reg)
{
    while ((reg = trace_next_of(tr, reg, "com_register", tr->cand_pid)))
        if (trace_reg_ok(reg))
            return reg;
    return NULL;
}

/* The registration a revocation undoes: the latest one before it with its cookie. */
static const trace_ev *revoke_reg_of(const trace *tr, const trace_ev *rv)
{
    const trace_ev *reg, *found = NULL;
    unsigned long long c, rc;

    if (!trace_word(rv, "cookie", &rc))
        return NULL;
    for (reg = trace_next_of(tr, NULL, "com_register", tr->cand_pid); reg && reg->seq < rv->seq;
         reg = trace_next_of(tr, reg, "com_register", tr->cand_pid))
        if (trace_word(reg, "cookie", &c) && c == rc)
            found = reg;
    return found;
}

/* The moment the client let go of everything for good: its last release to 0 with no later activation, or
 * NULL (and why) when it never did or a LockServer lock was still held. */
static const trace_ev *revoke_idle_point(const trace *tr, const char **why)
{
    const trace_ev *idle = NULL;
    int locks = 0, held = 0;
    size_t i;

    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];

        if (trace_is(e, "cli_activate") && trace_flag(e, "ok")) {
            idle = NULL;
            held = 1;
        } else if (trace_is(e, "cli_release") && trace_int(e, "remaining", 1) == 0) {
            idle = e;
        } else if (trace_is(e, "cli_lock") && trace_flag(e, "ok")) {
            locks += trace_flag(e, "lock") ? 1 : locks > 0 ? -1 : 0;
        }
    }
    *why = !held ? "the client never held an instance" : !idle ? "the client never released every instance" :
           locks ? "a LockServer(TRUE) lock was still held" : NULL;
    return *why ? NULL : idle;
}

#define REVOKE_MAX_LIVE 64

/* Whether activation act may have been served by the candidate: with several server processes (one per activation
 * under REGCLS_SINGLEUSE), an instance whose activation launched another server lives in that one, and revoking this
 * process's class object does not touch it. */
static int revoke_served_here(const trace *tr, const trace_ev *act)
{
    long long owner = tr->nservers > 1 ? trace_activation_server(tr, act) : 0;

    return !owner || owner == tr->cand_pid;
}

/* The client's live instance of clsid at time t, or NULL: a successful activation of that class before t, served by
 * the candidate (revoke_served_here), whose instance was not released since (its own cli_release, or a release
 * that left the client with none). Instances are counted per class: releasing the last instance of another class
 * does not release this one, nor does holding one of another class make this class's revocation early. Releases within the clock slop after t count
 * as before it. */
static const trace_ev *revoke_instance_held(const trace *tr, const char *clsid, double t)
{
    const trace_ev *live[REVOKE_MAX_LIVE];
    size_t i, k, n = 0;

    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];
        long long inst = trace_int(e, "instance", -1);

        if (trace_is(e, "cli_activate") && e->t < t - TRACE_CLOCK_SLOP_MS && trace_flag(e, "ok") &&
            !strcasecmp(trace_clsid(e), clsid) && revoke_served_here(tr, e)) {
            if (n == REVOKE_MAX_LIVE)   /* the oldest goes: a newer instance answers the question as well */
                memmove(live, live + 1, (--n) * sizeof *live);
            live[n++] = e;
        } else if (trace_is(e, "cli_release") && e->t <= t + TRACE_CLOCK_SLOP_MS) {
            if (trace_int(e, "remaining", 1) == 0) {
                n = 0;
                continue;
            }
            for (k = 0; k < n; k++)
                if (inst >= 0 && trace_int(live[k], "instance", -2) == inst) {
                    memmove(live + k, live + k + 1, (n - k - 1) * sizeof *live);
                    n--;
                    break;
                }
        }
    }
    return n ? live[n - 1] : NULL;
}

/* The LockServer(TRUE) in force at time t, if any. */
static const trace_ev *revoke_lock_held(const trace *tr, double t)
{
    const trace_ev *lock = NULL;
    size_t i;

    for (i = 0; i < tr->nevs && tr->evs[i].t < t - TRACE_CLOCK_SLOP_MS; i++)
        if (trace_is(&tr->evs[i], "cli_lock") && trace_flag(&tr->evs[i], "ok"))
            lock = trace_flag(&tr->evs[i], "lock") ? &tr->evs[i] : NULL;
    return lock;
}

/* Says, never assumes, whether the lock half of com.revoke.not-early could be checked. */
static int revoke_lock_note(const trace *tr, verdict *v)
{
    const trace_ev *lk, *failed = NULL;

    for (lk = trace_next_of(tr, NULL, "cli_lock", -1); lk; lk = trace_next_of(tr, lk, "cli_lock", -1)) {
        if (trace_flag(lk, "lock") && trace_flag(lk, "ok")) {
            verdict_event(v, lk, "lock", "ok", "hr", NULL);
            return 1;
        }
        if (trace_flag(lk, "lock") && !failed)
            failed = lk;
    }
    if (failed)
        rules_note_failed_call(tr, v, failed, "LockServer(TRUE)", TRACE_LIMIT_LOCKSERVER,
                               "the lock half of this rule was not exercised");
    else
        verdict_note(verdict_fact(v), "the client made no LockServer(TRUE) call: the lock half of this rule was not "
                     "exercised");
    return 0;
}

/* One server process's verdict of com.revoke.not-early (judge_com_revoke_not_early judges each). */
static void com_revoke_not_early_one(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *act, *rv, *reg, *held, *lock, *stop;
    int lock_checked, n = 0;

    (void)cfg;
    if (!rules_need_hooks(tr, v, TRACE_HOOK_COM | TRACE_HOOK_COM_CLIENT) || !rules_need_candidate(tr, v))
        return;
    if (!revoke_first_ok_reg(tr)) {
        verdict_say(v, VERDICT_NA, "The candidate registered no class object, so it had nothing to revoke.");
        return;
    }
    for (act = trace_next_of(tr, NULL, "cli_activate", -1); act && !trace_flag(act, "ok");
         act = trace_next_of(tr, act, "cli_activate", -1))
        ;
    lock_checked = revoke_lock_note(tr, v);
    if (!act && !lock_checked) {
        verdict_say(v, VERDICT_NA, "The client never held an instance or a lock, so no revocation could be early.");
        return;
    }
    verdict_event(v, act, "clsid", "ok", "instance", NULL);
    for (rv = trace_next_of(tr, NULL, "com_revoke", tr->cand_pid); rv;
         rv = trace_next_of(tr, rv, "com_revoke", tr->cand_pid)) {
        reg = revoke_reg_of(tr, rv);
        held = reg ? revoke_instance_held(tr, trace_clsid(reg), rv->t) : NULL;
        lock = revoke_lock_held(tr, rv->t);
        n++;
        stop = held || lock ? trace_stop_request(tr, -INFINITY, NULL) : NULL;
        if ((held || lock) && stop && trace_ctl_sent(stop) <= rv->t + TRACE_CLOCK_SLOP_MS) {
            /* a service told to stop must stop: the harness asked while its client still held, so the server's
               own judgement of when it is idle was never put to the test */
            verdict_event(v, rv, "cookie", "result", NULL);
            verdict_event(v, stop, "control", "ok", NULL);
            verdict_raise(v, VERDICT_ERROR, "The class object %s was revoked (seq %lld) after the stop request (seq "
                          "%lld), which the harness sent while its client still held %s (seq %lld): a service "
                          "told to stop must stop, so whether it would have revoked early is unknown.",
                          reg ? trace_clsid(reg) : "(unknown class)", rv->seq, stop->seq,
                          held ? "an instance" : "a LockServer lock", (held ? held : lock)->seq);
        } else if (held) {
            verdict_event(v, rv, "cookie", "result", NULL);
            verdict_raise(v, VERDICT_FAIL, "The class object %s was revoked (seq %lld) while the client still held an "
                          "instance of it (activated at seq %lld, not yet released).", trace_clsid(reg), rv->seq,
                          held->seq);
        } else if (lock) {
            verdict_event(v, rv, "cookie", "result", NULL);
            verdict_event(v, lock, "lock", "ok", NULL);
            verdict_raise(v, VERDICT_FAIL, "A class object was revoked (seq %lld) while the client held a "
                          "LockServer(TRUE) lock (seq %lld).", rv->seq, lock->seq);
        } else if (!reg) {
            verdict_note(verdict_event(v, rv, "cookie", NULL), "no registration with this cookie: its class is "
                         "unknown, so only the lock was checked");
        }
    }
    if (!v->set)
        verdict_say(v, VERDICT_PASS, "No class object was revoked while the client held an instance of it%s; %d "
                    "revocation%s checked.", lock_checked ? " or a LockServer lock" : " (the lock half was not "
                    "exercised)", n, n == 1 ? "" : "s");
}

/* How long after the idle point the candidate revoked, or a verdict for a registration never revoked. */
static void revoke_judge_idle_reg(const trace *tr, verdict *v, const trace_ev *idle, const trace_ev *reg,
                                  double limit, double *worst)
{
    const trace_ev *rv = trace_revoke_of(tr, reg), *last = rules_last_seen(tr);
    double d;

    if (rv) {
        d = rv->t > idle->t ? rv->t - idle->t : 0;
        if (d >= *worst) {
            *worst = d;
            verdict_event(v, rv, "cookie", "result", NULL);
            verdict_timing(v, "last release to CoRevokeClassObject", d, limit, idle, rv);
        }
        if (!verdict_within(d, limit))
            verdict_raise(v, VERDICT_FAIL, "The class object %s was revoked %.7g ms after the client released "
                          "everything; an idle server must revoke within %.7g ms.", trace_clsid(reg), d, limit);
        return;
    }
    verdict_event(v, reg, "clsid", "cookie", NULL);
    if (!trace_has(reg, "cookie")) {
        verdict_raise(v, VERDICT_ERROR, "The cookie of the registration at seq %lld is not visible, so its "
                      "revocation could not be followed.", reg->seq);
        return;
    }
    d = last->t - idle->t;
    if (rules_absence_is_fault(tr, d, limit)) {
        verdict_note(verdict_timing(v, "last release to the end of the watch, without a revocation", d, limit, idle,
                                    last), "a lower bound: the class object was never revoked");
        verdict_raise(v, VERDICT_FAIL, "The class object %s was never revoked after the client released everything "
                      "(%s %.7g ms later); an idle server must revoke within %.7g ms.", trace_clsid(reg),
                      rules_why_ended(tr), d, limit);
    } else {
        verdict_raise(v, VERDICT_ERROR, "The watch ended %.7g ms after the last release (%s), before %s was revoked "
                      "and before the %.7g ms limit.", d, rules_why_ended(tr), trace_clsid(reg), limit);
    }
}

/* A server COM launched must also go away once idle. */
static void revoke_judge_idle_exit(const trace *tr, verdict *v, const trace_ev *idle, double limit)
{
    const trace_ev *last = rules_last_seen(tr);
    double d = last->t - idle->t;

    verdict_event(v, last, "code", "how", "reason", NULL);
    if (tr->proc_end_natural) {
        verdict_timing(v, "last release to the process's exit", d, limit, idle, last);
        if (!verdict_within(d, limit))
            verdict_raise(v, VERDICT_FAIL, "The server launched for activation exited %.7g ms after the client "
                          "released everything; the limit is %.7g ms.", d, limit);
    } else if (rules_absence_is_fault(tr, d, limit)) {
        verdict_note(verdict_timing(v, "last release to the end of the watch, the process still there", d, limit,
                                    idle, last), "a lower bound: the process never exited by itself");
        verdict_raise(v, VERDICT_FAIL, "The server launched for activation had not exited %.7g ms after the client "
                      "released everything (%s); it must exit within %.7g ms.", d, rules_why_ended(tr), limit);
    } else {
        verdict_raise(v, VERDICT_ERROR, "The watch ended %.7g ms after the last release (%s), before the server "
                      "exited and before the %.7g ms limit.", d, rules_why_ended(tr), limit);
    }
}

/* One server process's verdict of com.revoke.when-idle (judge_com_revoke_when_idle judges each). */
static void com_revoke_when_idle_one(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *reg, *idle;
    const char *why;
    double worst = -1;

    /* a service that revoked and stopped itself when idle would be an unasked stop (svc.stopped.exit-code) */
    if (tr->shape == TRACE_SHAPE_SERVICE) {
        verdict_say(v, VERDICT_NA, "A service's life belongs to the SCM: its class objects stay registered until "
                    "STOP; atl.quit.on-stop and com.revoke.all judge their revocation.");
        return;
    }
    if (tr->shape == TRACE_SHAPE_USER) {
        verdict_say(v, VERDICT_NA, "The harness started the server directly, as a user would: it is under user "
                    "control (com.revoke.user-control judges it).");
        return;
    }
    if (!rules_need_hooks(tr, v, TRACE_HOOK_COM | TRACE_HOOK_COM_CLIENT) || !rules_need_candidate(tr, v))
        return;
    if (!(reg = revoke_first_ok_reg(tr))) {
        verdict_say(v, VERDICT_NA, "The candidate registered no class object, so it had nothing to revoke.");
        return;
    }
    if (!(idle = revoke_idle_point(tr, &why))) {
        verdict_say(v, VERDICT_NA, "The server never became idle in this run: %s.", why);
        return;
    }
    verdict_event(v, idle, "instance", "remaining", NULL);
    if (trace_limit(tr, TRACE_LIMIT_CLASS_SUSPEND))
        verdict_note(verdict_fact(v), "the source says: %s; whether COM stopped new activations from reaching this "
                     "server once it was idle was not exercised", trace_limit(tr, TRACE_LIMIT_CLASS_SUSPEND));
    for (; reg; reg = revoke_next_ok_reg(tr, reg))
        revoke_judge_idle_reg(tr, v, idle, reg, cfg->revoke_after_idle_ms, &worst);
    revoke_judge_idle_exit(tr, v, idle, cfg->revoke_after_idle_ms);
    if (!v->set)
        verdict_say(v, VERDICT_PASS, "Once the client released everything (seq %lld), every class object was revoked "
                    "within %.7g ms (the slowest after %.7g ms) and the server, launched for activation, exited.",
                    idle->seq, cfg->revoke_after_idle_ms, worst);
}

/* Harness acts that end every process of the run: the deadline, the kill of what outlived the wineserver. */
static int revoke_is_harness_end(const trace_ev *e)
{
    const char *action = trace_is(e, "harness") ? json_string_value(json_object_get(e->obj, "action")) : NULL;

    return action && (!strcmp(action, "deadline") || !strcmp(action, "kill"));
}

/* Where watching a user-controlled server ends: the harness's first WM_CLOSE to its windows (the user closing it)
 * or kill after the last release, the harness's deadline, a kill by anyone, else the trace's end. An exit after
 * the close is the server obeying the user, not leaving on its own. */
static const trace_ev *revoke_watch_end(const trace *tr, const trace_ev *idle)
{
    const trace_ev *closed = trace_harness_closed(tr, idle);
    size_t i;

    for (i = (size_t)(idle - tr->evs) + 1; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];

        if (e == closed || trace_is(e, "end") || revoke_is_harness_end(e) ||
            (e->pid == tr->cand_pid && trace_is(e, "process_exit") && !tr->proc_end_natural))
            return e;
    }
    return &tr->evs[tr->nevs - 1];
}

/* com.revoke.user-control — A server under user control stays when clients leave. */
void judge_com_revoke_user_control(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *win, *idle, *watch_end, *rv, *ex;
    double limit = cfg->revoke_after_idle_ms, d;
    const char *why;
    json_t *o;

    if (tr->shape != TRACE_SHAPE_USER) {
        verdict_say(v, VERDICT_NA, "%s", tr->shape == TRACE_SHAPE_SERVICE ? "The candidate runs as a service, "
                    "started by the SCM, not by a user." : "COM launched the server for an activation (-Embedding), "
                    "not a user.");
        return;
    }
    if (!rules_need_hooks(tr, v, TRACE_HOOK_COM) || !rules_need_candidate(tr, v))
        return;
    if (!revoke_first_ok_reg(tr)) {
        verdict_event(v, tr->proc_start, "image", "cmdline", NULL);
        verdict_say(v, VERDICT_NA, "The candidate registered no class object.");
        return;
    }
    for (win = trace_next_of(tr, NULL, "window", tr->cand_pid); win && !trace_flag(win, "visible");
         win = trace_next_of(tr, win, "window", tr->cand_pid))
        ;
    if (!win) {
        verdict_event(v, tr->proc_start, "image", "cmdline", NULL);
        verdict_say(v, VERDICT_NA, "The user-started server showed no visible window, so it is not under user "
                    "control by that sign.");
        return;
    }
    if (!rules_need_hooks(tr, v, TRACE_HOOK_COM_CLIENT))
        return;
    if (!(idle = revoke_idle_point(tr, &why))) {
        verdict_say(v, VERDICT_NA, "The last client never left in this run: %s.", why);
        return;
    }
    verdict_event(v, tr->proc_start, "image", "cmdline", NULL);
    verdict_event(v, win, "visible", "title", NULL);
    verdict_event(v, idle, "instance", "remaining", NULL);
    watch_end = revoke_watch_end(tr, idle);
    for (rv = trace_next_of(tr, NULL, "com_revoke", tr->cand_pid); rv;
         rv = trace_next_of(tr, rv, "com_revoke", tr->cand_pid))
        if (rv->t + TRACE_CLOCK_SLOP_MS >= idle->t && rv->seq < watch_end->seq) {
            verdict_event(v, rv, "cookie", "result", NULL);
            verdict_raise(v, VERDICT_FAIL, "The server under user control revoked a class object (seq %lld) %.7g ms "
                          "after the last client left; it must stay until the user closes it.", rv->seq,
                          rv->t > idle->t ? rv->t - idle->t : 0);
        }
    ex = tr->proc_end_natural ? tr->proc_end : NULL;
    if (ex && ex->seq < watch_end->seq && ex->t + TRACE_CLOCK_SLOP_MS >= idle->t) {
        verdict_event(v, ex, "code", "how", NULL);
        verdict_raise(v, VERDICT_FAIL, "The server under user control exited (seq %lld) %.7g ms after the last client "
                      "left; it must stay until the user closes it.", ex->seq, ex->t - idle->t);
    }
    if (v->set)
        return;
    d = watch_end->t - idle->t;
    verdict_event(v, watch_end, "action", "reason", "server_pid", "windows", "ok", NULL);
    /* the threshold is a minimum here: the server must be seen staying as long as an idle one may take */
    o = verdict_fact(v);
    json_object_set_new(o, "what", json_string("last client left to the end of the watch, with no revoke or exit"));
    json_object_set_new(o, "measured_ms", verdict_ms(d));
    json_object_set_new(o, "threshold_ms", verdict_ms(limit));
    json_object_set_new(o, "margin_ms", verdict_ms(d - limit));
    json_object_set_new(o, "from_seq", json_integer(idle->seq));
    json_object_set_new(o, "to_seq", json_integer(watch_end->seq));
    verdict_note(o, "the threshold is the least observation that proves the server stayed; margin = measured - "
                 "threshold");
    if (d + 1e-6 >= limit)
        verdict_say(v, VERDICT_PASS, "The server under user control neither revoked nor exited in the %.7g ms it was "
                    "watched after the last client left (at least %.7g ms needed).", d, limit);
    else
        verdict_say(v, VERDICT_ERROR, "The server was watched for only %.7g ms after the last client left, less than "
                    "the %.7g ms an idle server may take to revoke, so staying could not be told from being slow.", d,
                    limit);
}

/* One server process's verdict of com.revoke.all (judge_com_revoke_all judges each). */
static void com_revoke_all_one(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *reg, *rv, *end, *last_rv = NULL;
    const char *how;
    int n = 0;

    (void)cfg;
    if (!rules_need_hooks(tr, v, TRACE_HOOK_COM) || !rules_need_candidate(tr, v))
        return;
    if (!(reg = revoke_first_ok_reg(tr))) {
        verdict_say(v, VERDICT_NA, "The candidate registered no class object, so it had nothing to revoke.");
        return;
    }
    end = tr->proc_end;
    how = end ? json_string_value(json_object_get(end->obj, "how")) : NULL;
    if (!end) {
        rules_unexercised(tr, v, "The process did not exit during the run, so no exit was there to judge.",
                          "the process exited", "the rule could not be judged");
        return;
    }
    verdict_event(v, end, "code", "how", "detail", NULL);
    if (!tr->proc_end_natural) {
        verdict_say(v, VERDICT_NA, "The process did not exit normally: it was killed by the harness or the SCM, so "
                    "the rule about a normal exit was not exercised.");
        return;
    }
    if (how && !strcmp(how, "crash")) {
        verdict_say(v, VERDICT_ERROR, "The process crashed, so whether it would have revoked its class objects before "
                    "a normal exit is unknown.");
        return;
    }
    for (; reg; reg = revoke_next_ok_reg(tr, reg)) {
        n++;
        rv = trace_revoke_of(tr, reg);
        if (!trace_has(reg, "cookie")) {
            verdict_event(v, reg, "clsid", "cookie", NULL);
            verdict_raise(v, VERDICT_ERROR, "The cookie of the registration at seq %lld is not visible, so its "
                          "revocation could not be followed.", reg->seq);
        } else if (!rv || rv->t > end->t + TRACE_CLOCK_SLOP_MS) {
            verdict_event(v, reg, "clsid", "cookie", NULL);
            verdict_raise(v, VERDICT_FAIL, "The class object %s (registered at seq %lld) was never revoked before the "
                          "process exited (seq %lld).", trace_clsid(reg), reg->seq, end->seq);
        } else if (!last_rv || rv->seq > last_rv->seq) {
            last_rv = rv;
        }
    }
    verdict_event(v, last_rv, "cookie", "result", NULL);
    if (!v->set)
        verdict_say(v, VERDICT_PASS, "Every registration (%d) was revoked before the process exited.", n);
}

/* com.revoke.not-early — No revocation while instances or locks are alive. */
void judge_com_revoke_not_early(const trace *tr, const config *cfg, verdict *v)
{
    rules_judge_servers(tr, cfg, v, com_revoke_not_early_one);
}

/* com.revoke.when-idle — An idle server revokes its class objects. */
void judge_com_revoke_when_idle(const trace *tr, const config *cfg, verdict *v)
{
    rules_judge_servers(tr, cfg, v, com_revoke_when_idle_one);
}

/* com.revoke.all — Every registration cookie is revoked before a normal exit. */
void judge_com_revoke_all(const trace *tr, const config *cfg, verdict *v)
{
    rules_judge_servers(tr, cfg, v, com_revoke_all_one);
}
