/* What several rules need alike: shape, ServiceMain and hook preconditions, and where the watch ended. */
#include "rules.h"

#include <stdio.h>
#include <string.h>

/* How a run that drove an EXE server drove it, as a phrase for messages. */
static const char *common_shape_phrase(const trace *tr)
{
    return tr->shape == TRACE_SHAPE_USER ? "the user shape: the harness started it directly, as a user would" :
           "the embedding shape: COM launched it with -Embedding for an activation";
}

/* The service rules judge a service under the SCM; a run that drove an EXE COM server exercised none of them,
 * whatever its process did, so they are n/a there rather than "no ServiceMain". */
int rules_need_service_run(const trace *tr, verdict *v, const char *what)
{
    if (tr->shape == TRACE_SHAPE_SERVICE)
        return 1;
    verdict_say(v, VERDICT_NA, "This run drove an EXE COM server (%s), not a service under the SCM, so %s does not "
                "apply.", common_shape_phrase(tr), what);
    return 0;
}

/* Every rule after svc.dispatcher is about ServiceMain or later; without it there is nothing to judge. */
int rules_need_main(const trace *tr, verdict *v)
{
    if (!rules_need_service_run(tr, v, "this service rule"))
        return 0;
    if (!tr->cand_pid && tr->saw_service_main) {
        verdict_say(v, VERDICT_ERROR, "The candidate's process could not be identified (%s), so this rule "
                    "could not be judged.", tr->cand_why);
        return 0;
    }
    if (!tr->service_main) {
        verdict_say(v, VERDICT_ERROR, "The service never reached ServiceMain (see svc.dispatcher), so the point "
                    "this rule is about was never reached and it could not be judged.");
        verdict_event(v, tr->dispatcher, "table", "count", NULL);
        verdict_event(v, rules_last_seen(tr), "reason", "code", "how", NULL);
        return 0;
    }
    return 1;
}

/* The last moment the candidate could still act: its process's end, else the trace's last line. */
const trace_ev *rules_last_seen(const trace *tr)
{
    if (tr->proc_end)
        return tr->proc_end;
    return tr->nevs ? &tr->evs[tr->nevs - 1] : NULL;
}

/* The one test of every rule for an observation it waited for and never saw: is the absence the candidate's fault
 * (fail) or the run's (error)? As LTP tells TFAIL (the product broke) from TBROK (the test could not run), an
 * absence is the candidate's only when the candidate had its whole chance to make the observation and the trace
 * would show it:
 *   - for a rule with a time limit, the watch outlasted it (waited_ms > limit_ms): what was due is late whatever
 *     came after (the evidence calls the measure a lower bound); else
 *   - no part of the log is lost and no limit of the run cut it short (no log_truncated, log_lost,
 *     bad_ctl_record, controller_failed or limit: the observation could be in what was lost or cut), and
 *   - the process reached its dispatcher, or the run looked like Windows as asked: services.exe read as
 *     session 0 to the service (one that checks its session, as Go's and .NET's do before they dispatch,
 *     behaves otherwise in Wine's session 1: docs/wine-hooks.md, "Session 0"), and
 *   - its process ended by itself (an exit or a crash, not a kill): nothing more could come; or, for a rule
 *     without a time limit (limit_ms < 0), the harness played its whole scenario, its shutdown included
 *     (tr->complete). A scenario that ended before a rule's limit did not give the candidate its time.
 * Everything else is the run's: the trace cut at the harness's deadline, on a harness error, without an end line,
 * with part of the log lost, or the process killed before the point the rule waited for. */
int rules_absence_is_fault(const trace *tr, double waited_ms, double limit_ms)
{
    if (limit_ms >= 0 && waited_ms > limit_ms)
        return 1;
    if (tr->trouble || (tr->session0_missing && !tr->dispatcher))
        return 0;
    return tr->proc_end_natural || (limit_ms < 0 && tr->complete);
}

/* How the watch on the candidate ended, as a phrase for messages. */
const char *rules_why_ended(const trace *tr)
{
    const json_t *action = tr->trouble ? json_object_get(tr->trouble->obj, "action") : NULL;

    if (tr->session0_missing && !tr->dispatcher)
        return "the run could not make services.exe read as session 0 to the service (its ctl_note what=session0 says why)";
    if (tr->proc_end && tr->proc_end_natural && tr->trouble)
        return "the process ended, but part of the log was lost";
    if (tr->proc_end)
        return tr->proc_end_natural ? "the process ended" : "the process was killed by the harness or the SCM";
    if (!strcmp(tr->end_reason, "deadline"))
        return "the trace ended at the harness's deadline";
    if (!strcmp(tr->end_reason, "error"))
        return "the trace ended on a harness error";
    if (!strcmp(tr->end_reason, "truncated"))
        return "the trace ends without an end line (it was cut short)";
    if (!strcmp(tr->end_reason, "limit"))
        return "the run was ended when it reached one of its limits (its `limit` event says which)";
    if (action && !strcmp(json_string_value(action), "limit"))
        return "the run was ended when it reached one of its limits";
    if (action && !strcmp(json_string_value(action), "controller_failed"))
        return "the trace ended after the controller failed";
    return action ? "the trace ended with part of the log lost" : "the trace ended";
}

const trace_status *rules_next_status(const trace *tr, const trace_status *s)
{
    return s + 1 < tr->st + tr->nst ? s + 1 : NULL;
}

/* A pass over many reports cites the first and the last it looked at. */
static void common_cite_reports(verdict *v, const trace_status *first, const trace_status *last)
{
    verdict_event(v, first ? first->e : NULL, "state", "controls", "checkpoint", "wait_hint", NULL);
    if (last != first)
        verdict_event(v, last ? last->e : NULL, "state", "controls", "checkpoint", "wait_hint", NULL);
}

/* Hands every report in a state `pick` accepts to `check` and returns how many there were; when
 * none of them raised a verdict, the first and last are cited as the evidence of a pass. */
static size_t common_each_report(const trace *tr, const config *cfg, verdict *v, rules_pick pick, rules_check check)
{
    const trace_status *first = NULL, *last = NULL;
    size_t i, n = 0;

    for (i = 0; i < tr->nst; i++) {
        const trace_status *s = &tr->st[i];

        if (!pick(s->state))
            continue;
        n++;
        first = first ? first : s;
        last = s;
        check(tr, cfg, v, s);
    }
    if (n && !v->set)
        common_cite_reports(v, first, last);
    return n;
}

/* The whole of a rule that judges every report of some states alike: n/a without such a report, else the worst
 * finding of `check`, else a pass that counts them. */
void rules_judge_each_report(const trace *tr, const config *cfg, verdict *v, const rules_each *each)
{
    size_t n;

    if (!rules_need_main(tr, v))
        return;
    n = common_each_report(tr, cfg, v, each->pick, each->check);
    if (!n)
        verdict_say(v, VERDICT_NA, "%s", each->none);
    else if (!v->set)
        verdict_say(v, VERDICT_PASS, "%s (%zu in all) %s", each->every, n, each->holds);
}

/* A report in a state that must accept no control, which did: kind says how bad, why says what it breaks. */
void rules_raise_controls(verdict *v, const trace_status *s, int kind, const char *why)
{
    if (!s->controls)
        return;
    verdict_event(v, s->e, "state", "controls", NULL);
    verdict_raise(v, kind, "The %s report at seq %lld accepts controls 0x%llx; %s", trace_state_name(s->state),
                  s->e->seq, (unsigned long long)s->controls, why);
}

/* A rule whose point never came: n/a when that is the candidate's doing (the rule was not exercised, and the
 * message says which rule judges the absence), error when the run was cut before it (rules_absence_is_fault). */
void rules_unexercised(const trace *tr, verdict *v, const char *na, const char *point, const char *what)
{
    if (rules_absence_is_fault(tr, 0, RULES_NO_LIMIT))
        verdict_say(v, VERDICT_NA, "%s", na);
    else
        verdict_say(v, VERDICT_ERROR, "The watch ended (%s) before %s, so %s.", rules_why_ended(tr), point, what);
}

static const char *common_hook_what(unsigned bit)
{
    switch (bit) {
    case TRACE_HOOK_COM: return "COM activity";
    case TRACE_HOOK_REGISTRY: return "the registry as the candidate left it";
    case TRACE_HOOK_COM_CLIENT: return "the harness's COM client";
    default: return "the events this rule reads";
    }
}

/* A family the source did not record would read as "nothing done": that is an error, never n/a. */
int rules_need_hooks(const trace *tr, verdict *v, unsigned need)
{
    static const unsigned order[] = { TRACE_HOOK_COM, TRACE_HOOK_REGISTRY, TRACE_HOOK_COM_CLIENT, TRACE_HOOK_SERVICE,
                                      TRACE_HOOK_WAITS, TRACE_HOOK_DEBUGSTR, TRACE_HOOK_CONTROLLER };
    unsigned missing = 0;
    json_t *o, *have;
    size_t i;

    for (i = 0; i < sizeof order / sizeof order[0] && !missing; i++)
        if ((need & order[i]) && !(tr->hooks & order[i]))
            missing = order[i];
    if (!missing)
        return 1;
    verdict_say(v, VERDICT_ERROR, "This trace does not record %s (the header's hooks lack \"%s\"), so this rule "
                "could not be judged.", common_hook_what(missing), trace_hook_name(missing));
    o = verdict_fact(v);
    have = json_array();
    for (i = 0; i < sizeof order / sizeof order[0]; i++)
        if (tr->hooks & order[i])
            json_array_append_new(have, json_string(trace_hook_name(order[i])));
    json_object_set_new(o, "hooks", have);
    json_object_set_new(o, "missing", json_string(trace_hook_name(missing)));
    if (!tr->hooks_given)
        verdict_note(o, "the header has no hooks: a source older than the COM events, taken to record service, "
                     "waits, debugstr and controller only");
    return 0;
}

/* The COM rules read the candidate's own calls; without the candidate there is nothing to read. */
int rules_need_candidate(const trace *tr, verdict *v)
{
    if (tr->cand_pid)
        return 1;
    verdict_say(v, VERDICT_ERROR, "The candidate's process could not be identified (%s), so this rule could not be "
                "judged.", tr->cand_why);
    return 0;
}

/* The clause a message adds when the trace's source declares the limit `key`: "; the source says: <sentence>",
 * or "" when it declares none, so that a message states only what the trace shows. */
static const char *common_limit_clause(const trace *tr, const char *key, char *buf, size_t len)
{
    const char *sentence = trace_limit(tr, key);

    if (!sentence)
        return "";
    snprintf(buf, len, "; the source says: %s", sentence);
    return buf;
}

/* Notes on e's evidence that a call the rule relies on failed, so part of the rule was not exercised: the HRESULT
 * the trace shows, and the source's own word on why when its header declares the limit `key`. */
void rules_note_failed_call(const trace *tr, verdict *v, const trace_ev *e, const char *call, const char *key,
                            const char *consequence)
{
    unsigned long long hr;
    char hrtext[32] = "", clause[512];

    if (trace_word(e, "hr", &hr))
        snprintf(hrtext, sizeof hrtext, "hr 0x%08llx", hr);
    else
        snprintf(hrtext, sizeof hrtext, "hr not visible");
    verdict_note(verdict_event(v, e, "lock", "ok", "hr", NULL), "%s failed (%s%s): %s", call, hrtext,
                 common_limit_clause(tr, key, clause, sizeof clause), consequence);
}

/* Copies the evidence of one server's verdict into v, each item tagged with its server_pid. */
static void common_copy_evidence(verdict *v, const verdict *pv, long long pid)
{
    const json_t *item;
    size_t i;

    json_array_foreach(pv->evidence, i, item) {
        json_t *o = verdict_fact(v);

        if (!o) {
            v->omitted += json_array_size(pv->evidence) - i - 1;  /* verdict_fact counted this one */
            return;
        }
        json_object_set_new(o, "server_pid", json_integer(pid));
        json_object_update(o, (json_t *)item);
    }
    v->omitted += pv->omitted;
}

/* Judges a COM rule on every server process COM launched for an activation (the embedding shape's tr->servers:
 * with REGCLS_SINGLEUSE one per activation), each as the candidate of its own view of the trace. The worst verdict
 * wins; the message names every process with its verdict, then speaks with the first worst one's words, and the
 * evidence lists each process's verdict, then the evidence of those that gave the worst. With one server or none,
 * the rule is judged once, as before. */
void rules_judge_servers(const trace *tr, const config *cfg, verdict *v, rules_judge one)
{
    verdict pv[TRACE_MAX_SERVERS];
    char list[512];
    size_t i, len = 0, worst_at = 0;
    int worst = VERDICT_NA;

    if (tr->shape != TRACE_SHAPE_EMBEDDING || tr->nservers < 2) {
        one(tr, cfg, v);
        return;
    }
    for (i = 0; i < tr->nservers; i++) {
        trace view;

        verdict_init(&pv[i]);
        if (!trace_model_view(tr, tr->servers[i], &view)) {
            verdict_say(&pv[i], VERDICT_ERROR, "The rule engine ran out of memory looking at this process.");
        } else {
            one(&view, cfg, &pv[i]);
            trace_view_free(&view);
        }
        if (!pv[i].set)
            verdict_say(&pv[i], VERDICT_ERROR, "The rule engine reached no verdict for this process (a defect of the "
                        "engine).");
        v->lost |= pv[i].lost;
        if (!i || pv[i].kind > worst) {
            worst = pv[i].kind;
            worst_at = i;
        }
        if (len < sizeof list)
            len += (size_t)snprintf(list + len, sizeof list - len, "%spid %lld: %s", i ? ", " : "", tr->servers[i],
                                    verdict_name(pv[i].kind));
    }
    verdict_trim_utf8(list);
    for (i = 0; i < tr->nservers; i++) {
        json_t *o = verdict_fact(v);

        if (o) {
            json_object_set_new(o, "server_pid", json_integer(tr->servers[i]));
            json_object_set_new(o, "verdict", json_string(verdict_name(pv[i].kind)));
            json_object_set_new(o, "message", json_string(pv[i].message));
        }
    }
    for (i = 0; i < tr->nservers; i++)
        if (pv[i].kind == worst)
            common_copy_evidence(v, &pv[i], tr->servers[i]);
    verdict_say(v, worst, "%zu server processes were launched for activations and each was judged (%s%s); pid %lld: "
                "%s", tr->nservers, list, tr->servers_omitted ? ", and more not judged" : "", tr->servers[worst_at],
                pv[worst_at].message);
    for (i = 0; i < tr->nservers; i++)
        verdict_free(&pv[i]);
}
