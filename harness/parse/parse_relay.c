/* The candidate's relay Call/Ret lines of COM calls: results for the com_* events, the calls +ole does not show, and Wine's cookies. */
#include <string.h>
#include <strings.h>

#include "parse_line.h"
#include "parse_out.h"
#include "parse_relay.h"
#include "parse_state.h"

#define HP_REGCLS_MULTIPLEUSE 0x1u
#define HP_E_INVALIDARG 0x80070057u
#define HP_CO_E_NOTINITIALIZED 0x800401F0u
#define HP_CO_E_OBJISREG 0x800401FCu  /* a duplicate class; 0x800401FB is CO_E_OBJNOTREG */
#define HP_RELAY_ARGS 12

static const struct {
    const char *name;
    enum hp_rfn fn;
} hp_relay_fns[] = {
    {"CoInitializeEx", HP_RF_INIT},
    {"CoInitializeSecurity", HP_RF_SECURITY},
    {"CoRegisterClassObject", HP_RF_REGISTER},
    {"CoResumeClassObjects", HP_RF_RESUME},
    {"CoRevokeClassObject", HP_RF_REVOKE},
};

static enum hp_rfn hp_relay_fn_named(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(hp_relay_fns) / sizeof(hp_relay_fns[0]); i++)
        if (!strcmp(hp_relay_fns[i].name, name)) return hp_relay_fns[i].fn;
    return HP_RF_NONE;
}

/* "combase.CoInitializeEx"; ole32 forwards these exports to combase, but a RelayInclude may name either. */
static enum hp_rfn hp_relay_fn(const char *func)
{
    const char *dot = strchr(func, '.');
    size_t n;

    if (!dot) return HP_RF_NONE;
    n = (size_t)(dot - func);
    if (!(n == 7 && !strncasecmp(func, "combase", 7)) && !(n == 5 && !strncasecmp(func, "ole32", 5)))
        return HP_RF_NONE;
    return hp_relay_fn_named(dot + 1);
}

/* The argument words of a Call; a string argument ("0012f000 L\"...\"") counts by its pointer.
   *bad when a word is not hex. */
static size_t hp_relay_args(const char *s, unsigned long long *a, size_t max, int *bad)
{
    size_t n = 0, k;

    *bad = 0;
    if (!*s) return 0;
    for (;;) {
        k = strspn(s, "0123456789abcdefABCDEF");
        if (n < max && (!k || !hp_parse_hex(s, k, &a[n]))) *bad = 1;
        n++;
        while (*s && *s != ',') {
            if (*s == '"') {
                for (s++; *s && *s != '"'; s++)
                    if (*s == '\\' && s[1]) s++;
                if (*s) s++;
                continue;
            }
            s++;
        }
        if (!*s) break;
        s++;
    }
    if (n > max) *bad = 1;
    return n;
}

/* Registers are 64 bits wide; a DWORD, LONG or HRESULT argument is the low half, the rest is whatever the
   register held before. */
static json_t *hp_relay_u32(unsigned long long v)
{
    return json_integer((json_int_t)(v & 0xffffffffULL));
}

static json_t *hp_relay_ptr(unsigned long long v)
{
    char b[24];

    snprintf(b, sizeof(b), "0x%llx", v);
    return json_string(b);
}

/* The event a call makes from its relay arguments alone, NULL when the arguments do not fit. */
static json_t *hp_relay_event(struct hp_state *st, const struct hp_line *l, struct hp_call *c,
                              const unsigned long long *a, size_t n)
{
    json_t *e = NULL;

    if (c->fn == HP_RF_INIT && n == 2) {
        e = hp_cand_ev(st, "com_init", l->tid);
        hp_set(&st->out, e, "model", json_string(a[1] & 0x2 ? "apartment" : "multithreaded"));
        hp_set(&st->out, e, "flags", hp_relay_u32(a[1]));
    } else if (c->fn == HP_RF_SECURITY && n == 9) {
        e = hp_cand_ev(st, "com_security", l->tid);
        hp_set(&st->out, e, "sd", hp_relay_ptr(a[0]));
        hp_set(&st->out, e, "auth_services", json_integer((json_int_t)(int)(unsigned)(a[1] & 0xffffffffULL)));
        hp_set(&st->out, e, "auth_level", hp_relay_u32(a[4]));
        hp_set(&st->out, e, "imp_level", hp_relay_u32(a[5]));
        hp_set(&st->out, e, "auth_list", hp_relay_ptr(a[6]));
        hp_set(&st->out, e, "capabilities", hp_relay_u32(a[7]));
    } else if (c->fn == HP_RF_RESUME && n == 0) {
        e = hp_cand_ev(st, "com_resume", l->tid);
    } else if (c->fn == HP_RF_REVOKE && n == 1) {
        e = hp_cand_ev(st, "com_revoke", l->tid);
        hp_set(&st->out, e, "cookie", hp_relay_u32(a[0]));
    }
    if (e) hp_set(&st->out, e, "result", json_null());
    return e;
}

/* Two registrations open at once take their numbers in an order the log does not show. */
static void hp_relay_overlap(struct hp_state *st, struct hp_call *c)
{
    size_t i;
    int j;

    for (i = 0; i < st->p->nthr; i++) {
        for (j = 0; j < st->p->thr[i].ncalls; j++) {
            struct hp_call *o = &st->p->thr[i].calls[j];

            if (o == c || o->fn != HP_RF_REGISTER) continue;
            o->overlap = 1;
            c->overlap = 1;
        }
    }
}

static void hp_relay_call(struct hp_state *st, struct hp_thr *t, const struct hp_line *l, enum hp_rfn fn)
{
    unsigned long long a[HP_RELAY_ARGS];
    size_t n;
    int bad;
    struct hp_call *c;
    json_t *e;

    if (t->ncalls == HP_CALL_DEPTH) {
        /* deeper than these calls ever nest: this one is not followed, so what it took is unknown */
        if (fn == HP_RF_REGISTER) st->p->cookies.lost = 1;
        return;
    }
    c = &t->calls[t->ncalls++];
    memset(c, 0, sizeof(*c));
    c->fn = fn;
    n = hp_relay_args(l->msg, a, HP_RELAY_ARGS, &bad);
    if (fn == HP_RF_REGISTER) {
        if (!bad && n == 5) {
            c->flags = (unsigned)(a[3] & 0xffffffffULL);
            c->known = 1;
        }
        hp_relay_overlap(st, c);
        /* no event yet: only the +ole line names the class */
        return;
    }
    if (bad) return;
    if (fn == HP_RF_REVOKE && n == 1) {
        c->cookie = (unsigned)(a[0] & 0xffffffffULL);
        c->known = 1;
    }
    /* held until the Ret (or the +ole line of the same call, which replaces it) */
    if ((e = hp_relay_event(st, l, c, a, n))) c->ev = hp_queue(st, e, HP_EV_PENDING);
}

static int hp_live_match(const struct hp_cookies *k, const char *clsid)
{
    size_t i;

    for (i = 0; i < k->nlive; i++)
        if (!clsid[0] || !k->live[i].clsid[0] || !strcasecmp(clsid, k->live[i].clsid)) return 1;
    return 0;
}

static void hp_live_drop(struct hp_cookies *k, unsigned cookie)
{
    size_t i;

    for (i = 0; i < k->nlive; i++) {
        if (!k->live[i].cookie || k->live[i].cookie != cookie) continue;
        k->live[i] = k->live[--k->nlive];
        return;
    }
}

/* What a registration's result says about Wine's counter (docs/wine-hooks.md, "Cookies"). */
static void hp_relay_cookie(struct hp_state *st, struct hp_call *c, int have, unsigned hr)
{
    struct hp_cookies *k = &st->p->cookies;
    unsigned next;

    if (k->lost) return;
    if (!have) {
        k->lost = 1;
        return;
    }
    /* refused before a number is taken */
    if (hr == HP_E_INVALIDARG || hr == HP_CO_E_NOTINITIALIZED || hr == HP_CO_E_OBJISREG) return;
    /* other failures can come after the number was taken (the local server's marshalling); a
       REGCLS_MULTIPLEUSE registration of a class the apartment already has succeeds without one */
    if (hr != 0 || !c->known || k->nlive == HP_LIVE_CLASSES ||
        ((c->flags & HP_REGCLS_MULTIPLEUSE) && (c->overlap || hp_live_match(k, c->clsid)))) {
        k->lost = 1;
        return;
    }
    /* Wine skips 0 when the counter wraps */
    next = k->last + 1 ? k->last + 1 : 1;
    k->last = next;
    snprintf(k->live[k->nlive].clsid, sizeof(k->live[0].clsid), "%s", c->clsid);
    k->live[k->nlive].cookie = c->overlap ? 0 : next;
    k->nlive++;
    if (c->overlap || !c->ev) return;
    hp_set(&st->out, c->ev->obj, "cookie", json_integer(next));
    hp_set(&st->out, c->ev->obj, "cookie_source", json_string("wine-counter"));
}

/* The call returned (have: with hr) or never will; its event is complete. */
static void hp_relay_close(struct hp_state *st, struct hp_call *c, int have, unsigned hr)
{
    if (c->fn == HP_RF_REGISTER) hp_relay_cookie(st, c, have, hr);
    else if (c->fn == HP_RF_REVOKE && have && hr == 0 && c->known) hp_live_drop(&st->p->cookies, c->cookie);
    if (!c->ev) return;
    if (have) hp_set(&st->out, c->ev->obj, "result", json_integer((json_int_t)hr));
    c->ev->state = HP_EV_READY;
    c->ev = NULL;
}

static void hp_relay_ret(struct hp_state *st, struct hp_thr *t, const struct hp_line *l, enum hp_rfn fn)
{
    int i;

    for (i = t->ncalls - 1; i >= 0 && t->calls[i].fn != fn; i--)
        ;
    if (i < 0) return;
    /* calls made inside this one that never printed their Ret were unwound */
    while (t->ncalls > i + 1) hp_relay_close(st, &t->calls[--t->ncalls], 0, 0);
    t->ncalls--;
    hp_relay_close(st, &t->calls[i], 1, (unsigned)(l->retval & 0xffffffffULL));
}

void hp_relay_line(struct hp_state *st, const struct hp_line *l)
{
    enum hp_rfn fn = hp_relay_fn(l->func);
    struct hp_thr *t = fn != HP_RF_NONE ? hp_thr_find(st, l->tid) : NULL;

    if (!t) return;
    if (l->is_ret) hp_relay_ret(st, t, l, fn);
    else hp_relay_call(st, t, l, fn);
}

void hp_relay_ole(struct hp_state *st, const struct hp_line *l, json_t *e)
{
    enum hp_rfn fn = hp_relay_fn_named(l->func);
    struct hp_thr *t = fn != HP_RF_NONE ? hp_thr_find(st, l->tid) : NULL;
    struct hp_call *c = NULL;
    json_t *v;
    int i;

    for (i = t ? t->ncalls - 1 : -1; i >= 0 && !c; i--)
        if (t->calls[i].fn == fn && !t->calls[i].ole) c = &t->calls[i];
    if (!c) {
        /* a registration whose result is not visible may have taken a number */
        if (fn == HP_RF_REGISTER) st->p->cookies.lost = 1;
        hp_queue(st, e, HP_EV_READY);
        return;
    }
    if (fn == HP_RF_INIT) hp_set(&st->out, e, "result", json_null());
    if (fn == HP_RF_REGISTER) {
        v = json_object_get(e, "clsid");
        snprintf(c->clsid, sizeof(c->clsid), "%s", json_is_string(v) ? json_string_value(v) : "");
        v = json_object_get(e, "flags");
        if (!c->known && json_is_integer(v)) {
            c->flags = (unsigned)json_integer_value(v);
            c->known = 1;
        }
    } else if (fn == HP_RF_REVOKE && !c->known && json_is_integer(v = json_object_get(e, "cookie"))) {
        c->cookie = (unsigned)json_integer_value(v);
        c->known = 1;
    }
    /* one event per call: the +ole line's, the one a log without relay has, replaces the relay's */
    if (c->ev) hp_out_drop(&st->out, c->ev);
    c->ev = hp_queue(st, e, HP_EV_PENDING);
    c->ole = 1;
}

void hp_relay_thread_gone(struct hp_state *st, struct hp_thr *t)
{
    while (t->ncalls > 0) hp_relay_close(st, &t->calls[--t->ncalls], 0, 0);
}
