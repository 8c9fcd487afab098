/* html.h: report.html, the report people read in a browser. */
#ifndef SVCCERT_HTML_H
#define SVCCERT_HTML_H

#include <jansson.h>
#include <stddef.h>

/* Writes DIR/report.html from the report object (what goes to report.json): one self-contained page
 * with the summary, the rules with their evidence, and a timeline per run drawn from its trace.
 * Returns 0, or -1 with a one-line reason. */
int rp_html_write(const char *dir, const json_t *report, char *err, size_t errlen);

#endif
