/* stopwait.h: when an installer waiting for a service to stop polls again and when it gives up (plain C).
 * Rule points: none. */
#ifndef SVCREF_STOPWAIT_H
#define SVCREF_STOPWAIT_H

/* What the waiter has seen: the last checkpoint and when (in ms, on any rising clock) it last moved. */
struct stopwait {
    unsigned long checkpoint;
    unsigned long moved_at;
};

enum stopwait_verdict { STOPWAIT_DONE, STOPWAIT_POLL, STOPWAIT_STALLED };

void stopwait_begin(struct stopwait *w, unsigned long checkpoint, unsigned long now);
/* How long to sleep before the next query: a tenth of the wait hint, within 1 to 10 seconds. */
unsigned long stopwait_interval(unsigned long wait_hint);
/* One query's answer: done when stopped; stalled when the checkpoint has not moved for longer than
 * the wait hint; otherwise poll again. */
enum stopwait_verdict stopwait_step(struct stopwait *w, int stopped, unsigned long checkpoint,
                                    unsigned long wait_hint, unsigned long now);

#endif
