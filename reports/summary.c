/* summary.c: the terminal summary: one short line per rule, the n/a rules in one, colour on a terminal. */
#define _GNU_SOURCE
#include "summary.h"
#include "waivers.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define SUM_MIN_WIDTH 60

void rp_look_for(struct rp_look *look, FILE *to, enum rp_detail detail)
{
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    struct winsize ws;
    int tty = isatty(fileno(to));

    look->detail = detail;
    /* no-color.org: any non-empty NO_COLOR turns it off; a dumb terminal has none to show */
    look->colour = tty && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
    look->width = 0;
    if (tty && !ioctl(fileno(to), TIOCGWINSZ, &ws) && ws.ws_col)
        look->width = ws.ws_col < SUM_MIN_WIDTH ? SUM_MIN_WIDTH : ws.ws_col;
}

static const char *sum_colour(const char *verdict)
{
    static const struct { const char *v, *sgr; } c[] = {
        { "pass", "32" }, { "fail", "1;31" }, { "error", "1;35" }, { "warn", "33" }, { "n/a", "2" },
    };
    size_t i;

    for (i = 0; verdict && i < sizeof c / sizeof c[0]; i++)
        if (!strcmp(c[i].v, verdict))
            return c[i].sgr;
    return NULL;
}

/* Columns left for a line's text after `used` columns: the terminal's rest, or RP_SENTENCE off a terminal. */
static size_t sum_room(const struct rp_look *look, size_t used)
{
    if (!look->width)
        return RP_SENTENCE;
    return (size_t)look->width > used + 20 ? (size_t)look->width - used : 20;
}

/* The verdict word (padded to five columns in a column of rules), coloured when the look allows. */
static void sum_verdict_pad(FILE *to, const struct rp_look *look, const char *verdict, int pad)
{
    const char *sgr = look->colour ? sum_colour(verdict) : NULL;

    if (sgr)
        fprintf(to, "\033[%sm%s\033[0m%*s", sgr, verdict, pad > (int)strlen(verdict) ? pad - (int)strlen(verdict) : 0,
                "");
    else
        fprintf(to, "%-*s", pad, verdict ? verdict : "?");
}

static void sum_verdict(FILE *to, const struct rp_look *look, const char *verdict)
{
    sum_verdict_pad(to, look, verdict, 5);
}

/* Columns a UTF-8 text takes, counting code points (the messages are prose: no wide characters). */
static size_t sum_cols(const char *s, size_t len)
{
    size_t n = 0, i;

    for (i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xc0) != 0x80;
    return n;
}

/* Bytes of s that fit in cols columns, at a code point's start. */
static size_t sum_fit(const char *s, size_t cols)
{
    size_t i = 0, n = 0;

    while (s[i]) {
        if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == cols)
            break;
        i++;
    }
    return i;
}

/* Writes text into cols columns: whole when it fits, else cut at a word (when one ends late enough) with "...". */
static void sum_cut(FILE *to, const char *text, size_t len, size_t cols)
{
    size_t keep, sp;

    if (sum_cols(text, len) <= cols) {
        fwrite(text, 1, len, to);
        return;
    }
    keep = cols > 3 ? sum_fit(text, cols - 3) : 0;
    for (sp = keep; sp > keep / 2 && text[sp] != ' '; sp--)
        ;
    if (sp > keep / 2)
        keep = sp;
    while (keep && (text[keep - 1] == ' ' || text[keep - 1] == ',' || text[keep - 1] == ';'))
        keep--;
    fwrite(text, 1, keep, to);
    fputs("...", to);
}

/* The first sentence: up to a full stop followed by a space and a capital (so "e.g. x" and "1.5 s" stay whole). */
static size_t sum_sentence(const char *msg)
{
    const char *p;

    for (p = msg; (p = strchr(p, '.')); p++)
        if (p[1] == ' ' && p[2] >= 'A' && p[2] <= 'Z')
            return (size_t)(p - msg) + 1;
    return strlen(msg);
}

/* The run whose message speaks for the rule: the first one with the merged verdict; -1 for none. */
static int sum_worst_run(const json_t *rule)
{
    const char *verdict = json_string_value(json_object_get(rule, "verdict"));
    const json_t *run;
    size_t i;

    json_array_foreach(json_object_get(rule, "runs"), i, run) {
        const char *v = json_string_value(json_object_get(run, "verdict"));
        if (v && verdict && !strcmp(v, verdict))
            return (int)i;
    }
    return -1;
}

static const char *sum_run_name(const struct rp_meta *m, const json_t *run, size_t fallback)
{
    json_int_t i = json_is_integer(json_object_get(run, "run")) ? json_integer_value(json_object_get(run, "run")) :
                   (json_int_t)fallback;

    return i >= 0 && (size_t)i < m->nruns && m->run_names[i] ? m->run_names[i] : "?";
}

/* A waived verdict says so in its line, before anything that might be cut: never silent. */
static void sum_waiver(const json_t *rule, char *out, size_t cap)
{
    const json_t *w = json_object_get(rule, "waiver");
    const char *policy = json_string_value(json_object_get(w, "policy"));
    const char *reason = json_string_value(json_object_get(w, "reason"));
    const char *was = json_string_value(json_object_get(rule, "original_verdict"));

    out[0] = 0;
    if (json_is_object(w))
        snprintf(out, cap, "[waived: %s%s%s%s%s] ", policy ? policy : "waiver", was ? ", was " : "", was ? was : "",
                 reason ? ": " : "", reason ? reason : "");
}

/* One rule in one line: verdict, id, then the worst run's first sentence, cut to the width. */
static void sum_rule_line(FILE *to, const json_t *rule, const struct rp_meta *m, const struct rp_look *look, int idw)
{
    const char *id = json_string_value(json_object_get(rule, "id"));
    const char *verdict = json_string_value(json_object_get(rule, "verdict"));
    const json_t *runs = json_object_get(rule, "runs");
    int worst = sum_worst_run(rule);
    const char *msg = worst >= 0 ? json_string_value(json_object_get(json_array_get(runs, (size_t)worst), "message"))
                                 : NULL;
    char *text = NULL, waived[512];
    size_t used = 2 + 5 + 1 + (size_t)idw + 1, len;

    if (!msg)
        msg = json_string_value(json_object_get(rule, "message"));
    if (!msg)
        msg = "";
    sum_waiver(rule, waived, sizeof waived);
    /* which run spoke matters when it was not the only one and the rule did not pass */
    if (m->nruns > 1 && worst >= 0 && verdict && strcmp(verdict, "pass") && strcmp(verdict, "n/a"))
        len = (size_t)asprintf(&text, "%s%s: %.*s", waived, sum_run_name(m, json_array_get(runs, (size_t)worst), 0),
                               (int)sum_sentence(msg), msg);
    else
        len = (size_t)asprintf(&text, "%s%.*s", waived, (int)sum_sentence(msg), msg);
    fputs("  ", to);
    sum_verdict(to, look, verdict);
    fprintf(to, " %-*s ", idw, id ? id : "?");
    if (text && len != (size_t)-1)
        sum_cut(to, text, len, sum_room(look, used));
    fputc('\n', to);
    free(text);
}

/* The n/a rules in one line: as many IDs as the width allows, then how many more. */
static void sum_na_line(FILE *to, const json_t *rules, const struct rp_look *look, size_t count)
{
    const char *hint = "--verbose says why";
    size_t i, shown = 0, col, room;
    const json_t *rule;
    char head[64];

    snprintf(head, sizeof head, "%zu rules: ", count);
    fputs("  ", to);
    sum_verdict(to, look, "n/a");
    fprintf(to, " %s", head);
    col = 8 + strlen(head);
    /* keep room for " (+NN more; --verbose says why)" */
    room = sum_room(look, col + strlen(hint) + 14);
    json_array_foreach(rules, i, rule) {
        const char *v = json_string_value(json_object_get(rule, "verdict"));
        const char *id = json_string_value(json_object_get(rule, "id"));
        size_t w;

        if (!v || strcmp(v, "n/a") || !id || json_object_get(rule, "waiver"))
            continue;
        w = strlen(id) + (shown ? 2 : 0);
        if (w > room)
            break;
        fprintf(to, "%s%s", shown ? ", " : "", id);
        room -= w;
        shown++;
    }
    if (shown < count)
        fprintf(to, "%s+%zu more; %s)\n", shown ? " (" : "(", count - shown, hint);
    else
        fprintf(to, " (%s)\n", hint);
}

/* One evidence item in a line: its run, seq, time and event first, then its other fields as key=value. */
static void sum_evidence(FILE *to, const json_t *item, const struct rp_meta *m)
{
    const char *key;
    json_t *val;

    fputs("        evidence:", to);
    if (m->nruns > 1 && json_is_integer(json_object_get(item, "run")))
        fprintf(to, " [%s]", sum_run_name(m, item, 0));
    json_object_foreach((json_t *)item, key, val) {
        char *text;

        if (!strcmp(key, "run"))
            continue;
        if (json_is_string(val) && !strchr(json_string_value(val), ' ')) {
            fprintf(to, " %s=%s", key, json_string_value(val));
            continue;
        }
        text = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
        fprintf(to, " %s=%s", key, text ? text : "?");
        free(text);
    }
    fputc('\n', to);
}

/* Every run's whole message, then every item of evidence. */
static void sum_rule_verbose(FILE *to, const json_t *rule, const struct rp_meta *m, const struct rp_look *look)
{
    const char *id = json_string_value(json_object_get(rule, "id"));
    const json_t *run, *item;
    char waived[512];
    size_t i;

    sum_waiver(rule, waived, sizeof waived);
    fputs("  ", to);
    sum_verdict(to, look, json_string_value(json_object_get(rule, "verdict")));
    fprintf(to, " %s%s%s\n", id ? id : "?", *waived ? " " : "", waived);
    json_array_foreach(json_object_get(rule, "runs"), i, run) {
        const char *msg = json_string_value(json_object_get(run, "message"));

        fputs("        ", to);
        if (m->nruns > 1) {
            fprintf(to, "%s: ", sum_run_name(m, run, i));
            sum_verdict_pad(to, look, json_string_value(json_object_get(run, "verdict")), 0);
            fputs(": ", to);
        }
        fprintf(to, "%s\n", msg ? msg : "");
    }
    if (!json_array_size(json_object_get(rule, "runs")))
        fprintf(to, "        %s\n", json_string_value(json_object_get(rule, "message")) ?
                                    json_string_value(json_object_get(rule, "message")) : "");
    json_array_foreach(json_object_get(rule, "evidence"), i, item)
        sum_evidence(to, item, m);
    if (json_integer_value(json_object_get(rule, "evidence_omitted")))
        fprintf(to, "        evidence: %lld more items omitted\n",
                (long long)json_integer_value(json_object_get(rule, "evidence_omitted")));
}

/* The runs: one line each (verbose), or all in one line. */
static void sum_runs(FILE *to, const json_t *v, const struct rp_meta *m, const struct rp_look *look)
{
    size_t i;

    if (m->nruns < 2)
        return;
    if (look->detail != RP_VERBOSE)
        fputs("runs:", to);
    for (i = 0; i < m->nruns; i++) {
        const json_t *run = json_array_get(json_object_get(v, "runs"), i);
        const char *rv = json_string_value(json_object_get(run, "verdict"));

        if (look->detail == RP_VERBOSE) {
            fprintf(to, "run %-18s ", m->run_names[i]);
            sum_verdict(to, look, rv ? rv : "?");
            fprintf(to, " %s\n", m->traces[i]);
        } else {
            fprintf(to, "%s %s ", i ? "," : "", m->run_names[i]);
            sum_verdict_pad(to, look, rv ? rv : "?", 0);
        }
    }
    if (look->detail != RP_VERBOSE)
        fputc('\n', to);
}

/* "verdict: V (counts)": the line pipelines parse, coloured whole so that its words stay together. */
static void sum_verdict_line(FILE *to, const json_t *v, const struct rp_look *look)
{
    const char *verdict = json_string_value(json_object_get(v, "verdict"));
    const char *sgr = look->colour ? sum_colour(verdict) : NULL;
    const char *key;
    json_t *val;
    int i = 0;

    if (sgr)
        fprintf(to, "\033[%sm", sgr);
    fprintf(to, "verdict: %s (", verdict ? verdict : "?");
    json_object_foreach(json_object_get(v, "counts"), key, val)
        fprintf(to, "%s%s %lld", i++ ? ", " : "", key, (long long)json_integer_value(val));
    rp_waiver_count(to, v);
    fprintf(to, ")%s", json_is_true(json_object_get(v, "strict")) ? " [strict]" : "");
    if (sgr)
        fputs("\033[0m", to);
    fputc('\n', to);
}

void rp_summary(FILE *to, const char *verdicts_json, const struct rp_meta *m, const struct rp_look *look)
{
    json_t *v = json_loads(verdicts_json, 0, NULL), *rules, *rule;
    size_t i, na = 0;
    int idw = 0;

    if (!v) {
        fputs("svccert: no verdicts\n", to);
        return;
    }
    rules = json_object_get(v, "rules");
    if (look->detail == RP_QUIET) {
        sum_verdict_line(to, v, look);
        json_decref(v);
        return;
    }
    if (m->candidate)
        fprintf(to, "candidate: %s\n", m->candidate);
    sum_runs(to, v, m, look);
    json_array_foreach(rules, i, rule) {
        const char *id = json_string_value(json_object_get(rule, "id"));
        const char *verdict = json_string_value(json_object_get(rule, "verdict"));

        if (id && (int)strlen(id) > idw)
            idw = (int)strlen(id);
        na += verdict && !strcmp(verdict, "n/a") && !json_object_get(rule, "waiver");
    }
    json_array_foreach(rules, i, rule) {
        const char *verdict = json_string_value(json_object_get(rule, "verdict"));

        if (look->detail == RP_VERBOSE)
            sum_rule_verbose(to, rule, m, look);
        else if (na < 2 || !verdict || strcmp(verdict, "n/a") || json_object_get(rule, "waiver"))
            sum_rule_line(to, rule, m, look, idw);
    }
    if (look->detail != RP_VERBOSE && na >= 2)
        sum_na_line(to, rules, look, na);
    rp_waiver_lines(to, v);
    sum_verdict_line(to, v, look);
    json_decref(v);
}
