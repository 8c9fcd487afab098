/* formats.h: the report formats a check can write (json, junit, sarif, md), all from one report object. */
#ifndef SVCCERT_FORMATS_H
#define SVCCERT_FORMATS_H

#include <jansson.h>
#include <stdio.h>
#include <stddef.h>

/* What --format means when not given; a comma list of names of the table in formats.c. */
#define RP_FORMATS_DEFAULT "json,html"

/* Every writer takes the complete report (what report.json holds) and writes its one file into DIR;
 * 0, or -1 with a one-line reason. */
typedef int rp_writer(const char *dir, const json_t *report, char *err, size_t errlen);
int rp_json_write(const char *dir, const json_t *report, char *err, size_t errlen);
int rp_junit_write(const char *dir, const json_t *report, char *err, size_t errlen);
int rp_sarif_write(const char *dir, const json_t *report, char *err, size_t errlen);
int rp_md_write(const char *dir, const json_t *report, char *err, size_t errlen);

/* A comma list of format names as a mask (bit i = the table's entry i); -1 for an empty list or an
 * unknown name, which goes into bad (at most badlen bytes). */
int rp_formats_parse(const char *list, unsigned *mask, char *bad, size_t badlen);
/* Writes every format of the mask (0: the default) into DIR; the first failure stops it with its reason. */
int rp_write_formats(const char *dir, unsigned mask, const json_t *report, char *err, size_t errlen);
/* "report: DIR/FILE" for every format of the mask (0: the default), one line each. */
void rp_formats_say(FILE *to, const char *dir, unsigned mask);
/* The names the table knows, for --help and error messages ("json, junit, ..."). */
const char *rp_formats_names(void);

#endif
