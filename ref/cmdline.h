/* cmdline.h: quoting one argument for a Windows command line (plain C, also built for the host tests).
 * Rule points: none. */
#ifndef SVCREF_CMDLINE_H
#define SVCREF_CMDLINE_H

#include <stddef.h>
#include <wchar.h>

/* Appends arg to out (which holds *len characters), after a space unless out is empty, quoted so
 * that CommandLineToArgvW and the C runtime read it back unchanged; force quotes it even when it
 * needs none (a program path, which must never be split at a space). Returns 0 when out (cap
 * characters, terminator included) is too small; out is then left as it was. */
int cmdline_append(wchar_t *out, size_t cap, size_t *len, const wchar_t *arg, int force);

#endif
