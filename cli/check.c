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

/* Judges a trace, writes the report, prints the summary; the exit status follows the verdict. */
static int check_judge(const struct cli_opts *o, const char *trace, const char *dir, const char *cand,
                       const char *raw)
{
    char err[512] = "", *config = check_config(o), *verdicts;
    struct rp_meta m = { cand, trace, raw };
    int rc;

    if (!config)
        return 2;
    verdicts = sc_judge_file(trace, config, err, sizeof err);
    free(config);
    if (!verdicts) {
        fprintf(stderr, "svccert: %s\n", err);
        return 2;
    }
    if (hr_mkdirs(dir) || rp_write(dir, verdicts, &m, err, sizeof err)) {
        fprintf(stderr, "svccert: %s\n", *err ? err : strerror(errno));
        sc_free(verdicts);
        return 1;
    }
    rp_summary(stdout, verdicts, &m);
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
    char cand[4096], dir[4096], trace[4200], raw[4200], err[512] = "";
    const char *b;
    size_t n;
    int rc;

    if (o->n_positional > 1 || o->trace_out) {
        fputs("svccert: usage: svccert check [CANDIDATE.exe] [--out DIR] [--config FILE] [--strict] [RUN OPTIONS]\n",
              stderr);
        return 2;
    }
    if (o->n_positional) {
        snprintf(cand, sizeof cand, "%s", o->positional[0]);
    } else {
        check_reference(cand, sizeof cand);
        /* The built-in check exercises every service rule: a start long enough to need
         * START_PENDING with progress, and a stop long enough to need STOP_PENDING. */
        if (!o->run.n_image_args) {
            static const char *const full[] = { "--init-ms", "1500", "--init-steps", "3",
                                                "--stop-ms", "1200", "--stop-steps", "3" };
            size_t i;
            for (i = 0; i < sizeof full / sizeof full[0]; i++)
                o->run.image_args[o->run.n_image_args++] = full[i];
        }
    }
    rc = hr_check_candidate(cand, err, sizeof err);
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
    snprintf(trace, sizeof trace, "%s/trace.jsonl", dir);
    snprintf(raw, sizeof raw, "%s/trace.raw.log", dir);
    o->run.candidate = cand;
    o->run.trace_path = trace;
    rc = hr_trace(&o->run, err, sizeof err);
    if (rc == HR_BAD_INPUT || access(trace, R_OK)) {
        fprintf(stderr, "svccert: %s\n", *err ? err : "no trace was written");
        return rc == HR_BAD_INPUT ? 2 : 1;
    }
    if (rc)
        fprintf(stderr, "svccert: %s (judging what was recorded)\n", err);
    return check_judge(o, trace, dir, cand, raw);
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
    rc = check_judge(o, o->positional[0], dir, cand && !access(cand, R_OK) ? cand : NULL,
                     access(raw, R_OK) ? NULL : raw);
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
