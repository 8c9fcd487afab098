/* runinfo.c: what a check says beside the verdicts: why a run could not be made, and a hint when the
 * candidate never reached what its shape needs. */
#define _GNU_SOURCE
#include "cli.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What one trace says of its run. */
struct run_info {
    char shape[16];
    char end_reason[32];
    char why[512];        /* the harness's account when the run did not end complete */
    int dispatcher;       /* the candidate called StartServiceCtrlDispatcher */
};

static void info_read(const char *path, struct run_info *ri)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;

    memset(ri, 0, sizeof *ri);
    snprintf(ri->shape, sizeof ri->shape, "service");
    snprintf(ri->end_reason, sizeof ri->end_reason, "truncated");
    if (!f)
        return;
    while (getline(&line, &cap, f) > 0) {
        json_t *e = json_loads(line, 0, NULL);
        const char *ev = json_string_value(json_object_get(e, "ev"));

        if (!ev) {
            json_decref(e);
            continue;
        }
        if (!strcmp(ev, "header")) {
            const char *s = json_string_value(json_object_get(json_object_get(e, "run"), "shape"));
            if (s)
                snprintf(ri->shape, sizeof ri->shape, "%s", s);
        } else if (!strcmp(ev, "dispatcher")) {
            ri->dispatcher = 1;
        } else if (!strcmp(ev, "harness")) {
            const char *a = json_string_value(json_object_get(e, "action"));
            const char *d = json_string_value(json_object_get(e, "detail"));
            /* the controller's own reason outweighs what followed from it */
            if (a && d && strcmp(a, "timing") && (!ri->why[0] || !strcmp(a, "controller_failed")))
                snprintf(ri->why, sizeof ri->why, "%s", d);
        } else if (!strcmp(ev, "end")) {
            const char *r = json_string_value(json_object_get(e, "reason"));
            snprintf(ri->end_reason, sizeof ri->end_reason, "%s", r ? r : "?");
        }
        json_decref(e);
    }
    free(line);
    fclose(f);
}

/* A service run in which the candidate never reached its dispatcher, by a program whose imports are an
 * EXE COM server's (CoRegisterClassObject, no StartServiceCtrlDispatcher): the shape was likely wrong.
 * Decided by the imports alone, never by the program's name. */
static const char *info_hint(const struct run_info *ri, const char *candidate)
{
    if (strcmp(ri->shape, "service") || ri->dispatcher || !candidate)
        return NULL;
    if (hr_pe_imports(candidate, "CoRegisterClassObject") == 1 &&
        hr_pe_imports(candidate, "StartServiceCtrlDispatcherW") == 0 &&
        hr_pe_imports(candidate, "StartServiceCtrlDispatcherA") == 0)
        return "the candidate never connected to the service control dispatcher, and it imports "
               "CoRegisterClassObject but not StartServiceCtrlDispatcher: it looks like an EXE COM server; "
               "try --shape embedding";
    return NULL;
}

char *cli_annotate(const char *verdicts, const struct rp_meta *m, int *run_error)
{
    json_t *v = json_loads(verdicts, 0, NULL), *runs = json_object_get(v, "runs");
    char *out;
    size_t i;

    *run_error = 0;
    if (!json_is_array(runs)) {
        json_decref(v);
        return strdup(verdicts);
    }
    for (i = 0; i < m->nruns; i++) {
        json_t *run = json_array_get(runs, i);
        struct run_info ri;
        const char *hint;

        if (!json_is_object(run))
            continue;
        info_read(m->traces[i], &ri);
        if (!strcmp(ri.end_reason, "error")) {
            *run_error = 1;
            json_object_set_new(run, "run_error", json_string(ri.why[0] ? ri.why : "the run ended on a harness error"));
        }
        if ((hint = info_hint(&ri, m->candidate)))
            json_object_set_new(run, "hint", json_string(hint));
    }
    out = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(v);
    return out;
}

void cli_say_reasons(FILE *to, const char *verdicts, const struct rp_meta *m)
{
    json_t *v = json_loads(verdicts, 0, NULL), *run;
    const char *reason = json_string_value(json_object_get(v, "verdict_reason"));
    size_t i;

    if (reason)
        fprintf(to, "reason: %s\n", reason);
    json_array_foreach(json_object_get(v, "runs"), i, run) {
        const char *name = i < m->nruns ? m->run_names[i] : "?";
        const char *e = json_string_value(json_object_get(run, "run_error"));
        const char *r = json_string_value(json_object_get(run, "verdict_reason"));
        const char *h = json_string_value(json_object_get(run, "hint"));

        if (e)
            fprintf(to, "run %s: error: %s\n", name, e);
        else if (r && !reason)
            fprintf(to, "run %s: %s\n", name, r);
        if (h)
            fprintf(to, "hint: %s\n", h);
    }
    json_decref(v);
}

int cli_run_error(const char *trace, char *why, size_t cap)
{
    struct run_info ri;

    info_read(trace, &ri);
    if (strcmp(ri.end_reason, "error"))
        return 0;
    snprintf(why, cap, "%s", ri.why[0] ? ri.why : "the run ended on a harness error");
    return 1;
}
