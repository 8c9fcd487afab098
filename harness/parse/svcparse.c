/* svcparse: the command-line front end of the raw-log parser. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static int hp_usage(void)
{
    fprintf(stderr, "usage: svcparse RAW.log -o TRACE.jsonl [--pid N] [--service NAME] "
                    "[--header JSON|@FILE] [--end-reason REASON]\n"
                    "  RAW.log may be gzip-compressed (a run's TRACE.raw.log.gz);\n"
                    "  RAW.log or TRACE.jsonl may be - for stdin or stdout\n");
    return 2;
}

/* --header @file reads the JSON from a file, for headers too long for a command line. */
static char *hp_read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t n = 0, cap = 0, got;

    if (!f) return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *p;

            cap = cap ? cap * 2 : 8192;
            if (!(p = realloc(buf, cap))) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got < 4096) break;
    }
    buf[n] = 0;
    if (ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    const char *in_path = NULL, *out_path = NULL, *header = NULL;
    struct hp_opts o = {0};
    char err[512], *hbuf = NULL, *end;
    FILE *in, *out;
    unsigned long pid;
    int i, rc;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            hp_usage();
            return 0;
        } else if (!strcmp(a, "-o") && i + 1 < argc) {
            out_path = argv[++i];
        } else if (!strcmp(a, "--pid") && i + 1 < argc) {
            errno = 0;
            pid = strtoul(argv[++i], &end, 0);
            if (errno || *end || pid > 0xffffffffUL) return hp_usage();
            o.cand_pid = (unsigned)pid;
        } else if (!strcmp(a, "--service") && i + 1 < argc) {
            o.service_name = argv[++i];
        } else if (!strcmp(a, "--header") && i + 1 < argc) {
            header = argv[++i];
        } else if (!strcmp(a, "--end-reason") && i + 1 < argc) {
            o.end_reason = argv[++i];
        } else if ((a[0] != '-' || !strcmp(a, "-")) && !in_path) {
            in_path = a;
        } else {
            return hp_usage();
        }
    }
    if (!in_path || !out_path) return hp_usage();
    if (header && header[0] == '@') {
        if (!(hbuf = hp_read_all(header + 1))) {
            fprintf(stderr, "svcparse: cannot read %s: %s\n", header + 1, strerror(errno));
            return 1;
        }
        header = hbuf;
    }
    o.header_json = header;
    in = strcmp(in_path, "-") ? fopen(in_path, "r") : stdin;
    if (!in) {
        fprintf(stderr, "svcparse: cannot open %s: %s\n", in_path, strerror(errno));
        free(hbuf);
        return 1;
    }
    out = strcmp(out_path, "-") ? fopen(out_path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "svcparse: cannot create %s: %s\n", out_path, strerror(errno));
        free(hbuf);
        return 1;
    }
    rc = hp_parse(in, out, &o, err, sizeof(err));
    if (in != stdin) fclose(in);
    if (fclose(out) && !rc) {
        snprintf(err, sizeof(err), "cannot write %s: %s", out_path, strerror(errno));
        rc = -1;
    }
    free(hbuf);
    if (rc) {
        fprintf(stderr, "svcparse: %s\n", err);
        return 1;
    }
    return 0;
}
