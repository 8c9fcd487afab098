/* The public API: loads a trace, runs every rule of the table on it, and writes the result as JSON. */
#include "svcconform.h"
#include "engine.h"
#include "rules.h"
#include "rules_help.h"

#include <stdio.h>
#include <stdlib.h>

void engine_set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

/* Sets key to value (taken) in o; 0 when either could not be allocated, so a result is never written with a part
 * silently missing. */
int engine_put(json_t *o, const char *key, json_t *value)
{
    if (!o || !value) {
        json_decref(value);
        return 0;
    }
    return !json_object_set_new(o, key, value);
}

static json_t *engine_rule_info(const rules_entry *r)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "id", r->id, "title", r->title, "kind", r->kind, "source",
                     r->source->title, "url", r->source->url, "implemented", r->judge != NULL);
}

/* Runs one rule; an unusable trace or a missing judge is an error verdict, never a silent gap. */
static json_t *engine_run_rule(const rules_entry *r, const trace *tr, const config *cfg, int *kind)
{
    json_t *o = engine_rule_info(r);
    verdict v;

    verdict_init(&v);
    if (tr->error[0])
        verdict_say(&v, VERDICT_ERROR, "The trace could not be used: %s.", tr->error);
    else if (!r->judge)
        verdict_say(&v, VERDICT_ERROR, "not implemented yet");
    else
        r->judge(tr, cfg, &v);
    if (!v.set)
        verdict_say(&v, VERDICT_ERROR, "The rule engine reached no verdict for this rule (a defect of the engine).");
    if (v.lost)
        verdict_say(&v, VERDICT_ERROR, "The rule engine ran out of memory recording this rule's evidence, so its "
                    "verdict could not be given.");
    *kind = v.kind;
    json_object_del(o, "implemented");
    if (!engine_put(o, "verdict", json_string(verdict_name(v.kind))) || !engine_put(o, "message",
        json_string(v.message)) || json_object_set(o, "evidence", v.evidence) ||
        (v.omitted && !engine_put(o, "evidence_omitted", json_integer((json_int_t)v.omitted)))) {
        json_decref(o);
        o = NULL;
    }
    verdict_free(&v);
    return o;
}

static json_t *engine_trace_info(const trace *tr)
{
    json_t *o = json_object();
    int ok;

    if (tr->error[0])
        return engine_put(o, "error", json_string(tr->error)) ? o : NULL;
    ok = !json_object_set(o, "schema", json_object_get(tr->header, "schema")) &&
         engine_put(o, "shape", json_string(trace_shape_name(tr->shape))) &&
         (!tr->service_name || engine_put(o, "service_name", json_string(tr->service_name))) &&
         engine_put(o, "end_reason", json_string(tr->end_reason)) &&
         engine_put(o, "complete", json_boolean(tr->complete)) &&
         (tr->cand_pid ? engine_put(o, "candidate_pid", json_integer(tr->cand_pid)) :
                         engine_put(o, "candidate_unknown", json_string(tr->cand_why))) &&
         (!tr->service_main || engine_put(o, "service_main_tid", json_integer(tr->service_main->tid)));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *engine_counts_json(const engine_counts *c)
{
    static const int kinds[] = { VERDICT_PASS, VERDICT_FAIL, VERDICT_WARN, VERDICT_NA, VERDICT_ERROR };
    json_t *o = json_object();
    size_t i;

    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!engine_put(o, verdict_name(kinds[i]), json_integer((json_int_t)c->n[kinds[i]]))) {
            json_decref(o);
            return NULL;
        }
    return o;
}

int engine_judged_nothing(const engine_counts *c)
{
    return !c->n[VERDICT_PASS] && !c->n[VERDICT_FAIL] && !c->n[VERDICT_WARN];
}

const char *engine_overall(const engine_counts *c, int strict, int nothing)
{
    if (nothing)
        return "error";
    return c->n[VERDICT_FAIL] || c->n[VERDICT_ERROR] || (strict && c->n[VERDICT_WARN]) ? "fail" : "pass";
}

/* Whether the candidate ever registered a class object that COM accepted (or whose result is not visible). */
static int engine_registered(const trace *tr)
{
    const trace_ev *reg;

    for (reg = trace_next_of(tr, NULL, "com_register", tr->cand_pid); reg;
         reg = trace_next_of(tr, reg, "com_register", tr->cand_pid))
        if (trace_reg_ok(reg))
            return 1;
    return 0;
}

/* What the candidate's run never reached, for a run in which no rule judged anything: the point its shape needs
 * first (the dispatcher and ServiceMain for a service, a registration for an EXE server). */
static const char *engine_missed(const trace *tr)
{
    if (tr->error[0])
        return NULL;
    if (!tr->cand_pid)
        return "the candidate's process could not be identified";
    if (tr->shape == TRACE_SHAPE_SERVICE)
        return !tr->dispatcher ? "the candidate never connected to the service control dispatcher" :
               !tr->service_main ? "the candidate connected to the dispatcher but ServiceMain never ran" : NULL;
    return !engine_registered(tr) ? "the candidate never registered a class object" : NULL;
}

/* One line on why a run in which no rule judged anything cannot pass: what the candidate never did and how its
 * watch ended (its own exit, with its code and when, a kill, or the harness's cut). */
void engine_nothing_reason(const trace *tr, char *buf, size_t len)
{
    const char *missed = engine_missed(tr);
    const trace_ev *end = tr->proc_end, *start = tr->proc_start;
    size_t n;

    if (tr->error[0]) {
        snprintf(buf, len, "nothing was exercised: the trace could not be used (%s)", tr->error);
        return;
    }
    n = (size_t)snprintf(buf, len, "nothing was exercised: %s", missed ? missed :
                         "no rule found anything of the candidate's to judge");
    if (n >= len)
        return;
    if (!tr->cand_pid)
        snprintf(buf + n, len - n, " (%s)", tr->cand_why);
    else if (end && tr->proc_end_natural && trace_has(end, "code") && start)
        snprintf(buf + n, len - n, "; its process exited by itself with code %lld after %.7g ms (seq %lld)",
                 trace_int(end, "code", 0), end->t - start->t, end->seq);
    else if (end && tr->proc_end_natural && trace_has(end, "code"))
        snprintf(buf + n, len - n, "; its process exited by itself with code %lld (seq %lld)", trace_int(end, "code", 0),
                 end->seq);
    else
        snprintf(buf + n, len - n, "; %s", rules_why_ended(tr));
}

json_t *engine_result(const trace *tr, const config *cfg, engine_counts *counts)
{
    engine_counts c = { { 0 } };
    json_t *root, *rules;
    char reason[1024] = "";
    size_t i;
    int ok;

    rules = json_array();
    ok = rules != NULL;
    for (i = 0; i < rules_count && ok; i++) {
        int kind;

        ok = !json_array_append_new(rules, engine_run_rule(&rules_table[i], tr, cfg, &kind));
        c.n[kind]++;
    }
    root = json_object();
    if (engine_judged_nothing(&c)) {
        engine_nothing_reason(tr, reason, sizeof reason);
        verdict_trim_utf8(reason);
    }
    ok = ok && engine_put(root, "verdict", json_string(engine_overall(&c, cfg->strict, engine_judged_nothing(&c)))) &&
         (!reason[0] || engine_put(root, "verdict_reason", json_string(reason))) &&
         engine_put(root, "strict", json_boolean(cfg->strict)) &&
         engine_put(root, "thresholds", config_thresholds_json(cfg)) &&
         engine_put(root, "expect_controls", json_integer((json_int_t)cfg->expect_controls)) &&
         engine_put(root, "trace", engine_trace_info(tr)) && engine_put(root, "rules", json_incref(rules)) &&
         engine_put(root, "counts", engine_counts_json(&c));
    json_decref(rules);
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    if (counts)
        *counts = c;
    return root;
}

char *engine_dump(json_t *root, char *err, size_t errlen)
{
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

    json_decref(root);
    if (!text)
        engine_set_err(err, errlen, "out of memory writing the result");
    return text;
}

/* Loads the trace with `load` (trace_load_text or trace_load_file) and judges it; src NULL is the caller's
 * mistake, named by `what`, not a bad trace. */
static char *engine_judge(void (*load)(trace *, const char *), const char *src, const char *what,
                          const char *config_json, char *err, size_t errlen)
{
    char cerr[512] = "", msg[128];
    json_t *root;
    config cfg;
    trace tr;

    if (!src) {
        snprintf(msg, sizeof msg, "%s: no trace %s", what, load == trace_load_text ? "text" : "path");
        engine_set_err(err, errlen, msg);
        return NULL;
    }
    if (config_parse(&cfg, config_json, cerr, sizeof cerr)) {
        engine_set_err(err, errlen, cerr);
        return NULL;
    }
    load(&tr, src);
    root = engine_result(&tr, &cfg, NULL);
    trace_free(&tr);
    return engine_dump(root, err, errlen);
}

char *sc_judge_text(const char *trace_jsonl, const char *config_json, char *err, size_t errlen)
{
    return engine_judge(trace_load_text, trace_jsonl, "sc_judge_text", config_json, err, errlen);
}

char *sc_judge_file(const char *trace_path, const char *config_json, char *err, size_t errlen)
{
    return engine_judge(trace_load_file, trace_path, "sc_judge_file", config_json, err, errlen);
}

char *sc_rules_json(void)
{
    json_t *a = json_array();
    char *text = NULL;
    size_t i;
    int ok = a != NULL;

    for (i = 0; i < rules_count && ok; i++) {
        json_t *r = engine_rule_info(&rules_table[i]);
        if (r && rules_help_add(r)) {
            json_decref(r);
            r = NULL;
        }
        ok = r && !json_array_append_new(a, r);
    }
    if (ok)
        text = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(a);
    return text;
}

void sc_free(char *p)
{
    free(p);
}
