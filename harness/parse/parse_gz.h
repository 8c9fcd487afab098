/* Reading a raw log kept compressed (gzip, as the runner keeps it) with the same code that reads a plain one. */
#ifndef SVCCERT_HARNESS_PARSE_GZ_H
#define SVCCERT_HARNESS_PARSE_GZ_H

#include <stdio.h>

/* `in` itself for a plain log; for a gzip one (or a plain one starting with byte 0x1f) a stream of its text, to be
 * fclose'd by the caller (which leaves `in` open). NULL with *err set when none can be made. A read error on the
 * returned stream (ferror, with errno from the failed read) means the log could not be read whole. */
FILE *hp_gz_open(FILE *in, int *err);
/* Why a log could not be read, for an errno a read of the stream above left. */
const char *hp_gz_strerror(int err);

#endif
