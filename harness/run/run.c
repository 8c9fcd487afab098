/* run.c: one harness run: its directory and prefix, the inner part in a sandbox (or unconfined), its limits and deadline, the trace. */
#include "harness.h"
#include "box.h"
#include "ctl_log.h"
#include "inner.h"
#include "../parse/parse.h"
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* +ole and +relay (limited by the prefix's RelayInclude) show the COM calls and their results, +msg the
 * loop's WM_QUIT, +win the windows, +process who started whom (-Embedding). */
#define RUN_WINEDEBUG "+timestamp,+pid,+service,warn+debugstr,+server,+ole,+relay,+msg,+win,+process"
#define RUN_MAX_NOTES 16
/* How long past the deadline a run may take to shut down before everything in it is killed. */
#define RUN_BACKSTOP_S 30
/* The controller's exit status for a run it could not make as asked (CTL_EXIT_HARNESS in harness/win/ctl.h). */
#define RUN_CTL_EXIT_HARNESS 3

/* What the harness itself did or saw; these become `harness` events in the trace. */
struct run_state {
    const struct hr_run *r;
    char dir[256], prefix[300], raw[4200], raw_plain[4200], ctl[4200], tmp_trace[4200];
    char log[400];                      /* the raw log as Wine wrote it, in the run's directory: what is parsed */
    char files[300];                    /* where the run's files are laid: the stage (sandbox) or the prefix */
    char out[300];                      /* where the inner part writes the raw log, controller log and status */
    char name[300], win_cand[512];
    json_t *header;                     /* made before the run: nothing in it depends on the run */
    struct hr_env *env;
    const char *end_reason;
    struct { const char *action, *limit; char detail[256]; } notes[RUN_MAX_NOTES];
    int n_notes;
};

void hr_defaults(struct hr_run *r)
{
    memset(r, 0, sizeof *r);
    r->timeout_s = 120;
    r->start_timeout_ms = 20000;
    r->stop_timeout_ms = 20000;
    r->pause_timeout_ms = 5000;
    r->exit_timeout_ms = 10000;
    r->dwell_ms = 500;
    r->instances = 3;
    r->hold_ms = 500;
    r->gap_ms = 200;
    r->watch_ms = 12000;
    /* Affordable on a 2-CPU, 24 GiB CI machine running two runs at once. */
    r->lim.memory_mib = 4096;
    r->lim.pids = 512;
    r->lim.disk_mib = 2048;
    r->lim.log_mib = 256;
}

static const char *run_shape(const struct hr_run *r)
{
    return r->shape ? r->shape : "service";
}

static void run_note(struct run_state *s, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void run_note(struct run_state *s, const char *action, const char *fmt, ...)
{
    va_list ap;

    if (s->n_notes >= RUN_MAX_NOTES)
        return;
    s->notes[s->n_notes].action = action;
    va_start(ap, fmt);
    vsnprintf(s->notes[s->n_notes].detail, sizeof s->notes[0].detail, fmt, ap);
    va_end(ap);
    s->n_notes++;
}

/* A service name from the file name, up to its first dot: letters, digits, '_' and '-' only. */
static void run_default_name(const char *path, char *out, size_t cap)
{
    char base[256];
    const char *b;
    size_t n = 0;

    hr_base_name(path, base, sizeof base);
    for (b = base; *b && *b != '.' && n + 1 < cap; b++)
        if ((*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z') || (*b >= '0' && *b <= '9') || *b == '_' || *b == '-')
            out[n++] = *b;
    out[n] = 0;
    if (!n)
        snprintf(out, cap, "candidate");
}

/* One file into the prefix's C:\svccert; the controller, the client and the candidate all go there. */
static int run_install_one(const struct run_state *s, const char *from, const char *rel, const char *what,
                           char *err, size_t errlen)
{
    char to[4400];

    if ((size_t)snprintf(to, sizeof to, "%s/drive_c/svccert/%s", s->files, rel) >= sizeof to ||
        hr_copy_file(from, to)) {
        snprintf(err, errlen, "cannot install %s %s into the prefix: %s%s", what, from, strerror(errno),
                 strstr(rel, ".exe") && !strchr(rel, '/') ? " (was the build run?)" : "");
        return -1;
    }
    return 0;
}

static int run_install_files(struct run_state *s, char *err, size_t errlen)
{
    char windir[4096], from[4200], dir[4300], base[256], rel[300];
    const char *b = strrchr(s->r->candidate, '/');

    hr_win_dir(windir, sizeof windir);
    snprintf(base, sizeof base, "%s", b ? b + 1 : s->r->candidate);
    snprintf(dir, sizeof dir, "%s/drive_c/svccert/candidate", s->files);
    if (hr_mkdirs(dir)) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(from, sizeof from, "%s/svcctl.exe", windir);
    if (run_install_one(s, from, "svcctl.exe", "the controller", err, errlen))
        return -1;
    snprintf(from, sizeof from, "%s/comclient.exe", windir);
    if (run_install_one(s, from, "comclient.exe", "the COM client", err, errlen))
        return -1;
    /* the session-0 look (docs/wine-hooks.md): the controller applies it when the DLL is there */
    snprintf(from, sizeof from, "%s/svcs0.dll", windir);
    if (!s->r->no_session0 && run_install_one(s, from, "svcs0.dll", "the session-0 DLL", err, errlen))
        return -1;
    if (s->r->reg_file && run_install_one(s, s->r->reg_file, "registration.reg", "the registration", err, errlen))
        return -1;
    snprintf(rel, sizeof rel, "candidate/%s", base);
    if (run_install_one(s, s->r->candidate, rel, "the candidate", err, errlen))
        return -1;
    return 0;
}

/* The image path the service is installed with; -1 when the words do not fit the controller's buffer. */
static int run_image_path(const struct run_state *s, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "\"%s\"", s->win_cand);
    int i;

    for (i = 0; i < s->r->n_image_args && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, strchr(s->r->image_args[i], ' ') ? " \"%s\"" : " %s",
                              s->r->image_args[i]);
    return n < cap ? 0 : -1;
}

/* The controller's numeric options; their count sizes its argv. */
#define RUN_NUMS 9
/* Every word the inner part can be given: the shell and its script (four words: sh -c SCRIPT NAME), the
 * out directory, the server, the loader and the deadline, the program, five named values (shape, name,
 * image, candidate, client), the numbers, --register-cmd, --reg-file, each class, three flags, each
 * start argument as a pair, --fixed-name, --service-type, each parameter as a pair, and the final NULL.
 * run_arg checks against it as well, so an option added later without growing this is a failed run, never
 * a write past the array. */
#define RUN_ARGV_CAP (4 + 4 + 1 + 2 * 5 + 2 * RUN_NUMS + 2 + 2 + 2 * HR_MAX_CLSIDS + 3 + 2 * HR_MAX_ARGS + 1 + 2 + \
                      2 * HR_MAX_PARAMS + 1)

struct run_argv {
    char *v[RUN_ARGV_CAP];
    int n, overflow;
};

static void run_arg(struct run_argv *a, const char *w)
{
    if (a->n + 1 < RUN_ARGV_CAP)
        a->v[a->n++] = (char *)w;
    else
        a->overflow = 1;
}

static void run_opt(struct run_argv *a, const char *opt, const char *value)
{
    run_arg(a, opt);
    run_arg(a, value);
}

/* The words that start the inner part: sh, the script, its arguments, the controller's command line.
 * The strings the words point to live in `bufs`; -1 when a path or the command line does not fit. */
struct run_words {
    char server[512], loader[512], image[2048], secs[16], num[RUN_NUMS][16];
};

static int run_inner_argv(struct run_state *s, const char *out, struct run_argv *a, struct run_words *w)
{
    const struct hr_run *r = s->r;
    int i;
    /* the controller's numeric options, all from the run */
    const struct { const char *opt; int v; } nums[RUN_NUMS] = {
        { "--start-timeout", r->start_timeout_ms }, { "--stop-timeout", r->stop_timeout_ms },
        { "--exit-timeout", r->exit_timeout_ms }, { "--dwell", r->dwell_ms },
        { "--pause-timeout", r->pause_timeout_ms }, { "--instances", r->instances },
        { "--hold-ms", r->hold_ms }, { "--gap-ms", r->gap_ms }, { "--watch-ms", r->watch_ms },
    };

    if (hr_wine_tool("wineserver64", w->server, sizeof w->server) ||
        hr_wine_tool("wine64", w->loader, sizeof w->loader) || run_image_path(s, w->image, sizeof w->image))
        return -1;
    snprintf(w->secs, sizeof w->secs, "%d", r->timeout_s);
    run_arg(a, "/bin/sh");
    run_arg(a, "-c");
    run_arg(a, inner_script());
    run_arg(a, "svccert-run");
    run_arg(a, out);
    run_arg(a, w->server);
    run_arg(a, w->loader);
    run_arg(a, w->secs);
    run_arg(a, "C:\\svccert\\svcctl.exe");
    run_opt(a, "--shape", run_shape(r));
    run_opt(a, "--name", s->name);
    run_opt(a, "--image", w->image);
    run_opt(a, "--cand", s->win_cand);
    run_opt(a, "--client", "C:\\svccert\\comclient.exe");
    for (i = 0; i < RUN_NUMS; i++) {
        snprintf(w->num[i], sizeof w->num[i], "%d", nums[i].v);
        run_opt(a, nums[i].opt, w->num[i]);
    }
    if (r->register_cmd)
        run_opt(a, "--register-cmd", r->register_cmd);
    if (r->reg_file)
        run_opt(a, "--reg-file", "C:\\svccert\\registration.reg");
    for (i = 0; i < r->n_clsids; i++)
        run_opt(a, "--clsid", r->clsids[i]);
    if (r->activate)
        run_arg(a, "--activate");
    if (r->no_pause)
        run_arg(a, "--no-pause");
    if (r->no_stop)
        run_arg(a, "--no-stop");
    for (i = 0; i < r->n_args; i++)
        run_opt(a, "--arg", r->args[i]);
    if (r->service_name)
        run_arg(a, "--fixed-name");
    run_opt(a, "--service-type", r->share_process ? "share" : "own");
    for (i = 0; i < r->n_params; i++)
        run_opt(a, "--param", r->params[i]);
    a->v[a->n] = NULL;
    return a->overflow ? -1 : 0;
}

/* Waits for the inner part while watching the run's limits and a backstop past its deadline (the inner
 * part keeps the deadline itself, then shuts Wine down; the backstop is for a shutdown that hangs).
 * Returns the limit reached (HR_LIMIT_*), or HR_LIMIT_NONE; the inner part is over either way. */
static int run_watch(struct run_state *s, int pid, struct box *b, const char *raw, long long backstop)
{
    long long log_max = (long long)s->r->lim.log_mib << 20;
    char detail[256] = "";
    int hit = HR_LIMIT_NONE, st;

    for (;;) {
        st = hr_wait_until(pid, hr_now_ms() + 50);
        if (st != HR_WAIT_TIMEOUT)
            break;
        if (log_max > 0 && inner_file_size(raw) > log_max) {
            hit = HR_LIMIT_RAW_LOG;
            snprintf(detail, sizeof detail, "the raw log reached its limit of %d MiB; it is cut there",
                     s->r->lim.log_mib);
        } else if (b) {
            hit = box_limit_hit(b, detail, sizeof detail);
        }
        if (hit == HR_LIMIT_NONE && hr_now_ms() < backstop)
            continue;
        if (hit == HR_LIMIT_NONE) {
            run_note(s, "deadline", "the run's shutdown hung %d s past its deadline; everything in it was killed",
                     (int)((hr_now_ms() - backstop) / 1000) + RUN_BACKSTOP_S);
            s->end_reason = "deadline";
        } else {
            run_note(s, "limit", "%s", detail);
            s->notes[s->n_notes - 1].limit = hr_limit_name(hit);
            s->end_reason = "limit";
        }
        if (b)
            box_kill(b);
        else
            kill(-pid, SIGKILL);
        hr_wait_until(pid, hr_now_ms() + 5000);
        break;
    }
    if (st == HR_WAIT_ERROR) {
        run_note(s, "controller_failed", "cannot wait for the run: %s", strerror(errno));
        s->end_reason = "error";
    }
    return hit;
}

/* What the inner part said of itself, as the run's notes: a server that never listened, the deadline, a
 * controller that failed. */
static void run_status(struct run_state *s, struct inner_status *st)
{
    inner_read_status(s->out, st);
    if (st->server_failed) {
        run_note(s, "controller_failed", "the wineserver of the run did not start");
        s->end_reason = "error";
    }
    if (st->controller_ended && st->controller_rc == 124) {
        run_note(s, "deadline", "the run's deadline of %d s passed; everything in the prefix was killed",
                 s->r->timeout_s);
        if (!strcmp(s->end_reason, "complete"))
            s->end_reason = "deadline";
    }
}

/* What the controller's log says: the service it really drove (another name when the run's was another
 * program's, or the one it adopted; its type as installed) goes into the header, and a run it could not
 * make as asked (its ctl_error, exit status 3) ends with an error and its one-line reason. */
static void run_outcome(struct run_state *s, const struct inner_status *st)
{
    json_t *cand = json_object_get(s->header, "candidate");
    struct ctl_outcome co;

    ctl_log_read(s->ctl, &co);
    if (co.name[0] && json_string(co.name)) {
        snprintf(s->name, sizeof s->name, "%s", co.name);
        json_object_set_new(cand, "service_name", json_string(s->name));
    }
    if (co.service_type >= 0)
        json_object_set_new(cand, "service_type", json_integer(co.service_type));
    /* no service installed: a name left in the header would let the parser take a service of the prefix
       that has it (started at boot) for the candidate */
    if (!co.name[0] && co.reason[0] && !strcmp(run_shape(s->r), "service")) {
        s->name[0] = 0;
        json_object_del(cand, "service_name");
    }
    if (co.reason[0] || (st->controller_ended && st->controller_rc == RUN_CTL_EXIT_HARNESS)) {
        run_note(s, "controller_failed", "%s", co.reason[0] ? co.reason : "the controller could not make the run");
        s->end_reason = "error";
    } else if (st->controller_ended && st->controller_rc && st->controller_rc != 124) {
        run_note(s, "controller_failed", "the controller ended with status %d", st->controller_rc);
    }
}

/* Ends every process of an unconfined run: the prefix's wineserver first, then anything left, by pid (a
 * sandboxed run needs none of this: its PID namespace ends with it). */
static void run_shutdown(struct run_state *s)
{
    char server[512];
    char *argv[] = { server, "-k", NULL };
    int pid = -1, left;

    /* without a server path or an environment, the reaping below still ends everything */
    if (s->env && !hr_wine_tool("wineserver64", server, sizeof server))
        pid = hr_spawn(s->env, argv, "/dev/null", "/dev/null");
    if (pid > 0 && hr_wait_until(pid, hr_now_ms() + 10000) == HR_WAIT_TIMEOUT) {
        kill(pid, SIGKILL);
        hr_wait_until(pid, hr_now_ms() + 5000);
    }
    left = hr_prefix_reap(s->prefix);
    if (left)
        run_note(s, "kill", "%d process(es) of the run were still alive after wineserver -k and were killed", left);
}

/* An array of the words, or NULL when one is not UTF-8 (JSON cannot carry it). */
static json_t *run_words(const char *const *words, int n)
{
    json_t *a = json_array();
    int i;

    for (i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(words[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* What this source cannot show, whatever the candidate does; the engine reads these keys to say why a
 * rule's half went unexercised instead of judging it. */
static json_t *run_limits(void)
{
    return json_pack("{s:s, s:s, s:s, s:s}",
                     "lockserver", "Wine 8's class-factory proxy answers IClassFactory::LockServer with E_NOTIMPL "
                                   "without reaching the server",
                     "runas", "Wine 8 does not enforce an AppID's RunAs identity",
                     "rot_allow_any_client", "Wine 8 does not police ROTFLAGS_ALLOWANYCLIENT",
                     "class_suspend", "Wine 8 does not suspend class objects when CoReleaseServerProcess reaches zero");
}

/* The header, or NULL when something the user gave cannot be written as JSON (not UTF-8). */
static json_t *run_header(const struct run_state *s)
{
    const struct hr_run *r = s->r;
    json_t *img = run_words(r->image_args, r->n_image_args), *args = run_words(r->args, r->n_args);
    json_t *clsids = run_words(r->clsids, r->n_clsids), *params = run_words(r->params, r->n_params), *run = NULL;

    if (img && args && clsids && params)
        run = json_pack("{s:s, s:s?, s:s?, s:O, s:b, s:{s:i, s:i, s:i}, s:i, s:O}", "shape", run_shape(r),
                        "register", r->register_cmd, "reg_file", r->reg_file, "clsids", clsids,
                        "activate", r->activate, "client", "instances", r->instances, "hold_ms", r->hold_ms,
                        "gap_ms", r->gap_ms, "watch_ms", r->watch_ms, "params", params);
    json_decref(clsids);
    json_decref(params);
    if (!run) {
        json_decref(img);
        json_decref(args);
        return NULL;
    }
    /* The event families this run records; a rule whose family is missing says so (error). */
    return json_pack("{s:s, s:s, s:[s,s,s,s,s,s,s], s:o, s:o, s:{s:s, s:s, s:o, s:o, s:s, s:i}, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:b, s:b}}",
                     "source", "wine", "source_version", hr_wine_version(),
                     "hooks", "service", "waits", "debugstr", "controller", "com", "registry", "com_client",
                     "limits", run_limits(), "run", run,
                     "candidate", "path", r->candidate, "image_path", s->win_cand, "image_args", img,
                     "args", args, "service_name", s->name, "service_type", r->share_process ? 32 : 16,
                     "controller", "timeout_s", r->timeout_s, "start_timeout_ms", r->start_timeout_ms,
                     "stop_timeout_ms", r->stop_timeout_ms, "pause_timeout_ms", r->pause_timeout_ms, "exit_timeout_ms", r->exit_timeout_ms,
                     "dwell_ms", r->dwell_ms, "pause", !r->no_pause, "stop", !r->no_stop);
}

/* A trace of the header alone, for a raw log that could not be parsed; the end is added by the caller. */
static int run_header_only(struct run_state *s, FILE *tmp)
{
    json_t *hdr = json_deep_copy(s->header);
    int rc;

    rewind(tmp);
    if (!hdr || ftruncate(fileno(tmp), 0)) {
        json_decref(hdr);
        return -1;
    }
    json_object_set_new(hdr, "ev", json_string("header"));
    json_object_set_new(hdr, "schema", json_string("svccert-trace/1"));
    json_object_set_new(hdr, "seq", json_integer(0));
    json_object_set_new(hdr, "t", json_integer(0));
    json_object_set_new(hdr, "pid", json_integer(0));
    json_object_set_new(hdr, "tid", json_integer(0));
    rc = json_dumpf(hdr, tmp, JSON_COMPACT) || fputc('\n', tmp) == EOF || fflush(tmp) ? -1 : 0;
    json_decref(hdr);
    return rc;
}

/* One event as a line of the trace; -1 when it could not be made or written. */
static int run_put(json_t *ev, FILE *out)
{
    int rc = !ev || json_dumpf(ev, out, JSON_COMPACT) || fputc('\n', out) == EOF ? -1 : 0;

    json_decref(ev);
    return rc;
}

/* The parser ends the trace with `end`; the harness's own events go just before it. */
static int run_write_trace(struct run_state *s, char *err, size_t errlen)
{
    json_t *endj = NULL;
    char *hdr_text = json_dumps(s->header, JSON_COMPACT), perr[256] = "";
    struct hp_opts o = { hdr_text, 0, s->name[0] ? s->name : NULL, s->end_reason };
    FILE *raw, *tmp, *out;
    char *line = NULL;
    size_t cap = 0;
    json_int_t seq = 0, events = 0;
    double t = 0;
    int i, rc = 0, raw_errno;

    if (!hdr_text) {
        snprintf(err, errlen, "cannot write the trace's header: out of memory");
        return -1;
    }
    raw = fopen(s->log, "r");
    raw_errno = errno;
    tmp = fopen(s->tmp_trace, "w+");
    if (!tmp) {
        snprintf(err, errlen, "cannot write %s: %s", s->tmp_trace, strerror(errno));
        free(hdr_text);
        if (raw)
            fclose(raw);
        return -1;
    }
    if (!raw || hp_parse(raw, tmp, &o, perr, sizeof perr)) {
        run_note(s, "log_lost", "the raw log could not be read: %s", raw ? perr : strerror(raw_errno));
        s->end_reason = "error";
        if (run_header_only(s, tmp)) {
            snprintf(err, errlen, "cannot write %s: %s", s->tmp_trace, strerror(errno));
            free(hdr_text);
            fclose(tmp);
            if (raw)
                fclose(raw);
            return -1;
        }
    }
    free(hdr_text);
    if (raw)
        fclose(raw);
    out = fopen(s->r->trace_path, "w");
    if (!out) {
        snprintf(err, errlen, "cannot write %s: %s", s->r->trace_path, strerror(errno));
        fclose(tmp);
        return -1;
    }
    rewind(tmp);
    /* Copy all but the `end` line, remembering the last position and time. */
    while (getline(&line, &cap, tmp) > 0) {
        json_t *j = json_loads(line, 0, NULL);
        if (j && json_is_string(json_object_get(j, "ev")) && !strcmp(json_string_value(json_object_get(j, "ev")), "end")) {
            json_decref(endj);
            endj = j;
            continue;
        }
        if (j) {
            seq = json_integer_value(json_object_get(j, "seq"));
            if (json_is_number(json_object_get(j, "t")))
                t = json_number_value(json_object_get(j, "t"));
            json_decref(j);
        }
        fputs(line, out);
        events++;
    }
    free(line);
    if (ferror(tmp))
        rc = -1;
    for (i = 0; i < s->n_notes; i++, events++)
        rc |= run_put(json_pack("{s:s, s:I, s:f, s:b, s:i, s:i, s:s, s:s, s:s*}", "ev", "harness", "seq", ++seq,
                                "t", t, "t_est", 1, "pid", 0, "tid", 0, "action", s->notes[i].action,
                                "detail", s->notes[i].detail, "limit", s->notes[i].limit), out);
    if (!endj)
        endj = json_object();
    if (endj) {
        json_object_set_new(endj, "ev", json_string("end"));
        json_object_set_new(endj, "seq", json_integer(++seq));
        json_object_set_new(endj, "t", json_real(t));
        json_object_set_new(endj, "pid", json_integer(0));
        json_object_set_new(endj, "tid", json_integer(0));
        json_object_set_new(endj, "reason", json_string(s->end_reason));
        json_object_set_new(endj, "events", json_integer(events));
    }
    rc |= run_put(endj, out);
    fclose(tmp);
    rc |= ferror(out);
    if (fclose(out) || rc) {
        snprintf(err, errlen, "cannot write %s", s->r->trace_path);
        rc = -1;
    }
    unlink(s->tmp_trace);
    return rc;
}

/* The whole environment of a sandboxed run: nothing of the caller's (no tokens, no display, no home). */
static char *const *run_box_env(const struct run_state *s)
{
    static char server[600], run[300], *env[] = { "PATH=/usr/bin:/bin", "HOME=/svccert/home", "TMPDIR=/tmp",
                                                  "LANG=C.UTF-8", "WINEPREFIX=" BOX_PREFIX,
                                                  "WINEDEBUG=" RUN_WINEDEBUG,
                                                  /* no Mono or Gecko installer dialogs: a service needs neither */
                                                  "WINEDLLOVERRIDES=mscoree,mshtml=", server, run, NULL };
    char path[512];

    if (hr_wine_tool("wineserver64", path, sizeof path))
        path[0] = 0;
    snprintf(server, sizeof server, "WINESERVER=%s", path);
    /* which run a process belongs to, for whoever looks from outside (the prefix path is the box's own) */
    snprintf(run, sizeof run, "SVCCERT_RUN=%s", s->dir);
    return env;
}

/* What confined the run, for the trace's header and the report: never silent about what was not. */
static json_t *run_sandbox_json(const struct run_state *s, const struct box *b)
{
    const struct hr_limits *l = &s->r->lim;
    const char *why = NULL;
    int cg = b && box_cgroup_enforced(b, &why);
    json_t *j = json_pack("{s:b, s:b, s:{s:i, s:i, s:i, s:i}, s:{s:b, s:b, s:b, s:b}, s:s}", "enabled", b != NULL,
                          "network", !b || s->r->network, "limits", "memory_mib", l->memory_mib, "pids", l->pids,
                          "disk_mib", l->disk_mib, "log_mib", l->log_mib, "enforced", "memory", b != NULL,
                          "pids", b != NULL, "disk", b != NULL, "raw_log", l->log_mib > 0,
                          "limits_by", !b ? "none" : cg ? "cgroup" : "watch");
    char note[512];

    if (j && !b)
        json_object_set_new(j, "note", json_string("unconfined (--no-sandbox): the candidate could reach the "
                                                   "host's files, network and processes"));
    else if (j && why) {
        /* what the watch can and cannot promise, said where the limits are read */
        snprintf(note, sizeof note, "%s: the process limit is the kernel's RLIMIT_NPROC in the run's user "
                 "namespace, and memory is watched (resident memory summed every 50 ms), so a run may pass the "
                 "memory limit briefly by what it allocates in that time", why);
        json_object_set_new(j, "note", json_string(note));
    }
    return j;
}

int hr_sandbox_check(const struct hr_run *r, char *err, size_t errlen)
{
    return r->no_sandbox || !box_available(err, errlen) ? 0 : HR_BAD_INPUT;
}

char *hr_sandbox_json(void)
{
    char err[256] = "", why[256] = "";
    int box = !box_available(err, sizeof err), cg = box_cgroup_available(why, sizeof why);
    json_t *j = json_pack("{s:b, s:s?, s:s, s:s?}", "available", box, "why", box ? NULL : err,
                          "limits_by", cg ? "cgroup" : "watch", "limits_why", cg ? NULL : why);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

    json_decref(j);
    return text;
}

int hr_trace(const struct hr_run *r, char *err, size_t errlen)
{
    struct run_state s;
    char tpl[4096], log[400], kerr[4400];
    const char *tmpdir;
    struct run_argv argv = { .n = 0 };
    struct run_words words;
    struct box *box = NULL;
    struct inner_status status;
    long long t0, t1, *tin = status.t;
    int rc, pid, hit;

    memset(&s, 0, sizeof s);
    s.r = r;
    s.end_reason = "complete";
    rc = hr_check_candidate(r->candidate, err, errlen);
    if (rc)
        return rc;
    if (r->service_name)
        snprintf(s.name, sizeof s.name, "%s", r->service_name);
    else
        run_default_name(r->candidate, s.name, sizeof s.name);
    if (hr_side_path(r->trace_path, HR_SIDE_RAW, s.raw, sizeof s.raw) ||
        hr_side_path(r->trace_path, HR_SIDE_RAW_PLAIN, s.raw_plain, sizeof s.raw_plain) ||
        hr_side_path(r->trace_path, HR_SIDE_CTL, s.ctl, sizeof s.ctl)) {
        snprintf(err, errlen, "%s: the trace's path is too long", r->trace_path);
        return HR_BAD_INPUT;
    }
    /* The image path is known before the run: the candidate always goes to the same place. */
    {
        const char *b = strrchr(r->candidate, '/');
        snprintf(s.win_cand, sizeof s.win_cand, "C:\\svccert\\candidate\\%s", b ? b + 1 : r->candidate);
    }
    s.header = run_header(&s);
    if (!s.header) {
        snprintf(err, errlen, "the candidate's path, a name or an argument is not UTF-8; a trace cannot carry it");
        return HR_BAD_INPUT;
    }
    if (!r->no_sandbox && box_available(err, errlen)) {
        rc = HR_BAD_INPUT;
        goto out_header;
    }
    rc = HR_HARNESS_ERROR;
    if (hr_prefix_template(tpl, sizeof tpl, err, errlen))
        goto out_header;
    /* TMPDIR, as mkdtemp(1) does: a caller (a test, a pipeline) then knows where its own runs live. */
    tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    if ((size_t)snprintf(s.dir, sizeof s.dir, "%s/svccert-run.XXXXXX", tmpdir) >= sizeof s.dir) {
        snprintf(err, errlen, "TMPDIR is too long for a run directory (%zu characters at most)", sizeof s.dir - 20);
        goto out_header;
    }
    if (!mkdtemp(s.dir)) {
        snprintf(err, errlen, "cannot create a run directory: %s", strerror(errno));
        goto out_header;
    }
    snprintf(s.prefix, sizeof s.prefix, "%s/pfx", s.dir);
    snprintf(s.out, sizeof s.out, "%s/out", s.dir);
    snprintf(s.tmp_trace, sizeof s.tmp_trace, "%s/trace.tmp", s.dir);
    snprintf(s.files, sizeof s.files, r->no_sandbox ? "%s/pfx" : "%s/stage", s.dir);
    unlink(s.raw);
    unlink(s.raw_plain);
    unlink(s.ctl);
    t0 = hr_now_ms();
    if (mkdir(s.out, 0755)) {
        snprintf(err, errlen, "cannot create %s: %s", s.out, strerror(errno));
        goto out;
    }
    if ((r->no_sandbox && hr_prefix_clone(tpl, s.prefix, err, errlen)) || run_install_files(&s, err, errlen))
        goto out;
    if (run_inner_argv(&s, r->no_sandbox ? s.out : BOX_OUT, &argv, &words)) {
        snprintf(err, errlen, "the path of Wine, the service's image path or the controller's command line is too long");
        goto out;
    }
    if (r->no_sandbox) {
        s.env = hr_env_new(s.prefix, RUN_WINEDEBUG);
        if (!s.env) {
            /* never a partial environment: without WINEPREFIX Wine would use the user's own prefix */
            snprintf(err, errlen, "cannot make the environment of the run's processes: out of memory");
            goto out;
        }
        pid = hr_spawn(s.env, argv.v, "/dev/null", "/dev/null");
        if (pid < 0) {
            snprintf(err, errlen, "cannot start the run: %s", strerror(errno));
            goto out;
        }
    } else {
        struct box_conf conf = { s.dir, tpl, s.files, s.out, &r->lim, r->network };

        box = box_start(&conf, argv.v, run_box_env(&s), err, errlen);
        if (!box) {
            rc = HR_BAD_INPUT;
            goto out;
        }
        pid = box_pid(box);
    }
    json_object_set_new(s.header, "sandbox", run_sandbox_json(&s, box));
    t1 = hr_now_ms();
    snprintf(s.log, sizeof s.log, "%s/raw.log", s.out);
    hit = run_watch(&s, pid, box, s.log, t1 + ((long long)r->timeout_s + RUN_BACKSTOP_S) * 1000);
    run_status(&s, &status);
    if (box)
        box_free(box);
    else
        run_shutdown(&s);
    if (hit == HR_LIMIT_RAW_LOG)
        inner_cut_log(s.log, (long long)r->lim.log_mib << 20);
    /* a run whose Wine wrote nothing still has a raw log, an empty one */
    if (access(s.log, F_OK) && hr_copy_file("/dev/null", s.log)) {
        snprintf(err, errlen, "cannot write %s: %s", s.log, strerror(errno));
        goto out;
    }
    /* Kept compressed, whole: the trace's `raw` line numbers are the lines of what zcat prints. A log that cannot
       be kept (a full disk) leaves no .gz and says so; the trace, parsed from the log still here, stays whole. */
    if (hr_raw_keep(s.log, s.raw, kerr, sizeof kerr)) {
        run_note(&s, "raw_not_kept", "%s; the trace's raw line numbers point nowhere", kerr);
        fprintf(stderr, "svccert: %s\n", kerr);
    }
    snprintf(log, sizeof log, "%s/ctl.log", s.out);
    inner_move(log, s.ctl);
    run_outcome(&s, &status);
    /* Where a run's time goes; bench/ reads these. */
    run_note(&s, "timing", "prefix_ms=%lld server_ms=%lld controller_ms=%lld shutdown_ms=%lld", t1 - t0,
             tin[1] && tin[0] ? tin[1] - tin[0] : -1, tin[2] && tin[1] ? tin[2] - tin[1] : -1,
             tin[3] && tin[2] ? tin[3] - tin[2] : -1);
    rc = run_write_trace(&s, err, errlen) ? HR_HARNESS_ERROR : HR_OK;
    if (r->keep_raw && inner_move(s.log, s.raw_plain))
        fprintf(stderr, "svccert: cannot keep the uncompressed raw log as %s: %s\n", s.raw_plain, strerror(errno));
out:
    hr_env_free(s.env);
    if (!r->keep_prefix)
        hr_prefix_remove(s.dir);
out_header:
    json_decref(s.header);
    return rc;
}
