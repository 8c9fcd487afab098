/* One rule's verdict under construction: its kind, the sentence for the author, the evidence. */
#ifndef SC_VERDICT_H
#define SC_VERDICT_H

#include "trace.h"

#include <jansson.h>

/* Ordered so that a larger value is a worse outcome for the candidate (n/a aside). */
enum { VERDICT_NA, VERDICT_PASS, VERDICT_WARN, VERDICT_ERROR, VERDICT_FAIL };

#define VERDICT_MAX_EVIDENCE 24

typedef struct verdict {
    int kind;
    int set;
    char message[1024];
    json_t *evidence;
    size_t omitted;     /* evidence entries dropped past VERDICT_MAX_EVIDENCE */
    int lost;           /* evidence could not be allocated: the verdict may not be given as if complete */
} verdict;

void verdict_init(verdict *v);
void verdict_free(verdict *v);
const char *verdict_name(int kind);
/* Drops a UTF-8 character that a cut to a buffer's size left partial at the end of s. */
void verdict_trim_utf8(char *s);
/* Sets the verdict and its message. */
void verdict_say(verdict *v, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sets the verdict and message only when kind is worse than what is set: the worst finding speaks. */
void verdict_raise(verdict *v, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Adds {"seq","t","pid","tid","ev"} and the named fields of e (a NULL-ended list); returns the
 * object to add more to, or NULL when the evidence is full. */
json_t *verdict_event(verdict *v, const trace_ev *e, ...) __attribute__((sentinel));
/* Adds {"measured_ms","threshold_ms","margin_ms","from_seq","to_seq","what"}; margin < 0 is a miss. */
json_t *verdict_timing(verdict *v, const char *what, double measured, double threshold, const trace_ev *from,
                       const trace_ev *to);
/* Adds an empty evidence object for facts that are no single event (NULL when the evidence is full). */
json_t *verdict_fact(verdict *v);
/* Adds a "note" to an evidence object (NULL-safe). */
void verdict_note(json_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Milliseconds as JSON: whole ones as integers, the rest rounded to the microsecond. */
json_t *verdict_ms(double ms);
/* measured <= threshold, forgiving the float noise of fractional tick times */
int verdict_within(double measured, double threshold);

#endif
