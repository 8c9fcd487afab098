/* html.c: report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) with the
 * summary, the rules and their evidence, and a timeline per run whose cited events the verdicts link to. */
#define _GNU_SOURCE
#include "html.h"
#include "html_escape.h"
#include "timeline.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Evidence items shown per rule and the length of a value: report.json keeps them all, whole. */
#define HT_MAX_EVIDENCE 200
#define HT_MAX_VALUE 300

static const char ht_css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:1200px}"
    "h1{font-size:1.5em;margin:0 0 .5em}h2{font-size:1.2em;margin-top:1.5em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse}td,th{padding:3px 8px;vertical-align:top;text-align:left}"
    "table.rules td,table.runs td,table.rules th,table.runs th{border-bottom:1px solid #e4e4e4}"
    "table.summary th{color:#555;font-weight:normal}"
    ".mono,code{font-family:ui-monospace,monospace;font-size:12.5px;word-break:break-all}"
    ".v{display:inline-block;min-width:3.2em;text-align:center;border-radius:3px;padding:0 4px;font-weight:bold}"
    ".v-pass{background:#d8f0d8;color:#185c18}.v-fail{background:#f8d0d0;color:#8a1010}"
    ".v-warn{background:#fbe8b8;color:#7a5400}.v-na{background:#eee;color:#666}"
    ".v-error{background:#e4d8f4;color:#4a2a7a}.v-other{background:#eee}"
    "tr.r-fail{background:#fff6f6}tr.r-warn{background:#fffbf0}tr:target{outline:2px solid #36c}"
    "details{margin-top:3px}summary{cursor:pointer;color:#36c}"
    "table.ev td{font-size:12.5px;border:0;padding:1px 6px}.waiver{color:#7a5400}"
    "a.cite{font-family:ui-monospace,monospace;font-size:12.5px;display:block;white-space:nowrap}"
    "svg.timeline{display:block;max-width:100%;height:auto;border:1px solid #ddd;margin:.5em 0}"
    "svg .le{fill:#fafafa}svg .lo{fill:#f2f2f2}svg .ln{font-size:12px;fill:#444}"
    "svg .tick{font-size:10px;fill:#666}svg .grid{stroke:#ddd}svg .bl{font-size:11px;fill:#222}"
    "svg .cp{font-size:10px;fill:#333}svg .hint{stroke:#b58900;stroke-dasharray:4 2;stroke-width:1.5}"
    "svg .deadline{stroke:#b58900;stroke-width:2}"
    "svg .cited circle{fill:none;stroke:#d00;stroke-width:2.5}svg .cited:target circle{stroke-width:5;stroke:#f0f}"
    ".note{color:#555;font-size:12.5px}.legend span{margin-right:12px;font-size:12.5px}"
    ".sw{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin-right:3px;border:1px solid #999}";

/* The class for a verdict: never the verdict's text itself, which the page does not trust. */
static const char *ht_vclass(const char *v)
{
    static const char *const known[][2] = { { "pass", "v-pass" }, { "fail", "v-fail" }, { "warn", "v-warn" },
                                            { "n/a", "v-na" },    { "error", "v-error" } };
    size_t i;

    for (i = 0; v && i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(v, known[i][0]))
            return known[i][1];
    return "v-other";
}

static void ht_verdict(FILE *f, const char *v)
{
    fprintf(f, "<span class=\"v %s\">", ht_vclass(v));
    rp_esc(f, v ? v : "?", 40);
    fputs("</span>", f);
}

static const char *ht_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A JSON value as text: strings as they are, anything else as compact JSON; cut at max bytes. */
static void ht_value(FILE *f, const json_t *v, size_t max)
{
    char *text;

    if (json_is_string(v)) {
        rp_esc(f, json_string_value(v), max);
        return;
    }
    text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    rp_esc(f, text ? text : "?", max);
    free(text);
}

static int ht_bad_verdict(const char *v)
{
    return v && (!strcmp(v, "fail") || !strcmp(v, "warn"));
}

/* Whether a rule's evidence is marked in the timelines: it failed or warned, before or after a waiver. */
static int ht_marks(const json_t *rule)
{
    return ht_bad_verdict(ht_str(rule, "verdict")) ||
           ht_bad_verdict(ht_str(json_object_get(rule, "waiver"), "original_verdict"));
}

static int ht_na(const json_t *rule)
{
    const char *v = ht_str(rule, "verdict");

    return v && !strcmp(v, "n/a") && !json_is_object(json_object_get(rule, "waiver"));
}

static int ht_cite_cmp(const void *a, const void *b)
{
    const struct tl_cite *x = a, *y = b;

    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The events run r's marked rules cite, sorted, one entry per seq (the first rule citing it). */
static struct tl_cite *ht_cites(const json_t *rules, size_t r, size_t *n)
{
    struct tl_cite *c = NULL;
    size_t i, j, cap = 0, k = 0;
    const json_t *rule, *e;

    *n = 0;
    json_array_foreach(rules, i, rule) {
        if (!ht_marks(rule) || !json_is_string(json_object_get(rule, "id")))
            continue;
        json_array_foreach(json_object_get(rule, "evidence"), j, e) {
            if (!json_is_integer(json_object_get(e, "seq")) || json_integer_value(json_object_get(e, "run")) != (json_int_t)r)
                continue;
            if (k == cap) {
                struct tl_cite *more = realloc(c, (cap = cap ? 2 * cap : 64) * sizeof *c);
                if (!more) {
                    free(c);
                    return NULL;
                }
                c = more;
            }
            c[k].seq = json_integer_value(json_object_get(e, "seq"));
            c[k].rule = ht_str(rule, "id");
            c[k].drawn = 0;
            k++;
        }
    }
    if (!k)
        return c;
    /* a stable order keeps the first citing rule: sort by seq, ties by position in the rule order */
    for (i = 0; i < k; i++)
        c[i].drawn = (int)i;
    qsort(c, k, sizeof *c, ht_cite_cmp);
    for (i = 0, j = 0; i < k; i++) {
        if (j && c[j - 1].seq == c[i].seq) {
            if (c[i].drawn < c[j - 1].drawn)
                c[j - 1] = c[i];
            continue;
        }
        c[j++] = c[i];
    }
    for (i = 0; i < j; i++)
        c[i].drawn = 0;
    *n = j;
    return c;
}

static int ht_drawn(struct tl_cite *const *cites, const size_t *ncites, size_t nruns, json_int_t run, json_int_t seq)
{
    size_t i;

    if (run < 0 || (size_t)run >= nruns)
        return 0;
    for (i = 0; i < ncites[run]; i++)
        if (cites[run][i].seq == seq)
            return cites[run][i].drawn;
    return 0;
}

static void ht_counts(FILE *f, const json_t *counts)
{
    const char *key;
    json_t *val;
    int i = 0;

    json_object_foreach((json_t *)counts, key, val) {
        fputs(i++ ? ", " : "", f);
        rp_esc(f, key, 40);
        fprintf(f, " %lld", (long long)json_integer_value(val));
    }
}

static void ht_summary(FILE *f, const json_t *r)
{
    const json_t *cand = json_object_get(r, "candidate"), *tool = json_object_get(r, "tool");

    fputs("<table class=\"summary\">\n<tr><th>candidate</th><td class=\"mono\">", f);
    rp_esc(f, ht_str(cand, "path") ? ht_str(cand, "path") : "(not named)", 0);
    fputs("</td></tr>\n<tr><th>SHA-256</th><td class=\"mono\">", f);
    if (ht_str(cand, "sha256"))
        rp_esc(f, ht_str(cand, "sha256"), 0);
    else {
        fputs("not computed", f);
        if (ht_str(cand, "sha256_error")) {
            fputs(": ", f);
            rp_esc(f, ht_str(cand, "sha256_error"), HT_MAX_VALUE);
        }
    }
    fputs("</td></tr>\n<tr><th>verdict</th><td>", f);
    ht_verdict(f, ht_str(r, "verdict"));
    if (json_is_true(json_object_get(r, "strict")))
        fputs(" (strict: a warning fails)", f);
    if (ht_str(r, "verdict_reason")) {
        fputs(" ", f);
        rp_esc(f, ht_str(r, "verdict_reason"), 0);
    }
    fputs("</td></tr>\n<tr><th>rules</th><td>", f);
    ht_counts(f, json_object_get(r, "counts"));
    fputs("</td></tr>\n<tr><th>tool</th><td>", f);
    rp_esc(f, ht_str(tool, "name") ? ht_str(tool, "name") : "svccert", 80);
    if (ht_str(tool, "version")) {
        fputs(" ", f);
        rp_esc(f, ht_str(tool, "version"), 80);
    }
    if (ht_str(tool, "wine")) {
        fputs(", under ", f);
        rp_esc(f, ht_str(tool, "wine"), 120);
    }
    fputs("</td></tr>\n", f);
    if (json_is_object(json_object_get(r, "sandbox"))) {
        const json_t *s = json_object_get(r, "sandbox");
        fprintf(f, "<tr><th>sandbox</th><td>%s", json_is_true(json_object_get(s, "enabled")) ? "enabled" : "off");
        if (ht_str(s, "limits_by")) {
            fputs(", limits by ", f);
            rp_esc(f, ht_str(s, "limits_by"), 40);
        }
        if (ht_str(s, "note")) {
            fputs(": ", f);
            rp_esc(f, ht_str(s, "note"), HT_MAX_VALUE);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void ht_runs(FILE *f, const json_t *runs)
{
    size_t i;
    const json_t *run;

    fputs("<h2>Runs</h2>\n<table class=\"runs\"><tr><th>run</th><th>shape</th><th>verdict</th><th>rules</th>"
          "<th>ended</th><th>trace</th></tr>\n", f);
    json_array_foreach(runs, i, run) {
        const json_t *info = json_object_get(run, "info");
        fprintf(f, "<tr><td><a href=\"#run%zu\">", i);
        rp_esc(f, ht_str(run, "name") ? ht_str(run, "name") : "run", 80);
        fputs("</a></td><td>", f);
        rp_esc(f, ht_str(run, "shape"), 40);
        fputs("</td><td>", f);
        ht_verdict(f, ht_str(run, "verdict"));
        fputs("</td><td>", f);
        ht_counts(f, json_object_get(run, "counts"));
        fputs("</td><td>", f);
        rp_esc(f, ht_str(info, "end_reason"), 40);
        fputs("</td><td class=\"mono\">", f);
        rp_esc(f, ht_str(run, "trace"), 0);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void ht_cite_link(FILE *f, json_int_t run, json_int_t seq, int drawn)
{
    if (drawn)
        fprintf(f, "<a class=\"cite\" href=\"#run%lld-seq%lld\">run %lld seq %lld</a>", (long long)run, (long long)seq,
                (long long)run, (long long)seq);
    else
        fprintf(f, "<span class=\"cite mono\">run %lld seq %lld</span>", (long long)run, (long long)seq);
}

static void ht_evidence(FILE *f, const json_t *ev, struct tl_cite *const *cites, const size_t *ncites, size_t nruns)
{
    size_t i;
    const json_t *e;

    fputs("<table class=\"ev\">\n", f);
    json_array_foreach(ev, i, e) {
        const char *key;
        json_t *v;
        int n = 0;

        if (i == HT_MAX_EVIDENCE) {
            fprintf(f, "<tr><td>%zu more items in report.json</td></tr>\n", json_array_size(ev) - i);
            break;
        }
        fputs("<tr><td>", f);
        if (json_is_integer(json_object_get(e, "seq"))) {
            json_int_t run = json_integer_value(json_object_get(e, "run")), seq = json_integer_value(json_object_get(e, "seq"));
            ht_cite_link(f, run, seq, ht_drawn(cites, ncites, nruns, run, seq));
        }
        fputs("</td><td class=\"mono\">", f);
        json_object_foreach((json_t *)e, key, v) {
            if (!strcmp(key, "run") || !strcmp(key, "seq"))
                continue;
            fputs(n++ ? ", " : "", f);
            rp_esc(f, key, 60);
            fputs("=", f);
            ht_value(f, v, HT_MAX_VALUE);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void ht_rule(FILE *f, const json_t *rule, struct tl_cite *const *cites, const size_t *ncites, size_t nruns)
{
    const char *id = ht_str(rule, "id"), *v = ht_str(rule, "verdict"), *url = ht_str(rule, "url");
    const json_t *ev = json_object_get(rule, "evidence"), *waiver = json_object_get(rule, "waiver"), *e, *run;
    size_t i, links = 0;

    fputs("<tr id=\"rule-", f);
    rp_esc(f, id, 0);
    fprintf(f, "\" class=\"r-%s\"><td>", ht_vclass(v) + 2);
    ht_verdict(f, v);
    if (json_is_object(waiver)) {
        fputs("<div class=\"waiver\">waived (", f);
        rp_esc(f, ht_str(waiver, "policy"), 40);
        fputs("), was ", f);
        rp_esc(f, ht_str(waiver, "original_verdict"), 40);
        fputs("</div>", f);
    }
    fputs("</td><td><code>", f);
    rp_esc(f, id, 0);
    fputs("</code><br>", f);
    rp_esc(f, ht_str(rule, "title"), 0);
    fputs("</td><td>", f);
    rp_esc(f, ht_str(rule, "message"), 0);
    fputs("\n<details><summary>evidence, runs, source</summary>\n", f);
    if (json_is_object(waiver)) {
        const char *key;
        json_t *val;
        fputs("<p class=\"waiver\">Waiver: ", f);
        json_object_foreach((json_t *)waiver, key, val) {
            rp_esc(f, key, 60);
            fputs("=", f);
            ht_value(f, val, HT_MAX_VALUE);
            fputs("; ", f);
        }
        fputs("</p>\n", f);
    }
    if (ht_str(rule, "help")) {
        fputs("<p>", f);
        rp_esc(f, ht_str(rule, "help"), 0);
        fputs("</p>\n", f);
    }
    json_array_foreach(json_object_get(rule, "runs"), i, run) {
        fprintf(f, "<div>run %lld (", (long long)json_integer_value(json_object_get(run, "run")));
        rp_esc(f, ht_str(run, "shape"), 40);
        fputs("): ", f);
        ht_verdict(f, ht_str(run, "verdict"));
        fputs(" ", f);
        rp_esc(f, ht_str(run, "message"), 0);
        fputs("</div>\n", f);
    }
    if (json_array_size(ev))
        ht_evidence(f, ev, cites, ncites, nruns);
    else
        fputs("<p class=\"note\">No evidence items.</p>\n", f);
    fputs("<p class=\"note\">Source: ", f);
    /* only the catalog's own documentation links are links; nothing on the page is fetched */
    if (url && !strncmp(url, "https://", 8)) {
        fputs("<a rel=\"noreferrer\" href=\"", f);
        rp_esc(f, url, 0);
        fputs("\">", f);
        rp_esc(f, ht_str(rule, "source") ? ht_str(rule, "source") : url, 0);
        fputs("</a>", f);
    } else {
        rp_esc(f, ht_str(rule, "source"), 0);
    }
    fputs("</p>\n</details></td><td>", f);
    json_array_foreach(ht_marks(rule) ? ev : NULL, i, e) {
        json_int_t r = json_integer_value(json_object_get(e, "run")), seq = json_integer_value(json_object_get(e, "seq"));
        if (!json_is_integer(json_object_get(e, "seq")) || !ht_drawn(cites, ncites, nruns, r, seq))
            continue;
        if (links++ == 8) {
            fputs("…", f);
            break;
        }
        ht_cite_link(f, r, seq, 1);
    }
    fputs("</td></tr>\n", f);
}

static void ht_legend(FILE *f)
{
    static const char *const states[][2] = { { "START_PENDING", "#f4c542" }, { "RUNNING", "#6cc070" },
                                             { "STOP_PENDING", "#f0903a" },  { "PAUSE_PENDING", "#c9a0e0" },
                                             { "PAUSED", "#7aa7e0" },        { "CONTINUE_PENDING", "#8ec9f0" },
                                             { "STOPPED", "#bbb" } };
    size_t i;

    fputs("<p class=\"legend\">", f);
    for (i = 0; i < sizeof states / sizeof states[0]; i++)
        fprintf(f, "<span><i class=\"sw\" style=\"background:%s\"></i>%s</span>", states[i][1], states[i][0]);
    fputs("<span>dashed line: a pending report's wait hint, up to its deadline (bar); number: its checkpoint</span>"
          "<span>control: sent (\xE2\x96\xB6) \xE2\x86\x92 ControlService returned (bar)</span>"
          "<span style=\"color:#d00\">red mark: the call failed (ok false, a failure HRESULT)</span>"
          "<span style=\"color:#d00\">\xE2\x97\xAF a cited event of a failing or warning rule (links to the rule)</span>"
          "<span>hover a mark for its fields</span></p>\n", f);
}

static int ht_page(FILE *f, const json_t *r)
{
    const json_t *runs = json_object_get(r, "runs"), *rules = json_object_get(r, "rules"), *rule, *run;
    size_t nruns = json_array_size(runs), i, nna = 0;
    struct tl_cite **cites = calloc(nruns + 1, sizeof *cites);
    size_t *ncites = calloc(nruns + 1, sizeof *ncites);
    char **tls = calloc(nruns + 1, sizeof *tls);
    size_t *tllen = calloc(nruns + 1, sizeof *tllen);
    const char *cand = ht_str(json_object_get(r, "candidate"), "path");
    int rc = -1;

    if (!cites || !ncites || !tls || !tllen)
        goto out;
    /* the timelines first: the rules table links only to the events they mark */
    json_array_foreach(runs, i, run) {
        FILE *m = open_memstream(&tls[i], &tllen[i]);
        if (!m)
            goto out;
        cites[i] = ht_cites(rules, i, &ncites[i]);
        tl_write(m, (int)i, ht_str(run, "trace"), cites[i], ncites[i]);
        if (fclose(m))
            goto out;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
          "img-src data:\">\n<title>svccert: ", f);
    rp_esc(f, ht_str(r, "verdict"), 40);
    fputs(" \xE2\x80\x94 ", f);
    rp_esc(f, cand ? (strrchr(cand, '/') ? strrchr(cand, '/') + 1 : cand) : "report", 200);
    fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>svccert report</h1>\n", ht_css);
    ht_summary(f, r);
    ht_runs(f, runs);
    fputs("<h2>Rules</h2>\n<table class=\"rules\"><tr><th>verdict</th><th>rule</th><th>message</th>"
          "<th>cited events</th></tr>\n", f);
    json_array_foreach(rules, i, rule) {
        if (ht_na(rule))
            nna++;
        else
            ht_rule(f, rule, cites, ncites, nruns);
    }
    fputs("</table>\n", f);
    /* rules that did not apply to this candidate are kept out of the way, as the terminal does */
    if (nna) {
        fprintf(f, "<details class=\"na\"><summary>%zu rules did not apply (n/a)</summary>\n<table class=\"rules\">", nna);
        json_array_foreach(rules, i, rule)
            if (ht_na(rule))
                ht_rule(f, rule, cites, ncites, nruns);
        fputs("</table></details>\n", f);
    }
    fputs("<h2>Timelines</h2>\n", f);
    ht_legend(f);
    json_array_foreach(runs, i, run) {
        fprintf(f, "<section id=\"run%zu\"><h3>run %zu: ", i, i);
        rp_esc(f, ht_str(run, "name"), 80);
        fputs(" (", f);
        rp_esc(f, ht_str(run, "shape"), 40);
        fputs(") ", f);
        ht_verdict(f, ht_str(run, "verdict"));
        fputs("</h3>\n", f);
        fwrite(tls[i], 1, tllen[i], f);
        fputs("</section>\n", f);
    }
    fputs("</body></html>\n", f);
    rc = 0;
out:
    for (i = 0; i < nruns; i++) {
        if (cites)
            free(cites[i]);
        if (tls)
            free(tls[i]);
    }
    free(cites);
    free(ncites);
    free(tls);
    free(tllen);
    return rc;
}

int rp_html_write(const char *dir, const json_t *report, char *err, size_t errlen)
{
    char path[4096];
    FILE *f;
    int rc;

    snprintf(path, sizeof path, "%s/report.html", dir);
    if (!(f = fopen(path, "w"))) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    rc = ht_page(f, report);
    if (ferror(f))
        rc = -1;
    if (fclose(f) || rc) {
        snprintf(err, errlen, "cannot write %s: %s", path, errno ? strerror(errno) : "out of memory");
        return -1;
    }
    return 0;
}
