/* Judges several traces of one candidate, one per run (service, embedding, user), and merges them rule by rule. */
#include "svcconform.h"
#include "engine.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct merge_run {
    const char *path;
    json_t *result;         /* engine_result of the run's trace */
    json_t *shape;          /* the shape's name, or null when the header could not be read */
    engine_counts counts;
} merge_run;

/* The VERDICT_* of a verdict's name; the enum is ordered so that the larger value decides a merge (fail, error,
 * warn, pass, then n/a, which only stands when every run says it). */
static int merge_kind(const json_t *rule)
{
    const char *name = json_string_value(json_object_get(rule, "verdict"));
    int k;

    for (k = VERDICT_NA; name && k <= VERDICT_FAIL; k++)
        if (!strcmp(verdict_name(k), name))
            return k;
    return VERDICT_ERROR;
}

static const json_t *merge_rule_of(const merge_run *run, size_t r)
{
    return json_array_get(json_object_get(run->result, "rules"), r);
}

/* "Run 1 (embedding): " before a run's message, so that a merged message says which run spoke. */
static int merge_label(char *buf, size_t len, size_t i, const json_t *shape)
{
    return json_is_string(shape) ? snprintf(buf, len, "Run %zu (%s): ", i, json_string_value(shape)) :
                                   snprintf(buf, len, "Run %zu: ", i);
}

/* The deciding runs' messages, each after its run's label when there are several runs. */
static json_t *merge_message(const merge_run *runs, size_t n, size_t r, int best)
{
    size_t i, cap = 1, len = 0;
    char *text, label[64];
    json_t *out;

    for (i = 0; i < n; i++) {
        const char *msg = json_string_value(json_object_get(merge_rule_of(&runs[i], r), "message"));

        cap += (msg ? strlen(msg) : 0) + sizeof label + 1;
    }
    if (!(text = malloc(cap)))
        return NULL;
    text[0] = 0;
    for (i = 0; i < n; i++) {
        const json_t *rule = merge_rule_of(&runs[i], r);
        const char *msg = json_string_value(json_object_get(rule, "message"));

        if (merge_kind(rule) != best)
            continue;
        if (n > 1) {
            if (len)
                text[len++] = ' ';
            merge_label(label, sizeof label, i, runs[i].shape);
            len += (size_t)snprintf(text + len, cap - len, "%s", label);
        }
        len += (size_t)snprintf(text + len, cap - len, "%s", msg ? msg : "");
    }
    out = json_string(text);
    free(text);
    return out;
}

/* The evidence of one run, each item tagged with the run's index first; 0 when memory ran out. */
static int merge_evidence(json_t *into, const json_t *rule, size_t i)
{
    const json_t *item;
    size_t k;

    json_array_foreach(json_object_get(rule, "evidence"), k, item) {
        json_t *o = json_pack("{s:I}", "run", (json_int_t)i);

        if (!o || (json_is_object(item) ? json_object_update(o, (json_t *)item) :
                   json_object_set(o, "item", (json_t *)item))) {
            json_decref(o);
            return 0;
        }
        if (json_array_append_new(into, o))     /* which has freed o */
            return 0;
    }
    return 1;
}

/* One rule over every run: the worst verdict decides, and the runs that gave it speak for the rule. */
static json_t *merge_rule(const merge_run *runs, size_t n, size_t r, int *kind)
{
    const json_t *first = merge_rule_of(&runs[0], r), *val;
    json_t *o = json_object(), *evidence = json_array(), *per = json_array();
    json_int_t omitted = 0;
    const char *key;
    int best = VERDICT_NA, ok = o && evidence && per;
    size_t i;

    for (i = 0; i < n; i++)
        if (merge_kind(merge_rule_of(&runs[i], r)) > best)
            best = merge_kind(merge_rule_of(&runs[i], r));
    for (i = 0; i < n; i++) {
        const json_t *rule = merge_rule_of(&runs[i], r);

        ok = ok && !json_array_append_new(per, json_pack("{s:I, s:O, s:O, s:O}", "run", (json_int_t)i, "shape",
                                                         runs[i].shape, "verdict", json_object_get(rule, "verdict"),
                                                         "message", json_object_get(rule, "message")));
        if (merge_kind(rule) != best)
            continue;
        ok = ok && merge_evidence(evidence, rule, i);
        omitted += json_integer_value(json_object_get(rule, "evidence_omitted"));
    }
    /* the rule's own keys in sc_judge_file's order, the merged values in place of one run's */
    json_object_foreach((json_t *)first, key, val) {
        if (!ok)
            break;
        if (!strcmp(key, "verdict"))
            ok = engine_put(o, key, json_string(verdict_name(best)));
        else if (!strcmp(key, "message"))
            ok = engine_put(o, key, merge_message(runs, n, r, best));
        else if (!strcmp(key, "evidence"))
            ok = !json_object_set(o, key, evidence) &&
                 (!omitted || engine_put(o, "evidence_omitted", json_integer(omitted)));
        else if (strcmp(key, "evidence_omitted"))
            ok = !json_object_set(o, key, (json_t *)val);
    }
    ok = ok && engine_put(o, "runs", json_incref(per));
    json_decref(per);
    json_decref(evidence);
    *kind = best;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The top-level entry of one run: its trace, shape, own verdict and counts, and what the engine read of it. */
static json_t *merge_run_info(const merge_run *run)
{
    json_t *info = json_object_get(run->result, "trace");
    json_t *o = json_pack("{s:s, s:O, s:O, s:O}", "trace", run->path, "shape", run->shape, "verdict",
                          json_object_get(run->result, "verdict"), "counts", json_object_get(run->result, "counts"));

    if (json_object_get(run->result, "verdict_reason"))
        json_object_set(o, "verdict_reason", json_object_get(run->result, "verdict_reason"));
    if (json_object_get(info, "error"))
        json_object_set(o, "error", json_object_get(info, "error"));
    json_object_set(o, "info", info);
    return o;
}

/* Every run's own reason, each after its label, when the merged run judged nothing (then no run judged anything). */
static json_t *merge_reason(const merge_run *runs, size_t n)
{
    char text[2048] = "", label[64];
    size_t i, len = 0;

    for (i = 0; i < n && len < sizeof text; i++) {
        const char *r = json_string_value(json_object_get(runs[i].result, "verdict_reason"));

        merge_label(label, sizeof label, i, runs[i].shape);
        len += (size_t)snprintf(text + len, sizeof text - len, "%s%s%s", len ? "; " : "", n > 1 ? label : "",
                                r ? r : "nothing was exercised");
    }
    verdict_trim_utf8(text);
    return json_string(text);
}

char *sc_judge_files(const char *const *trace_paths, size_t n, const char *config_json, char *err, size_t errlen)
{
    engine_counts counts = { { 0 } };
    json_t *root, *rules, *runs_json;
    char cerr[512] = "";
    merge_run *runs;
    config cfg;
    size_t i;
    int ok, nothing;

    if (!trace_paths || !n) {
        engine_set_err(err, errlen, "sc_judge_files: no trace paths");
        return NULL;
    }
    for (i = 0; i < n; i++)
        if (!trace_paths[i]) {
            snprintf(cerr, sizeof cerr, "sc_judge_files: trace path %zu is NULL", i);
            engine_set_err(err, errlen, cerr);
            return NULL;
        }
    if (config_parse(&cfg, config_json, cerr, sizeof cerr)) {
        engine_set_err(err, errlen, cerr);
        return NULL;
    }
    if (!(runs = calloc(n, sizeof *runs))) {
        engine_set_err(err, errlen, "out of memory");
        return NULL;
    }
    for (i = 0; i < n; i++) {
        trace tr;

        trace_load_file(&tr, trace_paths[i]);
        runs[i].path = trace_paths[i];
        runs[i].result = engine_result(&tr, &cfg, &runs[i].counts);
        /* a trace unusable from its header on has no shape to tell */
        runs[i].shape = tr.header ? json_string(trace_shape_name(tr.shape)) : json_null();
        trace_free(&tr);
    }
    /* a run whose result could not be built would vanish from the merge: then there is no result at all */
    for (i = 0, ok = 1; i < n; i++)
        ok = ok && runs[i].result && runs[i].shape;
    /* one run that judged something is a judged run: a missing run's errors then fail it, as any error does */
    for (i = 0, nothing = 1; i < n; i++)
        nothing = nothing && engine_judged_nothing(&runs[i].counts);
    rules = ok ? json_array() : NULL;
    for (i = 0; i < rules_count && rules && ok; i++) {
        int kind;

        ok = !json_array_append_new(rules, merge_rule(runs, n, i, &kind));
        counts.n[kind]++;
    }
    runs_json = ok ? json_array() : NULL;
    for (i = 0; i < n && runs_json && ok; i++)
        ok = !json_array_append_new(runs_json, merge_run_info(&runs[i]));
    root = json_object();
    ok = ok && rules && runs_json &&
         engine_put(root, "verdict", json_string(engine_overall(&counts, cfg.strict, nothing))) &&
         (!nothing || engine_put(root, "verdict_reason", merge_reason(runs, n))) &&
         engine_put(root, "strict", json_boolean(cfg.strict)) &&
         engine_put(root, "thresholds", config_thresholds_json(&cfg)) &&
         engine_put(root, "expect_controls", json_integer((json_int_t)cfg.expect_controls)) &&
         engine_put(root, "runs", json_incref(runs_json)) && engine_put(root, "rules", json_incref(rules)) &&
         engine_put(root, "counts", engine_counts_json(&counts));
    json_decref(rules);
    json_decref(runs_json);
    if (!ok) {
        json_decref(root);
        root = NULL;
    }
    for (i = 0; i < n; i++) {
        json_decref(runs[i].result);
        json_decref(runs[i].shape);
    }
    free(runs);
    return engine_dump(root, err, errlen);
}
