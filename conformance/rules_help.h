/* rules_help.h: each rule's explanation, generated at build time from docs/rules.md and ref/ (tools/gen-rule-help). */
#ifndef SC_RULES_HELP_H
#define SC_RULES_HELP_H

#include <jansson.h>
#include <stddef.h>

/* A place in the reference that honours a rule: lines first..last of file, as they read when it was built. */
typedef struct rules_place {
    const char *file;
    int first, last;
    const char *text;
} rules_place;

typedef struct rules_text {
    const char *id;
    const char *requires, *why, *mistakes, *in_trace;   /* the catalog's paragraphs, Markdown */
    const rules_place *places;
    size_t n_places;
} rules_text;

/* $builddir/gen/rules_help_table.c, in the order of docs/rules.md */
extern const rules_text rules_texts[];
extern const size_t rules_texts_count;

/* Adds "summary", "requires", "why", "mistakes", "in_trace", "reference" and "help" to a rule's object
 * (its "id", "source" and "url" already set); 0, or -1 when out of memory. */
int rules_help_add(json_t *rule);

#endif
