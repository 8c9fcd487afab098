/* explain.c: `svccert explain RULE`: what a rule requires and why, its source, its common mistakes, its trace, the reference's lines. */
#include "cli.h"
#include "../conformance/svcconform.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPLAIN_WIDTH 100

/* Edit distance between two IDs, for the suggestions after a mistyped one. */
static size_t explain_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j, *row, d;

    if (la > 200 || lb > 200)
        return (size_t)-1;
    if (!(row = malloc((lb + 1) * sizeof *row)))
        return (size_t)-1;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    d = row[lb];
    free(row);
    return d;
}

/* One line: the ID is unknown, and the IDs it most likely meant (a word of it, or a few letters off). */
static void explain_unknown(json_t *rules, const char *id)
{
    const char *best[3] = { 0 };
    size_t dist[3] = { (size_t)-1, (size_t)-1, (size_t)-1 }, i, k, limit = strlen(id) / 3 > 3 ? strlen(id) / 3 : 3;
    json_t *r;

    json_array_foreach(rules, i, r) {
        const char *cand = json_string_value(json_object_get(r, "id"));
        size_t d = cand ? explain_distance(id, cand) : (size_t)-1;

        if (cand && strlen(id) >= 4 && strstr(cand, id))
            d = 1;   /* a part of the ID, as "dispatcher" or "revoke.all" */
        if (d > limit)
            continue;
        for (k = 0; k < 3 && dist[k] <= d; k++)
            ;
        if (k == 3)
            continue;
        memmove(best + k + 1, best + k, (2 - k) * sizeof best[0]);
        memmove(dist + k + 1, dist + k, (2 - k) * sizeof dist[0]);
        best[k] = cand;
        dist[k] = d;
    }
    fprintf(stderr, "svccert: unknown rule '%s'", id);
    for (k = 0; k < 3 && best[k]; k++)
        fprintf(stderr, "%s%s", k ? ", " : " (did you mean ", best[k]);
    fputs(best[0] ? "?)\n" : "; svccert rules lists every rule)\n", stderr);
}

/* A paragraph after its label, wrapped at EXPLAIN_WIDTH, continuation lines indented by two. */
static void explain_para(const char *label, const char *text)
{
    size_t col = strlen(label) + 1, n;
    const char *p = text ? text : "";

    printf("%s", label);
    while (*p) {
        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (!n)
            break;
        if (col + 1 + n > EXPLAIN_WIDTH && col > 2) {
            fputs("\n ", stdout);
            col = 1;
        }
        printf(" %.*s", (int)n, p);
        col += 1 + n;
        p += n;
    }
    fputs("\n\n", stdout);
}

static void explain_print(json_t *r)
{
    const char *s;
    json_t *place;
    size_t i;

#define F(k) json_string_value(json_object_get(r, k))
    printf("%s (%s): %s\n\n", F("id"), F("kind"), F("title"));
    explain_para("Requires:", F("requires"));
    explain_para("Why:", F("why"));
    explain_para("Common mistakes:", F("mistakes"));
    explain_para("In a trace:", F("in_trace"));
    printf("Source: %s\n  %s\n", F("source"), F("url"));
#undef F
    if (json_array_size(json_object_get(r, "reference")))
        printf("\nIn the reference (svcref), where it honours this rule:\n");
    json_array_foreach(json_object_get(r, "reference"), i, place) {
        int line = (int)json_integer_value(json_object_get(place, "first"));

        printf("\n%s, lines %d-%d:\n", json_string_value(json_object_get(place, "file")), line,
               (int)json_integer_value(json_object_get(place, "last")));
        for (s = json_string_value(json_object_get(place, "text")); s && *s; line++) {
            size_t n = strcspn(s, "\n");
            printf("%5d | %.*s\n", line, (int)n, s);
            s += n + (s[n] == '\n');
        }
    }
}

int cli_explain(struct cli_opts *o)
{
    char *text;
    json_t *rules, *r, *found = NULL;
    size_t i;

    if (o->n_positional != 1) {
        fputs("svccert: usage: svccert explain RULE (svccert rules lists every rule)\n", stderr);
        return CLI_USAGE;
    }
    text = sc_rules_json();
    rules = text ? json_loads(text, 0, NULL) : NULL;
    sc_free(text);
    if (!rules) {
        fputs("svccert: the rule table is unavailable\n", stderr);
        return CLI_BROKEN;
    }
    json_array_foreach(rules, i, r)
        if (!found && !strcmp(json_string_value(json_object_get(r, "id")), o->positional[0]))
            found = r;
    if (!found) {
        explain_unknown(rules, o->positional[0]);
        json_decref(rules);
        return CLI_USAGE;
    }
    explain_print(found);
    json_decref(rules);
    return CLI_PASS;
}
