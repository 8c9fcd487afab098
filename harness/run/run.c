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

/* A service name from the file name: letters, digits, '_' and '-' only. */
static void run_default_name(const char *path, char *out, size_t cap)
{
    const char *b = strrchr(path, '/');
    size_t n = 0;

    for (b = b ? b + 1 : path; *b && *b != '.' && n + 1 < cap; b++)
        if ((*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z') || (*b >= '0' && *b <= '9') || *b == '_' || *b == '-')
            out[n++] = *b;
    out[n] = 0;
    if (!n)
        snprintf(out, cap, "candidate");
}

static int run_install_files(struct run_state *s, char *err, size_t errlen)
{
    char windir[4096], from[4200], to[4400], base[256];
    const char *b = strrchr(s->r->candidate, '/');

    hr_win_dir(windir, sizeof windir);
    snprintf(to, sizeof to, "%s/drive_c/svccert", s->prefix);
    mkdir(to, 0755);
    snprintf(to, sizeof to, "%s/drive_c/svccert/candidate", s->prefix);
    mkdir(to, 0755);
    snprintf(from, sizeof from, "%s/svcctl.exe", windir);
    snprintf(to, sizeof to, "%s/drive_c/svccert/svcctl.exe", s->prefix);
    if (hr_copy_file(from, to)) {
        snprintf(err, errlen, "cannot install the controller %s (was the build run?)", from);
        return -1;
    }
    snprintf(from, sizeof from, "%s/comclient.exe", windir);
    snprintf(to, sizeof to, "%s/drive_c/svccert/comclient.exe", s->prefix);
    if (hr_copy_file(from, to)) {
        snprintf(err, errlen, "cannot install the COM client %s (was the build run?)", from);
        return -1;
    }
    if (s->r->reg_file) {
        snprintf(to, sizeof to, "%s/drive_c/svccert/registration.reg", s->prefix);
        if (hr_copy_file(s->r->reg_file, to)) {
            snprintf(err, errlen, "cannot read %s: %s", s->r->reg_file, strerror(errno));
            return -1;
        }
    }
    snprintf(base, sizeof base, "%s", b ? b + 1 : s->r->candidate);
    snprintf(to, sizeof to, "%s/drive_c/svccert/candidate/%s", s->prefix, base);
    if (hr_copy_file(s->r->candidate, to)) {
        snprintf(err, errlen, "cannot copy %s into the prefix: %s", s->r->candidate, strerror(errno));
        return -1;
    }
    snprintf(s->win_cand, sizeof s->win_cand, "C:\\svccert\\candidate\\%s", base);
    return 0;
}

/* Wine clients start a server of their own when none answers yet, so wait for ours to listen. */
static int run_wait_server_socket(struct run_state *s)
{
    char sock[4400];
    struct stat st;
    long long end = hr_now_ms() + 10000;

    char base[64] = "", pointer[400];
    FILE *f;

    if (stat(s->prefix, &st))
        return -1;
    /* Debian's Wine keeps its server directory under a random name in $TMPDIR (else /tmp) that the
     * prefix's "wineserver" file records; upstream Wine uses /tmp/.wine-UID. */
    const char *tmp = getenv("TMPDIR");

    snprintf(pointer, sizeof pointer, "%s/wineserver", s->prefix);
    if ((f = fopen(pointer, "r"))) {
        if (!fgets(base, sizeof base, f))
            base[0] = 0;
        base[strcspn(base, "\r\n/")] = 0;
        fclose(f);
    }
    if (!base[0]) {
        snprintf(base, sizeof base, ".wine-%u", (unsigned)getuid());
        tmp = NULL;
    }
    if (!tmp || !*tmp)
        tmp = "/tmp";
    snprintf(sock, sizeof sock, "%s/%s/server-%llx-%llx/socket", tmp, base, (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    while (hr_now_ms() < end) {
        if (!access(sock, F_OK))
            return 0;
        if (hr_wait_until(s->server_pid, hr_now_ms()) >= 0)
            return -1;
        usleep(10000);
    }
    return -1;
}

static void run_image_path(const struct run_state *s, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "\"%s\"", s->win_cand);
    int i;

    for (i = 0; i < s->r->n_image_args && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, strchr(s->r->image_args[i], ' ') ? " \"%s\"" : " %s",
                              s->r->image_args[i]);
}

static void run_controller(struct run_state *s, long long deadline)
{
    char loader[512], image[2048], num[9][16];
    char *argv[48 + 2 * HR_MAX_ARGS];
    int n = 0, i, pid, st;
    const struct hr_run *r = s->r;
    /* the controller's numeric options, all from the run */
    const struct { const char *opt; int v; } nums[] = {
        { "--start-timeout", r->start_timeout_ms }, { "--stop-timeout", r->stop_timeout_ms },
        { "--exit-timeout", r->exit_timeout_ms }, { "--dwell", r->dwell_ms },
        { "--pause-timeout", r->pause_timeout_ms }, { "--instances", r->instances },
        { "--hold-ms", r->hold_ms }, { "--gap-ms", r->gap_ms }, { "--watch-ms", r->watch_ms },
    };

    snprintf(loader, sizeof loader, "%s/wine64", hr_wine_dir());
    run_image_path(s, image, sizeof image);
    argv[n++] = loader;
    argv[n++] = "C:\\svccert\\svcctl.exe";
    argv[n++] = "--shape";
    argv[n++] = (char *)run_shape(r);
    argv[n++] = "--name";
    argv[n++] = s->name;
    argv[n++] = "--image";
    argv[n++] = image;
    argv[n++] = "--cand";
    argv[n++] = s->win_cand;
    argv[n++] = "--client";
    argv[n++] = "C:\\svccert\\comclient.exe";
    for (i = 0; i < (int)(sizeof nums / sizeof nums[0]); i++) {
        snprintf(num[i], sizeof num[i], "%d", nums[i].v);
        argv[n++] = (char *)nums[i].opt;
        argv[n++] = num[i];
    }
    if (r->register_cmd) {
        argv[n++] = "--register-cmd";
        argv[n++] = (char *)r->register_cmd;
    }
    if (r->reg_file) {
        argv[n++] = "--reg-file";
        argv[n++] = "C:\\svccert\\registration.reg";
    }
    for (i = 0; i < r->n_clsids; i++) {
        argv[n++] = "--clsid";
        argv[n++] = (char *)r->clsids[i];
    }
    if (r->activate)
        argv[n++] = "--activate";
    if (r->no_pause)
        argv[n++] = "--no-pause";
    if (r->no_stop)
        argv[n++] = "--no-stop";
    for (i = 0; i < r->n_args; i++) {
        argv[n++] = "--arg";
        argv[n++] = (char *)r->args[i];
    }
    argv[n] = NULL;
    pid = hr_spawn(s->env, argv, s->ctl, s->raw);
    if (pid < 0) {
        run_note(s, "controller_failed", "cannot start the controller: %s", strerror(errno));
        s->end_reason = "error";
        return;
    }
    st = hr_wait_until(pid, deadline);
    if (st < 0) {
        run_note(s, "deadline", "the run's deadline of %d s passed; everything in the prefix was killed",
                 s->r->timeout_s);
        s->end_reason = "deadline";
        kill(pid, SIGKILL);
        hr_wait_until(pid, hr_now_ms() + 5000);
    } else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        run_note(s, "controller_failed", "the controller ended with status %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
}

/* Ends every process of the run: the prefix's wineserver first, then anything left, by pid. */
static void run_shutdown(struct run_state *s)
{
    char server[512];
    char *argv[] = { server, "-k", NULL };
    int pid, left;

    snprintf(server, sizeof server, "%s/wineserver64", hr_wine_dir());
    pid = hr_spawn(s->env, argv, "/dev/null", "/dev/null");
    if (pid > 0 && hr_wait_until(pid, hr_now_ms() + 10000) < 0)
        kill(pid, SIGKILL);
    if (s->server_pid > 0 && hr_wait_until(s->server_pid, hr_now_ms() + 5000) < 0) {
        kill(s->server_pid, SIGKILL);
        hr_wait_until(s->server_pid, hr_now_ms() + 5000);
    }
    left = hr_prefix_reap(s->prefix);
    if (left)
        run_note(s, "kill", "%d process(es) of the run were still alive after wineserver -k and were killed", left);
}

static json_t *run_header(const struct run_state *s)
{
    json_t *img = json_array(), *args = json_array(), *clsids = json_array(), *run;
    int i;

    for (i = 0; i < s->r->n_image_args; i++)
        json_array_append_new(img, json_string(s->r->image_args[i]));
    for (i = 0; i < s->r->n_args; i++)
        json_array_append_new(args, json_string(s->r->args[i]));
    for (i = 0; i < s->r->n_clsids; i++)
        json_array_append_new(clsids, json_string(s->r->clsids[i]));
    run = json_pack("{s:s, s:s?, s:s?, s:o, s:b, s:{s:i, s:i, s:i}, s:i}", "shape", run_shape(s->r),
                    "register", s->r->register_cmd, "reg_file", s->r->reg_file, "clsids", clsids,
                    "activate", s->r->activate, "client", "instances", s->r->instances, "hold_ms", s->r->hold_ms,
                    "gap_ms", s->r->gap_ms, "watch_ms", s->r->watch_ms);
    /* The event families this run records; a rule whose family is missing says so (error). */
    return json_pack("{s:s, s:s, s:[s,s,s,s,s,s,s], s:o, s:{s:s, s:s, s:o, s:o, s:s, s:i}, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:b, s:b}}",
                     "source", "wine", "source_version", "wine-8.0",
                     "hooks", "service", "waits", "debugstr", "controller", "com", "registry", "com_client",
                     "run", run,
                     "candidate", "path", s->r->candidate, "image_path", s->win_cand, "image_args", img,
                     "args", args, "service_name", s->name, "service_type", 16,
                     "controller", "timeout_s", s->r->timeout_s, "start_timeout_ms", s->r->start_timeout_ms,
                     "stop_timeout_ms", s->r->stop_timeout_ms, "pause_timeout_ms", s->r->pause_timeout_ms, "exit_timeout_ms", s->r->exit_timeout_ms,
                     "dwell_ms", s->r->dwell_ms, "pause", !s->r->no_pause, "stop", !s->r->no_stop);
}

/* The service the controller drove: the one it installed, or the one the candidate's registration
 * installed (its record names it), which the parser must follow instead. */
static void run_adopted_name(struct run_state *s)
{
    FILE *f = fopen(s->ctl, "r");
    char line[2048], *p;
    size_t n = 0;

    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        if (!strstr(line, " ctl_install ok=1 ") || !strstr(line, " adopted=1") || !(p = strstr(line, " name=")))
            continue;
        for (p += 6; *p && *p != ' ' && *p != '\n' && n + 1 < sizeof s->name; p++) {
            unsigned v;
            if (*p == '%' && sscanf(p + 1, "%2x", &v) == 1) {
                s->name[n++] = (char)v;
                p += 2;
            } else {
                s->name[n++] = *p;
            }
        }
        s->name[n] = 0;
        break;
    }
    fclose(f);
}

/* The parser ends the trace with `end`; the harness's own events go just before it. */
static int run_write_trace(struct run_state *s, char *err, size_t errlen)
{
    json_t *hdr = run_header(s), *endj = NULL;
    char *hdr_text = json_dumps(hdr, JSON_COMPACT), perr[256] = "";
    struct hp_opts o = { hdr_text, 0, s->name, s->end_reason };
    FILE *raw = fopen(s->raw, "r"), *tmp = fopen(s->tmp_trace, "w+"), *out;
    char *line = NULL;
    size_t cap = 0;
    json_int_t seq = 0, events = 0;
    double t = 0;
    int i, rc = 0;

    if (!tmp || !raw || hp_parse(raw, tmp, &o, perr, sizeof perr)) {
        run_note(s, "log_lost", "the raw log could not be read: %s", raw ? perr : strerror(errno));
        if (tmp) {
            rewind(tmp);
            if (ftruncate(fileno(tmp), 0))
                snprintf(err, errlen, "cannot truncate %s", s->tmp_trace);
            json_object_set_new(hdr, "ev", json_string("header"));
            json_object_set_new(hdr, "schema", json_string("svccert-trace/1"));
            json_object_set_new(hdr, "seq", json_integer(0));
            json_object_set_new(hdr, "t", json_integer(0));
            json_object_set_new(hdr, "pid", json_integer(0));
            json_object_set_new(hdr, "tid", json_integer(0));
            json_dumpf(hdr, tmp, JSON_COMPACT);
            fputc('\n', tmp);
        }
        s->end_reason = "error";
    }
    free(hdr_text);
    json_decref(hdr);
    if (raw)
        fclose(raw);
    out = fopen(s->r->trace_path, "w");
    if (!tmp || !out) {
        snprintf(err, errlen, "cannot write %s: %s", s->r->trace_path, strerror(errno));
        if (tmp)
            fclose(tmp);
        if (out)
            fclose(out);
        return -1;
    }
    rewind(tmp);
    /* Copy all but the `end` line, remembering the last position and time. */
    while (getline(&line, &cap, tmp) > 0) {
        json_t *j = json_loads(line, 0, NULL);
        if (j && json_is_string(json_object_get(j, "ev")) && !strcmp(json_string_value(json_object_get(j, "ev")), "end")) {
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
    for (i = 0; i < s->n_notes; i++) {
        json_t *h = json_pack("{s:s, s:I, s:f, s:b, s:i, s:i, s:s, s:s}", "ev", "harness", "seq", ++seq, "t", t,
                              "t_est", 1, "pid", 0, "tid", 0, "action", s->notes[i].action,
                              "detail", s->notes[i].detail);
        json_dumpf(h, out, JSON_COMPACT);
        fputc('\n', out);
        json_decref(h);
        events++;
    }
    if (!endj)
        endj = json_object();
    json_object_set_new(endj, "ev", json_string("end"));
    json_object_set_new(endj, "seq", json_integer(++seq));
    json_object_set_new(endj, "t", json_real(t));
    json_object_set_new(endj, "pid", json_integer(0));
    json_object_set_new(endj, "tid", json_integer(0));
    json_object_set_new(endj, "reason", json_string(s->end_reason));
    json_object_set_new(endj, "events", json_integer(events));
    json_dumpf(endj, out, JSON_COMPACT);
    fputc('\n', out);
    json_decref(endj);
    fclose(tmp);
    if (fclose(out)) {
        snprintf(err, errlen, "cannot write %s", s->r->trace_path);
        rc = -1;
    }
    unlink(s->tmp_trace);
    return rc;
}

static void run_side_path(const char *trace, const char *suffix, char *out, size_t cap)
{
    size_t n = strlen(trace);

    if (n > 6 && !strcmp(trace + n - 6, ".jsonl"))
        n -= 6;
    snprintf(out, cap, "%.*s%s", (int)n, trace, suffix);
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
    if (hr_prefix_template(tpl, sizeof tpl, err, errlen))
        return HR_HARNESS_ERROR;
    /* TMPDIR, as mkdtemp(1) does: a caller (a test, a pipeline) then knows where its own runs live. */
    tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    if ((size_t)snprintf(s.dir, sizeof s.dir, "%s/svccert-run.XXXXXX", tmpdir) >= sizeof s.dir) {
        snprintf(err, errlen, "TMPDIR is too long for a run directory (%zu characters at most)", sizeof s.dir - 20);
        return HR_HARNESS_ERROR;
    }
    if (!mkdtemp(s.dir)) {
        snprintf(err, errlen, "cannot create a run directory: %s", strerror(errno));
        return HR_HARNESS_ERROR;
    }
    snprintf(s.prefix, sizeof s.prefix, "%s/pfx", s.dir);
    run_side_path(r->trace_path, ".raw.log", s.raw, sizeof s.raw);
    run_side_path(r->trace_path, ".ctl.log", s.ctl, sizeof s.ctl);
    snprintf(s.tmp_trace, sizeof s.tmp_trace, "%s/trace.tmp", s.dir);
    unlink(s.raw);
    unlink(s.ctl);
    rc = HR_HARNESS_ERROR;
    t0 = hr_now_ms();
    if (hr_prefix_clone(tpl, s.prefix, err, errlen) || run_install_files(&s, err, errlen))
        goto out;
    t1 = hr_now_ms();
    s.env = hr_env_new(s.prefix, RUN_WINEDEBUG);
    snprintf(server, sizeof server, "%s/wineserver64", hr_wine_dir());
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
    run_adopted_name(&s);
    /* Where a run's time goes; bench/ reads these. */
    run_note(&s, "timing", "prefix_ms=%lld server_ms=%lld controller_ms=%lld shutdown_ms=%lld", t1 - t0, t2 - t1,
             t3 - t2, hr_now_ms() - t3);
    rc = run_write_trace(&s, err, errlen) ? HR_HARNESS_ERROR : HR_OK;
out:
    hr_env_free(s.env);
    if (!r->keep_prefix)
        hr_prefix_remove(s.dir);
    return rc;
}
