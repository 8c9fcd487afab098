/* summary.h: the verdicts as people read them on a terminal, from the engine's (annotated) result. */
#ifndef SVCCERT_SUMMARY_H
#define SVCCERT_SUMMARY_H

#include "report.h"
#include <stdio.h>

enum rp_detail { RP_NORMAL, RP_QUIET, RP_VERBOSE };

/* How the summary looks on its stream: colour only on a terminal (and never under NO_COLOR); a rule's
 * sentence cut to the terminal's width, or to RP_SENTENCE characters in a file or a pipe. */
#define RP_SENTENCE 100
struct rp_look {
    enum rp_detail detail;
    int colour;
    int width;          /* the terminal's columns; 0 for a file or a pipe */
};
void rp_look_for(struct rp_look *look, FILE *to, enum rp_detail detail);

/* RP_QUIET: the verdict line only. RP_NORMAL: one line per rule (the worst run's first sentence), the
 * n/a rules in one line, then the verdict line. RP_VERBOSE: every run's message and the evidence. */
void rp_summary(FILE *to, const char *verdicts_json, const struct rp_meta *m, const struct rp_look *look);

#endif
