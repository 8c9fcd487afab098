/* junit.c: report.junit.xml, the JUnit XML that CI test reporters read: one testsuite per run, one testcase per rule. */
#define _GNU_SOURCE
#include "formats.h"
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

/* XML 1.0 has no way to write most control characters, not even as references; a candidate's strings
 * can hold them, so they become '?' (malloc'd; NULL stays NULL). */
static xmlChar *ju_text(const char *s)
{
    size_t i, n = s ? strlen(s) : 0;
    unsigned char *t = s ? malloc(n + 1) : NULL;

    if (!t)
        return NULL;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        t[i] = c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '?' : c;
        /* U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters either */
        if (c == 0xef && i + 2 < n && (unsigned char)s[i + 1] == 0xbf && ((unsigned char)s[i + 2] & 0xfe) == 0xbe) {
            t[i] = t[i + 1] = t[i + 2] = '?';
            i += 2;
        }
    }
    t[n] = 0;
    return t;
}

static void ju_prop(xmlNodePtr node, const char *name, const char *value)
{
    xmlChar *v = ju_text(value ? value : "");
    xmlSetProp(node, BAD_CAST name, v);
    free(v);
}

static xmlNodePtr ju_child(xmlNodePtr parent, const char *name, const char *text)
{
    xmlChar *t = ju_text(text);
    xmlNodePtr n = xmlNewTextChild(parent, NULL, BAD_CAST name, t);
    free(t);
    return n;
}

static void ju_property(xmlNodePtr props, const char *name, const char *value)
{
    xmlNodePtr p;

    if (!value)
        return;
    p = xmlNewChild(props, NULL, BAD_CAST "property", NULL);
    ju_prop(p, "name", name);
    ju_prop(p, "value", value);
}

static const char *ju_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The rule's verdict and message in run i: the run's own, except that a waiver (waiver.original_verdict)
 * turns the run's verdict it waived into the rule's waived one, so a waived rule fails no suite. */
static void ju_run_verdict(const json_t *rule, size_t i, const char **verdict, const char **message)
{
    const json_t *w = json_object_get(rule, "waiver"), *per;
    const char *orig = ju_str(w, "original_verdict");
    size_t k;

    *verdict = ju_str(rule, "verdict");
    *message = ju_str(rule, "message");
    json_array_foreach(json_object_get(rule, "runs"), k, per) {
        if ((size_t)json_integer_value(json_object_get(per, "run")) != i || !json_is_integer(json_object_get(per, "run")))
            continue;
        *message = ju_str(per, "message");
        if (!(json_is_object(w) && orig && ju_str(per, "verdict") && !strcmp(ju_str(per, "verdict"), orig)))
            *verdict = ju_str(per, "verdict");
        break;
    }
}

/* The longest measured time of the rule in run i, in seconds; -1 when nothing was measured. */
static double ju_time(const json_t *rule, size_t i)
{
    const json_t *e;
    double best = -1;
    size_t k;

    json_array_foreach(json_object_get(rule, "evidence"), k, e) {
        const json_t *ms = json_object_get(e, "measured_ms");
        if (json_is_number(ms) && (size_t)json_integer_value(json_object_get(e, "run")) == i &&
            json_number_value(ms) / 1000.0 > best)
            best = json_number_value(ms) / 1000.0;
    }
    return best;
}

/* "waived (downgrade, fail before): reason", or NULL when the rule has no waiver. */
static char *ju_waiver(const json_t *rule)
{
    const json_t *w = json_object_get(rule, "waiver");
    char *s = NULL;

    if (!json_is_object(w))
        return NULL;
    if (asprintf(&s, "waived (%s; %s before): %s", ju_str(w, "policy") ? ju_str(w, "policy") : "?",
                 ju_str(w, "original_verdict") ? ju_str(w, "original_verdict") : "?",
                 ju_str(w, "reason") ? ju_str(w, "reason") : "") < 0)
        return NULL;
    return s;
}

struct ju_counts { int tests, failures, errors, skipped; };

static void ju_testcase(xmlNodePtr suite, const json_t *rule, size_t i, const char *shape, int strict,
                        struct ju_counts *c)
{
    const char *verdict, *message, *id = ju_str(rule, "id");
    xmlNodePtr tc = xmlNewChild(suite, NULL, BAD_CAST "testcase", NULL), x;
    double t = ju_time(rule, i);
    char buf[64], *detail = NULL, *waived = ju_waiver(rule), *out = NULL;

    ju_run_verdict(rule, i, &verdict, &message);
    verdict = verdict ? verdict : "error";
    message = message ? message : "";
    snprintf(buf, sizeof buf, "svccert.%s", shape);
    ju_prop(tc, "classname", buf);
    ju_prop(tc, "name", id);
    if (t >= 0) {
        snprintf(buf, sizeof buf, "%.3f", t);
        ju_prop(tc, "time", buf);
    }
    if (asprintf(&detail, "%s\n%s (%s: %s)\n%s", message, ju_str(rule, "title") ? ju_str(rule, "title") : "",
                 ju_str(rule, "source") ? ju_str(rule, "source") : "", ju_str(rule, "url") ? ju_str(rule, "url") : "",
                 waived ? waived : "") < 0)
        detail = NULL;
    c->tests++;
    if (!strcmp(verdict, "fail") || (!strcmp(verdict, "warn") && strict)) {
        x = ju_child(tc, "failure", detail);
        ju_prop(x, "message", message);
        ju_prop(x, "type", verdict);
        c->failures++;
    } else if (!strcmp(verdict, "error")) {
        x = ju_child(tc, "error", detail);
        ju_prop(x, "message", message);
        ju_prop(x, "type", "error");
        c->errors++;
    } else if (!strcmp(verdict, "n/a")) {
        x = xmlNewChild(tc, NULL, BAD_CAST "skipped", NULL);
        ju_prop(x, "message", message);
        c->skipped++;
    } else if (!strcmp(verdict, "warn") || waived) {
        /* a warning passes (it fails under --strict); a waived rule says so where a reader looks */
        if (asprintf(&out, "%s: %s", verdict, detail ? detail : message) >= 0)
            ju_child(tc, "system-out", out);
    }
    free(out);
    free(detail);
    free(waived);
}

static void ju_count_props(xmlNodePtr node, const struct ju_counts *c)
{
    char buf[32];

    snprintf(buf, sizeof buf, "%d", c->tests);
    ju_prop(node, "tests", buf);
    snprintf(buf, sizeof buf, "%d", c->failures);
    ju_prop(node, "failures", buf);
    snprintf(buf, sizeof buf, "%d", c->errors);
    ju_prop(node, "errors", buf);
    snprintf(buf, sizeof buf, "%d", c->skipped);
    ju_prop(node, "skipped", buf);
}

/* One run's testsuite: what was run (properties), then its rules. */
static void ju_suite(xmlNodePtr root, const json_t *report, const json_t *run, size_t i, struct ju_counts *all)
{
    xmlNodePtr suite = xmlNewChild(root, NULL, BAD_CAST "testsuite", NULL);
    xmlNodePtr props = xmlNewChild(suite, NULL, BAD_CAST "properties", NULL);
    const json_t *cand = json_object_get(report, "candidate"), *rule, *tool = json_object_get(report, "tool");
    const char *shape = ju_str(run, "shape") ? ju_str(run, "shape") : "service";
    const char *name = ju_str(run, "name") ? ju_str(run, "name") : shape;
    int strict = json_is_true(json_object_get(report, "strict"));
    struct ju_counts c = { 0, 0, 0, 0 };
    char buf[512];
    size_t k;

    snprintf(buf, sizeof buf, "svccert %s (%s)", name, shape);
    ju_prop(suite, "name", buf);
    ju_property(props, "candidate", ju_str(cand, "path"));
    ju_property(props, "candidate.sha256", ju_str(cand, "sha256"));
    ju_property(props, "shape", shape);
    ju_property(props, "run", name);
    ju_property(props, "run.verdict", ju_str(run, "verdict"));
    ju_property(props, "run.error", ju_str(run, "run_error"));
    ju_property(props, "trace", ju_str(run, "trace"));
    ju_property(props, "verdict", ju_str(report, "verdict"));
    ju_property(props, "strict", strict ? "true" : "false");
    ju_property(props, "tool", ju_str(tool, "name"));
    ju_property(props, "tool.version", ju_str(tool, "version"));
    ju_property(props, "wine.version", ju_str(tool, "wine"));
    json_array_foreach(json_object_get(report, "rules"), k, rule) {
        char *w = ju_waiver(rule), pname[256];
        if (w) {
            snprintf(pname, sizeof pname, "waiver.%s", ju_str(rule, "id") ? ju_str(rule, "id") : "?");
            ju_property(props, pname, w);
            free(w);
        }
    }
    json_array_foreach(json_object_get(report, "rules"), k, rule)
        ju_testcase(suite, rule, i, shape, strict, &c);
    ju_count_props(suite, &c);
    all->tests += c.tests;
    all->failures += c.failures;
    all->errors += c.errors;
    all->skipped += c.skipped;
}

int rp_junit_write(const char *dir, const json_t *report, char *err, size_t errlen)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "testsuites");
    struct ju_counts all = { 0, 0, 0, 0 };
    const json_t *run;
    char path[4096];
    size_t i;
    int rc;

    xmlDocSetRootElement(doc, root);
    ju_prop(root, "name", "svccert");
    json_array_foreach(json_object_get(report, "runs"), i, run)
        ju_suite(root, report, run, i, &all);
    ju_count_props(root, &all);
    snprintf(path, sizeof path, "%s/report.junit.xml", dir);
    rc = xmlSaveFormatFileEnc(path, doc, "UTF-8", 1);
    xmlFreeDoc(doc);
    if (rc < 0) {
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    return 0;
}
