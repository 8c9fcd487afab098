/* The table of every rule of RULES.md, in its order: id, title, kind, source and judge, one line each. */
#include "rules.h"

#define SEED_001 "001_c163d69dbf49db90.txt"
#define SEED_002 "002_24fdc6f78b6d46a0.txt"
#define SEED_003 "003_2a76aeb4225675c5.txt"
#define SEED_004 "004_629cfc712c19e967.txt"

const rules_entry rules_table[] = {
    { "svc.dispatcher", "The process connects to the service control dispatcher", "must", "004", SEED_004,
      rules_init_dispatcher },
    { "svc.handler.immediate", "ServiceMain registers its control handler first and at once", "must", "004", SEED_004,
      rules_init_handler_immediate },
    { "svc.status.handle", "Every status report uses the registration's handle", "must", "004", SEED_004,
      rules_status_handle },
    { "svc.status.type", "Every status report gives the installed service type", "should", "004", SEED_004,
      rules_status_type },
    { "svc.init.first-report", "Within one second the SCM knows where the start stands", "must", "004", SEED_004,
      rules_init_first_report },
    { "svc.pending.no-controls", "START_PENDING accepts no controls", "must", "004", SEED_004,
      rules_pending_no_controls },
    { "svc.pending.wait-hint", "Start and stop pending reports carry a wait hint", "must", "004", SEED_004,
      rules_pending_wait_hint },
    { "svc.pending.deadline", "While pending, progress comes before the wait hint runs out", "must", "004", SEED_004,
      rules_pending_deadline },
    { "svc.checkpoint.monotonic", "Checkpoints rise within a pending phase", "must", "004", SEED_004,
      rules_checkpoint_monotonic },
    { "svc.checkpoint.progress-only", "Checkpoints rise only while initialization progresses", "must", "004",
      SEED_004, rules_checkpoint_progress_only },
    { "svc.running.controls", "Initialization ends with RUNNING and its controls", "must", "004", SEED_004,
      rules_init_running_controls },
    { "svc.idle.checkpoint-zero", "Outside pending states, checkpoint and wait hint are 0", "must", "004", SEED_004,
      rules_status_idle_zero },
    { "svc.control.reported", "Every accepted control is answered by a status report", "must", "004", SEED_004,
      rules_control_reported },
    { "svc.handler.returns", "The control handler returns promptly", "must", "HandlerEx reference", NULL,
      rules_control_handler_returns },
    { "svc.stop.pending", "A long stop reports STOP_PENDING first", "must", "004", SEED_004, rules_stop_pending },
    { "svc.stopped.exit-code", "STOPPED carries exit codes that say why", "must", "004", SEED_004,
      rules_stop_exit_code },
    { "svc.stopped.no-controls", "Stopping and stopped reports accept no controls", "should", "004", SEED_004,
      rules_stop_no_controls },
    { "svc.stopped.last", "STOPPED is the last word, and the process exits soon after", "must", "004", SEED_004,
      rules_stop_last },
    { "atl.run.order", "Security, then class objects, then RUNNING", "must", "001", SEED_001, NULL },
    { "atl.quit.on-stop", "STOP ends the message loop and cleanup precedes STOPPED", "must", "001", SEED_001, NULL },
    { "sec.com.null-descriptor", "CoInitializeSecurity without a descriptor opens the server to all", "should", "001",
      SEED_001, NULL },
    { "com.register.at-start", "A server launched for activation registers its class object in time", "must", "002",
      SEED_002, NULL },
    { "com.revoke.not-early", "No revocation while instances or locks are alive", "must", "002", SEED_002, NULL },
    { "com.revoke.when-idle", "An idle server revokes its class objects", "must", "002", SEED_002, NULL },
    { "com.revoke.user-control", "A server under user control stays when clients leave", "must", "002", SEED_002,
      NULL },
    { "com.revoke.all", "Every registration cookie is revoked before a normal exit", "must", "002", SEED_002, NULL },
    { "com.runas.identity", "A failed class registration is reported, not ignored", "must", "003", SEED_003, NULL },
    { "com.localservice.install", "A COM service's AppID and service installation agree", "must", "003", SEED_003,
      NULL },
    { "rot.allow-any-client", "ROTFLAGS_ALLOWANYCLIENT only for a properly registered server", "must", "003",
      SEED_003, NULL },
};

const size_t rules_count = sizeof rules_table / sizeof rules_table[0];
