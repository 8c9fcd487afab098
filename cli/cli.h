/* cli.h: what the svccert subcommands share. */
#ifndef SVCCERT_CLI_H
#define SVCCERT_CLI_H

#include "../harness/run/harness.h"

struct cli_opts {
    struct hr_run run;
    const char *trace_out;   /* trace: -o */
    const char *out_dir;     /* check, judge: --out */
    const char *config;      /* check, judge: --config */
    int strict;
    int help;
    char **positional;
    int n_positional;
};

/* One run of a check: a shape of the candidate, its trace and the harness's exit status. */
#define CLI_MAX_RUNS 8
struct cli_run {
    char name[32];
    struct hr_run run;
    char trace[4200], raw[4200];
    int pid, rc;
};
struct cli_plan {
    struct cli_run runs[CLI_MAX_RUNS];
    int n;
};

/* plan.c */
int cli_plan_make(struct cli_plan *p, const struct hr_run *base, int reference, char *err, size_t errlen);
void cli_plan_run(struct cli_plan *p, const char *dir);

int cli_parse(int argc, char **argv, struct cli_opts *o);
int cli_trace(struct cli_opts *o);
int cli_check(struct cli_opts *o);
int cli_judge(struct cli_opts *o);
int cli_rules(struct cli_opts *o);
int cli_prefix(struct cli_opts *o);

#endif
