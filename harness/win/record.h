/* record.h: how the harness's Windows helpers write their records into Wine's debug log. */
#ifndef SVCCERT_RECORD_H
#define SVCCERT_RECORD_H

#include <windows.h>

/* Starts the clock the records' elapsed times and stdout stamps are taken from. */
void rec_init(const char *prefix);
double rec_ms_since(const LARGE_INTEGER *from);
/* Percent-encodes a string value (or "-" for NULL) so that a record stays one line of words. */
void rec_enc(char *out, size_t cap, const wchar_t *s);
/* One record "<prefix> <fmt...>": to the debug log and, stamped, to stdout. */
void rec_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
