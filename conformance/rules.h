/* The rule table's shape, the helpers rules share, and every judge (judge_<rule id>, in rules_<family>.c). */
#ifndef SC_RULES_H
#define SC_RULES_H

#include "config.h"
#include "trace.h"
#include "verdict.h"

typedef void (*rules_judge)(const trace *tr, const config *cfg, verdict *v);

/* A public documentation page a rule rests on. */
typedef struct rules_doc {
    const char *title;
    const char *url;
} rules_doc;

typedef struct rules_entry {
    const char *id;
    const char *title;
    const char *kind;       /* "must" or "should" */
    const rules_doc *source;
    rules_judge judge;      /* NULL: not implemented yet */
} rules_entry;

/* rules_table.c */
extern const rules_entry rules_table[];
extern const size_t rules_count;

/* rules_common.c */
int rules_need_main(const trace *tr, verdict *v);
const trace_ev *rules_last_seen(const trace *tr);
const char *rules_why_ended(const trace *tr);
/* fail or error for an observation that never came: the one test, explained at its definition */
#define RULES_NO_LIMIT (-1.0)
int rules_absence_is_fault(const trace *tr, double waited_ms, double limit_ms);
const trace_status *rules_next_status(const trace *tr, const trace_status *s);
typedef int (*rules_pick)(long long state);
typedef void (*rules_check)(const trace *tr, const config *cfg, verdict *v, const trace_status *s);
typedef struct rules_each {
    rules_pick pick;
    rules_check check;
    const char *none;       /* the n/a message: no report in those states */
    const char *every;      /* the pass message's subject, before the count */
    const char *holds;      /* and what holds of every one, after it */
} rules_each;
void rules_judge_each_report(const trace *tr, const config *cfg, verdict *v, const rules_each *each);
void rules_raise_controls(verdict *v, const trace_status *s, int kind, const char *why);
void rules_unexercised(const trace *tr, verdict *v, const char *na, const char *point, const char *what);
int rules_need_hooks(const trace *tr, verdict *v, unsigned need);
int rules_need_candidate(const trace *tr, verdict *v);
int rules_need_service_run(const trace *tr, verdict *v, const char *what);
void rules_judge_servers(const trace *tr, const config *cfg, verdict *v, rules_judge one);
void rules_note_failed_call(const trace *tr, verdict *v, const trace_ev *e, const char *call, const char *key,
                            const char *consequence);

/* rules_atl.c */
void judge_atl_run_order(const trace *tr, const config *cfg, verdict *v);
void judge_atl_quit_on_stop(const trace *tr, const config *cfg, verdict *v);
void judge_sec_com_null_descriptor(const trace *tr, const config *cfg, verdict *v);

/* rules_register.c */
void judge_com_register_at_start(const trace *tr, const config *cfg, verdict *v);
void judge_com_runas_identity(const trace *tr, const config *cfg, verdict *v);

/* rules_revoke.c */
void judge_com_revoke_not_early(const trace *tr, const config *cfg, verdict *v);
void judge_com_revoke_when_idle(const trace *tr, const config *cfg, verdict *v);
void judge_com_revoke_user_control(const trace *tr, const config *cfg, verdict *v);
void judge_com_revoke_all(const trace *tr, const config *cfg, verdict *v);

/* rules_registry.c */
void judge_com_localservice_install(const trace *tr, const config *cfg, verdict *v);
void judge_rot_allow_any_client(const trace *tr, const config *cfg, verdict *v);

/* rules_init.c */
void judge_svc_dispatcher(const trace *tr, const config *cfg, verdict *v);
void judge_svc_handler_immediate(const trace *tr, const config *cfg, verdict *v);
void judge_svc_init_first_report(const trace *tr, const config *cfg, verdict *v);
void judge_svc_running_controls(const trace *tr, const config *cfg, verdict *v);

/* rules_status.c */
void judge_svc_status_handle(const trace *tr, const config *cfg, verdict *v);
void judge_svc_status_type(const trace *tr, const config *cfg, verdict *v);
void judge_svc_idle_checkpoint_zero(const trace *tr, const config *cfg, verdict *v);

/* rules_pending.c */
void judge_svc_pending_no_controls(const trace *tr, const config *cfg, verdict *v);
void judge_svc_pending_wait_hint(const trace *tr, const config *cfg, verdict *v);
void judge_svc_pending_deadline(const trace *tr, const config *cfg, verdict *v);

/* rules_checkpoint.c */
void judge_svc_checkpoint_monotonic(const trace *tr, const config *cfg, verdict *v);
void judge_svc_checkpoint_progress_only(const trace *tr, const config *cfg, verdict *v);

/* rules_control.c */
void judge_svc_control_reported(const trace *tr, const config *cfg, verdict *v);
void judge_svc_handler_returns(const trace *tr, const config *cfg, verdict *v);

/* rules_stop.c */
void judge_svc_stop_pending(const trace *tr, const config *cfg, verdict *v);
void judge_svc_stopped_exit_code(const trace *tr, const config *cfg, verdict *v);
void judge_svc_stopped_no_controls(const trace *tr, const config *cfg, verdict *v);
void judge_svc_stopped_last(const trace *tr, const config *cfg, verdict *v);

#endif
