/* waivers.h: how the terminal summary shows the waivers the engine applied or refused. */
#ifndef SVCCERT_WAIVERS_H
#define SVCCERT_WAIVERS_H

#include <jansson.h>
#include <stdio.h>

/* "(waived: downgrade, was fail: REASON) " before a waived rule's message; nothing for any other rule. */
void rp_waiver_tag(FILE *to, const json_t *rule);
/* One line for each waiver of the config that was not applied, with why. */
void rp_waiver_lines(FILE *to, const json_t *verdicts);
/* "; N waived" for the verdict line when any rule's verdict is a waiver's. */
void rp_waiver_count(FILE *to, const json_t *verdicts);

#endif
