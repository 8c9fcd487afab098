/* Builds verdicts: the worst finding wins the message, evidence objects name trace events and timings. */
#include "verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void verdict_init(verdict *v)
{
    memset(v, 0, sizeof *v);
    v->evidence = json_array();
}

void verdict_free(verdict *v)
{
    json_decref(v->evidence);
    v->evidence = NULL;
}

const char *verdict_name(int kind)
{
    switch (kind) {
    case VERDICT_PASS: return "pass";
    case VERDICT_FAIL: return "fail";
    case VERDICT_WARN: return "warn";
    case VERDICT_NA: return "n/a";
    default: return "error";
    }
}

/* A text cut to its buffer may end inside a UTF-8 sequence, which JSON cannot carry: drop that partial character. */
void verdict_trim_utf8(char *s)
{
    size_t len = strlen(s), i = len, need;

    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && len - i < 3)
        i--;
    if (!i || !((unsigned char)s[i - 1] & 0x80))
        return;
    need = ((unsigned char)s[i - 1] & 0xE0) == 0xC0 ? 2 : ((unsigned char)s[i - 1] & 0xF0) == 0xE0 ? 3 : 4;
    if (len - (i - 1) < need)
        s[i - 1] = 0;
}

static void verdict_vset(verdict *v, int kind, const char *fmt, va_list ap)
{
    v->kind = kind;
    v->set = 1;
    vsnprintf(v->message, sizeof v->message, fmt, ap);
    verdict_trim_utf8(v->message);
}

void verdict_say(verdict *v, int kind, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    verdict_vset(v, kind, fmt, ap);
    va_end(ap);
}

void verdict_raise(verdict *v, int kind, const char *fmt, ...)
{
    va_list ap;

    if (v->set && kind <= v->kind)
        return;
    va_start(ap, fmt);
    verdict_vset(v, kind, fmt, ap);
    va_end(ap);
}

static json_t *verdict_slot(verdict *v)
{
    json_t *o;

    if (json_array_size(v->evidence) >= VERDICT_MAX_EVIDENCE) {
        v->omitted++;
        return NULL;
    }
    /* json_array_append_new frees o when it fails */
    if (!v->evidence || !(o = json_object()) || json_array_append_new(v->evidence, o)) {
        v->lost = 1;
        return NULL;
    }
    return o;
}

json_t *verdict_fact(verdict *v)
{
    return verdict_slot(v);
}

json_t *verdict_event(verdict *v, const trace_ev *e, ...)
{
    static const char *const common[] = { "seq", "t", "pid", "tid", "ev", "t_est", "t_next" };
    json_t *o;
    const char *name;
    size_t i;
    va_list ap;

    if (!e || !(o = verdict_slot(v)))
        return NULL;
    for (i = 0; i < sizeof common / sizeof common[0]; i++)
        if (json_object_get(e->obj, common[i]))
            json_object_set(o, common[i], json_object_get(e->obj, common[i]));
    va_start(ap, e);
    while ((name = va_arg(ap, const char *)))
        if (json_object_get(e->obj, name))
            json_object_set(o, name, json_object_get(e->obj, name));
    va_end(ap);
    return o;
}

json_t *verdict_timing(verdict *v, const char *what, double measured, double threshold, const trace_ev *from,
                       const trace_ev *to)
{
    json_t *o = verdict_slot(v);

    if (!o)
        return NULL;
    json_object_set_new(o, "what", json_string(what));
    json_object_set_new(o, "measured_ms", verdict_ms(measured));
    json_object_set_new(o, "threshold_ms", verdict_ms(threshold));
    json_object_set_new(o, "margin_ms", verdict_ms(threshold - measured));
    if (from)
        json_object_set_new(o, "from_seq", json_integer(from->seq));
    if (to)
        json_object_set_new(o, "to_seq", json_integer(to->seq));
    return o;
}

void verdict_note(json_t *o, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    if (!o)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_object_set_new(o, "note", json_string(buf));
}

json_t *verdict_ms(double ms)
{
    double x = ms * 1000.0;
    long long us = (long long)(x < 0 ? x - 0.5 : x + 0.5);

    if (us % 1000 == 0)
        return json_integer(us / 1000);
    return json_real((double)us / 1000.0);
}

int verdict_within(double measured, double threshold)
{
    return measured <= threshold + 1e-6;
}
