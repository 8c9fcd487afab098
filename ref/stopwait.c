/* stopwait.c: the stop-wait policy of Microsoft's service-control sample, kept free of Windows types.
 * Rule points: none. */
#include "stopwait.h"

void stopwait_begin(struct stopwait *w, unsigned long checkpoint, unsigned long now)
{
    w->checkpoint = checkpoint;
    w->moved_at = now;
}

/* The sample's figure: the wait hint says how long the next step may take, so a tenth of it is a
 * fair polling period; never busier than once a second nor sleepier than once in ten. */
unsigned long stopwait_interval(unsigned long wait_hint)
{
    unsigned long ms = wait_hint / 10;

    return ms < 1000 ? 1000 : ms > 10000 ? 10000 : ms;
}

/* A service is stuck only when its checkpoint stays put longer than its own wait hint: a long stop
 * that keeps advancing is waited for, however long it takes in all. */
enum stopwait_verdict stopwait_step(struct stopwait *w, int stopped, unsigned long checkpoint,
                                    unsigned long wait_hint, unsigned long now)
{
    if (stopped)
        return STOPWAIT_DONE;
    if (checkpoint > w->checkpoint) {
        stopwait_begin(w, checkpoint, now);
        return STOPWAIT_POLL;
    }
    return now - w->moved_at > wait_hint ? STOPWAIT_STALLED : STOPWAIT_POLL;
}
