/* sarif.c: report.sarif, SARIF 2.1.0 for code-scanning dashboards: the rule table, one result per rule not
 * passed, the candidate as the artifact, the trace events as related locations. */
#define _GNU_SOURCE
#include "formats.h"
#include "../conformance/svcconform.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SA_SCHEMA "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

static const char *sa_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A file URI of PATH (absolute when the file exists), every byte outside RFC 3986's unreserved set and '/'
 * percent-encoded; malloc'd. */
static char *sa_uri(const char *path)
{
    char *abs = realpath(path, NULL), *out, *o;
    const char *p = abs ? abs : path;
    static const char hex[] = "0123456789ABCDEF";

    out = malloc(strlen(p) * 3 + 8);
    if (!out) {
        free(abs);
        return NULL;
    }
    o = out;
    if (*p == '/')
        o += sprintf(o, "file://");
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~/", c)) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = 0;
    free(abs);
    return out;
}

static json_t *sa_text(const char *s)
{
    return json_pack("{s:s}", "text", s && *s ? s : "-");
}

/* The rule table as SARIF reportingDescriptors: the engine's rules, with the text of a richer help
 * (`text`, `help`) where the table has it. */
static json_t *sa_rules(const json_t *report, json_t **ids)
{
    char *text = sc_rules_json();
    json_t *table = text ? json_loads(text, 0, NULL) : NULL, *out = json_array(), *r;
    size_t i;

    sc_free(text);
    *ids = json_object();
    /* without the engine's table, the rules the report judged still describe themselves */
    if (!json_is_array(table)) {
        json_decref(table);
        table = json_deep_copy(json_object_get(report, "rules"));
    }
    json_array_foreach(table, i, r) {
        const char *id = sa_str(r, "id"), *title = sa_str(r, "title"), *kind = sa_str(r, "kind");
        const char *source = sa_str(r, "source"), *url = sa_str(r, "url");
        char *full = NULL, *help = NULL;
        json_t *d;

        if (!id)
            continue;
        if (asprintf(&full, "%s (%s; from %s)", title ? title : id, kind ? kind : "?", source ? source : "?") < 0)
            full = NULL;
        if (asprintf(&help, "%s\n\nSource: %s <%s>", sa_str(r, "help") ? sa_str(r, "help") :
                     sa_str(r, "text") ? sa_str(r, "text") : title ? title : id, source ? source : "?", url ? url : "") < 0)
            help = NULL;
        d = json_pack("{s:s, s:o, s:o, s:o, s:{s:s}, s:{s:s?, s:s?, s:[s]}}", "id", id,
                      "shortDescription", sa_text(title ? title : id),
                      "fullDescription", sa_text(sa_str(r, "text") ? sa_str(r, "text") : full),
                      "help", sa_text(help), "defaultConfiguration", "level",
                      kind && !strcmp(kind, "should") ? "warning" : "error",
                      "properties", "kind", kind, "source", source, "tags", "windows-service");
        if (d && url)
            json_object_set_new(d, "helpUri", json_string(url));
        free(full);
        free(help);
        if (d) {
            json_object_set_new(*ids, id, json_integer((json_int_t)json_array_size(out)));
            json_array_append_new(out, d);
        }
    }
    json_decref(table);
    return out;
}

/* Line numbers (1-based) of a trace's events by seq: the trace is JSON Lines, one event a line. */
struct sa_lines { long *seq; size_t n; };

static void sa_lines_read(const char *path, struct sa_lines *l)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    char *line = NULL;
    size_t cap = 0, have = 0;

    l->seq = NULL;
    l->n = 0;
    if (!f)
        return;
    while (getline(&line, &cap, f) > 0) {
        const char *s = strstr(line, "\"seq\":");
        if (l->n == have) {
            long *more = realloc(l->seq, (have = have ? 2 * have : 1024) * sizeof *more);
            if (!more)
                break;
            l->seq = more;
        }
        l->seq[l->n++] = s ? strtol(s + 6, NULL, 10) : -1;
    }
    free(line);
    fclose(f);
}

static long sa_line_of(const struct sa_lines *l, json_int_t seq)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (l->seq[i] == seq)
            return (long)i + 1;
    return 0;
}

/* What the run's own verdict and a waiver make of a rule: SARIF's kind and level (3.27.9, 3.27.10:
 * a level other than none belongs to kind fail only); NULL kind for a pass, which gets no result. */
static void sa_kind(const json_t *rule, const char **kind, const char **level)
{
    const char *v = sa_str(rule, "verdict");
    const json_t *w = json_object_get(rule, "waiver");

    /* an ignored rule keeps the verdict it had, so the suppression has a result to hang on */
    if (json_is_object(w) && sa_str(w, "original_verdict") && (!v || !strcmp(v, "pass") ||
        (strcmp(v, "fail") && strcmp(v, "warn") && strcmp(v, "error") && strcmp(v, "n/a"))))
        v = sa_str(w, "original_verdict");
    *level = "none";
    *kind = NULL;
    if (!v || !strcmp(v, "error"))
        *kind = "open";       /* "insufficient information to decide": svccert's error, the run's fault */
    else if (!strcmp(v, "fail"))
        *kind = "fail", *level = "error";
    else if (!strcmp(v, "warn"))
        *kind = "fail", *level = "warning";
    else if (!strcmp(v, "n/a"))
        *kind = "notApplicable";
}

struct sa_ctx {
    const json_t *report;
    struct sa_lines *lines;    /* per run */
    size_t nruns;
    int cand_index;            /* the candidate's artifact, or -1 */
    json_int_t cand_bytes;     /* its size: a finding about the whole binary is the region of all its bytes */
    size_t trace_index0;       /* run i's trace is artifact trace_index0 + i */
    const json_t *arts;        /* the artifacts, whose URIs the locations repeat */
};

static json_t *sa_art_uri(const struct sa_ctx *c, size_t index)
{
    return json_object_get(json_object_get(json_array_get(c->arts, index), "location"), "uri");
}

static json_t *sa_related(const struct sa_ctx *c, const json_t *rule)
{
    json_t *out = json_array(), *e;
    const json_t *runs = json_object_get(c->report, "runs");
    size_t k;

    json_array_foreach(json_object_get(rule, "evidence"), k, e) {
        json_int_t run = json_integer_value(json_object_get(e, "run"));
        const json_t *seq = json_object_get(e, "seq");
        const char *trace, *ev = sa_str(e, "ev");
        char *msg = NULL;
        long line;
        json_t *loc;

        if (!json_is_integer(seq) || run < 0 || (size_t)run >= c->nruns)
            continue;
        trace = sa_str(json_array_get(runs, (size_t)run), "trace");
        line = sa_line_of(&c->lines[run], json_integer_value(seq));
        if (!trace || !line)
            continue;
        if (asprintf(&msg, "%s at %.3f ms (seq %lld, pid %lld, tid %lld, run %s)", ev ? ev : "event",
                     json_number_value(json_object_get(e, "t")), (long long)json_integer_value(seq),
                     (long long)json_integer_value(json_object_get(e, "pid")),
                     (long long)json_integer_value(json_object_get(e, "tid")),
                     sa_str(json_array_get(runs, (size_t)run), "name") ? sa_str(json_array_get(runs, (size_t)run), "name") : "?") < 0)
            continue;
        loc = json_pack("{s:I, s:{s:{s:O, s:I}, s:{s:I, s:I}}, s:o}", "id", (json_int_t)json_array_size(out) + 1,
                        "physicalLocation", "artifactLocation", "uri", sa_art_uri(c, c->trace_index0 + (size_t)run),
                        "index", (json_int_t)(c->trace_index0 + (size_t)run),
                        "region", "startLine", (json_int_t)line, "endLine", (json_int_t)line, "message", sa_text(msg));
        free(msg);
        if (loc)
            json_array_append_new(out, loc);
    }
    return out;
}

static json_t *sa_result(const struct sa_ctx *c, const json_t *rule, json_t *ids)
{
    const char *kind, *level, *id = sa_str(rule, "id");
    const json_t *w = json_object_get(rule, "waiver");
    json_t *res, *props;

    sa_kind(rule, &kind, &level);
    if (!kind || !id)
        return NULL;
    props = json_pack("{s:O?, s:O?}", "evidence", json_object_get(rule, "evidence"), "runs", json_object_get(rule, "runs"));
    res = json_pack("{s:s, s:s, s:s, s:o, s:o}", "ruleId", id, "kind", kind, "level", level, "message",
                    sa_text(sa_str(rule, "message")), "properties", props);
    if (!res)
        return NULL;
    if (json_is_integer(json_object_get(ids, id)))
        json_object_set(res, "ruleIndex", json_object_get(ids, id));
    json_object_set_new(props, "verdict", json_string(sa_str(rule, "verdict") ? sa_str(rule, "verdict") : "?"));
    if (c->cand_index >= 0)
        json_object_set_new(res, "locations",
                            json_pack("[{s:{s:{s:O, s:i}, s:{s:i, s:I}}}]", "physicalLocation", "artifactLocation",
                                      "uri", sa_art_uri(c, (size_t)c->cand_index), "index", c->cand_index,
                                      "region", "byteOffset", 0, "byteLength", c->cand_bytes));
    json_object_set_new(res, "relatedLocations", sa_related(c, rule));
    if (!json_array_size(json_object_get(res, "relatedLocations")))
        json_object_del(res, "relatedLocations");
    /* a waiver: the result stays, suppressed by the pipeline's decision, with its reason */
    if (json_is_object(w))
        json_object_set_new(res, "suppressions",
                            json_pack("[{s:s, s:s, s:s, s:O}]", "kind", "external", "status", "accepted",
                                      "justification", sa_str(w, "reason") ? sa_str(w, "reason") : "-",
                                      "properties", w));
    return res;
}

/* The candidate (with its SHA-256) and each run's trace, as SARIF artifacts. */
static json_t *sa_artifacts(const json_t *report, int *cand_index, json_int_t *cand_bytes, size_t *trace_index0)
{
    const json_t *cand = json_object_get(report, "candidate"), *run;
    json_t *out = json_array();
    size_t i;

    *cand_index = -1;
    if (sa_str(cand, "path")) {
        char *uri = sa_uri(sa_str(cand, "path"));
        json_t *a = json_pack("{s:{s:s?}, s:[s]}", "location", "uri", uri, "roles", "analysisTarget");
        struct stat st;
        if (a && sa_str(cand, "sha256"))
            json_object_set_new(a, "hashes", json_pack("{s:s}", "sha-256", sa_str(cand, "sha256")));
        *cand_bytes = stat(sa_str(cand, "path"), &st) ? 0 : (json_int_t)st.st_size;
        if (a && *cand_bytes)
            json_object_set_new(a, "length", json_integer(*cand_bytes));
        free(uri);
        if (a) {
            *cand_index = 0;
            json_array_append_new(out, a);
        }
    }
    *trace_index0 = json_array_size(out);
    json_array_foreach(json_object_get(report, "runs"), i, run) {
        char *uri = sa_str(run, "trace") ? sa_uri(sa_str(run, "trace")) : NULL;
        json_array_append_new(out, json_pack("{s:{s:s}, s:s}", "location", "uri", uri ? uri : "-", "mimeType",
                                             "application/jsonl"));
        free(uri);
    }
    return out;
}

/* Where a reader learns about the tool: the rule catalog beside the running command, in a clone
 * (build/svccert, docs/rules.md) or installed (bin/svccert, share/doc/svccert/rules.md); NULL when neither is there. */
static char *sa_catalog_uri(void)
{
    static const char *const rel[] = { "/../docs/rules.md", "/../share/doc/svccert/rules.md" };
    char exe[PATH_MAX], path[PATH_MAX + 64], *slash;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    size_t i;

    if (n <= 0)
        return NULL;
    exe[n] = 0;
    if (!(slash = strrchr(exe, '/')))
        return NULL;
    *slash = 0;
    for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        snprintf(path, sizeof path, "%s%s", exe, rel[i]);
        if (!access(path, R_OK))
            return sa_uri(path);
    }
    return NULL;
}

int rp_sarif_write(const char *dir, const json_t *report, char *err, size_t errlen)
{
    const json_t *tool = json_object_get(report, "tool"), *rule;
    json_t *ids, *rules, *results = json_array(), *arts, *driver, *doc;
    struct sa_ctx c = { report, NULL, json_array_size(json_object_get(report, "runs")), -1, 0, 0, NULL };
    char path[4096];
    size_t i;
    int rc;

    rules = sa_rules(report, &ids);
    arts = sa_artifacts(report, &c.cand_index, &c.cand_bytes, &c.trace_index0);
    c.arts = arts;
    c.lines = calloc(c.nruns ? c.nruns : 1, sizeof *c.lines);
    for (i = 0; c.lines && i < c.nruns; i++)
        sa_lines_read(sa_str(json_array_get(json_object_get(report, "runs"), i), "trace"), &c.lines[i]);
    json_array_foreach(json_object_get(report, "rules"), i, rule) {
        json_t *r = c.lines ? sa_result(&c, rule, ids) : NULL;
        if (r)
            json_array_append_new(results, r);
    }
    for (i = 0; c.lines && i < c.nruns; i++)
        free(c.lines[i].seq);
    free(c.lines);
    driver = json_pack("{s:s, s:o}", "name", sa_str(tool, "name") ? sa_str(tool, "name") : "svccert", "rules", rules);
    /* a report without the tool's version says so rather than leave the field out; SARIF2005 wants a number first */
    json_object_set_new(driver, "version", json_string(sa_str(tool, "version") ? sa_str(tool, "version") : "0-unknown"));
    if (sa_str(tool, "information_uri")) {
        json_object_set_new(driver, "informationUri", json_string(sa_str(tool, "information_uri")));
    } else {
        char *uri = sa_catalog_uri();
        if (uri)
            json_object_set_new(driver, "informationUri", json_string(uri));
        free(uri);
    }
    doc = json_pack("{s:s, s:s, s:[{s:{s:o}, s:o, s:o, s:{s:O?, s:O?, s:O?, s:O?, s:s?}}]}", "$schema", SA_SCHEMA,
                    "version", "2.1.0", "runs", "tool", "driver", driver, "artifacts", arts, "results", results,
                    "properties", "verdict", json_object_get(report, "verdict"), "counts",
                    json_object_get(report, "counts"), "strict", json_object_get(report, "strict"),
                    "verdict_reason", json_object_get(report, "verdict_reason"), "wine", sa_str(tool, "wine"));
    json_decref(ids);
    if (!doc) {
        snprintf(err, errlen, "cannot make the SARIF log (out of memory?)");
        return -1;
    }
    snprintf(path, sizeof path, "%s/report.sarif", dir);
    rc = json_dump_file(doc, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (rc) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
