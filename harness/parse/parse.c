/* hp_parse: two passes over the raw log, the first to name the processes, the second to write the trace. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "parse.h"
#include "parse_cand.h"
#include "parse_com.h"
#include "parse_ctl.h"
#include "parse_gz.h"
#include "parse_line.h"
#include "parse_map.h"
#include "parse_out.h"
#include "parse_reg.h"
#include "parse_relay.h"
#include "parse_state.h"
#include "parse_text.h"

#define HP_SCHEMA "svccert-trace/1"
#define HP_IMAGE_STARTS 8
#define HP_FOREIGN 64

static int hp_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* What the first pass learns. */
struct hp_found {
    unsigned ctl;        /* pid of the first svccert-ctl line */
    unsigned cand_ctl;   /* first non-zero service_pid in a controller record */
    unsigned cand_launch;  /* server_pid of the controller's first successful ctl_launch */
    unsigned cand_svc;   /* pid whose dispatcher got the start request for the service */
    unsigned cli;        /* pid of the first svccert-cli line (the harness's COM client) */
    /* every process started with -Embedding (COM launched it for an activation), and its image; the first
       names the candidate when nothing else does */
    struct hp_emb { unsigned pid; char image[520]; } *emb;
    size_t nemb;
    /* servers the controller found to run another file than the candidate's (ctl_error what=foreign_server):
       never followed, whatever their command line */
    unsigned foreign[HP_FOREIGN];
    int nforeign;
    /* processes started from the candidate's image: the one neither the controller (its registration)
     * nor the client started is the SCM's, which names a service process that never reached its dispatcher */
    struct { unsigned pid, parent; } img[HP_IMAGE_STARTS];
    int nimg;
    /* the service the candidate's own registration installed, which the controller adopted
       (ctl_install adopted=1): followed instead of the service named by the caller */
    struct hp_buf adopted;
};

/* L"name" as the first or second word of msg, decoded into b; 0 if absent. */
static int hp_msg_name(const char *msg, int skip_word, struct hp_buf *b, const char **end)
{
    int trunc;

    if (skip_word) {
        msg = strchr(msg, ' ');
        if (!msg) return 0;
        msg++;
    }
    b->n = 0;
    return hp_dbgstr(msg, b, end, &trunc) == 0;
}

static void hp_scan_service(const struct hp_line *l, const char *svc, struct hp_found *f,
                            struct hp_buf *b, unsigned *start_pid)
{
    const char *end;
    long long ctl;
    size_t n;

    /* services.exe names the service it starts; the next start request another process gets is it,
       even when the candidate's own service table uses another name */
    if (!strcmp(l->func, "process_send_start_message")) {
        if (svc && hp_msg_name(l->msg, 1, b, &end) && !strcasecmp(b->p, svc)) *start_pid = l->pid;
    } else if (!strcmp(l->func, "service_handle_control") && !f->cand_svc) {
        if (!hp_msg_name(l->msg, 0, b, &end) || strncmp(end, " control ", 9)) return;
        end += 9;
        n = strcspn(end, " ");
        if (!hp_parse_dec(end, n, &ctl) || ctl != 0) return;
        if ((svc && !strcasecmp(b->p, svc)) || (*start_pid && *start_pid != l->pid))
            f->cand_svc = l->pid;
    }
}

/* A controller record in the first pass: the candidate's pid, and the service it installed. */
static void hp_scan_ctl(const struct hp_rec *r, struct hp_found *f, const char **svc)
{
    if (!f->cand_ctl) f->cand_ctl = hp_rec_pid(r, "service_pid");
    if (!f->cand_launch) f->cand_launch = hp_ctl_launch_pid(r);
    if (hp_ctl_foreign_pid(r) && f->nforeign < HP_FOREIGN) f->foreign[f->nforeign++] = hp_ctl_foreign_pid(r);
    /* from here on the start requests to look for name the adopted service */
    if (!f->adopted.n && hp_ctl_adopted(r, &f->adopted)) *svc = f->adopted.p;
}

/* The -Embedding launches the controller found to be of another file leave the list (the controller's
   record comes after the launch in the log). */
static void hp_drop_foreign(struct hp_found *f)
{
    size_t i, n = 0;
    int j, other;

    for (i = 0; i < f->nemb; i++) {
        for (other = 0, j = 0; j < f->nforeign; j++)
            other |= f->emb[i].pid == f->foreign[j];
        if (!other) f->emb[n++] = f->emb[i];
    }
    f->nemb = n;
}

static int hp_pass1(FILE *in, FILE *spool, const char *svc, const char *image, struct hp_found *f,
                    char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    struct hp_line l;
    struct hp_buf b = {0};
    unsigned start_pid = 0, npid, ntid;
    struct hp_launch lc = {0};
    struct hp_rec r;
    int trunc, rc = 0;

    while ((n = getline(&line, &cap, in)) != -1) {
        if (spool && fwrite(line, 1, (size_t)n, spool) != (size_t)n) {
            rc = hp_fail(err, errlen, "cannot spool the input: %s", strerror(errno));
            break;
        }
        /* read to the end: the COM client and an -Embedding launch may come late */
        hp_classify(line, &l);
        if (l.kind != HP_CLIENT) continue;
        if (hp_debugstr_line(&l, &b, &trunc)) {
            if (hp_rec_split(b.p, b.n, HP_CTL_PREFIX, trunc, &r)) {
                if (!f->ctl) f->ctl = l.pid;
                if (l.pid == f->ctl) hp_scan_ctl(&r, f, &svc);
            } else if (!f->cli && b.n >= strlen(HP_CLI_PREFIX) &&
                       !memcmp(b.p, HP_CLI_PREFIX, strlen(HP_CLI_PREFIX))) {
                f->cli = l.pid;
            }
        } else if (!strcmp(l.chan, "service")) {
            hp_scan_service(&l, svc, f, &b, &start_pid);
        } else if (hp_launch_line(&l, &lc, &b, &npid, &ntid)) {
            if (hp_is_embedding(lc.cmdline)) {
                struct hp_emb *e = realloc(f->emb, (f->nemb + 1) * sizeof(*e));

                if (!e) {
                    rc = hp_fail(err, errlen, "out of memory");
                    break;
                }
                f->emb = e;
                e[f->nemb].pid = npid;
                snprintf(e[f->nemb++].image, sizeof(e->image), "%s", lc.image);
            } else if (image && !strcasecmp(lc.image, image) && f->nimg < HP_IMAGE_STARTS) {
                f->img[f->nimg].pid = npid;
                f->img[f->nimg++].parent = l.pid;
            }
        }
    }
    /* a damaged or cut .gz is no log: its trace would be judged as if the run had stopped there */
    if (!rc && ferror(in)) rc = hp_fail(err, errlen, "cannot read the log: %s", hp_gz_strerror(errno));
    hp_drop_foreign(f);
    free(line);
    hp_buf_free(&b);
    return rc;
}

static void hp_ctl_client(struct hp_state *st, const struct hp_line *l)
{
    struct hp_rec r;
    int trunc;
    json_t *e;

    if (!hp_debugstr_line(l, &st->buf, &trunc)) return;
    if (hp_rec_split(st->buf.p, st->buf.n, HP_CTL_PREFIX, trunc, &r) && hp_reg_record(st, l, &r)) return;
    e = hp_rec_event(&st->out, HP_CTL_PREFIX, "ctl_", st->buf.p, st->buf.n, trunc, st->seq, st->t, st->t_est,
                     st->ctl, l->tid);
    if (!e) e = hp_debugstr_ev(st, st->ctl, l->tid, trunc);
    hp_queue(st, e, HP_EV_READY);
}

/* A client or relay line names its thread's process. */
static void hp_client_ids(struct hp_state *st, const struct hp_line *l)
{
    struct hp_proc *p = hp_proc_of(st, l->pid);

    if (hp_map_get(&st->tids, l->tid) != l->pid || (p && !p->dead && !hp_proc_thr(p, l->tid)))
        hp_assign(st, l->tid, l->pid);
}

/* The followed process whose line this is, made current; NULL when the pid is not followed or has ended. */
static struct hp_proc *hp_enter(struct hp_state *st, unsigned pid)
{
    struct hp_proc *p = hp_proc_of(st, pid);

    st->p = p && !p->dead ? p : NULL;
    return st->p;
}

static void hp_relay(struct hp_state *st, const struct hp_line *l)
{
    hp_client_ids(st, l);
    if (!hp_enter(st, l->pid)) return;
    hp_cand_active(st);
    hp_relay_line(st, l);
}

static void hp_client(struct hp_state *st, const struct hp_line *l)
{
    unsigned pid, tid;

    hp_client_ids(st, l);
    if (hp_proc_of(st, l->pid)) {
        if (!hp_enter(st, l->pid)) return;
        hp_cand_active(st);
        hp_cand_client(st, l);
    } else if (st->ctl && l->pid == st->ctl) {
        hp_ctl_client(st, l);
    } else {
        /* every process that prints svccert-cli records is a COM client of the harness */
        hp_com_cli_line(st, l);
    }
    /* a process's start is printed by its creator */
    if (!strcmp(l->chan, "process") && hp_com_process_line(st, l, &pid, &tid)) hp_assign(st, tid, pid);
}

/* Replies and requests that tell which process a thread belongs to, or who kills whom. */
static void hp_server_bookkeeping(struct hp_state *st, unsigned id, unsigned pid, const struct hp_srv *s)
{
    unsigned long long p, t, h;

    if (s->is_reply) {
        if (!strcmp(s->name, "init_first_thread") || !strcmp(s->name, "get_thread_info")) {
            if (hp_kv_hex(s->args, "pid", &p) && hp_kv_hex(s->args, "tid", &t))
                hp_assign(st, (unsigned)t, (unsigned)p);
        } else if (!strcmp(s->name, "new_thread")) {
            /* a thread created elsewhere (remote thread) stays unknown until it shows itself */
            if (hp_kv_hex(s->args, "tid", &t))
                hp_assign(st, (unsigned)t, st->nt_tid == id ? st->nt_pid : 0);
            st->nt_tid = st->nt_pid = 0;
        } else if (!strcmp(s->name, "terminate_process") && st->term_active && st->term_tid == id) {
            st->term_active = 0;
        }
        return;
    }
    if (!strcmp(s->name, "new_thread")) {
        st->nt_tid = id;
        st->nt_pid = hp_kv_hex(s->args, "process", &h) && h == 0xffffffffULL ? pid : 0;
    } else if (!strcmp(s->name, "terminate_process")) {
        if (hp_kv_hex(s->args, "handle", &h) && h != 0 && h != 0xffffffffULL) {
            st->term_active = 1;
            st->term_tid = id;
            st->term_pid = pid;
        }
    }
}

static void hp_server(struct hp_state *st, const struct hp_line *l)
{
    struct hp_srv s;
    unsigned id = l->tid, pid;
    long long code = 0;

    if (!hp_server_split(l->body, &s)) return;
    if (s.is_star && !strcmp(s.name, "process killed")) {
        /* the id here is a process id */
        if (hp_enter(st, id)) hp_cand_process_killed(st);
        return;
    }
    pid = hp_map_get(&st->tids, id);
    if (s.is_star && !strcmp(s.name, "killed")) {
        if (hp_enter(st, pid)) {
            hp_kv_dec(s.args, "exit_code", &code);
            hp_cand_thread_killed(st, id, code);
        }
        /* thread ids are reused once freed */
        hp_map_del(&st->tids, id);
        if (st->term_active && st->term_tid == id) st->term_active = 0;
        return;
    }
    if (!s.is_star) {
        hp_server_bookkeeping(st, id, pid, &s);
        pid = hp_map_get(&st->tids, id);
    }
    if (hp_enter(st, pid)) {
        hp_cand_active(st);
        hp_cand_server(st, l, &s);
    }
}

/* "wine: Unhandled page fault ... (thread 0118), starting debugger..." */
static void hp_winemsg(struct hp_state *st, const struct hp_line *l)
{
    const char *p = strstr(l->body, "(thread ");
    unsigned long long tid;
    size_t n;

    if (!p) return;
    p += 8;
    n = strspn(p, "0123456789abcdefABCDEF");
    if (n && hp_parse_hex(p, n, &tid) && hp_enter(st, hp_map_get(&st->tids, (unsigned)tid)))
        hp_cand_crash(st, l->body);
}

static json_t *hp_header(const struct hp_opts *o, const char *svc, char *err, size_t errlen)
{
    json_t *h = hp_ev_obj("header", 0, 0, 0, 0, 0, 0), *u = NULL, *v;
    json_error_t je;
    const char *k;

    if (!h) return NULL;
    /* defaults first so that schema leads; the caller's values replace them in place */
    json_object_set_new(h, "schema", json_string(HP_SCHEMA));
    json_object_set_new(h, "source", json_string("wine"));
    if (o->header_json) {
        if (!(u = json_loads(o->header_json, JSON_REJECT_DUPLICATES, &je)) || !json_is_object(u)) {
            hp_fail(err, errlen, "header_json is not a JSON object: %s", u ? "wrong type" : je.text);
            json_decref(u);
            json_decref(h);
            return NULL;
        }
        json_object_foreach(u, k, v) {
            if (!strcmp(k, "ev") || !strcmp(k, "seq") || !strcmp(k, "t") || !strcmp(k, "pid") || !strcmp(k, "tid"))
                continue;
            json_object_set(h, k, v);
        }
        json_decref(u);
    }
    if (!json_object_get(h, "candidate"))
        json_object_set_new(h, "candidate", json_pack("{s:s?}", "service_name", svc));
    if (!json_object_get(h, "controller")) json_object_set_new(h, "controller", json_object());
    return h;
}

/* The controller adopted the service the candidate's registration installed: the header names that one. */
static void hp_header_adopt(json_t *h, const struct hp_buf *name)
{
    json_t *c = json_object_get(h, "candidate");

    if (json_is_object(c)) json_object_set_new(c, "service_name", hp_jstr(name->p, name->n));
    if (json_object_get(h, "service_name")) json_object_set_new(h, "service_name", hp_jstr(name->p, name->n));
}

/* The service name: the caller's, else the header's candidate.service_name. */
static const char *hp_service_name(const struct hp_opts *o, json_t **keep)
{
    json_t *h, *c, *s;

    *keep = NULL;
    if (o->service_name) return o->service_name;
    if (!o->header_json || !(h = json_loads(o->header_json, 0, NULL))) return NULL;
    c = json_object_get(h, "candidate");
    s = json_object_get(c, "service_name");
    if (!json_is_string(s)) {
        json_decref(h);
        return NULL;
    }
    *keep = h;
    return json_string_value(s);
}

static void hp_tail_event(struct hp_state *st, const char *action, const char *detail)
{
    json_t *e = hp_ev_obj("harness", ++st->seq, st->last_t, 1, 0, 0, 0);

    hp_set(&st->out, e, "action", json_string(action));
    hp_set(&st->out, e, "detail", json_string(detail));
    hp_out_write(&st->out, e);
    json_decref(e);
}

static int hp_pass2(FILE *in, struct hp_state *st, const struct hp_opts *o, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    struct hp_line l;
    int partial = 0;
    long long orphans;
    json_t *e;

    while ((n = getline(&line, &cap, in)) != -1) {
        st->seq++;
        partial = n > 0 && line[n - 1] != '\n';
        hp_classify(line, &l);
        if (l.has_t) {
            hp_out_resolve(&st->out, l.t, 1);
            st->last_t = l.t;
        }
        st->t = st->last_t;
        st->t_est = !l.has_t;
        if (l.kind == HP_CLIENT) hp_client(st, &l);
        else if (l.kind == HP_SERVER) hp_server(st, &l);
        else if (l.kind == HP_WINEMSG) hp_winemsg(st, &l);
        else if (l.kind == HP_RELAY) hp_relay(st, &l);
        hp_out_flush(&st->out);
        if (st->out.failed) break;
    }
    free(line);
    if (ferror(in)) return hp_fail(err, errlen, "cannot read the log: %s", hp_gz_strerror(errno));
    hp_cand_finish(st);
    orphans = hp_reg_finish(st);
    hp_out_drain(&st->out);
    if (partial) hp_tail_event(st, "log_truncated", "the log ends inside a line");
    if (orphans) {
        char why[96];

        snprintf(why, sizeof(why), "%lld ctl_reg_* records without their ctl_reg_done", orphans);
        hp_tail_event(st, "registry_incomplete", why);
    }
    if (!st->cand)
        hp_tail_event(st, "no_candidate_process", "no pid given, no service_pid in a controller record, no ctl_launch, no start request for the service, no -Embedding launch, no start of the candidate's image");
    e = hp_ev_obj("end", ++st->seq, st->last_t, 0, 0, 0, 0);
    hp_set(&st->out, e, "reason", json_string(o->end_reason ? o->end_reason : "complete"));
    hp_set(&st->out, e, "events", json_integer(st->out.written));
    hp_out_write(&st->out, e);
    json_decref(e);
    if (st->out.failed || fflush(st->out.f) || ferror(st->out.f))
        return hp_fail(err, errlen, "cannot write the trace: %s", errno ? strerror(errno) : "out of memory");
    return 0;
}

/* The candidate's image as Windows sees it (header candidate.image_path), or NULL. */
static const char *hp_cand_image(json_t *hdr)
{
    return json_string_value(json_object_get(json_object_get(hdr, "candidate"), "image_path"));
}

static unsigned hp_image_pid(const struct hp_found *f)
{
    int i;

    for (i = 0; i < f->nimg; i++)
        if (f->img[i].parent != f->ctl && (!f->cli || f->img[i].parent != f->cli))
            return f->img[i].pid;
    return 0;
}

/* The processes the trace follows: the candidate, and every other process COM launched with -Embedding from
   the candidate's image (a REGCLS_SINGLEUSE class gets a new process for each activation, and each is the
   candidate as much as the first). The image is the candidate's own launch's, else the header's. */
static void hp_follow(struct hp_state *st, const struct hp_found *f, const char *image)
{
    size_t i;

    if (!st->cand) return;
    hp_proc_add(st, st->cand);
    for (i = 0; i < f->nemb; i++)
        if (f->emb[i].pid == st->cand) image = f->emb[i].image;
    for (i = 0; image && *image && i < f->nemb; i++)
        if (!strcasecmp(f->emb[i].image, image)) hp_proc_add(st, f->emb[i].pid);
}

int hp_parse(FILE *in, FILE *out, const struct hp_opts *o, char *err, size_t errlen)
{
    static const struct hp_opts none = {0};
    struct hp_state st;
    struct hp_found f = {0};
    FILE *spool = NULL, *src, *given = in;
    json_t *hdr, *keep;
    const char *svc;
    off_t start;
    int rc = -1, zerr;

    if (err && errlen) err[0] = 0;
    if (!in || !out) return hp_fail(err, errlen, "no input or no output stream");
    if (!o) o = &none;
    svc = hp_service_name(o, &keep);
    if (!(hdr = hp_header(o, svc, err, errlen))) {
        json_decref(keep);
        if (err && errlen && !err[0]) hp_fail(err, errlen, "out of memory");
        return -1;
    }
    /* a kept .raw.log.gz reads as its text; its line numbers are the plain log's */
    if (!(in = hp_gz_open(given, &zerr))) {
        in = given;
        hp_fail(err, errlen, "cannot read the log: %s", strerror(zerr));
        goto out;
    }
    src = in;
    /* a pipe cannot be read twice: copy it aside during the first pass */
    start = ftello(in);
    if (start < 0 || fseeko(in, start, SEEK_SET)) {
        if (!(spool = tmpfile())) {
            hp_fail(err, errlen, "cannot create a spool file: %s", strerror(errno));
            goto out;
        }
    }
    if (hp_pass1(in, spool, svc, hp_cand_image(hdr), &f, err, errlen)) goto out;
    if (f.adopted.n) hp_header_adopt(hdr, &f.adopted);
    if (spool) {
        src = spool;
        start = 0;
    }
    if (fseeko(src, start, SEEK_SET)) {
        hp_fail(err, errlen, "cannot rewind the log: %s", strerror(errno));
        goto out;
    }
    memset(&st, 0, sizeof(st));
    st.out.f = out;
    st.ctl = f.ctl;
    st.cli = f.cli;
    /* the candidate: given, else the service's process, else the server the controller started,
       else the service named by services.exe, else the server COM launched */
    st.cand = o->cand_pid ? o->cand_pid : f.cand_ctl ? f.cand_ctl : f.cand_launch ? f.cand_launch
            : f.cand_svc ? f.cand_svc : f.nemb ? f.emb[0].pid : hp_image_pid(&f);
    hp_follow(&st, &f, hp_cand_image(hdr));
    hp_out_write(&st.out, hdr);
    rc = hp_pass2(src, &st, o, err, errlen);
    hp_reg_finish(&st);
    hp_procs_free(&st);
    hp_out_free(&st.out);
    hp_map_free(&st.tids);
    hp_buf_free(&st.buf);
out:
    hp_buf_free(&f.adopted);
    free(f.emb);
    if (spool) fclose(spool);
    if (in != given) fclose(in);
    json_decref(hdr);
    json_decref(keep);
    return rc;
}
