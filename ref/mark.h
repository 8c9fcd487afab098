/* mark.h: st_mark, the run-time announcement of a rule point that both halves of the reference make.
 * Rule points: none (each call names its own). */
#ifndef SVCREF_MARK_H
#define SVCREF_MARK_H

/* Printed with OutputDebugString just before the call it explains, so a trace shows which rule point
 * produced that call; defined in status.c, beside the status reports it mostly annotates. */
void st_mark(const char *rule, const char *why);

#endif
