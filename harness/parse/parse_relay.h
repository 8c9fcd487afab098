/* The candidate's relay Call/Ret lines of COM calls: the results of the com_* events and Wine's cookies. */
#ifndef SVCCERT_HARNESS_PARSE_RELAY_H
#define SVCCERT_HARNESS_PARSE_RELAY_H

#include <jansson.h>

struct hp_line;
struct hp_state;
struct hp_thr;

/* A relay line of the candidate: opens or closes a call, makes or completes its event. */
void hp_relay_line(struct hp_state *st, const struct hp_line *l);
/* The event an +ole line of the candidate made (e, stolen): it waits for the result of the relay
   call it belongs to, or is queued at once when relay does not show that call. */
void hp_relay_ole(struct hp_state *st, const struct hp_line *l, json_t *e);
/* The thread is gone or the log ended: its open calls get no result. */
void hp_relay_thread_gone(struct hp_state *st, struct hp_thr *t);

#endif
