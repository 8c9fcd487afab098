/* hp_parse_files: the path-based entry point that ctypes callers use. */
#include <errno.h>
#include <string.h>

#include "parse.h"

int hp_parse_files(const char *in_path, const char *out_path, const char *header_json,
                   unsigned cand_pid, const char *service_name, char *err, size_t errlen)
{
    struct hp_opts o = {header_json, cand_pid, service_name, NULL};
    FILE *in, *out;
    int rc;

    if (!in_path || !out_path) {
        if (err && errlen) snprintf(err, errlen, "no input or no output path");
        return -1;
    }
    in = strcmp(in_path, "-") ? fopen(in_path, "r") : stdin;
    if (!in) {
        if (err && errlen) snprintf(err, errlen, "cannot open %s: %s", in_path, strerror(errno));
        return -1;
    }
    out = strcmp(out_path, "-") ? fopen(out_path, "w") : stdout;
    if (!out) {
        if (err && errlen) snprintf(err, errlen, "cannot create %s: %s", out_path, strerror(errno));
        if (in != stdin) fclose(in);
        return -1;
    }
    rc = hp_parse(in, out, &o, err, errlen);
    if (in != stdin) fclose(in);
    if (out != stdout) {
        if (fclose(out) && !rc) {
            if (err && errlen) snprintf(err, errlen, "cannot write %s: %s", out_path, strerror(errno));
            rc = -1;
        }
    } else if (fflush(out) && !rc) {
        if (err && errlen) snprintf(err, errlen, "cannot write the trace: %s", strerror(errno));
        rc = -1;
    }
    return rc;
}
