/* Questions over a built trace: the next event of a kind, the candidate's exe and registry, its stop and its end. */
#include "trace.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#define QUERY_EMBEDDING "embedding"     /* the word after - or / that COM puts on a server's command line */

/* The next event of type ev after `after` (NULL: from the start), of process pid (any when pid < 0). */
const trace_ev *trace_next_of(const trace *tr, const trace_ev *after, const char *ev, long long pid)
{
    size_t i = after ? (size_t)(after - tr->evs) + 1 : 0;

    for (; i < tr->nevs; i++)
        if (trace_is(&tr->evs[i], ev) && (pid < 0 || tr->evs[i].pid == pid))
            return &tr->evs[i];
    return NULL;
}

static int query_is_boundary(char c)
{
    return !c || isspace((unsigned char)c) || c == '"';
}

/* COM starts a server for activation with -Embedding or /Embedding as a word of its command line. */
int trace_is_embedding(const trace *tr)
{
    return trace_cmdline_embedding(tr->proc_start ? json_string_value(json_object_get(tr->proc_start->obj,
                                                                                        "cmdline")) : NULL);
}

/* Whether a command line carries -Embedding or /Embedding as a word (any case), as COM launches a server. */
int trace_cmdline_embedding(const char *cmd)
{
    const char *p;

    for (p = cmd; p && *p; p++)
        if ((*p == '-' || *p == '/') && (p == cmd || query_is_boundary(p[-1])) &&
            !strncasecmp(p + 1, QUERY_EMBEDDING, sizeof QUERY_EMBEDDING - 1) &&
            query_is_boundary(p[sizeof QUERY_EMBEDDING]))
            return 1;
    return 0;
}

static const char *query_basename(const char *path, size_t *len)
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

/* Keeps the candidate's executable name, from the header's image_path (as Windows sees it) or its path, without
 * the quotes or arguments an image path may carry, so that a message shows the name alone. */
void trace_exe_fill(trace *tr)
{
    const json_t *cand = json_object_get(tr->header, "candidate");
    const char *path = json_string_value(json_object_get(cand, "image_path")), *b;
    size_t len;

    tr->exe_name[0] = 0;
    if (!path)
        path = json_string_value(json_object_get(cand, "path"));
    if (!path)
        return;
    b = query_basename(path, &len);
    if (len >= sizeof tr->exe_name)
        len = sizeof tr->exe_name - 1;
    memcpy(tr->exe_name, b, len);
    tr->exe_name[len] = 0;
}

/* The candidate's executable name, or NULL when the header names no image. */
const char *trace_exe_name(const trace *tr)
{
    return tr->exe_name[0] ? tr->exe_name : NULL;
}

/* Whether a registry path (an image path, maybe quoted, maybe with arguments) names the executable exe. */
int trace_names_exe(const char *path, const char *exe)
{
    size_t len, elen;
    const char *b;

    if (!path || !exe)
        return 0;
    b = query_basename(path, &len);
    query_basename(exe, &elen);
    return len == elen && len && !strncasecmp(b, exe, len);
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

/* Whether e (service_main, handler_register) is about the candidate's service; an event or a header
 * that names no service is taken to be. */
int trace_names_service(const trace *tr, const trace_ev *e)
{
    const json_t *svc = json_object_get(e->obj, "service");

    return !tr->service_name || !json_is_string(svc) || !strcasecmp(json_string_value(svc), tr->service_name);
}

const trace_status *trace_first_state(const trace *tr, long long state)
{
    size_t i;

    for (i = 0; i < tr->nst; i++)
        if (tr->st[i].state == state)
            return &tr->st[i];
    return NULL;
}

static int query_is_stop_control(long long control)
{
    return control == TRACE_CTL_STOP || control == TRACE_CTL_SHUTDOWN;
}

/* A stop is asked for when the controller's STOP or SHUTDOWN, sent from `from` on (-INFINITY: any time), was
 * accepted before STOPPED (NULL: any time), or, in a trace without controller records, when the dispatcher
 * received one in that span. */
const trace_ev *trace_stop_request(const trace *tr, double from, const trace_status *stopped)
{
    double limit_t = stopped ? stopped->e->t : INFINITY;
    long long limit_seq = stopped ? stopped->e->seq : LLONG_MAX;
    size_t i;

    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];

        if (trace_is(e, "ctl_control") && query_is_stop_control(trace_int(e, "control", 0)) &&
            trace_flag(e, "ok") && trace_ctl_sent(e) + TRACE_CLOCK_SLOP_MS >= from &&
            trace_ctl_sent(e) <= limit_t + TRACE_CLOCK_SLOP_MS)
            return e;
    }
    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];

        if (e->pid == tr->cand_pid && trace_is(e, "control_in") && query_is_stop_control(trace_int(e, "control", 0)) &&
            e->t + TRACE_CLOCK_SLOP_MS >= from && e->seq < limit_seq)
            return e;
    }
    return NULL;
}

/* The controls the service accepted at time t; returns 0 when it had reported nothing by then. Reports
 * within the clock slop of t may fall either side of it, so their controls count too. */
int trace_controls_at(const trace *tr, double t, long long *controls)
{
    long long before = 0, around = 0;
    size_t i;
    int found = 0;

    for (i = 0; i < tr->nst; i++) {
        const trace_status *s = &tr->st[i];

        if (s->e->t <= t - TRACE_CLOCK_SLOP_MS)
            before = s->controls;
        else if (s->e->t <= t + TRACE_CLOCK_SLOP_MS)
            around |= s->controls;
        else
            continue;
        found = 1;
    }
    *controls = before | around;
    return found;
}

int trace_installed_type(const trace *tr, long long *type)
{
    if (tr->has_service_type)
        *type = tr->service_type;
    return tr->has_service_type;
}

/* The candidate's first revocation of reg's cookie after it; NULL also when the cookie is not visible. */
const trace_ev *trace_revoke_of(const trace *tr, const trace_ev *reg)
{
    unsigned long long c, rc;
    const trace_ev *rv;

    if (!trace_word(reg, "cookie", &c))
        return NULL;
    for (rv = trace_next_of(tr, reg, "com_revoke", tr->cand_pid); rv;
         rv = trace_next_of(tr, rv, "com_revoke", tr->cand_pid))
        if (trace_word(rv, "cookie", &rc) && rc == c)
            return rv;
    return NULL;
}

/* The sentence with which the trace's source declares the limit `key` (TRACE_LIMIT_*), or NULL when it declares
 * none: the engine knows no source, so what a source cannot do reaches a verdict only through its header. */
const char *trace_limit(const trace *tr, const char *key)
{
    const char *s = json_string_value(json_object_get(json_object_get(tr->header, "limits"), key));

    return s && *s ? s : NULL;
}

/* The server process (of tr->servers) that the activation act made COM launch: the one whose process_start lies
 * within the activation's call (it began elapsed_ms before its record); 0 when none did, e.g. when a running
 * server took the activation. */
long long trace_activation_server(const trace *tr, const trace_ev *act)
{
    double from = act->t - trace_num(act, "elapsed_ms", 0) - TRACE_CLOCK_SLOP_MS, to = act->t + TRACE_CLOCK_SLOP_MS;
    size_t i;

    for (i = 0; i < tr->nservers; i++)
        if (tr->server_start[i]->t >= from && tr->server_start[i]->t <= to)
            return tr->servers[i];
    return 0;
}

/* Whether a server process other than the candidate registered clsid successfully. */
int trace_other_server_registered(const trace *tr, const char *clsid)
{
    const trace_ev *reg;
    size_t i;

    for (i = 0; i < tr->nservers; i++) {
        if (tr->servers[i] == tr->cand_pid)
            continue;
        for (reg = trace_next_of(tr, NULL, "com_register", tr->servers[i]); reg;
             reg = trace_next_of(tr, reg, "com_register", tr->servers[i]))
            if (trace_reg_ok(reg) && clsid && !strcasecmp(trace_clsid(reg), clsid))
                return 1;
    }
    return 0;
}
