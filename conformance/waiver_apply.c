/* sc_waive: applies the config's waivers to a judged result; waived rules keep their original verdict, and the
 * counts and verdicts (the result's and each run's) follow the effective ones. */
#include "svcconform.h"
#include "engine.h"
#include "waiver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* docs/rules.md, "Waivers": ignore takes the rule out of the count as WACK's ignore list and a SARIF suppression
 * do (n/a: neither for nor against the candidate); downgrade makes a fail a warn and leaves every other verdict. */
static const char *waiver_effect(const char *policy, const char *verdict)
{
    if (!strcmp(policy, "ignore"))
        return "n/a";
    return !strcmp(verdict, "fail") ? "warn" : verdict;
}

static int waiver_kind(const char *name)
{
    int k;

    for (k = VERDICT_NA; name && k <= VERDICT_FAIL; k++)
        if (!strcmp(verdict_name(k), name))
            return k;
    return -1;
}

static json_t *waiver_rule_named(json_t *rules, const char *id)
{
    json_t *r;
    size_t i;

    json_array_foreach(rules, i, r) {
        const char *rid = json_string_value(json_object_get(r, "id"));

        if (rid && id && !strcmp(rid, id))
            return r;
    }
    return NULL;
}

/* The waiver as a rule records it: everything but the rule's own ID. */
static json_t *waiver_record(const json_t *w)
{
    json_t *o = json_deep_copy(w);

    if (o)
        json_object_del(o, "rule");
    return o;
}

/* Moves one rule of a counts object from one verdict to another. */
static int waiver_recount(json_t *counts, const char *from, const char *to)
{
    json_t *f = json_object_get(counts, from), *t = json_object_get(counts, to);

    if (!strcmp(from, to))
        return 1;
    if (!json_is_integer(f) || !json_is_integer(t))
        return 0;
    return !json_integer_set(f, json_integer_value(f) - 1) && !json_integer_set(t, json_integer_value(t) + 1);
}

/* The effective verdict on the merged rule and on each run's entry of it, each keeping its original; the runs'
 * counts move with them. */
static int waiver_apply_rule(json_t *root, json_t *rule, const json_t *w)
{
    const char *policy = json_string_value(json_object_get(w, "policy"));
    json_t *runs = json_object_get(root, "runs"), *per;
    const char *orig = json_string_value(json_object_get(rule, "verdict"));
    size_t j;
    int ok;

    if (!orig)
        return 0;
    ok = !json_object_set(rule, "original_verdict", json_object_get(rule, "verdict")) &&
         engine_put(rule, "verdict", json_string(waiver_effect(policy, orig))) &&
         engine_put(rule, "waiver", waiver_record(w));
    json_array_foreach(json_object_get(rule, "runs"), j, per) {
        const char *o = json_string_value(json_object_get(per, "verdict"));
        json_t *run = json_array_get(runs, (size_t)json_integer_value(json_object_get(per, "run")));

        if (!ok || !o)
            return 0;
        ok = waiver_recount(json_object_get(run, "counts"), o, waiver_effect(policy, o)) &&
             !json_object_set(per, "original_verdict", json_object_get(per, "verdict")) &&
             engine_put(per, "verdict", json_string(waiver_effect(policy, o)));
    }
    return ok;
}

/* Adds a waiver that was not applied to its rule's waiver_note, so the rule's line can say so too. */
static int waiver_note_rule(json_t *rule, const char *note)
{
    const char *had = json_string_value(json_object_get(rule, "waiver_note"));
    char *text;
    int ok;

    if (!had)
        return engine_put(rule, "waiver_note", json_string(note));
    if (!(text = malloc(strlen(had) + strlen(note) + 3)))
        return 0;
    sprintf(text, "%s; %s", had, note);
    ok = engine_put(rule, "waiver_note", json_string(text));
    free(text);
    return ok;
}

/* Whether waiver w holds for this candidate today: "applied", or why not with a note. */
static const char *waiver_status(const json_t *w, const json_t *rule, const char *sha, const char *day, char *note,
                                 size_t len)
{
    const char *expires = json_string_value(json_object_get(w, "expires"));
    const char *want = json_string_value(json_object_get(w, "sha256"));

    note[0] = 0;
    if (expires && strcmp(day, expires) > 0) {
        snprintf(note, len, "the waiver expired on %s (today is %s), so it was not applied", expires, day);
        return "expired";
    }
    if (want && !sha) {
        snprintf(note, len, "the waiver is for the candidate with SHA-256 %s, and this candidate's hash is unknown, "
                 "so it was not applied", want);
        return "candidate-unknown";
    }
    if (want && strcasecmp(want, sha)) {
        snprintf(note, len, "the waiver is for the candidate with SHA-256 %s, not this one (%s), so it was not applied",
                 want, sha);
        return "other-candidate";
    }
    if (json_object_get(rule, "waiver")) {
        snprintf(note, len, "an earlier waiver for this rule applies, so this one was not applied");
        return "superseded";
    }
    return "applied";
}

/* Counts from the rules' effective verdicts; 0 for a verdict no engine gives. */
static int waiver_count_rules(const json_t *rules, engine_counts *c)
{
    const json_t *r;
    size_t i;

    memset(c, 0, sizeof *c);
    json_array_foreach((json_t *)rules, i, r) {
        int k = waiver_kind(json_string_value(json_object_get(r, "verdict")));

        if (k < 0)
            return 0;
        c->n[k]++;
    }
    return 1;
}

static void waiver_read_counts(const json_t *o, engine_counts *c)
{
    int k;

    for (k = VERDICT_NA; k <= VERDICT_FAIL; k++)
        c->n[k] = (size_t)json_integer_value(json_object_get(o, verdict_name(k)));
}

/* The verdicts that follow the counts: the result's and each run's, as engine_overall gives them (a result that
 * judged nothing, which carries verdict_reason, stays so: a waiver never makes a rule judged). */
static int waiver_reverdict(json_t *root)
{
    int strict = json_is_true(json_object_get(root, "strict")), ok;
    engine_counts c;
    json_t *run;
    size_t i;

    ok = waiver_count_rules(json_object_get(root, "rules"), &c) &&
         engine_put(root, "counts", engine_counts_json(&c)) &&
         engine_put(root, "verdict", json_string(engine_overall(&c, strict,
                                                                json_object_get(root, "verdict_reason") != NULL)));
    json_array_foreach(json_object_get(root, "runs"), i, run) {
        waiver_read_counts(json_object_get(run, "counts"), &c);
        ok = ok && engine_put(run, "verdict",
                              json_string(engine_overall(&c, strict, json_object_get(run, "verdict_reason") != NULL)));
    }
    return ok;
}

/* Every waiver of the config with its fate, applied to the result as it goes; 0 when memory ran out. */
static int waiver_apply_all(json_t *root, const json_t *waivers, const char *sha, const char *day)
{
    json_t *list = json_array(), *w;
    char note[512];
    size_t i;
    int ok = list != NULL;

    json_array_foreach((json_t *)waivers, i, w) {
        json_t *rule = waiver_rule_named(json_object_get(root, "rules"), json_string_value(json_object_get(w, "rule")));
        json_t *entry = json_deep_copy(w);
        const char *status;

        if (!ok || !rule || !entry) {
            json_decref(entry);
            ok = 0;
            break;
        }
        status = waiver_status(w, rule, sha, day, note, sizeof note);
        ok = engine_put(entry, "status", json_string(status)) &&
             (!note[0] || engine_put(entry, "note", json_string(note))) &&
             (note[0] ? waiver_note_rule(rule, note) : waiver_apply_rule(root, rule, w));
        ok = !json_array_append_new(list, entry) && ok;
    }
    ok = ok && engine_put(root, "waivers", json_incref(list)) &&
         (!json_array_size(waivers) || engine_put(root, "waivers_date", json_string(day))) && waiver_reverdict(root);
    json_decref(list);
    return ok;
}

char *sc_waive(const char *result_json, const char *config_json, const char *candidate_sha256, const char *today,
               char *err, size_t errlen)
{
    char cerr[512] = "", day[11] = "";
    json_t *root, *cfg, *waivers, *none;
    size_t i;
    config c;

    if (config_parse(&c, config_json, cerr, sizeof cerr)) {
        engine_set_err(err, errlen, cerr);
        return NULL;
    }
    if (candidate_sha256 && !waiver_is_sha256(candidate_sha256)) {
        engine_set_err(err, errlen, "sc_waive: the candidate's SHA-256 must be 64 hex digits");
        return NULL;
    }
    root = result_json ? json_loads(result_json, 0, NULL) : NULL;
    if (!json_is_object(root) || !json_is_array(json_object_get(root, "rules"))) {
        engine_set_err(err, errlen, "sc_waive: the result is not one of sc_judge_file's or sc_judge_files'");
        json_decref(root);
        return NULL;
    }
    if (json_object_get(root, "waivers")) {
        engine_set_err(err, errlen, "sc_waive: the result's waivers were applied already");
        json_decref(root);
        return NULL;
    }
    cfg = config_json && *config_json ? json_loads(config_json, 0, NULL) : NULL;
    waivers = json_object_get(cfg, "waivers");
    for (i = 0; i < json_array_size(waivers); i++) {
        const char *id = json_string_value(json_object_get(json_array_get(waivers, i), "rule"));

        if (!waiver_rule_named(json_object_get(root, "rules"), id)) {
            snprintf(cerr, sizeof cerr, "sc_waive: the result has no rule %s", id);
            engine_set_err(err, errlen, cerr);
            json_decref(cfg);
            json_decref(root);
            return NULL;
        }
    }
    if (json_array_size(waivers) && waiver_today(today, day, cerr, sizeof cerr)) {
        engine_set_err(err, errlen, cerr);
        json_decref(cfg);
        json_decref(root);
        return NULL;
    }
    none = json_array();
    if (!none || !waiver_apply_all(root, waivers ? waivers : none, candidate_sha256, day)) {
        json_decref(root);
        root = NULL;
    }
    json_decref(none);
    json_decref(cfg);
    return engine_dump(root, err, errlen);
}
