/* The ordered output queue that holds events until every earlier one is complete, and event building. */
#ifndef SVCCERT_HARNESS_PARSE_OUT_H
#define SVCCERT_HARNESS_PARSE_OUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

enum hp_ev_state { HP_EV_PENDING, HP_EV_READY };

struct hp_ev {
    json_t *obj;
    long long seq;
    enum hp_ev_state state;
    int holds;             /* fields still waiting for the next timestamp */
    struct hp_ev *prev, *next;
};

struct hp_bound {          /* obj[key] becomes the t of the next timestamped line */
    struct hp_ev *ev;
    const char *key;
};

struct hp_out {
    FILE *f;
    struct hp_ev *head, *tail;
    long long written;     /* lines written so far, header included */
    size_t queued;
    struct hp_bound *bounds;
    size_t nbounds, capbounds;
    int failed;            /* a write or an allocation failed */
};

/* A new event object with the common fields; t_est adds "t_est": true; raw adds "raw": seq. */
json_t *hp_ev_obj(const char *ev, long long seq, double t, int t_est, unsigned pid, unsigned tid, int raw);
/* Queues obj (reference stolen) at its seq; returns the slot, NULL on failure. */
struct hp_ev *hp_out_add(struct hp_out *o, json_t *obj, long long seq, enum hp_ev_state st);
/* Holds e until the next timestamped line, whose t then goes into e[key]. */
void hp_out_bound(struct hp_out *o, struct hp_ev *e, const char *key);
/* A timestamped line arrived (have=1, its t) or the log ended (have=0: the keys become null). */
void hp_out_resolve(struct hp_out *o, double t, int have);
/* Forgets a queued event that turned out not to be one (a select that did not block). */
void hp_out_drop(struct hp_out *o, struct hp_ev *e);
/* Writes every event at the head of the queue that is no longer pending. */
void hp_out_flush(struct hp_out *o);
/* Writes one object now, outside the queue. */
void hp_out_write(struct hp_out *o, json_t *obj);
/* Marks every pending event ready and writes everything. */
void hp_out_drain(struct hp_out *o);
void hp_out_free(struct hp_out *o);

/* Sets obj[key] = v, stealing v; records an allocation failure in o. */
void hp_set(struct hp_out *o, json_t *obj, const char *key, json_t *v);
/* "0x..." lowercase from a hex string of any width. */
json_t *hp_jhex(const char *s, size_t n);

#endif
