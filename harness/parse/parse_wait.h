/* Waits of candidate threads, from the wineserver's select requests, replies and wakeups. */
#ifndef SVCCERT_HARNESS_PARSE_WAIT_H
#define SVCCERT_HARNESS_PARSE_WAIT_H

struct hp_state;
struct hp_thr;

void hp_wait_request(struct hp_state *st, struct hp_thr *t, const char *args);
void hp_wait_reply(struct hp_state *st, struct hp_thr *t, const char *status);
void hp_wait_wakeup(struct hp_state *st, struct hp_thr *t, const char *args);
/* The thread is gone or the log ended: a request without its reply is forgotten, open waits never woke. */
void hp_wait_thread_gone(struct hp_state *st, struct hp_thr *t);

#endif
