/* progress.c: a line on stderr as each run of a check starts and ends, and, only when stderr is a terminal,
 * an elapsed-time ticker rewritten in place while they go (a log or a pipe gets no carriage returns). */
#define _GNU_SOURCE
#include "progress.h"
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_POLL_MS 100
#define PROGRESS_TICK_MS 1000

static double progress_s(long long ms)
{
    return (double)ms / 1000.0;
}

static const char *progress_shape(const struct hr_pool_run *r)
{
    return r->run.shape ? r->run.shape : "service";
}

/* Takes the ticker off the screen so that the next line starts at column 0 of a clean line. */
static void progress_clear(struct hr_progress *p)
{
    if (p->ticker_shown)
        fputs("\r\033[K", stderr);
    p->ticker_shown = 0;
}

static void progress_tick(struct hr_progress *p)
{
    long long now = hr_now_ms();
    char names[256] = "";
    size_t len = 0;
    int i;

    if (!p->show || !p->tty || now - p->last_tick < PROGRESS_TICK_MS)
        return;
    p->last_tick = now;
    for (i = 0; i < p->n && len < sizeof names; i++)
        if (p->started[i] >= 0 && !p->ended[i])
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s %.0f s", len ? ", " : "",
                                    p->runs[i].name, progress_s(now - p->started[i]));
    fprintf(stderr, "\r\033[K[%5.0f s] running: %s", progress_s(now - p->t0), names);
    fflush(stderr);
    p->ticker_shown = 1;
}

void hr_progress_begin(struct hr_progress *p, const struct hr_pool_run *runs, int n, int jobs, int show)
{
    int i;

    memset(p, 0, sizeof *p);
    p->show = show;
    p->tty = isatty(STDERR_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");
    p->runs = runs;
    p->n = n > HR_MAX_RUNS ? HR_MAX_RUNS : n;
    p->t0 = p->last_tick = hr_now_ms();
    for (i = 0; i < HR_MAX_RUNS; i++)
        p->started[i] = -1;
    if (show)
        fprintf(stderr, "[%5.1f s] %d run%s, %d at a time\n", 0.0, n, n == 1 ? "" : "s", jobs < n ? jobs : n);
}

void hr_progress_started(struct hr_progress *p, int i)
{
    if (i < 0 || i >= p->n)
        return;
    p->started[i] = hr_now_ms();
    if (!p->show)
        return;
    progress_clear(p);
    fprintf(stderr, "[%5.1f s] %-18s started, shape %s\n", progress_s(p->started[i] - p->t0),
            p->runs[i].name, progress_shape(&p->runs[i]));
    fflush(stderr);
}

/* The last line of a trace: its `end` event, when the run got that far. */
static void progress_end_reason(const char *trace, char *out, size_t cap)
{
    FILE *f = fopen(trace, "r");
    char *line = NULL, *last = NULL;
    size_t lcap = 0;
    json_t *e;

    snprintf(out, cap, "no trace");
    if (!f)
        return;
    while (getline(&line, &lcap, f) > 0) {
        free(last);
        last = strdup(line);
    }
    free(line);
    fclose(f);
    e = last ? json_loads(last, 0, NULL) : NULL;
    if (e && json_is_string(json_object_get(e, "reason")) &&
        !strcmp(json_string_value(json_object_get(e, "ev")) ? json_string_value(json_object_get(e, "ev")) : "", "end"))
        snprintf(out, cap, "%s, %lld events", json_string_value(json_object_get(e, "reason")),
                 (long long)json_integer_value(json_object_get(e, "events")));
    else
        snprintf(out, cap, "trace cut short");
    json_decref(e);
    free(last);
}

void hr_progress_ended(struct hr_progress *p, int i)
{
    long long now = hr_now_ms();
    char how[128];

    if (i < 0 || i >= p->n)
        return;
    p->ended[i] = 1;
    if (!p->show)
        return;
    progress_end_reason(p->runs[i].trace, how, sizeof how);
    progress_clear(p);
    fprintf(stderr, "[%5.1f s] %-18s ended after %.1f s: %s\n", progress_s(now - p->t0), p->runs[i].name,
            progress_s(now - (p->started[i] >= 0 ? p->started[i] : p->t0)), how);
    fflush(stderr);
}

int hr_progress_wait(struct hr_progress *p, int *status)
{
    struct timespec nap = { 0, PROGRESS_POLL_MS * 1000000L };

    /* without a ticker there is nothing to do meanwhile: wait as the pool always has */
    if (!p->show || !p->tty)
        return wait(status);
    for (;;) {
        int pid = waitpid(-1, status, WNOHANG);

        if (pid != 0)
            return pid;
        progress_tick(p);
        nanosleep(&nap, NULL);
    }
}

void hr_progress_done(struct hr_progress *p)
{
    if (!p->show)
        return;
    progress_clear(p);
    fprintf(stderr, "[%5.1f s] all runs ended\n", progress_s(hr_now_ms() - p->t0));
    fflush(stderr);
}
