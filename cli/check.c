/* check.c: `svccert check`, `judge` and `rules`: verdicts from a fresh run or a saved trace. */
#define _GNU_SOURCE
#include "cli.h"
#include "../conformance/svcconform.h"
#include "../reports/report.h"
#include "../reports/formats.h"
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How much longer than the revoke threshold an idle server is watched: the idle clock starts at the
 * client's last release, and the server's revocation and exit still have to reach the log (a Wine
 * process's exit takes a few hundred ms, more on a loaded machine); a watch that ends at the threshold
 * would leave com.revoke.user-control nothing to judge. */
#define CHECK_WATCH_MARGIN_MS 2000

/* The engine's configuration: the --config file's object, with --strict folded in; NULL after saying why. */
static char *check_config(const struct cli_opts *o)
{
    json_error_t je;
    json_t *c = o->config ? json_load_file(o->config, 0, &je) : json_object();
    char *text;

    if (!c || !json_is_object(c)) {
        fprintf(stderr, "svccert: %s: %s\n", o->config ? o->config : "config", c ? "not a JSON object" : je.text);
        json_decref(c);
        return NULL;
    }
    if (o->strict && json_object_set_new(c, "strict", json_true())) {
        fprintf(stderr, "svccert: out of memory\n");
        json_decref(c);
        return NULL;
    }
    text = json_dumps(c, JSON_COMPACT);
    json_decref(c);
    if (!text)
        fprintf(stderr, "svccert: out of memory\n");
    return text;
}

/* The watch lasts past the revoke threshold in force, unless the user chose it; -1 after saying why
 * the configuration is unusable. */
static int check_watch(struct cli_opts *o, const char *config)
{
    char err[512] = "", *text;
    json_t *t;
    double revoke;

    if (!(text = sc_thresholds_json(config, err, sizeof err))) {
        fprintf(stderr, "svccert: %s: %s\n", o->config ? o->config : "config", err);
        return -1;
    }
    t = json_loads(text, 0, NULL);
    sc_free(text);
    revoke = json_number_value(json_object_get(t, "revoke_after_idle_ms"));
    json_decref(t);
    if (!o->watch_given && revoke + CHECK_WATCH_MARGIN_MS > o->run.watch_ms)
        o->run.watch_ms = revoke + CHECK_WATCH_MARGIN_MS > 3600000 ? 3600000 : (int)revoke + CHECK_WATCH_MARGIN_MS;
    return 0;
}

/* Judges the traces of one candidate (one per run), writes the report, prints the summary; the exit
 * status follows the verdicts. */
static int check_judge(const char *config, const struct rp_meta *m, const char *dir, enum rp_detail detail)
{
    struct rp_look look;
    char err[512] = "", sha[65], *judged, *waived, *verdicts;
    const char *overall;
    int rc, run_error;
    json_t *v;

    judged = sc_judge_files(m->traces, m->nruns, config, err, sizeof err);
    if (!judged) {
        fprintf(stderr, "svccert: %s\n", err);
        return CLI_USAGE;
    }
    /* waivers after judging: a waiver limited to one candidate needs its hash (none: the candidate is unknown) */
    waived = sc_waive(judged, config, m->candidate && !rp_sha256_file(m->candidate, sha, err, sizeof err) ? sha : NULL,
                      NULL, err, sizeof err);
    sc_free(judged);
    if (!waived) {
        fprintf(stderr, "svccert: %s\n", err);
        return CLI_USAGE;
    }
    err[0] = 0;
    verdicts = cli_annotate(waived, m, &run_error);
    sc_free(waived);
    if (!verdicts) {
        fprintf(stderr, "svccert: out of memory\n");
        return CLI_BROKEN;
    }
    if (hr_mkdirs(dir) || rp_write(dir, verdicts, m, err, sizeof err)) {
        fprintf(stderr, "svccert: %s\n", *err ? err : strerror(errno));
        free(verdicts);
        return CLI_BROKEN;
    }
    rp_look_for(&look, stdout, detail);
    rp_summary(stdout, verdicts, m, &look);
    if (detail != RP_QUIET) {
        cli_say_reasons(stdout, verdicts, m);
        rp_formats_say(stdout, dir, m->formats);
    }
    switch (rp_outcome(verdicts)) {
    case RP_PASSED: rc = CLI_PASS; break;
    case RP_FAILED: rc = CLI_FAIL; break;
    default: rc = CLI_BROKEN; break;
    }
    /* a run that exercised nothing, or that the harness could not make, never passes */
    v = json_loads(verdicts, 0, NULL);
    overall = json_string_value(json_object_get(v, "verdict"));
    if (rc == CLI_PASS && (run_error || (overall && !strcmp(overall, "error"))))
        rc = CLI_BROKEN;
    json_decref(v);
    free(verdicts);
    return rc;
}

int cli_check(struct cli_opts *o)
{
    static struct cli_plan plan;
    char cand[4096], dir[4096], base[256], err[512] = "", *config;
    const char *traces[HR_MAX_RUNS], *raws[HR_MAX_RUNS], *names[HR_MAX_RUNS];
    struct rp_meta m = { 0 };
    int rc, i, have = 0;

    if (o->n_positional > 1 || o->trace_out) {
        fputs("svccert: usage: svccert check [CANDIDATE.exe] [--out DIR] [--format F,...] [--config FILE] [--strict]\n"
              "       [-q|-v] [RUN OPTIONS]\n", stderr);
        return CLI_USAGE;
    }
    if (o->n_positional) {
        snprintf(cand, sizeof cand, "%s", o->positional[0]);
    } else {
        char windir[4000];
        hr_win_dir(windir, sizeof windir);
        snprintf(cand, sizeof cand, "%s/svcref.exe", windir);
    }
    rc = hr_check_candidate(cand, err, sizeof err);
    if (!rc && o->run.reg_file && access(o->run.reg_file, R_OK)) {
        snprintf(err, sizeof err, "%s: %s", o->run.reg_file, strerror(errno));
        rc = CLI_USAGE;
    }
    if (!rc)
        rc = hr_sandbox_check(&o->run, err, sizeof err);
    if (rc) {
        fprintf(stderr, "svccert: %s\n", err);
        return CLI_USAGE;
    }
    /* the configuration before the runs: it decides how long they watch, and a bad one wastes none */
    if (!(config = check_config(o)))
        return CLI_USAGE;
    if (check_watch(o, config) || cli_plan_make(&plan, &o->run, !o->n_positional, err, sizeof err)) {
        if (*err)
            fprintf(stderr, "svccert: %s\n", err);
        free(config);
        return CLI_USAGE;
    }
    hr_base_name(cand, base, sizeof base);
    if (o->out_dir)
        snprintf(dir, sizeof dir, "%s", o->out_dir);
    else
        snprintf(dir, sizeof dir, "svccert-report/%s", base);
    if (hr_mkdirs(dir)) {
        fprintf(stderr, "svccert: cannot create %s: %s\n", dir, strerror(errno));
        free(config);
        return CLI_USAGE;
    }
    for (i = 0; i < plan.n; i++)
        plan.runs[i].run.candidate = cand;
    hr_pool_run(plan.runs, plan.n, dir, o->detail != RP_QUIET);
    for (i = 0; i < plan.n; i++) {
        struct hr_pool_run *r = &plan.runs[i];
        if (r->rc == HR_BAD_INPUT) {
            free(config);
            return CLI_USAGE;
        }
        /* a run whose trace is missing still counts: its rules are judged `error` */
        have += !access(r->trace, R_OK);
        traces[i] = r->trace;
        raws[i] = access(r->raw, R_OK) ? NULL : r->raw;
        names[i] = r->name;
    }
    if (!have) {
        fprintf(stderr, "svccert: no run wrote a trace\n");
        free(config);
        return CLI_BROKEN;
    }
    m.candidate = cand;
    m.traces = traces;
    m.raw_logs = raws;
    m.run_names = names;
    m.nruns = (size_t)plan.n;
    m.formats = o->formats;
    rc = check_judge(config, &m, dir, o->detail);
    free(config);
    return rc;
}

/* The candidate of a saved trace is named in its header. */
static char *judge_candidate(const char *trace)
{
    FILE *f = fopen(trace, "r");
    char *line = NULL, *cand = NULL;
    size_t cap = 0;
    json_t *h;

    if (!f)
        return NULL;
    if (getline(&line, &cap, f) > 0 && (h = json_loads(line, 0, NULL))) {
        const char *p = json_string_value(json_object_get(json_object_get(h, "candidate"), "path"));
        if (p)
            cand = strdup(p);
        json_decref(h);
    }
    free(line);
    fclose(f);
    return cand;
}

int cli_judge(struct cli_opts *o)
{
    char dir[4096], raw[4200], tmp[4096];
    char *cand, *config;
    int rc;

    if (o->n_positional != 1 || o->trace_out) {
        fputs("svccert: usage: svccert judge TRACE.jsonl [--out DIR] [--format F,...] [--config FILE] [--strict] [-q|-v]\n",
              stderr);
        return CLI_USAGE;
    }
    if (access(o->positional[0], R_OK)) {
        fprintf(stderr, "svccert: %s: %s\n", o->positional[0], strerror(errno));
        return CLI_USAGE;
    }
    if (!(config = check_config(o)))
        return CLI_USAGE;
    snprintf(tmp, sizeof tmp, "%s", o->positional[0]);
    snprintf(dir, sizeof dir, "%s", o->out_dir ? o->out_dir : dirname(tmp));
    /* the raw log as runs keep it, or a plain one (--keep-raw, or a run saved before logs were compressed) */
    if (hr_side_path(o->positional[0], HR_SIDE_RAW, raw, sizeof raw) ||
        (access(raw, R_OK) && hr_side_path(o->positional[0], HR_SIDE_RAW_PLAIN, raw, sizeof raw)))
        raw[0] = 0;
    cand = judge_candidate(o->positional[0]);
    {
        const char *traces[1] = { o->positional[0] }, *raws[1] = { !*raw || access(raw, R_OK) ? NULL : raw };
        const char *names[1] = { "saved" };
        struct rp_meta m = { cand && !access(cand, R_OK) ? cand : NULL, traces, raws, names, 1, o->formats };

        rc = check_judge(config, &m, dir, o->detail);
    }
    free(cand);
    free(config);
    return rc;
}

int cli_rules(struct cli_opts *o)
{
    char *text = sc_rules_json();
    json_t *rules = text ? json_loads(text, 0, NULL) : NULL, *r;
    size_t i;

    (void)o;
    sc_free(text);
    if (!rules) {
        fputs("svccert: the rule table is unavailable\n", stderr);
        return CLI_BROKEN;
    }
    json_array_foreach(rules, i, r)
        printf("%-28s %-6s %s\n", json_string_value(json_object_get(r, "id")),
               json_string_value(json_object_get(r, "kind")), json_string_value(json_object_get(r, "title")));
    json_decref(rules);
    return CLI_PASS;
}
