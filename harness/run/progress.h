/* progress.h: what a check's runs are doing, said on stderr while they go (used by pool.c). */
#ifndef SVCCERT_PROGRESS_H
#define SVCCERT_PROGRESS_H

#include "harness.h"

struct hr_progress {
    int show;                        /* say anything at all */
    int tty;                         /* stderr is a terminal: a ticker may be rewritten in place */
    int ticker_shown;                /* a ticker line is on screen and must be cleared before a line */
    long long t0, started[HR_MAX_RUNS], last_tick;
    int ended[HR_MAX_RUNS];
    const struct hr_pool_run *runs;
    int n;
};

void hr_progress_begin(struct hr_progress *p, const struct hr_pool_run *runs, int n, int jobs, int show);
void hr_progress_started(struct hr_progress *p, int i);
/* Waits for a run's child like wait(2), ticking the elapsed time meanwhile on a terminal. */
int hr_progress_wait(struct hr_progress *p, int *status);
/* i's child has ended: its time, and how its trace ended (the `end` event's reason). */
void hr_progress_ended(struct hr_progress *p, int i);
void hr_progress_done(struct hr_progress *p);

#endif
