/* The ordered output queue: events wait here until every earlier event is complete. */
#include <stdlib.h>

#include "parse_line.h"
#include "parse_out.h"
#include "parse_text.h"

json_t *hp_ev_obj(const char *ev, long long seq, double t, int t_est, unsigned pid, unsigned tid,
                  int raw)
{
    json_t *o = json_object();

    if (!o) return NULL;
    /* jansson keeps insertion order, so the common fields lead every line */
    if (json_object_set_new(o, "ev", json_string(ev)) ||
        json_object_set_new(o, "seq", json_integer(seq)) ||
        json_object_set_new(o, "t", json_real(t)) ||
        json_object_set_new(o, "pid", json_integer(pid)) ||
        json_object_set_new(o, "tid", json_integer(tid)) ||
        (t_est && json_object_set_new(o, "t_est", json_true())) ||
        (raw && json_object_set_new(o, "raw", json_integer(seq)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

void hp_set(struct hp_out *o, json_t *obj, const char *key, json_t *v)
{
    if (!obj || !v || json_object_set_new(obj, key, v)) {
        if (!obj) json_decref(v);
        o->failed = 1;
    }
}

json_t *hp_jhex(const char *s, size_t n)
{
    unsigned long long v;
    char buf[24];

    if (!hp_parse_hex(s, n, &v)) return hp_jstr(s, n);
    snprintf(buf, sizeof(buf), "0x%llx", v);
    return json_string(buf);
}

struct hp_ev *hp_out_add(struct hp_out *o, json_t *obj, long long seq, enum hp_ev_state st)
{
    struct hp_ev *e, *pos;

    if (!obj) {
        o->failed = 1;
        return NULL;
    }
    if (!(e = calloc(1, sizeof(*e)))) {
        json_decref(obj);
        o->failed = 1;
        return NULL;
    }
    e->obj = obj;
    e->seq = seq;
    e->state = st;
    /* events are produced in line order; the walk keeps the file ordered if one ever is not */
    for (pos = o->tail; pos && pos->seq > seq; pos = pos->prev)
        ;
    e->prev = pos;
    e->next = pos ? pos->next : o->head;
    if (e->next) e->next->prev = e;
    else o->tail = e;
    if (pos) pos->next = e;
    else o->head = e;
    o->queued++;
    return e;
}

static void hp_out_unlink(struct hp_out *o, struct hp_ev *e)
{
    if (e->prev) e->prev->next = e->next;
    else o->head = e->next;
    if (e->next) e->next->prev = e->prev;
    else o->tail = e->prev;
    json_decref(e->obj);
    free(e);
    o->queued--;
}

void hp_out_drop(struct hp_out *o, struct hp_ev *e)
{
    size_t i;

    if (!e) return;
    /* freed at once, so a long wait at the head does not hoard every poll behind it */
    for (i = o->nbounds; e->holds && i-- > 0;) {
        if (o->bounds[i].ev != e) continue;
        o->bounds[i] = o->bounds[--o->nbounds];
        e->holds--;
    }
    hp_out_unlink(o, e);
}

void hp_out_write(struct hp_out *o, json_t *obj)
{
    if (!obj) {
        o->failed = 1;
        return;
    }
    if (json_dumpf(obj, o->f, JSON_COMPACT | JSON_REAL_PRECISION(15)) || fputc('\n', o->f) == EOF)
        o->failed = 1;
    o->written++;
}

void hp_out_bound(struct hp_out *o, struct hp_ev *e, const char *key)
{
    if (!e) return;
    if (o->nbounds == o->capbounds) {
        size_t cap = o->capbounds ? o->capbounds * 2 : 16;
        struct hp_bound *b = realloc(o->bounds, cap * sizeof(*b));

        if (!b) {
            o->failed = 1;
            return;
        }
        o->bounds = b;
        o->capbounds = cap;
    }
    o->bounds[o->nbounds].ev = e;
    o->bounds[o->nbounds].key = key;
    o->nbounds++;
    e->holds++;
}

void hp_out_resolve(struct hp_out *o, double t, int have)
{
    size_t i;

    for (i = 0; i < o->nbounds; i++) {
        struct hp_ev *e = o->bounds[i].ev;

        hp_set(o, e->obj, o->bounds[i].key, have ? json_real(t) : json_null());
        e->holds--;
    }
    o->nbounds = 0;
}

void hp_out_flush(struct hp_out *o)
{
    struct hp_ev *e;

    while ((e = o->head) && e->state != HP_EV_PENDING && !e->holds) {
        hp_out_write(o, e->obj);
        hp_out_unlink(o, e);
    }
}

void hp_out_drain(struct hp_out *o)
{
    struct hp_ev *e;

    hp_out_resolve(o, 0, 0);
    for (e = o->head; e; e = e->next)
        if (e->state == HP_EV_PENDING) e->state = HP_EV_READY;
    hp_out_flush(o);
}

void hp_out_free(struct hp_out *o)
{
    struct hp_ev *e;

    while ((e = o->head)) {
        o->head = e->next;
        json_decref(e->obj);
        free(e);
    }
    o->tail = NULL;
    o->queued = 0;
    free(o->bounds);
    o->bounds = NULL;
    o->nbounds = o->capbounds = 0;
}
