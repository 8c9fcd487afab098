/* waivers.c: the waivers in the terminal summary, so that a verdict a waiver made is never read as the rule's own. */
#include "waivers.h"

void rp_waiver_lines(FILE *to, const json_t *verdicts)
{
    const json_t *w;
    size_t i;

    json_array_foreach(json_object_get(verdicts, "waivers"), i, w)
        if (json_is_string(json_object_get(w, "note")))
            fprintf(to, "waiver for %s (%s): %s\n", json_string_value(json_object_get(w, "rule")),
                    json_string_value(json_object_get(w, "status")), json_string_value(json_object_get(w, "note")));
}

void rp_waiver_count(FILE *to, const json_t *verdicts)
{
    const json_t *r;
    size_t i, n = 0;

    json_array_foreach(json_object_get(verdicts, "rules"), i, r)
        n += json_is_object(json_object_get(r, "waiver"));
    if (n)
        fprintf(to, "; %zu waived", n);
}
