/* cli.h: what the svccert subcommands share. */
#ifndef SVCCERT_CLI_H
#define SVCCERT_CLI_H

#include "../harness/run/harness.h"
#include "../reports/report.h"
#include "../reports/summary.h"
#include <stdio.h>

struct cli_opts {
    struct hr_run run;
    const char *trace_out;   /* trace: -o */
    const char *out_dir;     /* check, judge: --out */
    const char *config;      /* check, judge: --config */
    unsigned formats;        /* check, judge: --format (reports/formats.h's mask); 0 for the default */
    int strict;
    enum rp_detail detail;   /* check, judge: --quiet, --verbose */
    int watch_given;         /* --watch-ms was given: check leaves the watch alone */
    int help;
    char **positional;
    int n_positional;
};

/* The runs of a check: one per shape of a candidate, or the reference's from its manifest (ref/RUNS). */
struct cli_plan {
    struct hr_pool_run runs[HR_MAX_RUNS];
    char text[HR_MAX_RUNS][1024];   /* the manifest lines that the reference's runs point into */
    int n;
};

/* plan.c: fills the plan; -1 with a one-line reason for a bad --shape or a bad manifest line. */
int cli_plan_make(struct cli_plan *p, const struct hr_run *base, int reference, char *err, size_t errlen);

/* Exit statuses (LTP's TFAIL and TBROK apart): a rule failed is not the same as a rule not judged. */
enum { CLI_PASS = 0, CLI_FAIL = 1, CLI_USAGE = HR_BAD_INPUT, CLI_BROKEN = HR_HARNESS_ERROR };

/* runinfo.c: the engine's result with each run's harness error (`run_error`) and `hint` added (malloc'd);
 * *run_error is set when some run ended on a harness error. */
char *cli_annotate(const char *verdicts, const struct rp_meta *m, int *run_error);
/* One line for the engine's reason, each run's harness error, each hint. */
void cli_say_reasons(FILE *to, const char *verdicts, const struct rp_meta *m);
/* 1 with the one-line reason when the trace's run ended on a harness error. */
int cli_run_error(const char *trace, char *why, size_t cap);

int cli_parse(int argc, char **argv, struct cli_opts *o);
int cli_trace(struct cli_opts *o);
int cli_check(struct cli_opts *o);
int cli_judge(struct cli_opts *o);
int cli_rules(struct cli_opts *o);
int cli_explain(struct cli_opts *o);
int cli_prefix(struct cli_opts *o);
int cli_sandbox(struct cli_opts *o);

#endif
