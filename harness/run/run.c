/* run.c: one harness run: a private prefix and wineserver, the controller, a deadline, the trace. */
#include "harness.h"
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

/* What the harness itself did or saw; these become `harness` events in the trace. */
struct run_state {
    const struct hr_run *r;
    char dir[256], prefix[300], raw[4200], ctl[4200], tmp_trace[4200];
    char name[128], win_cand[512];
    json_t *header;                     /* made before the run: nothing in it depends on the run */
    struct hr_env *env;
    int server_pid;
    const char *end_reason;
    struct { const char *action; char detail[256]; } notes[RUN_MAX_NOTES];
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

    if ((size_t)snprintf(to, sizeof to, "%s/drive_c/svccert/%s", s->prefix, rel) >= sizeof to ||
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
    snprintf(dir, sizeof dir, "%s/drive_c/svccert/candidate", s->prefix);
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
    if (s->r->reg_file && run_install_one(s, s->r->reg_file, "registration.reg", "the registration", err, errlen))
        return -1;
    snprintf(rel, sizeof rel, "candidate/%s", base);
    if (run_install_one(s, s->r->candidate, rel, "the candidate", err, errlen))
        return -1;
    return 0;
}

/* Wine clients start a server of their own when none answers yet, so wait for ours to listen. */
static int run_wait_server_socket(struct run_state *s)
{
    char sock[4400];
    const char *tmpdir;
    struct stat st;
    long long end = hr_now_ms() + 10000;

    char base[64] = "", pointer[400];
    FILE *f;

    if (stat(s->prefix, &st))
        return -1;
    /* Debian's Wine keeps its server directory under a random name in TMPDIR (else /tmp) that the
     * prefix's "wineserver" file records; upstream Wine uses /tmp/.wine-UID. */
    snprintf(pointer, sizeof pointer, "%s/wineserver", s->prefix);
    if ((f = fopen(pointer, "r"))) {
        if (!fgets(base, sizeof base, f))
            base[0] = 0;
        base[strcspn(base, "\r\n/")] = 0;
        fclose(f);
    }
    if (!base[0]) {
        snprintf(base, sizeof base, ".wine-%u", (unsigned)getuid());
        tmpdir = "/tmp";
    } else if (!(tmpdir = getenv("TMPDIR")) || !*tmpdir) {
        tmpdir = "/tmp";
    }
    if ((size_t)snprintf(sock, sizeof sock, "%s/%s/server-%llx-%llx/socket", tmpdir, base,
                         (unsigned long long)st.st_dev, (unsigned long long)st.st_ino) >= sizeof sock)
        return -1;
    while (hr_now_ms() < end) {
        if (!access(sock, F_OK))
            return 0;
        /* ended, or beyond waiting for: either way it will not listen */
        if (hr_wait_until(s->server_pid, hr_now_ms()) != HR_WAIT_TIMEOUT)
            return -1;
        usleep(10000);
    }
    return -1;
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
/* Every word the controller can be given: the loader and the program, five named values (shape, name,
 * image, candidate, client), the numbers, --register-cmd, --reg-file, each class, three flags, each
 * start argument as a pair, and the final NULL. run_arg checks against it as well, so an option added
 * later without growing this is a failed run, never a write past the array. */
#define RUN_ARGV_CAP (2 + 2 * 5 + 2 * RUN_NUMS + 2 + 2 + 2 * HR_MAX_CLSIDS + 3 + 2 * HR_MAX_ARGS + 1)

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

static void run_controller(struct run_state *s, long long deadline)
{
    char loader[512], image[2048], num[RUN_NUMS][16];
    struct run_argv a = { .n = 0 };
    int i, pid, st;
    const struct hr_run *r = s->r;
    /* the controller's numeric options, all from the run */
    const struct { const char *opt; int v; } nums[RUN_NUMS] = {
        { "--start-timeout", r->start_timeout_ms }, { "--stop-timeout", r->stop_timeout_ms },
        { "--exit-timeout", r->exit_timeout_ms }, { "--dwell", r->dwell_ms },
        { "--pause-timeout", r->pause_timeout_ms }, { "--instances", r->instances },
        { "--hold-ms", r->hold_ms }, { "--gap-ms", r->gap_ms }, { "--watch-ms", r->watch_ms },
    };

    if (hr_wine_tool("wine64", loader, sizeof loader) || run_image_path(s, image, sizeof image)) {
        run_note(s, "controller_failed", "the path of Wine or the service's image path is too long");
        s->end_reason = "error";
        return;
    }
    run_arg(&a, loader);
    run_arg(&a, "C:\\svccert\\svcctl.exe");
    run_opt(&a, "--shape", run_shape(r));
    run_opt(&a, "--name", s->name);
    run_opt(&a, "--image", image);
    run_opt(&a, "--cand", s->win_cand);
    run_opt(&a, "--client", "C:\\svccert\\comclient.exe");
    for (i = 0; i < RUN_NUMS; i++) {
        snprintf(num[i], sizeof num[i], "%d", nums[i].v);
        run_opt(&a, nums[i].opt, num[i]);
    }
    if (r->register_cmd)
        run_opt(&a, "--register-cmd", r->register_cmd);
    if (r->reg_file)
        run_opt(&a, "--reg-file", "C:\\svccert\\registration.reg");
    for (i = 0; i < r->n_clsids; i++)
        run_opt(&a, "--clsid", r->clsids[i]);
    if (r->activate)
        run_arg(&a, "--activate");
    if (r->no_pause)
        run_arg(&a, "--no-pause");
    if (r->no_stop)
        run_arg(&a, "--no-stop");
    for (i = 0; i < r->n_args; i++)
        run_opt(&a, "--arg", r->args[i]);
    a.v[a.n] = NULL;
    if (a.overflow) {
        run_note(s, "controller_failed", "the controller's command line has more than %d words", RUN_ARGV_CAP - 1);
        s->end_reason = "error";
        return;
    }
    pid = hr_spawn(s->env, a.v, s->ctl, s->raw);
    if (pid < 0) {
        run_note(s, "controller_failed", "cannot start the controller: %s", strerror(errno));
        s->end_reason = "error";
        return;
    }
    st = hr_wait_until(pid, deadline);
    if (st == HR_WAIT_TIMEOUT) {
        run_note(s, "deadline", "the run's deadline of %d s passed; everything in the prefix was killed",
                 s->r->timeout_s);
        s->end_reason = "deadline";
        kill(pid, SIGKILL);
        hr_wait_until(pid, hr_now_ms() + 5000);
    } else if (st == HR_WAIT_ERROR) {
        run_note(s, "controller_failed", "cannot wait for the controller: %s", strerror(errno));
        s->end_reason = "error";
    } else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        run_note(s, "controller_failed", "the controller ended with status %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
}

/* Ends every process of the run: the prefix's wineserver first, then anything left, by pid. */
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
    if (s->server_pid > 0 && hr_wait_until(s->server_pid, hr_now_ms() + 5000) == HR_WAIT_TIMEOUT) {
        kill(s->server_pid, SIGKILL);
        hr_wait_until(s->server_pid, hr_now_ms() + 5000);
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
    json_t *clsids = run_words(r->clsids, r->n_clsids), *run = NULL;

    if (img && args && clsids)
        run = json_pack("{s:s, s:s?, s:s?, s:O, s:b, s:{s:i, s:i, s:i}, s:i}", "shape", run_shape(r),
                        "register", r->register_cmd, "reg_file", r->reg_file, "clsids", clsids,
                        "activate", r->activate, "client", "instances", r->instances, "hold_ms", r->hold_ms,
                        "gap_ms", r->gap_ms, "watch_ms", r->watch_ms);
    json_decref(clsids);
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
                     "args", args, "service_name", s->name, "service_type", 16,
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
    struct hp_opts o = { hdr_text, 0, s->name, s->end_reason };
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
    raw = fopen(s->raw, "r");
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
        rc |= run_put(json_pack("{s:s, s:I, s:f, s:b, s:i, s:i, s:s, s:s}", "ev", "harness", "seq", ++seq, "t", t,
                                "t_est", 1, "pid", 0, "tid", 0, "action", s->notes[i].action,
                                "detail", s->notes[i].detail), out);
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

int hr_trace(const struct hr_run *r, char *err, size_t errlen)
{
    struct run_state s;
    char tpl[4096], server[512];
    const char *tmpdir;
    char *sargv[] = { server, "-f", "-p", NULL };
    long long t0, t1, t2, t3;
    int rc;

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
    rc = HR_HARNESS_ERROR;
    if (hr_prefix_template(tpl, sizeof tpl, err, errlen) || hr_wine_tool("wineserver64", server, sizeof server)) {
        if (!*err)
            snprintf(err, errlen, "SVCCERT_WINE_DIR is too long");
        goto out_header;
    }
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
    snprintf(s.tmp_trace, sizeof s.tmp_trace, "%s/trace.tmp", s.dir);
    unlink(s.raw);
    unlink(s.ctl);
    t0 = hr_now_ms();
    if (hr_prefix_clone(tpl, s.prefix, err, errlen) || run_install_files(&s, err, errlen))
        goto out;
    t1 = hr_now_ms();
    s.env = hr_env_new(s.prefix, RUN_WINEDEBUG);
    if (!s.env) {
        /* never a partial environment: without WINEPREFIX Wine would use the user's own prefix */
        snprintf(err, errlen, "cannot make the environment of the run's processes: out of memory");
        goto out;
    }
    /* The server must start with the debug settings, or services.exe would not print its part. */
    s.server_pid = hr_spawn(s.env, sargv, s.raw, s.raw);
    if (s.server_pid < 0 || run_wait_server_socket(&s)) {
        snprintf(err, errlen, "the wineserver of the run did not start (see %s)", s.raw);
        run_shutdown(&s);
        goto out;
    }
    t2 = hr_now_ms();
    run_controller(&s, t2 + (long long)r->timeout_s * 1000);
    t3 = hr_now_ms();
    run_shutdown(&s);
    /* Where a run's time goes; bench/ reads these. */
    run_note(&s, "timing", "prefix_ms=%lld server_ms=%lld controller_ms=%lld shutdown_ms=%lld", t1 - t0, t2 - t1,
             t3 - t2, hr_now_ms() - t3);
    rc = run_write_trace(&s, err, errlen) ? HR_HARNESS_ERROR : HR_OK;
out:
    hr_env_free(s.env);
    if (!r->keep_prefix)
        hr_prefix_remove(s.dir);
out_header:
    json_decref(s.header);
    return rc;
}
