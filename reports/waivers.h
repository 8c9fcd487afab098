/* waivers.h: how the terminal summary shows the waivers the engine refused, and how many it applied
 * (summary.c tags each waived rule's own line). */
#ifndef SVCCERT_WAIVERS_H
#define SVCCERT_WAIVERS_H

#include <jansson.h>
#include <stdio.h>

/* One line for each waiver of the config that was not applied, with why. */
void rp_waiver_lines(FILE *to, const json_t *verdicts);
/* "; N waived" for the verdict line when any rule's verdict is a waiver's. */
void rp_waiver_count(FILE *to, const json_t *verdicts);

#endif
