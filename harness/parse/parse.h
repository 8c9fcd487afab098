/* The parser that turns Wine's raw debug log into an svccert trace (docs/trace-format.md). */
#ifndef SVCCERT_HARNESS_PARSE_H
#define SVCCERT_HARNESS_PARSE_H

#include <stddef.h>
#include <stdio.h>

/* The library is built with hidden visibility: these two are all it exports. */
#define HP_API __attribute__((visibility("default")))

struct hp_opts {
    const char *header_json;   /* the header object as JSON text (without ev/seq/t; the parser adds ev="header", seq=0, t=0, pid=0, tid=0); NULL = minimal header */
    unsigned cand_pid;         /* 0 = find it as described */
    const char *service_name;  /* may be NULL */
    const char *end_reason;    /* "complete" if NULL */
};

/* Reads raw Wine log `in` (plain, or gzip-compressed as a run keeps it), writes trace JSON Lines to `out`. Returns 0, or -1 with a one-line reason in err. Never crashes on garbage. */
HP_API int hp_parse(FILE *in, FILE *out, const struct hp_opts *o, char *err, size_t errlen);

/* The same for ctypes callers: paths instead of streams ("-" = stdin/stdout), end reason "complete".
   header_json and service_name may be NULL, cand_pid 0. On -1 the output file may hold a partial trace. */
HP_API int hp_parse_files(const char *in_path, const char *out_path, const char *header_json,
                          unsigned cand_pid, const char *service_name, char *err, size_t errlen);

#endif
