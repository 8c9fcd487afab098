/* COM events of the candidate (ole, msg, win channels), process starts, and the COM client's records. */
#ifndef SVCCERT_HARNESS_PARSE_COM_H
#define SVCCERT_HARNESS_PARSE_COM_H

struct hp_buf;
struct hp_launch;
struct hp_line;
struct hp_state;

/* A trace:process:NtCreateUserProcess line of any process: the first line (image, cmdline) is kept
   in lc; the second (pid, tid) returns 1 with the new process's ids, lc then holding its image and
   command line. */
int hp_launch_line(const struct hp_line *l, struct hp_launch *lc, struct hp_buf *b, unsigned *pid,
                   unsigned *tid);
/* True when the command line carries -Embedding or /Embedding as a word. */
int hp_is_embedding(const char *cmdline);
/* Any process's process-channel line: 1 when it started a followed process, which gets its process_start
   event; *pid and *tid are then that process and its first thread, for the caller to assign. */
int hp_com_process_line(struct hp_state *st, const struct hp_line *l, unsigned *pid, unsigned *tid);
/* A candidate line of the ole, msg or win channel. */
void hp_com_cand_line(struct hp_state *st, const struct hp_line *l);
/* A line of a process other than the candidate and the controller: svccert-cli records become
   cli_* events; other debug strings are kept for the first client only. */
void hp_com_cli_line(struct hp_state *st, const struct hp_line *l);

#endif
