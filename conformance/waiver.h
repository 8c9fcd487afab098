/* The config's waivers (per-rule policy after judging): checked when the config is read, applied by sc_waive. */
#ifndef SC_WAIVER_H
#define SC_WAIVER_H

#include <jansson.h>
#include <stddef.h>

/* 0 when `waivers` (the config's "waivers" value) is an array of well-formed waivers naming known rules;
 * else -1 with one line in err. */
int waiver_check(const json_t *waivers, char *err, size_t errlen);
/* 1 for a calendar date written YYYY-MM-DD. */
int waiver_is_date(const char *s);
/* 1 for a SHA-256 written as 64 hex digits (either case). */
int waiver_is_sha256(const char *s);
/* The day expiry is judged against: `given`, else $SVCCERT_TODAY, else today's UTC date; -1 with err when
 * the one given is no date. */
int waiver_today(const char *given, char day[11], char *err, size_t errlen);

#endif
