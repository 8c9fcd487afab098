/* timeline.h: one run's trace drawn as an inline SVG timeline for the HTML report. */
#ifndef SVCCERT_TIMELINE_H
#define SVCCERT_TIMELINE_H

#include <stdio.h>
#include <stddef.h>

/* An event a failing or warning verdict cites as evidence; `drawn` is set when the timeline marks it
 * (element id "run<R>-seq<S>"), so the report links only to marks that exist. */
struct tl_cite {
    long long seq;
    const char *rule;  /* the first rule citing it (the mark links back to the rule's row, id "rule-<id>") */
    int drawn;
};

/* Draws run RUN's trace (JSON Lines at PATH) into f: an <svg> and a paragraph saying what was aggregated
 * or cut. cites is sorted by seq. Returns 0, or -1 after writing a paragraph saying why nothing was drawn. */
int tl_write(FILE *f, int run, const char *path, struct tl_cite *cites, size_t ncites);

#endif
