/* plan.c: which runs `svccert check` makes: one per shape of a candidate, or the reference's from ref/RUNS. */
#define _GNU_SOURCE
#include "cli.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_FIELDS 8

static struct hr_pool_run *plan_add(struct cli_plan *p, const struct hr_run *base, const char *name, const char *shape)
{
    struct hr_pool_run *r;

    if (p->n == HR_MAX_RUNS)
        return NULL;
    r = &p->runs[p->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->run = *base;
    r->run.shape = shape;
    return r;
}

/* The manifest: SVCCERT_REF_RUNS, or ref/RUNS in the tree the binary was built in, or the installed copy. */
static void plan_manifest_path(char *out, size_t cap)
{
    const char *env = getenv("SVCCERT_REF_RUNS");

    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return;
    }
    hr_beside_self("../ref/RUNS", "share/svccert/RUNS", out, cap);
}

static char *plan_trim(char *s)
{
    char *e;

    s += strspn(s, " \t");
    e = s + strlen(s);
    while (e > s && strchr(" \t\r\n", e[-1]))
        *--e = 0;
    return s;
}

/* Splits a field into words in place, appending them to v; -1 when more than HR_MAX_ARGS. */
static int plan_words(char *field, const char **v, int *n)
{
    char *save = NULL, *w;

    for (w = strtok_r(field, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (*n >= HR_MAX_ARGS)
            return -1;
        v[(*n)++] = w;
    }
    return 0;
}

static int plan_has_tag(char *tags, const char *want, const char **bad)
{
    char *save = NULL, *t;
    int found = 0;

    for (t = strtok_r(tags, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        t = plan_trim(t);
        if (strcmp(t, "check") && strcmp(t, "e2e") && strcmp(t, "lifecycle"))
            *bad = t;
        found |= !strcmp(t, want);
    }
    return found;
}

/* ServiceMain's arguments of a check run: the manifest's words stand in for, follow, or replace the user's. */
static int plan_start_args(struct hr_run *r, char *field)
{
    char *w = field + strspn(field, " \t");

    if (*w == '=' && (w[1] == ' ' || w[1] == '\t' || !w[1])) {
        r->n_args = 0;
        return plan_words(w + 1, r->args, &r->n_args);
    }
    if (*w == '+' && (w[1] == ' ' || w[1] == '\t' || !w[1]))
        return plan_words(w + 1, r->args, &r->n_args);
    return r->n_args ? 0 : plan_words(w, r->args, &r->n_args);
}

static int plan_options(struct hr_run *r, char *field, const char **bad)
{
    char *save = NULL, *w;

    for (w = strtok_r(field, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (!strcmp(w, "--activate"))
            r->activate = 1;
        else if (!strcmp(w, "--no-pause"))
            r->no_pause = 1;
        else if (!strcmp(w, "--no-stop"))
            r->no_stop = 1;
        else
            *bad = w;
    }
    return *bad ? -1 : 0;
}

/* One line of the manifest; a line not tagged `check` is checked for its form and then skipped. */
static int plan_line(struct cli_plan *p, const struct hr_run *base, char *line, char *err, size_t errlen)
{
    char *f[PLAN_FIELDS], *x, *text = p->n < HR_MAX_RUNS ? p->text[p->n] : NULL;
    const char *bad = NULL, *shape;
    struct hr_pool_run *r;
    int n = 0, i;

    if (text) {
        snprintf(text, sizeof p->text[0], "%s", line);
        line = text;
    }
    for (x = line; x; n++) {
        char *bar = strchr(x, '|');
        if (bar)
            *bar++ = 0;
        if (n < PLAN_FIELDS)
            f[n] = plan_trim(x);
        x = bar;
    }
    if (n != PLAN_FIELDS) {
        snprintf(err, errlen, "expected %d fields separated by '|', found %d", PLAN_FIELDS, n);
        return -1;
    }
    if (!*f[0] || strspn(f[0], "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(f[0]) ||
        strlen(f[0]) >= sizeof p->runs[0].name) {
        snprintf(err, errlen, "bad run name '%s' (letters, digits, '_' and '-', %zu at most)", f[0],
                 sizeof p->runs[0].name - 1);
        return -1;
    }
    shape = *f[2] ? hr_shape(f[2]) : "service";
    if (!shape) {
        snprintf(err, errlen, "unknown shape '%s' (%s)", f[2], HR_SHAPES);
        return -1;
    }
    if (!plan_has_tag(f[1], "check", &bad) || bad) {
        if (bad || !*f[1])
            snprintf(err, errlen, "bad tag '%s' (check, e2e or lifecycle)", bad ? bad : "");
        return bad || !*f[1] ? -1 : 0;
    }
    for (i = 0; i < p->n; i++)
        if (!strcmp(p->runs[i].name, f[0])) {
            snprintf(err, errlen, "a second check run named '%s'", f[0]);
            return -1;
        }
    if (!text || !(r = plan_add(p, base, f[0], shape))) {
        snprintf(err, errlen, "more than %d check runs", HR_MAX_RUNS);
        return -1;
    }
    if (*f[3])
        r->run.register_cmd = f[3];
    if (plan_words(f[4], r->run.image_args, &r->run.n_image_args) || plan_start_args(&r->run, f[5])) {
        snprintf(err, errlen, "the '%s' run would have more than %d image or start arguments", f[0], HR_MAX_ARGS);
        return -1;
    }
    if (plan_options(&r->run, f[6], &bad)) {
        snprintf(err, errlen, "unknown option '%s' (--activate, --no-pause or --no-stop)", bad);
        return -1;
    }
    return 0;
}

/* The reference is run in every shape it has, so that each rule meets the situation it is about; which
 * runs those are, and why, is the manifest's to say (tests read the same file). */
static int plan_reference(struct cli_plan *p, const struct hr_run *base, char *err, size_t errlen)
{
    char path[4200], *line = NULL, reason[256];
    size_t cap = 0;
    int lineno = 0, rc = 0;
    FILE *f;

    plan_manifest_path(path, sizeof path);
    if (!(f = fopen(path, "r"))) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (!rc && getline(&line, &cap, f) > 0) {
        lineno++;
        if (!*plan_trim(line) || *plan_trim(line) == '#')
            continue;
        if (strlen(line) >= sizeof p->text[0]) {
            snprintf(reason, sizeof reason, "line longer than %zu characters", sizeof p->text[0] - 1);
            rc = -1;
        } else {
            rc = plan_line(p, base, line, reason, sizeof reason);
        }
        if (rc)
            snprintf(err, errlen, "%s:%d: %s", path, lineno, reason);
    }
    if (!rc && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -1;
    }
    if (!rc && !p->n) {
        snprintf(err, errlen, "%s: no run tagged check", path);
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

int cli_plan_make(struct cli_plan *p, const struct hr_run *base, int reference, char *err, size_t errlen)
{
    char shapes[256], *save = NULL, *s;

    memset(p, 0, sizeof *p);
    if (reference && !base->shape)
        return plan_reference(p, base, err, errlen);
    snprintf(shapes, sizeof shapes, "%s", base->shape ? base->shape : "service");
    for (s = strtok_r(shapes, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        const char *shape = hr_shape(s);
        int i;

        if (!shape) {
            snprintf(err, errlen, "unknown shape '%s' (%s)", s, HR_SHAPES);
            return -1;
        }
        for (i = 0; i < p->n; i++)
            if (!strcmp(p->runs[i].name, shape))
                shape = NULL;
        if (shape && !plan_add(p, base, shape, shape)) {
            snprintf(err, errlen, "too many shapes");
            return -1;
        }
    }
    if (!p->n) {
        snprintf(err, errlen, "no shape given (%s)", HR_SHAPES);
        return -1;
    }
    return 0;
}
