/* cli.h: what the svccert subcommands share. */
#ifndef SVCCERT_CLI_H
#define SVCCERT_CLI_H

#include "../harness/harness.h"

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

int cli_parse(int argc, char **argv, struct cli_opts *o);
int cli_trace(struct cli_opts *o);
int cli_check(struct cli_opts *o);
int cli_judge(struct cli_opts *o);
int cli_rules(struct cli_opts *o);

#endif
