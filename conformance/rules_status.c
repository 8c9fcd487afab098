/* The rules about every SetServiceStatus report: its handle, its service type, idle checkpoints and hints. */
#include "rules.h"


/* Judges one report against the registration in force; the first good report sets the handle the
 * others must match when the registration's own handle is not visible. */
static void status_judge_handle(verdict *v, const trace_status *s, const trace_ev *reg, const trace_status **first)
{
    unsigned long long reg_handle = 0;
    int observable = reg && trace_parse_hex(json_string_value(json_object_get(reg->obj, "handle")), &reg_handle);

    if (!reg) {
        verdict_event(v, s->e, "state", "handle", NULL);
        verdict_raise(v, VERDICT_FAIL, "SetServiceStatus was called (seq %lld) before any "
                      "RegisterServiceCtrlHandler(Ex) for the service; it must use the handle registration returns.",
                      s->e->seq);
    } else if (!s->has_handle || !s->handle) {
        verdict_event(v, s->e, "state", "handle", NULL);
        verdict_raise(v, VERDICT_FAIL, "SetServiceStatus was called with a NULL handle (seq %lld); it must use the "
                      "handle RegisterServiceCtrlHandler(Ex) returned.", s->e->seq);
    } else if (observable && s->handle != reg_handle) {
        verdict_event(v, reg, "handle", NULL);
        verdict_event(v, s->e, "state", "handle", NULL);
        verdict_raise(v, VERDICT_FAIL, "SetServiceStatus used handle 0x%llx (seq %lld), but registration returned "
                      "0x%llx.", s->handle, s->e->seq, reg_handle);
    } else if (!*first) {
        *first = s;
    } else if (!observable && s->handle != (*first)->handle) {
        verdict_event(v, (*first)->e, "state", "handle", NULL);
        verdict_event(v, s->e, "state", "handle", NULL);
        verdict_raise(v, VERDICT_FAIL, "The service's reports used two handle values, 0x%llx (seq %lld) and 0x%llx "
                      "(seq %lld); every report must use the one handle registration returned.", (*first)->handle,
                      (*first)->e->seq, s->handle, s->e->seq);
    }
}

/* svc.status.handle — Every status report uses the registration's handle. */
void judge_svc_status_handle(const trace *tr, const config *cfg, verdict *v)
{
    const trace_status *first = NULL, *s = tr->st;
    const trace_ev *reg = NULL;
    unsigned long long reg_handle = 0;
    size_t i;

    (void)cfg;
    if (!rules_need_main(tr, v))
        return;
    if (!tr->nst) {
        verdict_say(v, VERDICT_NA, "The service never called SetServiceStatus, so no handle was used.");
        return;
    }
    /* one walk: the reports are in event order, each judged against the registration before it */
    for (i = 0; i < tr->nevs && s < tr->st + tr->nst; i++) {
        const trace_ev *e = &tr->evs[i];

        if (e == s->e)
            status_judge_handle(v, s++, reg, &first);
        else if (e->pid == tr->cand_pid && trace_is(e, "handler_register") && trace_names_service(tr, e))
            reg = e;
    }
    if (v->set)
        return;
    if (trace_parse_hex(json_string_value(json_object_get(reg->obj, "handle")), &reg_handle)) {
        verdict_note(verdict_event(v, reg, "handler", "handle", NULL), "the handle registration returned");
        verdict_event(v, first->e, "state", "handle", NULL);
        verdict_say(v, VERDICT_PASS, "Every report (%zu in all) came after registration and used the handle it "
                    "returned (0x%llx).", tr->nst, reg_handle);
    } else {
        verdict_note(verdict_event(v, reg, "handler", "handle", NULL), "the handle registration returned was not "
                     "observable in this trace; only NULL handles and consistency between reports could be checked");
        verdict_event(v, first->e, "state", "handle", NULL);
        verdict_say(v, VERDICT_PASS, "Every report (%zu in all) came after registration and used one non-NULL handle "
                    "(0x%llx); the handle registration returned was not visible, so only their consistency was "
                    "checked.", tr->nst, first->handle);
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
