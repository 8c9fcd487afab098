/* The state of one parse: the processes it follows, their threads, open waits and calls, and what the
   handlers keep between lines. */
#ifndef SVCCERT_HARNESS_PARSE_STATE_H
#define SVCCERT_HARNESS_PARSE_STATE_H

#include <jansson.h>
#include <stddef.h>

#include "parse_map.h"
#include "parse_out.h"
#include "parse_text.h"

#define HP_WAIT_DEPTH 8

struct hp_wait {           /* a select that blocked */
    struct hp_ev *ev;
    char cookie[32], data[600];
    int apc;               /* woken by a kernel APC; the same select may resume */
    long long apc_seq;
    double apc_t;
};

/* The COM calls +relay is asked to show (RelayInclude), by what they become. */
enum hp_rfn { HP_RF_NONE, HP_RF_INIT, HP_RF_SECURITY, HP_RF_REGISTER, HP_RF_RESUME, HP_RF_REVOKE };

#define HP_CALL_DEPTH 8

struct hp_call {           /* a relay Call whose Ret has not been seen */
    enum hp_rfn fn;
    struct hp_ev *ev;      /* the event waiting for the result (pending), NULL if none */
    int ole;               /* ev came from the +ole line, not from the relay arguments */
    int overlap;           /* register: another thread of the process was registering too */
    int known;             /* flags (register) or cookie (revoke) are known */
    unsigned flags;        /* register: REGCLS_* */
    unsigned cookie;       /* revoke: the cookie */
    char clsid[40];        /* register: from the +ole line, "" when not seen */
};

struct hp_thr {            /* a live thread of the candidate */
    unsigned tid;
    struct hp_ev *req;     /* a select request whose reply has not been seen */
    int req_cont;          /* that request resumes the innermost wait after a kernel APC */
    char cookie[32], data[600];
    /* a signal (suspension, system APC) can start a nested select inside a pending one */
    struct hp_wait w[HP_WAIT_DEPTH];
    int nw;
    int self_exit;         /* asked to terminate itself */
    struct hp_call calls[HP_CALL_DEPTH];  /* open relay calls, innermost last */
    int ncalls;
};

/* A process creation seen from its creator (trace:process:NtCreateUserProcess, two lines). */
struct hp_launch {
    unsigned tid;          /* the creating thread whose first line was seen, 0 = none */
    char image[520], cmdline[1024];
};

#define HP_COM_WINDOWS 16

struct hp_com {            /* COM, window and client bookkeeping (parse_com.c) */
    struct hp_launch launch;
    unsigned win_tid;      /* a top-level WIN_CreateWindowEx waiting for its hwnd line */
    char win_title[256];
    struct { unsigned long long hwnd; char title[256]; int shown; } win[HP_COM_WINDOWS];
    size_t nwin;
};

#define HP_LIVE_CLASSES 32

/* Wine 8's CoRegisterClassObject numbers the cookies of a process 1, 2, ... (docs/wine-hooks.md). */
struct hp_cookies {
    unsigned last;         /* the last number handed out */
    int lost;              /* a call may have taken a number unseen: no more inference */
    struct { char clsid[40]; unsigned cookie; } live[HP_LIVE_CLASSES];  /* not known revoked */
    size_t nlive;
};

/* The kinds of ctl_reg_* item records, in the order the com_registry event lists them. */
enum hp_reg_kind { HP_REG_CLASS, HP_REG_APPID, HP_REG_EXE, HP_REG_SERVICE, HP_REG_KINDS };

/* The ctl_reg_* records of one registry scan, until its ctl_reg_done. */
struct hp_reg {
    json_t *lists[HP_REG_KINDS];  /* NULL until the scan has an item of the kind */
    int truncated;
    long long records;
};

/* A candidate process the trace follows: the one the run drives, or another its class's activations made
   COM launch (a REGCLS_SINGLEUSE class gets one process per activation). */
struct hp_proc {
    unsigned pid;
    struct hp_thr *thr;    /* its live threads */
    size_t nthr, capthr;
    struct hp_cookies cookies;
    char start_service[256];  /* service named by its last start request */
    int dead;
    struct hp_ev *exit_ev; /* process_exit waiting for the server to confirm the death */
    long long exit_code;
    int have_code, self_exit, last_self, crash, killed_foreign;
    unsigned killed_by;
    char crash_detail[320];
};

struct hp_state {
    struct hp_out out;
    struct hp_map tids;    /* tid -> pid for every thread seen */
    unsigned cand, ctl;    /* the candidate (first of the followed processes) and controller pids, 0 = none */
    unsigned cli;          /* the harness's COM client (first svccert-cli record), 0 = none */
    struct hp_proc **procs;   /* every followed process, the candidate first */
    size_t nprocs;
    struct hp_proc *p;     /* the one whose line is being read */
    struct hp_com com;
    struct hp_reg reg;
    long long seq;         /* the current raw line number */
    double t;              /* the current line's time */
    int t_est;
    double last_t;
    unsigned term_tid, term_pid;  /* a terminate_process of another process in flight */
    int term_active;
    unsigned nt_tid, nt_pid;      /* a new_thread request for the caller's own process */
    struct hp_buf buf;
};

/* Queues e at the current line; an estimated t gets its upper bound "t_next". */
struct hp_ev *hp_queue(struct hp_state *st, json_t *e, enum hp_ev_state state);
/* A new event of the followed process st->p at the current line. */
json_t *hp_cand_ev(struct hp_state *st, const char *ev, unsigned tid);
/* A debugstr event of the text in st->buf, for lines no handler took as a record. */
json_t *hp_debugstr_ev(struct hp_state *st, unsigned pid, unsigned tid, int truncated);
/* Follows pid as a candidate process (idempotent); NULL when memory ran out. */
struct hp_proc *hp_proc_add(struct hp_state *st, unsigned pid);
/* The followed process pid, or NULL. */
struct hp_proc *hp_proc_of(const struct hp_state *st, unsigned pid);
void hp_procs_free(struct hp_state *st);
/* A thread of st->p (NULL when st->p is NULL or the thread is not one of its own). */
struct hp_thr *hp_thr_find(struct hp_state *st, unsigned tid);
struct hp_thr *hp_proc_thr(struct hp_proc *p, unsigned tid);
struct hp_thr *hp_thr_add(struct hp_state *st, unsigned tid);

#endif
