/* Declarations shared by the parser's own source files; nothing here is exported from the library. */
#ifndef SVCCERT_HARNESS_PARSE_INT_H
#define SVCCERT_HARNESS_PARSE_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#define HP_HIDDEN __attribute__((visibility("hidden")))

/* ---- one raw line, split in place (parse_line.c) ---- */

enum hp_kind {
    HP_OTHER,    /* anything we do not understand */
    HP_CLIENT,   /* [t:]pid:tid:class:channel:function message */
    HP_SERVER,   /* id: body (wineserver trace) */
    HP_WINEMSG,  /* "wine: ..." message printed without a prefix */
    HP_RELAY     /* [t:]pid:tid:Call module.func(args) ret=... or ...:Ret  module.func() retval=... */
};

struct hp_line {
    enum hp_kind kind;
    int has_t;
    double t;              /* milliseconds */
    unsigned pid, tid;     /* client: both; server: tid holds the id before the colon */
    const char *cls, *chan, *func, *msg;  /* client parts (msg may be "") */
    const char *body;      /* server: text after "id: "; winemsg: text after "wine: " */
    /* relay: func is "module.name", msg the argument list of a Call ("" for a Ret) */
    int is_ret;
    unsigned long long retval;
};

/* Splits `line` (NUL-terminated, modified in place) into l. */
HP_HIDDEN void hp_classify(char *line, struct hp_line *l);

/* A wineserver body: "name( args )", "name() = STATUS { args }" or "*event* ...". */
struct hp_srv {
    char name[48];         /* request name, or the word between stars ("wakeup", "killed", ...) */
    int is_reply, is_star;
    const char *args;      /* request/reply arguments or the text after the star word ("" if none) */
    char status[48];       /* reply status */
};
HP_HIDDEN int hp_server_split(const char *body, struct hp_srv *s);

/* Finds key=value at the top level of an argument list; the value runs to the next top-level comma. */
HP_HIDDEN int hp_kv(const char *args, const char *key, const char **val, size_t *len);
HP_HIDDEN int hp_kv_hex(const char *args, const char *key, unsigned long long *v);
HP_HIDDEN int hp_kv_dec(const char *args, const char *key, long long *v);
HP_HIDDEN int hp_parse_hex(const char *s, size_t n, unsigned long long *v);
HP_HIDDEN int hp_parse_dec(const char *s, size_t n, long long *v);

/* ---- text decoding (parse_text.c) ---- */

struct hp_buf {
    char *p;
    size_t n, cap;
};
HP_HIDDEN int hp_buf_put(struct hp_buf *b, const char *s, size_t n);
HP_HIDDEN void hp_buf_free(struct hp_buf *b);

/* Decodes a Wine debugstr (A: "..." with \xNN, W: L"..." with \NNNN) at s into UTF-8.
   *end is set past the literal; *truncated when Wine cut it ("...") or the line ended inside it.
   Returns 0, or -1 when s is not a quoted string. */
HP_HIDDEN int hp_dbgstr(const char *s, struct hp_buf *out, const char **end, int *truncated);
/* A JSON string from arbitrary bytes: invalid UTF-8 bytes are read as Latin-1. */
HP_HIDDEN json_t *hp_jstr(const char *s, size_t n);
/* Percent-decodes %XX; other bytes pass through. */
HP_HIDDEN int hp_pct_decode(const char *s, size_t n, struct hp_buf *out);

/* ---- output queue (parse_out.c) ---- */

enum hp_ev_state { HP_EV_PENDING, HP_EV_READY };

struct hp_ev {
    json_t *obj;
    long long seq;
    enum hp_ev_state state;
    int holds;             /* fields still waiting for the next timestamp */
    struct hp_ev *prev, *next;
};

struct hp_bound {          /* obj[key] becomes the t of the next timestamped line */
    struct hp_ev *ev;
    const char *key;
};

struct hp_out {
    FILE *f;
    struct hp_ev *head, *tail;
    long long written;     /* lines written so far, header included */
    size_t queued;
    struct hp_bound *bounds;
    size_t nbounds, capbounds;
    int failed;            /* a write or an allocation failed */
};

/* A new event object with the common fields; t_est adds "t_est": true; raw adds "raw": seq. */
HP_HIDDEN json_t *hp_ev_obj(const char *ev, long long seq, double t, int t_est, unsigned pid,
                            unsigned tid, int raw);
/* Queues obj (reference stolen) at its seq; returns the slot, NULL on failure. */
HP_HIDDEN struct hp_ev *hp_out_add(struct hp_out *o, json_t *obj, long long seq,
                                   enum hp_ev_state st);
/* Holds e until the next timestamped line, whose t then goes into e[key]. */
HP_HIDDEN void hp_out_bound(struct hp_out *o, struct hp_ev *e, const char *key);
/* A timestamped line arrived (have=1, its t) or the log ended (have=0: the keys become null). */
HP_HIDDEN void hp_out_resolve(struct hp_out *o, double t, int have);
/* Forgets a queued event that turned out not to be one (a select that did not block). */
HP_HIDDEN void hp_out_drop(struct hp_out *o, struct hp_ev *e);
/* Writes every event at the head of the queue that is no longer pending. */
HP_HIDDEN void hp_out_flush(struct hp_out *o);
/* Writes one object now, outside the queue. */
HP_HIDDEN void hp_out_write(struct hp_out *o, json_t *obj);
/* Marks every pending event ready and writes everything. */
HP_HIDDEN void hp_out_drain(struct hp_out *o);
HP_HIDDEN void hp_out_free(struct hp_out *o);

/* Sets obj[key] = v, stealing v; records an allocation failure in o. */
HP_HIDDEN void hp_set(struct hp_out *o, json_t *obj, const char *key, json_t *v);
/* "0x..." lowercase from a hex string of any width. */
HP_HIDDEN json_t *hp_jhex(const char *s, size_t n);

/* ---- records printed through OutputDebugString (parse_ctl.c) ---- */

/* Builds an event from "<prefix><evprefix>name k=v ..." text (the svccert-ctl and svccert-cli
   records), NULL if the text does not start with prefix; a bad name gives a bad_ctl_record event. */
HP_HIDDEN json_t *hp_rec_event(struct hp_out *o, const char *prefix, const char *evprefix,
                               const char *text, size_t n, int truncated, long long seq, double t,
                               int t_est, unsigned pid, unsigned tid);
/* Builds a ctl_* event from "svccert-ctl <ev> k=v ..." text, NULL if it is not one. */
HP_HIDDEN json_t *hp_ctl_event(struct hp_out *o, const char *text, size_t n, int truncated,
                               long long seq, double t, int t_est, unsigned pid, unsigned tid);
/* The service_pid value of a ctl record, 0 if absent. */
HP_HIDDEN unsigned hp_ctl_service_pid(const char *text, size_t n);
/* The server_pid of a "svccert-ctl ctl_launch ok=1 ..." record, 0 for any other record. */
HP_HIDDEN unsigned hp_ctl_launch_pid(const char *text, size_t n, int truncated);
/* Builds a marker event from "svcref rule=<id> <why>", NULL if it is not one. */
HP_HIDDEN json_t *hp_marker_event(struct hp_out *o, const char *text, size_t n, long long seq,
                                  double t, int t_est, unsigned pid, unsigned tid);
/* True when the client line is an OutputDebugString record; decodes it into out. */
HP_HIDDEN int hp_debugstr_line(const struct hp_line *l, struct hp_buf *out, int *truncated);

/* ---- tid -> pid map (parse_map.c) ---- */

struct hp_map {
    unsigned *keys, *vals;
    size_t cap, used;
};
HP_HIDDEN int hp_map_put(struct hp_map *m, unsigned key, unsigned val);
HP_HIDDEN unsigned hp_map_get(const struct hp_map *m, unsigned key);
HP_HIDDEN void hp_map_del(struct hp_map *m, unsigned key);
HP_HIDDEN void hp_map_free(struct hp_map *m);

/* ---- the state of one parse (parse.c, parse_cand.c) ---- */

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

/* The ctl_reg_* records of one registry scan, until its ctl_reg_done. */
struct hp_reg {
    json_t *classes, *appids, *exes, *services;
    int truncated;
    long long records;
};

struct hp_state {
    struct hp_out out;
    struct hp_map tids;    /* tid -> pid for every thread seen */
    unsigned cand, ctl;    /* candidate and controller pids, 0 = none */
    unsigned cli;          /* the harness's COM client (first svccert-cli record), 0 = none */
    struct hp_com com;
    struct hp_cookies cookies;
    struct hp_reg reg;
    struct hp_thr *thr;
    size_t nthr, capthr;
    long long seq;         /* the current raw line number */
    double t;              /* the current line's time */
    int t_est;
    double last_t;
    char start_service[256];  /* service named by the candidate's last start request */
    int cand_dead;
    struct hp_ev *exit_ev; /* process_exit waiting for the server to confirm the death */
    long long exit_code;
    int have_code, self_exit, last_self, crash, killed_foreign;
    unsigned killed_by;
    char crash_detail[320];
    unsigned term_tid, term_pid;  /* a terminate_process of another process in flight */
    int term_active;
    unsigned nt_tid, nt_pid;      /* a new_thread request for the caller's own process */
    struct hp_buf buf;
};

/* Queues e at the current line; an estimated t gets its upper bound "t_next". */
HP_HIDDEN struct hp_ev *hp_queue(struct hp_state *st, json_t *e, enum hp_ev_state state);
HP_HIDDEN struct hp_thr *hp_thr_find(struct hp_state *st, unsigned tid);
HP_HIDDEN struct hp_thr *hp_thr_add(struct hp_state *st, unsigned tid);
/* Records that tid belongs to pid, keeping the candidate's thread list in step. */
HP_HIDDEN void hp_assign(struct hp_state *st, unsigned tid, unsigned pid);
/* A candidate line other than a thread's death: a pending process_exit was premature. */
HP_HIDDEN void hp_cand_active(struct hp_state *st);
HP_HIDDEN void hp_cand_client(struct hp_state *st, const struct hp_line *l);
HP_HIDDEN void hp_cand_server(struct hp_state *st, const struct hp_line *l, const struct hp_srv *s);
HP_HIDDEN void hp_cand_thread_killed(struct hp_state *st, unsigned tid, long long code);
HP_HIDDEN void hp_cand_process_killed(struct hp_state *st);
HP_HIDDEN void hp_cand_crash(struct hp_state *st, const char *detail);
HP_HIDDEN void hp_cand_finish(struct hp_state *st);

/* ---- COM servers, windows and the COM client (parse_com.c) ---- */

#define HP_CLI_PREFIX "svccert-cli "

/* A trace:process:NtCreateUserProcess line of any process: the first line (image, cmdline) is kept
   in lc; the second (pid, tid) returns 1 with the new process's ids, lc then holding its image and
   command line. */
HP_HIDDEN int hp_launch_line(const struct hp_line *l, struct hp_launch *lc, struct hp_buf *b,
                             unsigned *pid, unsigned *tid);
/* True when the command line carries -Embedding or /Embedding as a word. */
HP_HIDDEN int hp_is_embedding(const char *cmdline);
/* Any process's process-channel line: process_start for the candidate. */
HP_HIDDEN void hp_com_process_line(struct hp_state *st, const struct hp_line *l);
/* A candidate line of the ole, msg or win channel. */
HP_HIDDEN void hp_com_cand_line(struct hp_state *st, const struct hp_line *l);
/* A line of a process other than the candidate and the controller: svccert-cli records become
   cli_* events; other debug strings are kept for the first client only. */
HP_HIDDEN void hp_com_cli_line(struct hp_state *st, const struct hp_line *l);

/* ---- relay Call/Ret lines of the candidate's COM calls (parse_relay.c) ---- */

/* A relay line of the candidate: opens or closes a call, makes or completes its event. */
HP_HIDDEN void hp_relay_line(struct hp_state *st, const struct hp_line *l);
/* The event an +ole line of the candidate made (e, stolen): it waits for the result of the relay
   call it belongs to, or is queued at once when relay does not show that call. */
HP_HIDDEN void hp_relay_ole(struct hp_state *st, const struct hp_line *l, json_t *e);
/* The thread is gone or the log ended: its open calls get no result. */
HP_HIDDEN void hp_relay_thread_gone(struct hp_state *st, struct hp_thr *t);

/* ---- the controller's registry scan (parse_reg.c) ---- */

/* A controller record (text after decoding): 1 when it belongs to a registry scan and was taken;
   the scan's ctl_reg_done queues its com_registry event. */
HP_HIDDEN int hp_reg_record(struct hp_state *st, const struct hp_line *l, const char *text, size_t n,
                            int truncated);
/* The log ended: returns how many ctl_reg_* records never got their ctl_reg_done, and frees the scan. */
HP_HIDDEN long long hp_reg_finish(struct hp_state *st);

/* ---- waits from the server's select traffic (parse_wait.c) ---- */

HP_HIDDEN void hp_wait_request(struct hp_state *st, struct hp_thr *t, const char *args);
HP_HIDDEN void hp_wait_reply(struct hp_state *st, struct hp_thr *t, const char *status);
HP_HIDDEN void hp_wait_wakeup(struct hp_state *st, struct hp_thr *t, const char *args);
HP_HIDDEN void hp_wait_thread_gone(struct hp_state *st, struct hp_thr *t);

#endif
