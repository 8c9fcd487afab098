/* The rules about every SetServiceStatus report: its handle, its service type, idle checkpoints and hints. */
#include "rules.h"

#include <stdio.h>
#include <string.h>

#define STATUS_MAX_REGS 16

/* The registrations that were in force for the service's reports, and the handles they were seen to return. */
typedef struct status_regs {
    const trace_ev *reg[STATUS_MAX_REGS];
    size_t n;
    size_t omitted;         /* registrations past STATUS_MAX_REGS, still counted for the null-handle case */
    int share;              /* a share-process service: only registrations naming it count */
} status_regs;

/* The handle a registration returned, when the trace shows it. */
static int status_reg_handle(const trace_ev *reg, unsigned long long *h)
{
    return trace_parse_hex(json_string_value(json_object_get(reg->obj, "handle")), h);
}

/* Whether the service shares its process (SERVICE_WIN32_SHARE_PROCESS without OWN_PROCESS): then the name given
 * to RegisterServiceCtrlHandler(Ex) picks the service; for an own-process service Windows does not check it, since
 * the process holds one service. The installed type decides, else the reports' own. */
static int status_is_share(const trace *tr)
{
    long long type;

    if (!trace_installed_type(tr, &type))
        type = tr->nst ? tr->st[0].type : TRACE_OWN_PROCESS;
    return (type & 0x20) && !(type & TRACE_OWN_PROCESS);
}

/* Whether report s used a handle a registration before it returned. *visible says whether every such handle is
 * in the trace: only then can a handle none of them returned be told apart from the one that is not shown. */
static int status_handle_returned(const status_regs *r, const trace_status *s, int *visible)
{
    unsigned long long h;
    size_t i;
    int found = 0;

    *visible = r->n > 0 && !r->omitted;
    for (i = 0; i < r->n; i++) {
        if (!status_reg_handle(r->reg[i], &h))
            *visible = 0;
        else if (h == s->handle)
            found = 1;
    }
    return found;
}

static void status_cite_regs(verdict *v, const status_regs *r)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        verdict_event(v, r->reg[i], "service", "handle", NULL);
}

/* The registrations' handles as text, "0x1 (seq 5, thread 12)", for a message. */
static const char *status_regs_text(const status_regs *r, char *buf, size_t len)
{
    size_t i, n = 0;
    unsigned long long h;

    buf[0] = 0;
    for (i = 0; i < r->n && n < len; i++) {
        if (status_reg_handle(r->reg[i], &h))
            n += (size_t)snprintf(buf + n, len - n, "%s0x%llx (seq %lld, thread %lld)", n ? ", " : "", h,
                                  r->reg[i]->seq, r->reg[i]->tid);
        else
            n += (size_t)snprintf(buf + n, len - n, "%shandle not visible (seq %lld, thread %lld)", n ? ", " : "",
                                  r->reg[i]->seq, r->reg[i]->tid);
    }
    return buf;
}

/* The handle values the reports used while not every registration's handle was visible. */
typedef struct status_values {
    unsigned long long h[STATUS_MAX_REGS + 1];
    size_t n;
} status_values;

/* Adds h to the values seen; 0 when it was there already. A set past its size only counts. */
static int status_value_new(status_values *seen, unsigned long long h)
{
    size_t i;

    for (i = 0; i < seen->n && i < STATUS_MAX_REGS + 1; i++)
        if (seen->h[i] == h)
            return 0;
    if (seen->n < STATUS_MAX_REGS + 1)
        seen->h[seen->n] = h;
    seen->n++;
    return 1;
}

/* Judges one report against the registrations made before it; the first good report sets the value the others
 * must match when not every registration's handle is visible. */
static void status_judge_handle(const trace *tr, verdict *v, const trace_status *s, const status_regs *r,
                                const trace_ev *other, const trace_status **first, status_values *seen)
{
    char text[512];
    int visible;

    if (!r->n) {
        verdict_event(v, s->e, "state", "handle", NULL);
        verdict_event(v, other, "service", "handle", NULL);
        if (other)
            verdict_raise(v, VERDICT_FAIL, "SetServiceStatus was called (seq %lld, thread %lld) before any "
                          "RegisterServiceCtrlHandler(Ex) for the service \"%s\"; the registration before it (seq "
                          "%lld) named another service, which in a shared process is another service's handle.",
                          s->e->seq, s->e->tid, tr->service_name ? tr->service_name : "?", other->seq);
        else
            verdict_raise(v, VERDICT_FAIL, "SetServiceStatus was called (seq %lld, thread %lld) before any "
                          "RegisterServiceCtrlHandler(Ex) in the process; it must use the handle registration returns.",
                          s->e->seq, s->e->tid);
    } else if (!s->has_handle || !s->handle) {
        verdict_event(v, s->e, "state", "handle", NULL);
        verdict_raise(v, VERDICT_FAIL, "SetServiceStatus was called with a NULL handle (seq %lld, thread %lld); it must "
                      "use the handle RegisterServiceCtrlHandler(Ex) returned.", s->e->seq, s->e->tid);
    } else if (!status_handle_returned(r, s, &visible) && visible) {
        status_cite_regs(v, r);
        verdict_event(v, s->e, "state", "handle", NULL);
        verdict_raise(v, VERDICT_FAIL, "SetServiceStatus used handle 0x%llx (seq %lld, thread %lld), which no "
                      "registration before it returned (registrations: %s).", s->handle, s->e->seq, s->e->tid,
                      status_regs_text(r, text, sizeof text));
    } else if (!visible && !status_value_new(seen, s->handle)) {
        if (!*first)
            *first = s;
    } else if (!visible && seen->n > r->n + r->omitted) {
        /* each registration returns one handle: more values than registrations cannot all be theirs */
        verdict_event(v, (*first)->e, "state", "handle", NULL);
        verdict_event(v, s->e, "state", "handle", NULL);
        verdict_raise(v, VERDICT_FAIL, "The service's reports used %s handle values, among them 0x%llx (seq %lld) "
                      "and 0x%llx (seq %lld, thread %lld), but only %zu registration%s came before them; every report "
                      "must use the handle a registration returned.", seen->n == 2 ? "two" : "more", (*first)->handle,
                      (*first)->e->seq, s->handle, s->e->seq, s->e->tid, r->n + r->omitted,
                      r->n + r->omitted == 1 ? "" : "s");
    } else if (!*first) {
        *first = s;
    }
}

/* svc.status.handle — Every status report uses the registration's handle. */
void judge_svc_status_handle(const trace *tr, const config *cfg, verdict *v)
{
    const trace_status *first = NULL, *s = tr->st;
    const trace_ev *other = NULL, *last;
    status_regs r;
    status_values seen = { { 0 }, 0 };
    unsigned long long h;
    char text[512];
    size_t i;
    json_t *o;

    (void)cfg;
    if (!rules_need_main(tr, v))
        return;
    if (!tr->nst) {
        verdict_say(v, VERDICT_NA, "The service never called SetServiceStatus, so no handle was used.");
        return;
    }
    memset(&r, 0, sizeof r);
    r.share = status_is_share(tr);
    /* one walk: the reports are in event order, each judged against the registrations before it */
    for (i = 0; i < tr->nevs && s < tr->st + tr->nst; i++) {
        const trace_ev *e = &tr->evs[i];

        if (e == s->e) {
            status_judge_handle(tr, v, s++, &r, other, &first, &seen);
        } else if (e->pid == tr->cand_pid && trace_is(e, "handler_register")) {
            if (r.share && !trace_names_service(tr, e))
                other = e;
            else if (r.n < STATUS_MAX_REGS)
                r.reg[r.n++] = e;
            else
                r.omitted++;
        }
    }
    if (v->set)
        return;
    last = &tr->st[tr->nst - 1] == first ? NULL : tr->st[tr->nst - 1].e;
    if (r.n == 1 && status_reg_handle(r.reg[0], &h)) {
        verdict_note(verdict_event(v, r.reg[0], "service", "handler", "handle", NULL), "the handle registration "
                     "returned");
        verdict_event(v, first->e, "state", "handle", NULL);
        verdict_event(v, last, "state", "handle", NULL);
        verdict_say(v, VERDICT_PASS, "Every report (%zu in all) came after registration (seq %lld, thread %lld) and "
                    "used the handle it returned (0x%llx).", tr->nst, r.reg[0]->seq, r.reg[0]->tid, h);
        return;
    }
    o = verdict_event(v, r.reg[0], "service", "handler", "handle", NULL);
    for (i = 1; i < r.n; i++)
        verdict_event(v, r.reg[i], "service", "handler", "handle", NULL);
    verdict_event(v, first->e, "state", "handle", NULL);
    verdict_event(v, last, "state", "handle", NULL);
    status_regs_text(&r, text, sizeof text);
    if (status_handle_returned(&r, first, &(int){ 0 })) {
        verdict_note(o, "every report's handle is one a registration before it returned");
        verdict_say(v, VERDICT_PASS, "Every report (%zu in all) came after a registration and used a handle one of "
                    "them returned (registrations: %s).", tr->nst, text);
    } else {
        verdict_note(o, "the handle registration returned was not observable in this trace; only NULL handles and "
                     "consistency between reports could be checked");
        verdict_say(v, VERDICT_PASS, "Every report (%zu in all) came after a registration (%s) and used one non-NULL "
                    "handle (0x%llx); the handle registration returned was not visible, so only their consistency "
                    "was checked.", tr->nst, text, first->handle);
    }
}

/* svc.status.type — Every status report gives the installed service type. */
void judge_svc_status_type(const trace *tr, const config *cfg, verdict *v)
{
    long long want;
    size_t i;

    (void)cfg;
    if (!rules_need_main(tr, v))
        return;
    if (!trace_installed_type(tr, &want)) {
        verdict_say(v, VERDICT_ERROR, "The trace does not say which service type the candidate was installed with "
                    "(neither the header nor a ctl_install event), so the reports' type could not be checked.");
        return;
    }
    if (!tr->nst) {
        verdict_say(v, VERDICT_NA, "The service never called SetServiceStatus, so no service type was reported.");
        return;
    }
    for (i = 0; i < tr->nst; i++) {
        const trace_status *s = &tr->st[i];

        if (s->type == want)
            continue;
        verdict_event(v, s->e, "state", "type", NULL);
        verdict_raise(v, VERDICT_WARN, "The report at seq %lld gives dwServiceType 0x%llx, but the service was "
                      "installed as 0x%llx; every report should give the installed type.", s->e->seq,
                      (unsigned long long)s->type, (unsigned long long)want);
    }
    if (v->set)
        return;
    verdict_event(v, tr->st[0].e, "state", "type", NULL);
    verdict_say(v, VERDICT_PASS, "Every report (%zu in all) gives dwServiceType 0x%llx, the type the service was "
                "installed with.",
                tr->nst, (unsigned long long)want);
}

static int status_is_settled(long long state)
{
    return !trace_is_pending(state);
}

static void status_check_idle(const trace *tr, const config *cfg, verdict *v, const trace_status *s)
{
    (void)tr;
    (void)cfg;
    if (s->checkpoint) {
        verdict_event(v, s->e, "state", "checkpoint", "wait_hint", NULL);
        verdict_raise(v, VERDICT_FAIL, "The %s report at seq %lld has checkpoint %lld; outside a pending state "
                      "the checkpoint must be 0.", trace_state_name(s->state), s->e->seq, s->checkpoint);
    } else if (s->wait_hint) {
        verdict_event(v, s->e, "state", "checkpoint", "wait_hint", NULL);
        verdict_raise(v, VERDICT_WARN, "The %s report at seq %lld has a wait hint of %lld ms; outside a pending "
                      "state the wait hint should be 0.", trace_state_name(s->state), s->e->seq, s->wait_hint);
    }
}

/* svc.idle.checkpoint-zero — Outside pending states, checkpoint and wait hint are 0. */
void judge_svc_idle_checkpoint_zero(const trace *tr, const config *cfg, verdict *v)
{
    static const rules_each each = { status_is_settled, status_check_idle,
                                     "The service made no report in RUNNING, PAUSED or STOPPED.",
                                     "Every report in RUNNING, PAUSED or STOPPED",
                                     "has checkpoint 0 and wait hint 0." };

    rules_judge_each_report(tr, cfg, v, &each);
}
