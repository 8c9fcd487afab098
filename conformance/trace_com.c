/* Answers what the COM rules ask of a trace: hooks, HRESULTs, cookies, shape, launch, close, the registry left. */
#include "trace.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const struct { const char *name; unsigned bit; } com_hooks[] = {
    { "service", TRACE_HOOK_SERVICE }, { "waits", TRACE_HOOK_WAITS }, { "debugstr", TRACE_HOOK_DEBUGSTR },
    { "controller", TRACE_HOOK_CONTROLLER }, { "com", TRACE_HOOK_COM }, { "registry", TRACE_HOOK_REGISTRY },
    { "com_client", TRACE_HOOK_COM_CLIENT },
};

unsigned trace_hook_bit(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof com_hooks / sizeof com_hooks[0]; i++)
        if (!strcmp(com_hooks[i].name, name))
            return com_hooks[i].bit;
    return 0;
}

const char *trace_hook_name(unsigned bit)
{
    size_t i;

    for (i = 0; i < sizeof com_hooks / sizeof com_hooks[0]; i++)
        if (com_hooks[i].bit == bit)
            return com_hooks[i].name;
    return "?";
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

/* The next event of type ev after `after` (NULL: from the start), of process pid (any when pid < 0). */
const trace_ev *trace_next_of(const trace *tr, const trace_ev *after, const char *ev, long long pid)
{
    size_t i = after ? (size_t)(after - tr->evs) + 1 : 0;

    for (; i < tr->nevs; i++)
        if (trace_is(&tr->evs[i], ev) && (pid < 0 || tr->evs[i].pid == pid))
            return &tr->evs[i];
    return NULL;
}

/* A registration whose result is not visible is taken as made: only a visible failure un-makes it. */
int trace_reg_ok(const trace_ev *reg)
{
    return trace_hr_ok(reg, "result") != 0;
}

static int com_is_boundary(char c)
{
    return !c || isspace((unsigned char)c) || c == '"';
}

/* COM starts a server for activation with -Embedding or /Embedding as a word of its command line. */
int trace_is_embedding(const trace *tr)
{
    const char *cmd = tr->proc_start ? json_string_value(json_object_get(tr->proc_start->obj, "cmdline")) : NULL;
    const char *p;

    for (p = cmd; p && *p; p++)
        if ((*p == '-' || *p == '/') && (p == cmd || com_is_boundary(p[-1])) && !strncasecmp(p + 1, "embedding", 9) &&
            com_is_boundary(p[10]))
            return 1;
    return 0;
}

static const char *com_basename(const char *path, size_t *len)
{
    const char *b = path, *p, *end;

    while (*b == '"' || isspace((unsigned char)*b))
        b++;
    end = b + strlen(b);
    /* an image path may carry arguments; a quoted one ends at its closing quote */
    if (b > path && b[-1] == '"' && (p = strchr(b, '"')))
        end = p;
    for (p = b; p < end; p++)
        if (*p == '\\' || *p == '/')
            b = p + 1;
    for (p = b; p < end && !isspace((unsigned char)*p); p++)
        ;
    *len = (size_t)(p - b);
    return b;
}

/* The candidate's executable name, from the header's image_path (as Windows sees it) or its path. */
const char *trace_exe_name(const trace *tr)
{
    const json_t *cand = json_object_get(tr->header, "candidate");
    const char *path = json_string_value(json_object_get(cand, "image_path"));
    size_t len;

    if (!path)
        path = json_string_value(json_object_get(cand, "path"));
    return path ? com_basename(path, &len) : NULL;
}

/* Whether a registry path (an image path, maybe quoted, maybe with arguments) names the executable exe. */
int trace_names_exe(const char *path, const char *exe)
{
    size_t len, elen;
    const char *b;

    if (!path || !exe)
        return 0;
    b = com_basename(path, &len);
    com_basename(exe, &elen);
    return len == elen && len && !strncasecmp(b, exe, len);
}

const char *trace_reg_str(const json_t *item, const char *key)
{
    const char *s = json_string_value(json_object_get(item, key));

    return s && *s ? s : NULL;
}

/* The entry of the registry's list whose key equals value (case-insensitive, as the registry compares). */
const json_t *trace_reg_find(const trace *tr, const char *list, const char *key, const char *value)
{
    const json_t *arr = tr->registry ? json_object_get(tr->registry->obj, list) : NULL, *item;
    size_t i;

    if (!value)
        return NULL;
    json_array_foreach(arr, i, item) {
        const char *s = trace_reg_str(item, key);

        if (s && !strcasecmp(s, value))
            return item;
    }
    return NULL;
}

static const char *const com_shapes[] = { "service", "embedding", "user" };

const char *trace_shape_name(int shape)
{
    return shape >= 0 && shape < (int)(sizeof com_shapes / sizeof com_shapes[0]) ? com_shapes[shape] : "?";
}

/* The TRACE_SHAPE_* a run.shape names, or -1 for a name this engine does not know. */
int trace_shape_parse(const char *name)
{
    size_t i;

    for (i = 0; name && i < sizeof com_shapes / sizeof com_shapes[0]; i++)
        if (!strcmp(com_shapes[i], name))
            return (int)i;
    return -1;
}

/* Whether a controller event is about the candidate: its pid field names it, or names no process (the
 * controller of one run watches one server). */
int trace_names_cand(const trace *tr, const trace_ev *e, const char *key)
{
    long long pid = trace_int(e, key, 0);

    return pid <= 0 || pid == tr->cand_pid;
}

/* Whether e is the harness killing the candidate (ctl_kill that did not fail). */
int trace_is_kill(const trace *tr, const trace_ev *e)
{
    return trace_is(e, "ctl_kill") && (!trace_has(e, "ok") || trace_flag(e, "ok")) &&
           trace_names_cand(tr, e, "server_pid") && trace_names_cand(tr, e, "service_pid");
}

/* The harness's first act that ends the candidate's life after `after` (NULL: from the start): WM_CLOSE to
 * its windows (the user closing it) or a kill. */
const trace_ev *trace_harness_closed(const trace *tr, const trace_ev *after)
{
    size_t i;

    for (i = after ? (size_t)(after - tr->evs) + 1 : 0; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];

        if ((trace_is(e, "ctl_close") && trace_names_cand(tr, e, "server_pid")) || trace_is_kill(tr, e))
            return e;
    }
    return NULL;
}
