/* Reads one event's fields as the rules need them: type, integers, numbers, flags, hex words, HRESULTs. */
#include "trace.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int trace_is(const trace_ev *e, const char *ev)
{
    return e && !strcmp(e->ev, ev);
}

long long trace_int(const trace_ev *e, const char *key, long long dflt)
{
    const json_t *v = json_object_get(e->obj, key);

    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

double trace_num(const trace_ev *e, const char *key, double dflt)
{
    const json_t *v = json_object_get(e->obj, key);

    return json_is_number(v) ? json_number_value(v) : dflt;
}

/* Flags such as "ok" may be written as true/false or as 1/0. */
int trace_flag(const trace_ev *e, const char *key)
{
    const json_t *v = json_object_get(e->obj, key);

    return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0);
}

int trace_has(const trace_ev *e, const char *key)
{
    const json_t *v = json_object_get(e->obj, key);

    return v && !json_is_null(v);
}

int trace_parse_hex(const char *s, unsigned long long *out)
{
    char *end;

    if (!s)
        return 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (!isxdigit((unsigned char)*s))
        return 0;
    errno = 0;
    *out = strtoull(s, &end, 16);
    return !*end && !errno;
}

/* HRESULTs and cookies may be written as integers (signed or not) or as hex strings; returns 0 when the
 * field is absent or null. */
int trace_word(const trace_ev *e, const char *key, unsigned long long *out)
{
    const json_t *v = json_object_get(e->obj, key);

    if (json_is_integer(v)) {
        *out = (unsigned long long)json_integer_value(v) & 0xffffffffULL;
        return 1;
    }
    return json_is_string(v) && trace_parse_hex(json_string_value(v), out) && (*out &= 0xffffffffULL, 1);
}

/* 1: the HRESULT in key succeeded, 0: it failed (severity bit set), -1: the source could not see it. */
int trace_hr_ok(const trace_ev *e, const char *key)
{
    unsigned long long hr;

    if (!trace_word(e, key, &hr))
        return -1;
    return !(hr & 0x80000000ULL);
}

/* A registration whose result is not visible is taken as made: only a visible failure un-makes it. */
int trace_reg_ok(const trace_ev *reg)
{
    return trace_hr_ok(reg, "result") != 0;
}

/* The controller writes its record once ControlService has returned, so the call began
 * elapsed_ms before the record's time. */
double trace_ctl_sent(const trace_ev *e)
{
    if (trace_is(e, "ctl_control"))
        return e->t - trace_num(e, "elapsed_ms", 0);
    return e->t;
}

const char *trace_reg_str(const json_t *item, const char *key)
{
    const char *s = json_string_value(json_object_get(item, key));

    return s && *s ? s : NULL;
}

/* The CLSID an event names (com_register, cli_activate), or "?" when it names none, for messages and matching. */
const char *trace_clsid(const trace_ev *e)
{
    const char *s = e ? json_string_value(json_object_get(e->obj, "clsid")) : NULL;

    return s ? s : "?";
}
