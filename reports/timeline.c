/* timeline.c: a run's trace as an SVG timeline: state bands, pending deadlines, controls, COM and process
 * events, the cited events marked; drawn in pixel buckets so that a flood of events stays a small drawing. */
#define _GNU_SOURCE
#include "timeline.h"
#include "html_escape.h"
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define TL_LABEL_W 170
#define TL_PLOT_W 900
#define TL_RIGHT 30
#define TL_AXIS_H 30
#define TL_LANE_H 30
#define TL_BUCKET_PX 2
#define TL_NBUCKETS (TL_PLOT_W / TL_BUCKET_PX + 1)
/* A trace is read twice; past this many lines the drawing stops (and says so): a flood must not make
 * the report take minutes. */
#define TL_MAX_LINES 2000000L
/* Cited events drawn per run; more would be a flood of its own (the table still lists them). */
#define TL_MAX_CITED 400
#define TL_LABEL 240

enum tl_lane { L_STATE, L_PENDING, L_CONTROL, L_SERVICE, L_COM, L_CLIENT, L_PROC, L_OTHER, L_N };
static const char *const tl_lane_names[L_N] = {
    "service state", "pending: wait hint", "controls: sent \xE2\x86\x92 answered", "dispatcher, handler",
    "COM server", "COM client", "processes, harness", "other cited events",
};

/* The point events drawn, each in its lane with its glyph: c circle, d diamond, x cross, u/v triangles
 * up/down, r triangle right, s square. */
static const struct tl_kind {
    const char *ev;
    enum tl_lane lane;
    char glyph;
    const char *color;
} tl_kinds[] = {
    { "dispatcher", L_SERVICE, 'c', "#555" },         { "dispatcher_ready", L_SERVICE, 'c', "#888" },
    { "service_main", L_SERVICE, 'r', "#2a6" },       { "handler_register", L_SERVICE, 'd', "#2a6" },
    { "control_in", L_SERVICE, 'v', "#36c" },         { "quit_received", L_SERVICE, 's', "#a60" },
    { "com_init", L_COM, 'c', "#888" },               { "com_security", L_COM, 'c', "#a6a" },
    { "com_register", L_COM, 'd', "#06c" },           { "com_resume", L_COM, 'r', "#06c" },
    { "com_revoke", L_COM, 'x', "#c40" },             { "rot_register", L_COM, 's', "#a6a" },
    { "cli_activate", L_CLIENT, 'u', "#06c" },        { "cli_release", L_CLIENT, 'v', "#c40" },
    { "cli_lock", L_CLIENT, 's', "#888" },            { "process_start", L_PROC, 'r', "#2a6" },
    { "process_exit", L_PROC, 's', "#333" },          { "ctl_start", L_PROC, 'u', "#36c" },
    { "ctl_launch", L_PROC, 'u', "#36c" },            { "ctl_exit", L_PROC, 'v', "#555" },
    { "ctl_kill", L_PROC, 'x', "#c00" },              { "ctl_close", L_PROC, 'x', "#a60" },
    { "harness", L_PROC, 'd', "#c00" },
};
#define TL_NKINDS (sizeof tl_kinds / sizeof tl_kinds[0])
#define K_STATUS ((int)TL_NKINDS)
#define K_CONTROL ((int)TL_NKINDS + 1)

static const char *const tl_states[] = { NULL, "STOPPED", "START_PENDING", "STOP_PENDING", "RUNNING",
                                         "CONTINUE_PENDING", "PAUSE_PENDING", "PAUSED" };
static const char *const tl_state_colors[] = { "#ddd", "#bbb", "#f4c542", "#f0903a", "#6cc070",
                                               "#8ec9f0", "#c9a0e0", "#7aa7e0" };
static const char *const tl_controls[] = { "START", "STOP", "PAUSE", "CONTINUE", "INTERROGATE", "SHUTDOWN",
                                           "PARAMCHANGE", "NETBINDADD", "NETBINDREMOVE", "NETBINDENABLE",
                                           "NETBINDDISABLE", "DEVICEEVENT", "HARDWAREPROFILECHANGE",
                                           "POWEREVENT", "SESSIONCHANGE", "PRESHUTDOWN", "TIMECHANGE" };

/* One pixel bucket of one kind: how many events fell in it and the first of them. */
struct tl_bucket {
    unsigned count;
    long long seq;
    double t, t2;       /* t2: a control's answer, a pending report's deadline */
    long long a, b;     /* a control's code and ok; a pending report's state and checkpoint */
    char label[TL_LABEL];
};

struct tl_mark {
    long long seq;
    double t;
    enum tl_lane lane;
    const char *rule;
    char label[TL_LABEL];
};

struct tl {
    double t0, t1;
    int have_range;
    int lane_y[L_N];
    struct tl_bucket *buckets[TL_NKINDS + 2];
    struct tl_mark *marks;
    size_t nmarks, cited_over;
    long lines, events, aggregated, bad_lines;
    int truncated;
    /* the state band being drawn, and small bands gathered into one "mixed" band */
    int cur_state;
    long long cur_pid, cur_reports;
    double cur_t;
    long mix_n;
    double mix_t0, mix_t1;
    FILE *bands;
};

static int tl_kind(const char *ev)
{
    size_t i;

    if (!ev)
        return -1;
    if (!strcmp(ev, "status"))
        return K_STATUS;
    if (!strcmp(ev, "ctl_control"))
        return K_CONTROL;
    for (i = 0; i < TL_NKINDS; i++)
        if (!strcmp(ev, tl_kinds[i].ev))
            return (int)i;
    return -1;
}

static enum tl_lane tl_kind_lane(int k)
{
    return k == K_STATUS ? L_STATE : k == K_CONTROL ? L_CONTROL : k >= 0 ? tl_kinds[k].lane : L_OTHER;
}

static double tl_num(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

static long long tl_int(const json_t *o, const char *key, long long dflt)
{
    const json_t *v = json_object_get(o, key);

    return json_is_integer(v) ? (long long)json_integer_value(v) : json_is_true(v) ? 1 : json_is_false(v) ? 0 : dflt;
}

static int tl_pending(long long s)
{
    return s == 2 || s == 3 || s == 5 || s == 6;
}

/* Whether the event says its call failed: ok false, or an HRESULT (result, hr) with the severity bit. */
static int tl_failed(const json_t *e)
{
    static const char *const keys[] = { "result", "hr" };
    size_t i;

    if (json_is_false(json_object_get(e, "ok")) || (json_is_integer(json_object_get(e, "ok")) &&
                                                    !json_integer_value(json_object_get(e, "ok"))))
        return 1;
    for (i = 0; i < 2; i++) {
        const json_t *v = json_object_get(e, keys[i]);
        if (json_is_integer(v) && (json_integer_value(v) < 0 || (json_integer_value(v) & 0x80000000)))
            return 1;
        if (json_is_string(v) && (strtoull(json_string_value(v), NULL, 16) & 0x80000000))
            return 1;
    }
    return 0;
}

static const char *tl_state_name(long long s)
{
    return s >= 1 && s <= 7 ? tl_states[s] : "state ?";
}

static const char *tl_control_name(long long c, char *buf, size_t n)
{
    if (c >= 0 && c < (long long)(sizeof tl_controls / sizeof tl_controls[0]))
        return tl_controls[c];
    snprintf(buf, n, "control %lld", c);
    return buf;
}

/* The cite of seq, or NULL (cites are sorted by seq). */
static struct tl_cite *tl_cited(struct tl_cite *c, size_t n, long long seq)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c[mid].seq == seq)
            return &c[mid];
        if (c[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The event in one line for its tooltip: its type, seq, time and the fields (strings cut short), unescaped. */
static void tl_label(const json_t *e, double t0, char *buf, size_t n)
{
    const char *key;
    json_t *v;
    size_t len;

    snprintf(buf, n, "%s seq %lld at +%.1f ms", json_string_value(json_object_get(e, "ev")),
             tl_int(e, "seq", -1), tl_num(e, "t") - t0);
    json_object_foreach((json_t *)e, key, v) {
        char val[80];

        if (!strcmp(key, "ev") || !strcmp(key, "seq") || !strcmp(key, "t") || !strcmp(key, "raw"))
            continue;
        if (json_is_string(v))
            snprintf(val, sizeof val, "%s", json_string_value(v));
        else if (json_is_integer(v))
            snprintf(val, sizeof val, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
            snprintf(val, sizeof val, "%g", json_real_value(v));
        else if (json_is_boolean(v))
            snprintf(val, sizeof val, "%s", json_is_true(v) ? "true" : "false");
        else if (json_is_null(v))
            snprintf(val, sizeof val, "null");
        else
            snprintf(val, sizeof val, "%s", json_is_array(v) ? "[…]" : "{…}");
        len = strlen(buf);
        if (len + 4 >= n)
            break;
        snprintf(buf + len, n - len, ", %s=%s", key, val);
    }
}

static double tl_x(const struct tl *tl, double t)
{
    double x = (t - tl->t0) / (tl->t1 - tl->t0) * TL_PLOT_W;

    return TL_LABEL_W + (x < 0 ? 0 : x > TL_PLOT_W ? TL_PLOT_W : x);
}

static int tl_col(const struct tl *tl, double t)
{
    return (int)((tl_x(tl, t) - TL_LABEL_W) / TL_BUCKET_PX);
}

/* Puts an event in its bucket; only the first of a bucket is kept whole. */
static struct tl_bucket *tl_bucket(struct tl *tl, int k, double t, int *first)
{
    struct tl_bucket *b;

    if (!tl->buckets[k] && !(tl->buckets[k] = calloc(TL_NBUCKETS, sizeof *tl->buckets[k])))
        return NULL;
    b = &tl->buckets[k][tl_col(tl, t)];
    *first = !b->count++;
    if (!*first)
        tl->aggregated++;
    return b;
}

static void tl_band_draw(struct tl *tl, const char *state, const char *color, double ta, double tb, long long n,
                         const char *what)
{
    double x0 = tl_x(tl, ta), x1 = tl_x(tl, tb);
    int y = tl->lane_y[L_STATE];

    fprintf(tl->bands, "<g class=\"band\" data-state=\"%s\" data-t0=\"%.3f\" data-t1=\"%.3f\" data-%s=\"%lld\">"
            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", state, ta - tl->t0,
            tb - tl->t0, what, n, x0, y + 4, x1 - x0 < 0.5 ? 0.5 : x1 - x0, TL_LANE_H - 8, color);
    if (x1 - x0 > 8.5 * (double)strlen(state))
        fprintf(tl->bands, "<text x=\"%.1f\" y=\"%d\" class=\"bl\">%s</text>", x0 + 3, y + 19, state);
    fprintf(tl->bands, "<title>%s from +", state);
    rp_ms(tl->bands, ta - tl->t0);
    fputs(" to +", tl->bands);
    rp_ms(tl->bands, tb - tl->t0);
    fprintf(tl->bands, " (%lld %s)</title></g>\n", n, !strcmp(what, "reports") ? "reports" : "state changes drawn as one");
}

static void tl_mix_flush(struct tl *tl)
{
    if (tl->mix_n)
        tl_band_draw(tl, "mixed", "url(#hatch)", tl->mix_t0, tl->mix_t1, tl->mix_n, "changes");
    tl->mix_n = 0;
}

/* Ends the band being drawn at t: a band too narrow to see joins a "mixed" band instead of flooding the drawing. */
static void tl_band_end(struct tl *tl, double t)
{
    if (!tl->cur_state)
        return;
    if (tl_x(tl, t) - tl_x(tl, tl->cur_t) < 1) {
        if (!tl->mix_n)
            tl->mix_t0 = tl->cur_t;
        tl->mix_t1 = t;
        tl->mix_n++;
        tl->aggregated++;
        if (tl_x(tl, tl->mix_t1) - tl_x(tl, tl->mix_t0) >= TL_BUCKET_PX)
            tl_mix_flush(tl);
    } else {
        int s = tl->cur_state;
        tl_mix_flush(tl);
        tl_band_draw(tl, tl_state_name(s), s >= 1 && s <= 7 ? tl_state_colors[s] : tl_state_colors[0], tl->cur_t, t,
                     tl->cur_reports, "reports");
    }
    tl->cur_state = 0;
}

/* The second pass's work for one event: bands, buckets, cited marks. */
static void tl_event(struct tl *tl, const json_t *e, struct tl_cite *cites, size_t ncites)
{
    const char *ev = json_string_value(json_object_get(e, "ev"));
    int k = tl_kind(ev), first;
    double t = tl_num(e, "t");
    long long seq = tl_int(e, "seq", -1);
    struct tl_cite *c = tl_cited(cites, ncites, seq);
    struct tl_bucket *b;

    if (k == K_STATUS) {
        long long s = tl_int(e, "state", 0);
        if (s != tl->cur_state) {
            tl_band_end(tl, t);
            tl->cur_state = (int)(s > 0 && s < 1000 ? s : 999);
            tl->cur_t = t;
            tl->cur_pid = tl_int(e, "pid", 0);
            tl->cur_reports = 0;
        }
        tl->cur_reports++;
        if (tl_pending(s) && (b = tl_bucket(tl, K_STATUS, t, &first)) && first) {
            b->seq = seq;
            b->t = t;
            b->t2 = t + (double)tl_int(e, "wait_hint", 0);
            b->a = s;
            b->b = tl_int(e, "checkpoint", 0);
            tl_label(e, tl->t0, b->label, sizeof b->label);
        }
    } else if (k == K_CONTROL) {
        double sent = t - tl_num(e, "elapsed_ms");
        if ((b = tl_bucket(tl, K_CONTROL, sent, &first)) && first) {
            b->seq = seq;
            b->t = sent;
            b->t2 = t;
            b->a = tl_int(e, "control", -1);
            b->b = tl_int(e, "ok", 0);
            tl_label(e, tl->t0, b->label, sizeof b->label);
        }
    } else if (k >= 0) {
        if (!strcmp(ev, "process_exit") && tl->cur_state && tl_int(e, "pid", 0) == tl->cur_pid)
            tl_band_end(tl, t);
        if ((b = tl_bucket(tl, k, t, &first)) && first) {
            b->seq = seq;
            b->t = t;
            b->a = tl_failed(e);
            tl_label(e, tl->t0, b->label, sizeof b->label);
        }
    }
    if (c && !c->drawn) {
        struct tl_mark *m;
        if (tl->nmarks >= TL_MAX_CITED) {
            tl->cited_over++;
            return;
        }
        m = &tl->marks[tl->nmarks++];
        m->seq = seq;
        m->t = t;
        /* a pending report is ringed where its checkpoint is drawn */
        m->lane = k == K_STATUS && tl_pending(tl->cur_state) ? L_PENDING : tl_kind_lane(k);
        m->rule = c->rule;
        tl_label(e, tl->t0, m->label, sizeof m->label);
        c->drawn = 1;
    }
}

/* Whether a line can be passed over without parsing: a line that begins as the harness writes them,
 * {"ev":"NAME","seq":N, names an event that is neither drawn nor cited nor the end. A flood is mostly
 * such lines (debug strings, waits); anything else is parsed. */
static int tl_skippable(const char *line, struct tl_cite *cites, size_t ncites)
{
    static const char head[] = "{\"ev\":\"";
    char ev[32];
    const char *p, *q;
    char *end;
    long long seq;

    if (strncmp(line, head, sizeof head - 1))
        return 0;
    p = line + sizeof head - 1;
    if (!(q = strchr(p, '"')) || q - p >= (long)sizeof ev || memchr(p, '\\', (size_t)(q - p)))
        return 0;
    memcpy(ev, p, (size_t)(q - p));
    ev[q - p] = 0;
    if (tl_kind(ev) >= 0 || !strcmp(ev, "end") || !strcmp(ev, "header") || strncmp(q, "\",\"seq\":", 8))
        return 0;
    seq = strtoll(q + 8, &end, 10);
    if (end == q + 8 || (*end != ',' && *end != '}'))
        return 0;
    return !tl_cited(cites, ncites, seq);
}

/* Reads the trace once: pass 1 finds the time range and the lanes in use, pass 2 draws. */
static int tl_read(struct tl *tl, FILE *in, int pass, struct tl_cite *cites, size_t ncites, int *used)
{
    char *line = NULL;
    size_t cap = 0;
    long n = 0;

    while (getline(&line, &cap, in) > 0) {
        json_t *e;
        const char *ev;
        int k;

        if (++n > TL_MAX_LINES) {
            tl->truncated = 1;
            break;
        }
        if (tl_skippable(line, cites, ncites))
            continue;
        if (!(e = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL)) || !json_is_object(e)) {
            tl->bad_lines += pass == 1;
            json_decref(e);
            continue;
        }
        ev = json_string_value(json_object_get(e, "ev"));
        k = tl_kind(ev);
        if (ev && strcmp(ev, "header") && json_is_number(json_object_get(e, "t"))) {
            int cited = tl_cited(cites, ncites, tl_int(e, "seq", -1)) != NULL;
            if (pass == 1 && (k >= 0 || cited || !strcmp(ev, "end"))) {
                double t = tl_num(e, "t"), ta = k == K_CONTROL ? t - tl_num(e, "elapsed_ms") : t;
                if (!tl->have_range || ta < tl->t0)
                    tl->t0 = ta;
                if (!tl->have_range || t > tl->t1)
                    tl->t1 = t;
                tl->have_range = 1;
                if (k >= 0 || cited)
                    used[tl_kind_lane(k)] = 1;
                if (k == K_STATUS && tl_pending(tl_int(e, "state", 0)))
                    used[L_PENDING] = 1;
                tl->events += k >= 0;
            } else if (pass == 2) {
                tl_event(tl, e, cites, ncites);
            }
        }
        json_decref(e);
    }
    free(line);
    tl->lines = n > TL_MAX_LINES ? TL_MAX_LINES : n;
    return ferror(in) ? -1 : 0;
}

static void tl_glyph(FILE *f, char g, double x, int y, const char *color)
{
    switch (g) {
    case 'd': fprintf(f, "<path d=\"M%.1f %d l5 5 l-5 5 l-5 -5z\" fill=\"%s\"/>", x, y - 5, color); break;
    case 'x': fprintf(f, "<path d=\"M%.1f %d l8 8 m0 -8 l-8 8\" stroke=\"%s\" stroke-width=\"2\"/>", x - 4, y - 4, color); break;
    case 'u': fprintf(f, "<path d=\"M%.1f %d l5 9 h-10z\" fill=\"%s\"/>", x, y - 5, color); break;
    case 'v': fprintf(f, "<path d=\"M%.1f %d l5 -9 h-10z\" fill=\"%s\"/>", x, y + 5, color); break;
    case 'r': fprintf(f, "<path d=\"M%.1f %d l9 5 l-9 5z\" fill=\"%s\"/>", x - 4, y - 5, color); break;
    case 's': fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"9\" height=\"9\" fill=\"%s\"/>", x - 4.5, y - 4, color); break;
    default: fprintf(f, "<circle cx=\"%.1f\" cy=\"%d\" r=\"4\" fill=\"%s\"/>", x, y, color);
    }
}

static void tl_title(FILE *f, const struct tl_bucket *b)
{
    fputs("<title>", f);
    rp_esc(f, b->label, 0);
    if (b->count > 1)
        fprintf(f, " (and %u more events within %d px, drawn as one)", b->count - 1, TL_BUCKET_PX);
    fputs("</title>", f);
}

static void tl_draw_buckets(FILE *f, const struct tl *tl)
{
    int k, i;
    /* where the last label of the pending and control lanes ended: a label that would overlap it is left
     * to the tooltip */
    double cp_end = -1e9, ctl_end = -1e9;

    for (k = 0; k < (int)TL_NKINDS + 2; k++) {
        for (i = 0; tl->buckets[k] && i < TL_NBUCKETS; i++) {
            const struct tl_bucket *b = &tl->buckets[k][i];
            char cn[32];
            double x = tl_x(tl, b->t);

            if (!b->count)
                continue;
            if (k == K_STATUS) {
                int y = tl->lane_y[L_PENDING] + TL_LANE_H / 2;
                double xd = tl_x(tl, b->t2);
                fprintf(f, "<g class=\"ev pending\" data-ev=\"status\" data-seq=\"%lld\" data-count=\"%u\" "
                        "data-state=\"%s\" data-checkpoint=\"%lld\" data-deadline=\"%.3f\">", b->seq, b->count,
                        tl_state_name(b->a), b->b, b->t2 - tl->t0);
                fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"hint\"/>", x, y, xd, y);
                if (b->t2 <= tl->t1)
                    fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"deadline\"/>", xd, y - 8, xd, y + 8);
                tl_glyph(f, 'c', x, y, tl_state_colors[b->a]);
                if (b->count == 1 && x + 3 > cp_end) {
                    fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"cp\">%lld</text>", x + 3, y - 6, b->b);
                    cp_end = x + 3 + 7 * snprintf(cn, sizeof cn, "%lld", b->b) + 2;
                }
                tl_title(f, b);
                fputs("</g>\n", f);
            } else if (k == K_CONTROL) {
                int y = tl->lane_y[L_CONTROL] + TL_LANE_H / 2;
                double xa = tl_x(tl, b->t2);
                const char *name = tl_control_name(b->a, cn, sizeof cn);
                fprintf(f, "<g class=\"ev ctl\" data-ev=\"ctl_control\" data-seq=\"%lld\" data-count=\"%u\" "
                        "data-control=\"%s\" data-sent=\"%.3f\" data-answered=\"%.3f\">", b->seq, b->count, name,
                        b->t - tl->t0, b->t2 - tl->t0);
                fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>",
                        x, y, xa < x + 1 ? x + 1 : xa, y, b->b ? "#36c" : "#c00");
                tl_glyph(f, 'r', x, y, b->b ? "#36c" : "#c00");
                fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>", xa, y - 7, xa, y + 7);
                if (b->count == 1 && x + 6 > ctl_end) {
                    /* near the right edge the label ends at the mark instead of running off the drawing */
                    int left = x + 6 + 6.5 * (double)strlen(name) > TL_LABEL_W + TL_PLOT_W + TL_RIGHT;
                    fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"cp\"%s>%s</text>", left ? x - 6 : x + 6, y - 7,
                            left ? " text-anchor=\"end\"" : "", name);
                    ctl_end = x + 6 + 6.5 * (double)strlen(name) + 3;
                }
                tl_title(f, b);
                fputs("</g>\n", f);
            } else {
                int y = tl->lane_y[tl_kinds[k].lane] + TL_LANE_H / 2;
                fprintf(f, "<g class=\"ev\" data-ev=\"%s\" data-seq=\"%lld\" data-count=\"%u\"%s>", tl_kinds[k].ev,
                        b->seq, b->count, b->a ? " data-failed=\"1\"" : "");
                tl_glyph(f, tl_kinds[k].glyph, x, y, b->a ? "#d00" : tl_kinds[k].color);
                tl_title(f, b);
                fputs("</g>\n", f);
            }
        }
    }
}

static void tl_axis(FILE *f, const struct tl *tl, int height)
{
    double span = tl->t1 - tl->t0, step = 1, t;

    /* the finest of 1, 2 or 5 times a power of ten that makes at most 10 ticks */
    while (span / step > 10)
        step *= 10;
    if (span / (step / 5) <= 10)
        step /= 5;
    else if (span / (step / 2) <= 10)
        step /= 2;
    for (t = 0; t <= span + 1e-9; t += step) {
        double x = tl_x(tl, tl->t0 + t);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/>", x, TL_AXIS_H - 6, x, height);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"tick\">+", x, TL_AXIS_H - 10);
        rp_ms(f, t);
        fputs("</text>\n", f);
    }
}

int tl_write(FILE *f, int run, const char *path, struct tl_cite *cites, size_t ncites)
{
    struct tl tl;
    int used[L_N] = { 0 }, i, nl = 0, height, rc = -1;
    FILE *in = path ? fopen(path, "r") : NULL;
    int open_errno = errno;
    char *bands = NULL;
    size_t bandlen = 0, m;

    memset(&tl, 0, sizeof tl);
    if (!in) {
        fputs("<p class=\"note\">No timeline: the trace ", f);
        rp_esc(f, path ? path : "(none)", 0);
        fputs(" cannot be read", f);
        if (path) {
            fputs(": ", f);
            rp_esc(f, strerror(open_errno), 0);
        }
        fputs(".</p>\n", f);
        return -1;
    }
    for (m = 0; m < ncites; m++)
        cites[m].drawn = 0;
    if (tl_read(&tl, in, 1, cites, ncites, used) || !tl.have_range) {
        fputs("<p class=\"note\">No timeline: the trace ", f);
        rp_esc(f, path, 0);
        fputs(tl.have_range ? " could not be read whole.</p>\n" : " holds no event to draw.</p>\n", f);
        goto out;
    }
    if (tl.t1 - tl.t0 < 1)
        tl.t1 = tl.t0 + 1;
    for (i = 0; i < L_N; i++)
        tl.lane_y[i] = used[i] ? TL_AXIS_H + TL_LANE_H * nl++ : -100;
    height = TL_AXIS_H + TL_LANE_H * nl + 6;
    tl.marks = calloc(TL_MAX_CITED, sizeof *tl.marks);
    tl.bands = open_memstream(&bands, &bandlen);
    if (!tl.marks || !tl.bands || fseek(in, 0, SEEK_SET) || tl_read(&tl, in, 2, cites, ncites, used)) {
        fputs("<p class=\"note\">No timeline: out of memory or the trace could not be read again.</p>\n", f);
        goto out;
    }
    tl_band_end(&tl, tl.t1);
    tl_mix_flush(&tl);
    fflush(tl.bands);

    fprintf(f, "<svg class=\"timeline\" id=\"timeline-run%d\" xmlns=\"http://www.w3.org/2000/svg\" "
            "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" data-t0=\"%.3f\" data-span=\"%.3f\">\n",
            run, TL_LABEL_W + TL_PLOT_W + TL_RIGHT, height, TL_LABEL_W + TL_PLOT_W + TL_RIGHT, height, tl.t0,
            tl.t1 - tl.t0);
    fputs("<defs><pattern id=\"hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\">"
          "<path d=\"M0 4 L4 0\" stroke=\"#888\"/></pattern></defs>\n", f);
    for (i = 0; i < L_N; i++) {
        if (!used[i])
            continue;
        fprintf(f, "<g class=\"lane\" data-lane=\"%d\"><rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"%s\"/>"
                "<text x=\"6\" y=\"%d\" class=\"ln\">%s</text></g>\n", i, tl.lane_y[i], TL_LABEL_W + TL_PLOT_W + TL_RIGHT,
                TL_LANE_H, i % 2 ? "lo" : "le", tl.lane_y[i] + 19, tl_lane_names[i]);
    }
    tl_axis(f, &tl, height);
    fwrite(bands, 1, bandlen, f);
    tl_draw_buckets(f, &tl);
    for (m = 0; m < tl.nmarks; m++) {
        const struct tl_mark *k = &tl.marks[m];
        fputs("<a href=\"#rule-", f);
        rp_esc(f, k->rule, 0);
        fprintf(f, "\"><g class=\"cited\" id=\"run%d-seq%lld\" data-seq=\"%lld\" data-rule=\"", run, k->seq, k->seq);
        rp_esc(f, k->rule, 0);
        fprintf(f, "\"><circle cx=\"%.1f\" cy=\"%d\" r=\"8\"/><title>cited by ", tl_x(&tl, k->t),
                tl.lane_y[k->lane] + TL_LANE_H / 2);
        rp_esc(f, k->rule, 0);
        fputs(": ", f);
        rp_esc(f, k->label, 0);
        fputs("</title></g></a>\n", f);
    }
    fputs("</svg>\n<p class=\"note\">Time 0 is ", f);
    rp_ms(f, tl.t0);
    fprintf(f, " on the trace's clock; %ld events drawn from %ld lines.", tl.events, tl.lines);
    if (tl.aggregated)
        fprintf(f, " %ld event%s or state change%s closer than %d px to another of %s kind %s drawn as one "
                "(the tooltip gives the count).", tl.aggregated, tl.aggregated > 1 ? "s" : "",
                tl.aggregated > 1 ? "s" : "", TL_BUCKET_PX, tl.aggregated > 1 ? "their" : "its",
                tl.aggregated > 1 ? "are" : "is");
    if (tl.cited_over)
        fprintf(f, " %zu more cited events are not marked (at most %d per run).", tl.cited_over, TL_MAX_CITED);
    if (tl.truncated)
        fprintf(f, " Only the first %ld lines of the trace were drawn.", TL_MAX_LINES);
    if (tl.bad_lines)
        fprintf(f, " %ld lines that are not JSON objects were skipped.", tl.bad_lines);
    fputs("</p>\n", f);
    rc = 0;
out:
    if (tl.bands)
        fclose(tl.bands);
    free(bands);
    free(tl.marks);
    for (i = 0; i < (int)TL_NKINDS + 2; i++)
        free(tl.buckets[i]);
    fclose(in);
    return rc;
}
