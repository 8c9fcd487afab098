/* html_escape.h: writes untrusted text (a candidate's strings, trace fields) into HTML and SVG as text only. */
#ifndef SVCCERT_HTML_ESCAPE_H
#define SVCCERT_HTML_ESCAPE_H

#include <stdio.h>
#include <stddef.h>

/* Writes at most max bytes of s (0: all), cut at a character's start, with "…" when cut; markup
 * characters become entities, control characters and bytes that are not UTF-8 U+FFFD, so the text is
 * safe in an element or a quoted attribute and the page stays valid UTF-8. NULL writes nothing. */
void rp_esc(FILE *f, const char *s, size_t max);
/* The same for a time in ms, written as "12.5 ms" or "3.210 s". */
void rp_ms(FILE *f, double ms);

#endif
