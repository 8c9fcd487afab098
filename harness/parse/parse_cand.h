/* The candidate process: which lines reach which handler, its service-channel calls, and its death. */
#ifndef SVCCERT_HARNESS_PARSE_CAND_H
#define SVCCERT_HARNESS_PARSE_CAND_H

struct hp_line;
struct hp_srv;
struct hp_state;

/* Records that tid belongs to pid, keeping the candidate's thread list in step. */
void hp_assign(struct hp_state *st, unsigned tid, unsigned pid);
/* A candidate line other than a thread's death: a pending process_exit was premature. */
void hp_cand_active(struct hp_state *st);
void hp_cand_client(struct hp_state *st, const struct hp_line *l);
void hp_cand_server(struct hp_state *st, const struct hp_line *l, const struct hp_srv *s);
void hp_cand_thread_killed(struct hp_state *st, unsigned tid, long long code);
void hp_cand_process_killed(struct hp_state *st);
void hp_cand_crash(struct hp_state *st, const char *detail);
/* The log ended: what the candidate's threads left open is closed. */
void hp_cand_finish(struct hp_state *st);

#endif
