/* Finds the candidate in a loaded trace and answers what the rules ask of it: reports, stops, ends. */
#include "trace.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MODEL_MAX_PIDS 8

static int model_is_ctl(const trace_ev *e)
{
    return !strncmp(e->ev, "ctl_", 4);
}

/* Events only the service process itself can cause. */
static int model_is_service_call(const trace_ev *e)
{
    static const char *const evs[] = { "dispatcher", "dispatcher_ready", "control_in", "service_main",
                                       "handler_register", "status" };
    size_t i;

    for (i = 0; i < sizeof evs / sizeof evs[0]; i++)
        if (!strcmp(e->ev, evs[i]))
            return 1;
    return 0;
}

/* Events only a COM server process causes: a plain EXE server has no service calls to be found by. */
static int model_is_com_server_call(const trace_ev *e)
{
    static const char *const evs[] = { "com_security", "com_register", "com_resume", "com_revoke", "rot_register" };
    size_t i;

    for (i = 0; i < sizeof evs / sizeof evs[0]; i++)
        if (!strcmp(e->ev, evs[i]))
            return 1;
    return 0;
}

typedef struct model_pids {
    long long pid[MODEL_MAX_PIDS];
    size_t n;
} model_pids;

static int model_pids_has(const model_pids *s, long long pid)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        if (s->pid[i] == pid)
            return 1;
    return 0;
}

/* A set past MODEL_MAX_PIDS stops growing; it then still tells "more than one" apart from "one". */
static void model_pids_add(model_pids *s, long long pid)
{
    if (!model_pids_has(s, pid) && s->n < MODEL_MAX_PIDS)
        s->pid[s->n++] = pid;
}

/* What the controller says the candidate's process is: the service it queried or saw exit, or the COM server
 * it launched, watched, closed or killed. */
static long long model_ctl_says(const trace *tr)
{
    static const char *const server_evs[] = { "ctl_launch", "ctl_watch", "ctl_close", "ctl_kill" };
    size_t i, k;

    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];

        if ((trace_is(e, "ctl_exit") || trace_is(e, "ctl_query")) && trace_int(e, "service_pid", 0) > 0)
            return trace_int(e, "service_pid", 0);
        for (k = 0; k < sizeof server_evs / sizeof server_evs[0]; k++)
            if (trace_is(e, server_evs[k]) && trace_int(e, "server_pid", 0) > 0)
                return trace_int(e, "server_pid", 0);
    }
    return 0;
}

/* An EXE server's run: Wine's own services (rpcss, started for COM) make service calls there, so those never
 * point at the candidate; the controller's word, the only COM server, the only process started, the only one
 * that exited do, in that order. */
static void model_find_server(trace *tr, long long said, const model_pids *com, const model_pids *started,
                              const model_pids *exited)
{
    const trace_ev *launch = NULL;
    size_t i;

    for (i = 0; i < tr->nevs && !launch; i++)
        if (trace_is(&tr->evs[i], "ctl_launch") && trace_has(&tr->evs[i], "ok") && !trace_flag(&tr->evs[i], "ok"))
            launch = &tr->evs[i];
    if (said)
        tr->cand_pid = said;
    else if (com->n == 1)
        tr->cand_pid = com->pid[0];
    else if (com->n > 1)
        snprintf(tr->cand_why, sizeof tr->cand_why,
                 "COM server calls come from %zu processes and nothing in the trace says which one is the candidate",
                 com->n);
    else if (started->n == 1)
        tr->cand_pid = started->pid[0];
    else if (exited->n == 1)
        tr->cand_pid = exited->pid[0];
    else if (launch)
        snprintf(tr->cand_why, sizeof tr->cand_why, "the harness could not start the server (ctl_launch at seq "
                 "%lld failed with error %lld)", launch->seq, trace_int(launch, "error", 0));
    else
        snprintf(tr->cand_why, sizeof tr->cand_why, "no event in the trace shows which process is the candidate");
}

/* Whether the process pid has an event in the trace besides its process_start. */
static int model_has_events(const trace *tr, long long pid, const trace_ev *besides)
{
    size_t i;

    for (i = 0; i < tr->nevs; i++)
        if (tr->evs[i].pid == pid && &tr->evs[i] != besides && !model_is_ctl(&tr->evs[i]))
            return 1;
    return 0;
}

/* The embedding shape's server processes: every -Embedding process_start whose process is in the trace. A process
 * the source saw start but never followed has nothing to judge, so it is never one of them. */
static void model_find_servers(trace *tr)
{
    size_t i, k;

    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];

        if (!trace_is(e, "process_start") || !e->pid ||
            !trace_cmdline_embedding(json_string_value(json_object_get(e->obj, "cmdline"))) ||
            !model_has_events(tr, e->pid, e))
            continue;
        for (k = 0; k < tr->nservers && tr->servers[k] != e->pid; k++)
            ;
        if (k < tr->nservers)
            continue;
        if (tr->nservers == TRACE_MAX_SERVERS) {
            tr->servers_omitted++;
            continue;
        }
        tr->server_start[tr->nservers] = e;
        tr->servers[tr->nservers++] = e->pid;
    }
}

/* Wine's own service processes may show up too, so the installed name is asked first, then the
 * only process making service calls, then the controller's word. */
static void model_find_candidate(trace *tr)
{
    model_pids ctl = { { 0 }, 0 }, svc = { { 0 }, 0 }, exited = { { 0 }, 0 }, com = { { 0 }, 0 };
    model_pids started = { { 0 }, 0 };
    long long said = model_ctl_says(tr);
    size_t i;

    for (i = 0; i < tr->nevs; i++)
        if (model_is_ctl(&tr->evs[i]))
            model_pids_add(&ctl, tr->evs[i].pid);
    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];
        const json_t *name = json_object_get(e->obj, "service");

        if (!e->pid || model_pids_has(&ctl, e->pid))
            continue;
        if (tr->shape == TRACE_SHAPE_SERVICE && tr->service_name && trace_is(e, "service_main") &&
            json_is_string(name) &&
            !strcasecmp(json_string_value(name), tr->service_name)) {
            tr->cand_pid = e->pid;
            return;
        }
        if (model_is_service_call(e))
            model_pids_add(&svc, e->pid);
        if (model_is_com_server_call(e))
            model_pids_add(&com, e->pid);
        if (trace_is(e, "process_exit"))
            model_pids_add(&exited, e->pid);
        if (trace_is(e, "process_start"))
            model_pids_add(&started, e->pid);
    }
    if (tr->shape != TRACE_SHAPE_SERVICE) {
        /* the controller's word about a process the trace does not follow would judge events that are not there */
        if (said && !model_has_events(tr, said, NULL))
            said = 0;
        if (!said && com.n > 1 && tr->nservers)
            said = tr->servers[0];
        model_find_server(tr, said, &com, &started, &exited);
        return;
    }
    if (svc.n == 1 || (svc.n > 1 && model_pids_has(&svc, said)))
        tr->cand_pid = svc.n == 1 ? svc.pid[0] : said;
    else if (svc.n > 1)
        snprintf(tr->cand_why, sizeof tr->cand_why,
                 "service calls come from %zu processes and nothing in the trace says which one is the candidate",
                 svc.n);
    else if (said)
        tr->cand_pid = said;
    else if (com.n == 1)
        tr->cand_pid = com.pid[0];
    else if (com.n > 1)
        snprintf(tr->cand_why, sizeof tr->cand_why,
                 "COM server calls come from %zu processes and nothing in the trace says which one is the candidate",
                 com.n);
    else if (exited.n == 1)
        tr->cand_pid = exited.pid[0];
    else
        snprintf(tr->cand_why, sizeof tr->cand_why, "no event in the trace shows which process is the candidate");
}

/* The signs that the candidate's process ended: its process_exit; the controller's ctl_exit, or its watch
 * that saw the server exit (ctl_watch outcome "exited"), or its kill (ctl_kill, unless it failed). A
 * controller record that names no process is taken to be about the candidate: it tracks only that one. */
static int model_is_exit(const trace *tr, const trace_ev *e)
{
    const json_t *outcome = json_object_get(e->obj, "outcome");

    if (trace_is(e, "process_exit"))
        return e->pid == tr->cand_pid;
    if (trace_is(e, "ctl_exit"))
        return trace_names_cand(tr, e, "service_pid");
    if (trace_is(e, "ctl_watch"))
        return json_is_string(outcome) && !strcmp(json_string_value(outcome), "exited") &&
               trace_names_cand(tr, e, "server_pid");
    return trace_is_kill(tr, e);
}

static void model_index_candidate(trace *tr)
{
    const trace_ev *any_main = NULL;
    size_t i, n = 0;
    int killed = 0;

    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];
        int mine = e->pid == tr->cand_pid;

        if (mine && !tr->dispatcher && (trace_is(e, "dispatcher") || trace_is(e, "dispatcher_ready")))
            tr->dispatcher = e;
        if (mine && trace_is(e, "service_main")) {
            if (!any_main)
                any_main = e;
            if (!tr->service_main && trace_names_service(tr, e))
                tr->service_main = e;
        }
        if (mine && trace_is(e, "status"))
            n++;
        if (mine && !tr->proc_start && trace_is(e, "process_start"))
            tr->proc_start = e;
        if (mine && trace_is(e, "process_exit") && json_is_string(json_object_get(e->obj, "how")) &&
            !strcmp(json_string_value(json_object_get(e->obj, "how")), "killed"))
            killed = 1;
        if (model_is_exit(tr, e) && (!tr->proc_end || e->t < tr->proc_end->t))
            tr->proc_end = e;
    }
    if (!tr->service_main)
        tr->service_main = any_main;
    tr->proc_end_natural = tr->proc_end && !killed && !trace_is(tr->proc_end, "ctl_kill");
    tr->st = calloc(n ? n : 1, sizeof *tr->st);
    if (!tr->st) {
        snprintf(tr->error, sizeof tr->error, "out of memory indexing the status reports");
        return;
    }
    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];
        trace_status *s;

        if (e->pid != tr->cand_pid || !trace_is(e, "status"))
            continue;
        s = &tr->st[tr->nst++];
        s->e = e;
        s->has_handle = trace_parse_hex(json_string_value(json_object_get(e->obj, "handle")), &s->handle);
        s->type = trace_int(e, "type", 0);
        s->state = trace_int(e, "state", 0);
        s->controls = trace_int(e, "controls", 0);
        s->win32_exit = trace_int(e, "win32_exit", 0);
        s->specific_exit = trace_int(e, "specific_exit", 0);
        s->checkpoint = trace_int(e, "checkpoint", 0);
        s->wait_hint = trace_int(e, "wait_hint", 0);
    }
}

/* Harness actions after which the trace no longer shows the whole run. */
static int model_is_trouble(const char *action)
{
    static const char *const trouble[] = { "log_truncated", "log_lost", "bad_ctl_record", "controller_failed", "limit" };
    size_t i;

    for (i = 0; i < sizeof trouble / sizeof trouble[0]; i++)
        if (!strcmp(action, trouble[i]))
            return 1;
    return 0;
}

/* The session-0 look was asked for and the run could not give it: services.exe was not reached, or the
 * candidate's process was started without it or could not take it. A process that ended before it could
 * take it (error 0) is no failure of the run's. */
static int model_session0_missing(const trace_ev *e)
{
    const char *what = json_string_value(json_object_get(e->obj, "what"));

    if (!what)
        return 0;
    if (!strcmp(what, "session0"))
        return trace_int(e, "on", 0) == 1 && trace_int(e, "ok", 1) == 0;
    if (!strcmp(what, "session0_process"))
        return trace_int(e, "error", 0) != 0 || (trace_int(e, "process", 0) > 0 && trace_int(e, "started", 1) == 0);
    return 0;
}

void trace_model_build(trace *tr)
{
    size_t i;

    tr->end_reason = tr->end ? json_string_value(json_object_get(tr->end->obj, "reason")) : "truncated";
    tr->complete = tr->end && !strcmp(tr->end_reason, "complete");
    for (i = 0; i < tr->nevs; i++) {
        const trace_ev *e = &tr->evs[i];
        const json_t *action = json_object_get(e->obj, "action");

        if (!tr->trouble && trace_is(e, "harness") && model_is_trouble(json_string_value(action)))
            tr->trouble = e;
        if (!tr->session0_missing && trace_is(e, "ctl_note") && model_session0_missing(e))
            tr->session0_missing = e;
        tr->saw_service_main |= trace_is(e, "service_main");
        if (trace_is(e, "com_registry"))
            tr->registry = e;
        if (!tr->has_service_type && trace_is(e, "ctl_install") && trace_has(e, "service_type")) {
            tr->has_service_type = 1;
            tr->service_type = trace_int(e, "service_type", 0);
        }
    }
    tr->complete = tr->complete && !tr->trouble;
    trace_exe_fill(tr);
    if (tr->shape == TRACE_SHAPE_EMBEDDING)
        model_find_servers(tr);
    model_find_candidate(tr);
    if (tr->cand_pid)
        model_index_candidate(tr);
}

int trace_model_view(const trace *tr, long long pid, trace *view)
{
    *view = *tr;
    view->cand_pid = pid;
    view->cand_why[0] = 0;
    view->dispatcher = view->service_main = view->proc_end = view->proc_start = NULL;
    view->proc_end_natural = 0;
    view->st = NULL;
    view->nst = 0;
    model_index_candidate(view);
    return view->st != NULL;
}

void trace_view_free(trace *view)
{
    free(view->st);
    view->st = NULL;
}
