/* trace.c: `svccert trace`, which runs a candidate and writes its trace, judging nothing; and `svccert prefix`. */
#include "cli.h"
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_trace(struct cli_opts *o)
{
    char out[4096], base[256], err[512] = "";
    int rc;

    if (o->n_positional != 1 || o->out_dir || o->config || o->strict || o->formats) {
        fputs("svccert: usage: svccert trace CANDIDATE.exe [-o TRACE.jsonl] [RUN OPTIONS]\n", stderr);
        return CLI_USAGE;
    }
    if (o->run.shape && !hr_shape(o->run.shape)) {
        fprintf(stderr, "svccert: trace takes one shape: %s (not '%s')\n", HR_SHAPES, o->run.shape);
        return CLI_USAGE;
    }
    if (o->run.reg_file && access(o->run.reg_file, R_OK)) {
        fprintf(stderr, "svccert: %s: %s\n", o->run.reg_file, strerror(errno));
        return CLI_USAGE;
    }
    o->run.candidate = o->positional[0];
    /* default: <candidate file name>.trace.jsonl in the current directory */
    hr_base_name(o->run.candidate, base, sizeof base);
    if ((size_t)(o->trace_out ? snprintf(out, sizeof out, "%s", o->trace_out)
                              : snprintf(out, sizeof out, "%s.trace.jsonl", base)) >= sizeof out) {
        fprintf(stderr, "svccert: the trace's path is too long\n");
        return CLI_USAGE;
    }
    o->run.trace_path = out;
    rc = hr_trace(&o->run, err, sizeof err);
    if (rc) {
        fprintf(stderr, "svccert: %s\n", err);
        return rc == HR_BAD_INPUT ? CLI_USAGE : CLI_BROKEN;
    }
    printf("trace: %s\n", out);
    /* a trace is written even when the run could not be made: say why, and that it is not a result */
    if (cli_run_error(out, err, sizeof err)) {
        fprintf(stderr, "svccert: the run ended on a harness error: %s\n", err);
        return CLI_BROKEN;
    }
    return CLI_PASS;
}

/* `svccert prefix`: the template every run clones, booted now rather than inside the first run, so a
 * pipeline (or the test suite) can pay the boot once, up front, and learn where it lives. */
int cli_prefix(struct cli_opts *o)
{
    char tpl[4096], err[512] = "";

    if (o->n_positional || o->out_dir || o->config || o->strict || o->trace_out) {
        fputs("svccert: usage: svccert prefix\n", stderr);
        return CLI_USAGE;
    }
    if (hr_prefix_template(tpl, sizeof tpl, err, sizeof err)) {
        fprintf(stderr, "svccert: %s\n", err);
        return CLI_BROKEN;
    }
    printf("%s\n", tpl);
    return CLI_PASS;
}

/* `svccert sandbox`: what the sandbox can do on this machine, before a run finds out. */
int cli_sandbox(struct cli_opts *o)
{
    char *text;

    if (o->n_positional || o->out_dir || o->config || o->strict || o->trace_out) {
        fputs("svccert: usage: svccert sandbox\n", stderr);
        return 2;
    }
    if (!(text = hr_sandbox_json())) {
        fputs("svccert: out of memory\n", stderr);
        return 3;
    }
    puts(text);
    free(text);
    return 0;
}
