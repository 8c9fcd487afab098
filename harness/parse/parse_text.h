/* Growing byte buffers, and Wine's escaped debug strings and percent-encoded values decoded into UTF-8. */
#ifndef SVCCERT_HARNESS_PARSE_TEXT_H
#define SVCCERT_HARNESS_PARSE_TEXT_H

#include <jansson.h>
#include <stddef.h>

struct hp_buf {
    char *p;
    size_t n, cap;
};
int hp_buf_put(struct hp_buf *b, const char *s, size_t n);
void hp_buf_free(struct hp_buf *b);

/* Decodes a Wine debugstr (A: "..." with \xNN, W: L"..." with \NNNN) at s into UTF-8.
   *end is set past the literal; *truncated when Wine cut it ("...") or the line ended inside it.
   Returns 0, or -1 when s is not a quoted string. */
int hp_dbgstr(const char *s, struct hp_buf *out, const char **end, int *truncated);
/* A JSON string from arbitrary bytes: invalid UTF-8 bytes are read as Latin-1. */
json_t *hp_jstr(const char *s, size_t n);
/* Percent-decodes %XX; other bytes pass through. */
int hp_pct_decode(const char *s, size_t n, struct hp_buf *out);

#endif
