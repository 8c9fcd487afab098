/* What the public API's entry points share: one loaded trace judged into a result, and the run's verdict. */
#ifndef SC_ENGINE_H
#define SC_ENGINE_H

#include "config.h"
#include "trace.h"
#include "verdict.h"

#include <jansson.h>
#include <stddef.h>

/* Per-verdict counts, indexed by VERDICT_*. */
typedef struct engine_counts {
    size_t n[VERDICT_FAIL + 1];
} engine_counts;

void engine_set_err(char *err, size_t errlen, const char *msg);
int engine_put(json_t *o, const char *key, json_t *value);
/* sc_judge_file's result object for one loaded trace (the trace stays the caller's), or NULL when memory ran out;
 * counts filled when not NULL. */
json_t *engine_result(const trace *tr, const config *cfg, engine_counts *counts);
/* {"pass":n,"fail":n,"warn":n,"n/a":n,"error":n} */
json_t *engine_counts_json(const engine_counts *c);
/* docs/rules.md: a run in which no rule judged anything (no pass, fail or warn: `nothing`) is an error of the run;
 * else it fails when any rule is fail or error, and, under strict, warn. */
int engine_judged_nothing(const engine_counts *c);
const char *engine_overall(const engine_counts *c, int strict, int nothing);
/* The one line (the result's verdict_reason) saying why a run in which no rule judged anything cannot pass. */
void engine_nothing_reason(const trace *tr, char *buf, size_t len);
/* The result as text, or NULL with err set; takes root (NULL: building it ran out of memory). */
char *engine_dump(json_t *root, char *err, size_t errlen);

#endif
