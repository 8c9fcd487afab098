/* The one table of every rule, in the order of docs/rules.md: ID, title, kind, public source page and judge. */
#include "rules.h"

/* The public documentation pages the rules rest on; the catalog itself is docs/rules.md. */
static const rules_doc doc_dispatcher = { "StartServiceCtrlDispatcherW function",
    "https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-startservicectrldispatcherw" };
static const rules_doc doc_service_main = { "ServiceMain callback function",
    "https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nc-winsvc-lpservice_main_functionw" };
static const rules_doc doc_set_status = { "SetServiceStatus function",
    "https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-setservicestatus" };
static const rules_doc doc_status = { "SERVICE_STATUS structure",
    "https://learn.microsoft.com/en-us/windows/win32/api/winsvc/ns-winsvc-service_status" };
static const rules_doc doc_handler_ex = { "HandlerEx callback function",
    "https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nc-winsvc-lphandler_function_ex" };
static const rules_doc doc_atl_run = { "CAtlServiceModuleT::Run",
    "https://learn.microsoft.com/en-us/cpp/atl/reference/catlservicemodulet-class#run" };
static const rules_doc doc_co_init_security = { "CoInitializeSecurity function",
    "https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-coinitializesecurity" };
static const rules_doc doc_co_register = { "CoRegisterClassObject function",
    "https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-coregisterclassobject" };
static const rules_doc doc_out_of_process = { "Out-of-Process Server Implementation Helpers",
    "https://learn.microsoft.com/en-us/windows/win32/com/out-of-process-server-implementation-helpers" };
static const rules_doc doc_co_revoke = { "CoRevokeClassObject function",
    "https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-corevokeclassobject" };
static const rules_doc doc_runas = { "RunAs",
    "https://learn.microsoft.com/en-us/windows/win32/com/runas" };
static const rules_doc doc_local_service = { "LocalService",
    "https://learn.microsoft.com/en-us/windows/win32/com/localservice" };
static const rules_doc doc_rot_register = { "IRunningObjectTable::Register method",
    "https://learn.microsoft.com/en-us/windows/win32/api/objidl/nf-objidl-irunningobjecttable-register" };

/* Each judge is named after its rule ID (judge_<id>, dots and dashes as underscores) and lives in
 * rules_<family>.c, named in the comment of its row. */
const rules_entry rules_table[] = {
    { "svc.dispatcher", "The process connects to the service control dispatcher", "must", &doc_dispatcher,
      judge_svc_dispatcher },                               /* rules_init.c */
    { "svc.handler.immediate", "ServiceMain registers its control handler first and at once", "must", &doc_service_main,
      judge_svc_handler_immediate },                        /* rules_init.c */
    { "svc.status.handle", "Every status report uses the registration's handle", "must", &doc_set_status,
      judge_svc_status_handle },                            /* rules_status.c */
    { "svc.status.type", "Every status report gives the installed service type", "should", &doc_status,
      judge_svc_status_type },                              /* rules_status.c */
    { "svc.init.first-report", "Within one second the SCM knows where the start stands", "must", &doc_service_main,
      judge_svc_init_first_report },                        /* rules_init.c */
    { "svc.pending.no-controls", "START_PENDING accepts no controls", "must", &doc_status,
      judge_svc_pending_no_controls },                      /* rules_pending.c */
    { "svc.pending.wait-hint", "Start and stop pending reports carry a wait hint", "must", &doc_status,
      judge_svc_pending_wait_hint },                        /* rules_pending.c */
    { "svc.pending.deadline", "While pending, progress comes before the wait hint runs out", "must", &doc_status,
      judge_svc_pending_deadline },                         /* rules_pending.c */
    { "svc.checkpoint.monotonic", "Checkpoints rise within a pending phase", "must", &doc_status,
      judge_svc_checkpoint_monotonic },                     /* rules_checkpoint.c */
    { "svc.checkpoint.progress-only", "Checkpoints rise only while initialization progresses", "must", &doc_status,
      judge_svc_checkpoint_progress_only },                 /* rules_checkpoint.c */
    { "svc.running.controls", "Initialization ends with RUNNING and its controls", "must", &doc_service_main,
      judge_svc_running_controls },                         /* rules_init.c */
    { "svc.idle.checkpoint-zero", "Outside pending states, checkpoint and wait hint are 0", "must", &doc_status,
      judge_svc_idle_checkpoint_zero },                     /* rules_status.c */
    { "svc.control.reported", "Every accepted control is answered by a status report", "must", &doc_handler_ex,
      judge_svc_control_reported },                         /* rules_control.c */
    { "svc.handler.returns", "The control handler returns promptly", "must", &doc_handler_ex,
      judge_svc_handler_returns },                          /* rules_control.c */
    { "svc.stop.pending", "A long stop reports STOP_PENDING first", "must", &doc_set_status,
      judge_svc_stop_pending },                             /* rules_stop.c */
    { "svc.stopped.exit-code", "STOPPED carries exit codes that say why", "must", &doc_status,
      judge_svc_stopped_exit_code },                        /* rules_stop.c */
    { "svc.stopped.no-controls", "Stopping and stopped reports accept no controls", "should", &doc_status,
      judge_svc_stopped_no_controls },                      /* rules_stop.c */
    { "svc.stopped.last", "STOPPED is the last word, and the process exits soon after", "must", &doc_set_status,
      judge_svc_stopped_last },                             /* rules_stop.c */
    { "atl.run.order", "Security, then class objects, then RUNNING", "must", &doc_atl_run,
      judge_atl_run_order },                                /* rules_atl.c */
    { "atl.quit.on-stop", "STOP ends the message loop and cleanup precedes STOPPED", "must", &doc_atl_run,
      judge_atl_quit_on_stop },                             /* rules_atl.c */
    { "sec.com.null-descriptor", "CoInitializeSecurity without a descriptor opens the server to all", "should",
      &doc_co_init_security, judge_sec_com_null_descriptor }, /* rules_atl.c */
    { "com.register.at-start", "A server launched for activation registers its class object in time", "must",
      &doc_co_register, judge_com_register_at_start },      /* rules_register.c */
    { "com.revoke.not-early", "No revocation while instances or locks are alive", "must", &doc_out_of_process,
      judge_com_revoke_not_early },                         /* rules_revoke.c */
    { "com.revoke.when-idle", "An idle server revokes its class objects", "must", &doc_out_of_process,
      judge_com_revoke_when_idle },                         /* rules_revoke.c */
    { "com.revoke.user-control", "A server under user control stays when clients leave", "must", &doc_out_of_process,
      judge_com_revoke_user_control },                      /* rules_revoke.c */
    { "com.revoke.all", "Every registration cookie is revoked before a normal exit", "must", &doc_co_revoke,
      judge_com_revoke_all },                               /* rules_revoke.c */
    { "com.runas.identity", "A failed class registration is reported, not ignored", "must", &doc_runas,
      judge_com_runas_identity },                           /* rules_register.c */
    { "com.localservice.install", "A COM service's AppID and service installation agree", "must", &doc_local_service,
      judge_com_localservice_install },                     /* rules_registry.c */
    { "rot.allow-any-client", "ROTFLAGS_ALLOWANYCLIENT only for a properly registered server", "must",
      &doc_rot_register, judge_rot_allow_any_client },      /* rules_registry.c */
};

const size_t rules_count = sizeof rules_table / sizeof rules_table[0];
