/* report.h: turns the rule engine's verdicts into report.json and the summary people read. */
#ifndef SVCCERT_REPORT_H
#define SVCCERT_REPORT_H

#include <jansson.h>
#include <stdio.h>
#include <stddef.h>

/* What was judged: a candidate's runs (one per shape), each with its trace and raw log. */
struct rp_meta {
    const char *candidate;    /* host path of the candidate, or NULL when unknown */
    const char *const *traces;     /* the judged traces, in the engine's run order */
    const char *const *raw_logs;   /* the raw Wine log beside each, or NULL */
    const char *const *run_names;  /* what each run was (service, embedding, user, ...) */
    size_t nruns;
    unsigned formats;              /* the formats to write (formats.h's mask); 0 for the default */
};

/* The report object every format is written from (what report.json holds); NULL with a one-line reason. */
json_t *rp_build(const char *verdicts_json, const struct rp_meta *m, char *err, size_t errlen);
/* Builds the report and writes the formats m->formats names into DIR; returns 0, or -1 with a one-line reason. */
int rp_write(const char *dir, const char *verdicts_json, const struct rp_meta *m, char *err, size_t errlen);
/* What the engine's result comes to: a rule failed (fail; warn under strict) outweighs a rule that could
 * not be judged (error); an unreadable result is unjudged. */
enum rp_outcome { RP_PASSED, RP_FAILED, RP_UNJUDGED };
enum rp_outcome rp_outcome(const char *verdicts_json);
/* svccert's version (VERSION, with the commit when built from a git work tree). */
const char *rp_version(void);
/* The Wine version the runs ran under, as their traces' headers record it (read from the machine when the
 * run was made); 0, or -1 when no trace says. */
int rp_wine_version(const struct rp_meta *m, char *out, size_t cap);
/* The file's SHA-256 in hex; -1 with a reason when it cannot be read whole (never a hash of a part). */
int rp_sha256_file(const char *path, char hex[65], char *err, size_t errlen);

#endif
