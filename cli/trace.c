/* trace.c: `svccert trace`, which runs a candidate and writes its trace, judging nothing. */
#include "cli.h"
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Default output: <candidate file name>.trace.jsonl in the current directory. */
static void trace_default_out(const char *cand, char *out, size_t cap)
{
    const char *b = strrchr(cand, '/');
    size_t n;

    b = b ? b + 1 : cand;
    n = strlen(b);
    if (n > 4 && !strcasecmp(b + n - 4, ".exe"))
        n -= 4;
    snprintf(out, cap, "%.*s.trace.jsonl", (int)n, b);
}

int cli_trace(struct cli_opts *o)
{
    char out[4096], err[512] = "";
    int rc;

    if (o->n_positional != 1 || o->out_dir || o->config || o->strict) {
        fputs("svccert: usage: svccert trace CANDIDATE.exe [-o TRACE.jsonl] [RUN OPTIONS]\n", stderr);
        return 2;
    }
    if (o->run.shape && strcmp(o->run.shape, "service") && strcmp(o->run.shape, "embedding") &&
        strcmp(o->run.shape, "user")) {
        fprintf(stderr, "svccert: trace takes one shape: service, embedding or user (not '%s')\n", o->run.shape);
        return 2;
    }
    if (o->run.reg_file && access(o->run.reg_file, R_OK)) {
        fprintf(stderr, "svccert: %s: %s\n", o->run.reg_file, strerror(errno));
        return 2;
    }
    o->run.candidate = o->positional[0];
    if (o->trace_out)
        snprintf(out, sizeof out, "%s", o->trace_out);
    else
        trace_default_out(o->run.candidate, out, sizeof out);
    o->run.trace_path = out;
    rc = hr_trace(&o->run, err, sizeof err);
    if (rc) {
        fprintf(stderr, "svccert: %s\n", err);
        return rc == HR_BAD_INPUT ? 2 : 1;
    }
    printf("trace: %s\n", out);
    return 0;
}

/* `svccert prefix`: the template every run clones, booted now rather than inside the first run, so a
 * pipeline (or the test suite) can pay the boot once, up front, and learn where it lives. */
int cli_prefix(struct cli_opts *o)
{
    char tpl[4096], err[512] = "";

    if (o->n_positional || o->out_dir || o->config || o->strict || o->trace_out) {
        fputs("svccert: usage: svccert prefix\n", stderr);
        return 2;
    }
    if (hr_prefix_template(tpl, sizeof tpl, err, sizeof err)) {
        fprintf(stderr, "svccert: %s\n", err);
        return 1;
    }
    printf("%s\n", tpl);
    return 0;
}
