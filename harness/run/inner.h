/* inner.h: the run's inner part, the same in the sandbox and out of it, and what it leaves behind. */
#ifndef SVCCERT_RUN_INNER_H
#define SVCCERT_RUN_INNER_H

/* The shell script that starts the wineserver, then the controller under the deadline, then shuts the
 * server down; its arguments: OUT SERVER WINE DEADLINE_S CONTROLLER-ARGV... */
const char *inner_script(void);

/* What the inner part said of itself in OUT/status. */
struct inner_status {
    int server_failed;      /* the wineserver never listened */
    int controller_ended;   /* the controller's status is known */
    int controller_rc;      /* 124: the deadline ended it */
    long long t[4];         /* ms since the epoch: start, server up, controller done, server down (0: never) */
};
void inner_read_status(const char *out, struct inner_status *st);

/* The size of a file, 0 when it has none. */
long long inner_file_size(const char *path);
/* Cuts a log at `max` bytes, at a line's end, so that a parser meets whole lines only. */
void inner_cut_log(const char *path, long long max);
/* Moves a log from the run directory to its place beside the trace (another file system, perhaps); an
 * absent log becomes an empty one. */
int inner_move(const char *from, const char *to);

#endif
