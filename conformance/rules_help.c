/* rules_help.c: a rule's explanation as the public API gives it: the catalog's words, its source page and the reference's lines. */
#include "rules_help.h"
#include <stdlib.h>
#include <string.h>

static const rules_text *help_find(const char *id)
{
    size_t i;

    for (i = 0; id && i < rules_texts_count; i++)
        if (!strcmp(rules_texts[i].id, id))
            return &rules_texts[i];
    return NULL;
}

/* The first sentence of the Requires paragraph: a rule's one-line description. */
static json_t *help_summary(const char *requires)
{
    const char *p = requires;

    /* a sentence ends at ". " (or the end); "e.g. " and the like do not occur in the catalog's Requires */
    while ((p = strstr(p, ". ")) && p[2] && !(p[2] >= 'A' && p[2] <= 'Z'))
        p += 2;
    return p ? json_stringn(requires, (size_t)(p - requires + 1)) : json_string(requires);
}

struct help_buf {
    char *s;
    size_t n, cap;
    int lost;
};

static void help_put(struct help_buf *b, const char *s)
{
    size_t len = strlen(s);
    char *t;

    if (b->lost)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = (b->n + len + 1) * 2;
        if (!(t = realloc(b->s, cap))) {
            b->lost = 1;
            return;
        }
        b->s = t;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, len + 1);
    b->n += len;
}

/* The whole explanation as one Markdown text: what `svccert explain` prints, and the reports' help. */
static json_t *help_markdown(const rules_text *t, const char *source, const char *url)
{
    struct help_buf b = { 0 };
    char line[256];
    size_t i;
    json_t *out;

    help_put(&b, "**Requires:** ");
    help_put(&b, t->requires);
    help_put(&b, "\n\n**Why:** ");
    help_put(&b, t->why);
    help_put(&b, "\n\n**Common mistakes:** ");
    help_put(&b, t->mistakes);
    help_put(&b, "\n\n**In a trace:** ");
    help_put(&b, t->in_trace);
    help_put(&b, "\n\n**Source:** [");
    help_put(&b, source ? source : "");
    help_put(&b, "](");
    help_put(&b, url ? url : "");
    help_put(&b, ")\n");
    if (t->n_places)
        help_put(&b, "\n**In the reference** (svcref):\n");
    for (i = 0; i < t->n_places; i++) {
        snprintf(line, sizeof line, "\n`%s`, lines %d–%d:\n\n```c\n", t->places[i].file, t->places[i].first,
                 t->places[i].last);
        help_put(&b, line);
        help_put(&b, t->places[i].text);
        help_put(&b, "```\n");
    }
    out = b.lost ? NULL : json_string(b.s);
    free(b.s);
    return out;
}

static int help_set(json_t *o, const char *key, json_t *v)
{
    return v ? json_object_set_new(o, key, v) : -1;
}

int rules_help_add(json_t *rule)
{
    const rules_text *t = help_find(json_string_value(json_object_get(rule, "id")));
    json_t *refs;
    size_t i;

    if (!t)
        return 0;   /* a rule without a catalog section: the build's check (gen-rule-help) refuses that */
    if (!(refs = json_array()))
        return -1;
    for (i = 0; i < t->n_places; i++)
        if (json_array_append_new(refs, json_pack("{s:s, s:i, s:i, s:s}", "file", t->places[i].file, "first",
                                                  t->places[i].first, "last", t->places[i].last, "text",
                                                  t->places[i].text))) {
            json_decref(refs);
            return -1;
        }
    if (help_set(rule, "reference", refs) || help_set(rule, "summary", help_summary(t->requires)) ||
        help_set(rule, "requires", json_string(t->requires)) || help_set(rule, "why", json_string(t->why)) ||
        help_set(rule, "mistakes", json_string(t->mistakes)) || help_set(rule, "in_trace", json_string(t->in_trace)))
        return -1;
    return help_set(rule, "help", help_markdown(t, json_string_value(json_object_get(rule, "source")),
                                                json_string_value(json_object_get(rule, "url"))));
}
