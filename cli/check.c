/* check.c: `svccert check`, `judge` and `rules`: verdicts from a fresh run or a saved trace. */
#define _GNU_SOURCE
#include "cli.h"
#include "../conformance/svcconform.h"
#include "../reports/report.h"
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The engine's configuration: the --config file's object, with --strict folded in. */
static char *check_config(const struct cli_opts *o)
{
    json_error_t je;
    json_t *c = o->config ? json_load_file(o->config, 0, &je) : json_object();
    char *text;

    if (!c || !json_is_object(c)) {
        fprintf(stderr, "svccert: %s: %s\n", o->config, c ? "not a JSON object" : je.text);
        json_decref(c);
        return NULL;
    }
    if (o->strict)
        json_object_set_new(c, "strict", json_true());
    text = json_dumps(c, JSON_COMPACT);
    json_decref(c);
    return text;
}

/* Judges the traces of one candidate (one per run), writes the report, prints the summary; the exit
 * status follows the verdict. */
static int check_judge(const struct cli_opts *o, const struct rp_meta *m, const char *dir)
{
    char err[512] = "", *config = check_config(o), *verdicts;
    int rc;

    if (!config)
        return 2;
    verdicts = sc_judge_files(m->traces, m->nruns, config, err, sizeof err);
    free(config);
    if (!verdicts) {
        fprintf(stderr, "svccert: %s\n", err);
        return 2;
    }
    if (hr_mkdirs(dir) || rp_write(dir, verdicts, m, err, sizeof err)) {
        fprintf(stderr, "svccert: %s\n", *err ? err : strerror(errno));
        sc_free(verdicts);
        return 1;
    }
    rp_summary(stdout, verdicts, m);
    printf("report: %s/report.json\n", dir);
    rc = rp_passed(verdicts) ? 0 : 1;
    sc_free(verdicts);
    return rc;
}

static void check_reference(char *out, size_t cap)
{
    char dir[4000];

    hr_win_dir(dir, sizeof dir);
    snprintf(out, cap, "%s/svcref.exe", dir);
}

int cli_check(struct cli_opts *o)
{
    static struct cli_plan plan;
    char cand[4096], dir[4096], err[512] = "";
    const char *traces[CLI_MAX_RUNS], *raws[CLI_MAX_RUNS], *names[CLI_MAX_RUNS];
    struct rp_meta m = { 0 };
    const char *b;
    size_t n;
    int rc, i, have = 0;

    if (o->n_positional > 1 || o->trace_out) {
        fputs("svccert: usage: svccert check [CANDIDATE.exe] [--out DIR] [--config FILE] [--strict] [RUN OPTIONS]\n",
              stderr);
        return 2;
    }
    if (o->n_positional)
        snprintf(cand, sizeof cand, "%s", o->positional[0]);
    else
        check_reference(cand, sizeof cand);
    rc = hr_check_candidate(cand, err, sizeof err);
    if (!rc && o->run.reg_file && access(o->run.reg_file, R_OK)) {
        snprintf(err, sizeof err, "%s: %s", o->run.reg_file, strerror(errno));
        rc = 2;
    }
    if (!rc && cli_plan_make(&plan, &o->run, !o->n_positional, err, sizeof err))
        rc = 2;
    if (rc) {
        fprintf(stderr, "svccert: %s\n", err);
        return 2;
    }
    b = strrchr(cand, '/');
    b = b ? b + 1 : cand;
    n = strlen(b);
    if (n > 4 && !strcasecmp(b + n - 4, ".exe"))
        n -= 4;
    if (o->out_dir)
        snprintf(dir, sizeof dir, "%s", o->out_dir);
    else
        snprintf(dir, sizeof dir, "reports/%.*s", (int)n, b);
    if (hr_mkdirs(dir)) {
        fprintf(stderr, "svccert: cannot create %s: %s\n", dir, strerror(errno));
        return 2;
    }
    for (i = 0; i < plan.n; i++)
        plan.runs[i].run.candidate = cand;
    cli_plan_run(&plan, dir);
    for (i = 0; i < plan.n; i++) {
        struct cli_run *r = &plan.runs[i];
        /* a run whose trace is missing still counts: its rules are judged `error` */
        if (r->rc == HR_BAD_INPUT)
            return 2;
        have += !access(r->trace, R_OK);
        traces[i] = r->trace;
        raws[i] = access(r->raw, R_OK) ? NULL : r->raw;
        names[i] = r->name;
    }
    if (!have) {
        fprintf(stderr, "svccert: no run wrote a trace\n");
        return 1;
    }
    m.candidate = cand;
    m.traces = traces;
    m.raw_logs = raws;
    m.run_names = names;
    m.nruns = (size_t)plan.n;
    return check_judge(o, &m, dir);
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
    char *cand;
    size_t n;
    int rc;

    if (o->n_positional != 1 || o->trace_out) {
        fputs("svccert: usage: svccert judge TRACE.jsonl [--out DIR] [--config FILE] [--strict]\n", stderr);
        return 2;
    }
    if (access(o->positional[0], R_OK)) {
        fprintf(stderr, "svccert: %s: %s\n", o->positional[0], strerror(errno));
        return 2;
    }
    snprintf(tmp, sizeof tmp, "%s", o->positional[0]);
    snprintf(dir, sizeof dir, "%s", o->out_dir ? o->out_dir : dirname(tmp));
    n = strlen(o->positional[0]);
    if (n > 6 && !strcmp(o->positional[0] + n - 6, ".jsonl"))
        n -= 6;
    snprintf(raw, sizeof raw, "%.*s.raw.log", (int)n, o->positional[0]);
    cand = judge_candidate(o->positional[0]);
    {
        const char *traces[1] = { o->positional[0] }, *raws[1] = { access(raw, R_OK) ? NULL : raw };
        const char *names[1] = { "saved" };
        struct rp_meta m = { cand && !access(cand, R_OK) ? cand : NULL, traces, raws, names, 1 };

        rc = check_judge(o, &m, dir);
    }
    free(cand);
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
        return 1;
    }
    json_array_foreach(rules, i, r)
        printf("%-28s %-6s %s\n", json_string_value(json_object_get(r, "id")),
               json_string_value(json_object_get(r, "kind")), json_string_value(json_object_get(r, "title")));
    json_decref(rules);
    return 0;
}
