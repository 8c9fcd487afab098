/* Reads a svccert-trace/1 JSON Lines text into a trace, refusing anything the rules could not trust. */
#include "trace.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LOAD_INT = 1, LOAD_NUM, LOAD_STR, LOAD_FLAG, LOAD_OBJ, LOAD_HEX, LOAD_WORD, LOAD_ARR };
#define LOAD_NULL 0x100     /* the field may be null */
#define LOAD_OPT 0x200      /* the field may be absent */
#define LOAD_TYPE 0xff
#define LOAD_CHUNK 65536  /* bytes a file read asks for at least */

typedef struct load_field {
    const char *name;
    int type;
} load_field;

/* The events the rules read and the fields they rely on; other event types are skipped unread,
 * as the format asks, so a newer harness can add events without breaking old engines. */
#define LOAD_MAX_FIELDS 8   /* the most any event needs checked (status) */

typedef struct load_spec {
    const char *ev;
    load_field fields[LOAD_MAX_FIELDS + 1];     /* ended by an empty name */
} load_spec;

static const load_spec load_specs[] = {
    { "dispatcher", { { 0 } } },
    { "dispatcher_ready", { { 0 } } },
    { "control_in", { { "control", LOAD_INT } } },
    { "service_main", { { "service", LOAD_STR | LOAD_NULL | LOAD_OPT } } },
    { "handler_register", { { "service", LOAD_STR | LOAD_NULL | LOAD_OPT },
                            { "handle", LOAD_HEX | LOAD_NULL | LOAD_OPT } } },
    { "status", { { "handle", LOAD_HEX | LOAD_NULL }, { "type", LOAD_INT }, { "state", LOAD_INT },
                  { "controls", LOAD_INT }, { "win32_exit", LOAD_INT }, { "specific_exit", LOAD_INT },
                  { "checkpoint", LOAD_INT }, { "wait_hint", LOAD_INT } } },
    { "wait", { { "timeout_ms", LOAD_NUM | LOAD_NULL | LOAD_OPT }, { "t_end", LOAD_NUM | LOAD_NULL | LOAD_OPT },
                { "seq_end", LOAD_INT | LOAD_NULL | LOAD_OPT } } },
    { "debugstr", { { 0 } } },
    { "marker", { { 0 } } },
    { "process_exit", { { "code", LOAD_INT | LOAD_NULL | LOAD_OPT }, { "how", LOAD_STR | LOAD_NULL | LOAD_OPT } } },
    { "ctl_install", { { "service_type", LOAD_INT | LOAD_NULL | LOAD_OPT } } },
    { "ctl_start", { { "ok", LOAD_FLAG | LOAD_OPT }, { "error", LOAD_INT | LOAD_NULL | LOAD_OPT } } },
    { "ctl_control", { { "control", LOAD_INT }, { "ok", LOAD_FLAG }, { "elapsed_ms", LOAD_NUM | LOAD_NULL } } },
    { "ctl_query", { { "service_pid", LOAD_INT | LOAD_NULL | LOAD_OPT } } },
    { "ctl_wait", { { 0 } } },
    { "ctl_exit", { { "service_pid", LOAD_INT | LOAD_NULL | LOAD_OPT } } },
    { "ctl_uninstall", { { 0 } } },
    /* what the controller decided or prepared; the session-0 look's notes are read by trace_model.c */
    { "ctl_note", { { "what", LOAD_STR | LOAD_NULL | LOAD_OPT } } },
    /* the controller of the embedding and user shapes (server_pid: the COM server it launched or watches) */
    { "ctl_launch", { { "ok", LOAD_FLAG | LOAD_OPT }, { "error", LOAD_INT | LOAD_NULL | LOAD_OPT },
                      { "server_pid", LOAD_INT | LOAD_NULL | LOAD_OPT },
                      { "cmdline", LOAD_STR | LOAD_NULL | LOAD_OPT } } },
    { "ctl_client", { { "ok", LOAD_FLAG | LOAD_OPT }, { "exit", LOAD_INT | LOAD_NULL | LOAD_OPT },
                      { "outcome", LOAD_STR | LOAD_NULL | LOAD_OPT },
                      { "elapsed_ms", LOAD_NUM | LOAD_NULL | LOAD_OPT } } },
    { "ctl_watch", { { "what", LOAD_STR | LOAD_NULL | LOAD_OPT }, { "server_pid", LOAD_INT | LOAD_NULL | LOAD_OPT },
                     { "outcome", LOAD_STR | LOAD_NULL | LOAD_OPT }, { "elapsed_ms", LOAD_NUM | LOAD_NULL | LOAD_OPT },
                     { "code", LOAD_INT | LOAD_NULL | LOAD_OPT } } },
    { "ctl_close", { { "server_pid", LOAD_INT | LOAD_NULL | LOAD_OPT },
                     { "windows", LOAD_INT | LOAD_NULL | LOAD_OPT } } },
    /* service_pid: the form an older controller wrote for a service it killed */
    { "ctl_kill", { { "server_pid", LOAD_INT | LOAD_NULL | LOAD_OPT },
                    { "service_pid", LOAD_INT | LOAD_NULL | LOAD_OPT }, { "ok", LOAD_FLAG | LOAD_OPT } } },
    { "harness", { { "action", LOAD_STR } } },
    { "process_start", { { "image", LOAD_STR | LOAD_NULL | LOAD_OPT },
                         { "cmdline", LOAD_STR | LOAD_NULL | LOAD_OPT } } },
    { "com_security", { { "sd", LOAD_HEX | LOAD_NULL }, { "capabilities", LOAD_INT | LOAD_NULL },
                        { "auth_level", LOAD_INT | LOAD_NULL | LOAD_OPT },
                        { "imp_level", LOAD_INT | LOAD_NULL | LOAD_OPT },
                        { "result", LOAD_WORD | LOAD_NULL | LOAD_OPT } } },
    { "com_register", { { "clsid", LOAD_STR }, { "context", LOAD_INT }, { "flags", LOAD_INT },
                        { "cookie", LOAD_WORD | LOAD_NULL }, { "result", LOAD_WORD | LOAD_NULL } } },
    { "com_resume", { { "result", LOAD_WORD | LOAD_NULL | LOAD_OPT } } },
    { "com_revoke", { { "cookie", LOAD_WORD }, { "result", LOAD_WORD | LOAD_NULL | LOAD_OPT } } },
    { "rot_register", { { "flags", LOAD_INT }, { "result", LOAD_WORD | LOAD_NULL | LOAD_OPT } } },
    { "quit_received", { { 0 } } },
    { "window", { { "visible", LOAD_FLAG } } },
    { "com_registry", { { "classes", LOAD_ARR }, { "appids", LOAD_ARR }, { "exe_appids", LOAD_ARR },
                        { "services", LOAD_ARR } } },
    { "cli_activate", { { "clsid", LOAD_STR }, { "ok", LOAD_FLAG }, { "hr", LOAD_WORD | LOAD_NULL | LOAD_OPT } } },
    { "cli_release", { { "remaining", LOAD_INT } } },
    { "cli_lock", { { "lock", LOAD_FLAG }, { "ok", LOAD_FLAG }, { "hr", LOAD_WORD | LOAD_NULL | LOAD_OPT } } },
    { "end", { { "reason", LOAD_STR } } },
};

static const load_field load_common[] = {
    { "seq", LOAD_INT }, { "t", LOAD_NUM }, { "pid", LOAD_INT }, { "tid", LOAD_INT }, { 0 }
};

static void load_fail(trace *tr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void load_fail(trace *tr, const char *fmt, ...)
{
    va_list ap;

    if (tr->error[0])
        return;
    va_start(ap, fmt);
    vsnprintf(tr->error, sizeof tr->error, fmt, ap);
    va_end(ap);
}

static const char *load_type_name(int type)
{
    switch (type & LOAD_TYPE) {
    case LOAD_INT: return "an integer";
    case LOAD_NUM: return "a number";
    case LOAD_STR: return "a string";
    case LOAD_FLAG: return "true, false, 1 or 0";
    case LOAD_OBJ: return "an object";
    case LOAD_WORD: return "an integer or a hex string";
    case LOAD_ARR: return "an array";
    default: return "a hex string";
    }
}

static int load_type_ok(const json_t *v, int type)
{
    unsigned long long dummy;

    switch (type & LOAD_TYPE) {
    case LOAD_INT: return json_is_integer(v);
    case LOAD_NUM: return json_is_number(v);
    case LOAD_STR: return json_is_string(v);
    case LOAD_FLAG: return json_is_boolean(v) || (json_is_integer(v) && json_integer_value(v) >= 0 &&
                                                  json_integer_value(v) <= 1);
    case LOAD_OBJ: return json_is_object(v);
    case LOAD_WORD: return json_is_integer(v) || (json_is_string(v) && trace_parse_hex(json_string_value(v), &dummy));
    case LOAD_ARR: return json_is_array(v);
    default: return json_is_string(v) && trace_parse_hex(json_string_value(v), &dummy);
    }
}

/* Checks the fields of one line; returns 0 and sets the error on the first bad one. */
static int load_check_fields(trace *tr, const json_t *o, const load_field *f, size_t lineno, const char *ev)
{
    for (; f->name; f++) {
        const json_t *v = json_object_get(o, f->name);

        if (!v && (f->type & LOAD_OPT))
            continue;
        if (json_is_null(v) && (f->type & LOAD_NULL))
            continue;
        if (!v || !load_type_ok(v, f->type)) {
            load_fail(tr, "line %zu (%s): field \"%s\" is %s; it must be %s", lineno, ev, f->name,
                      v ? "of the wrong type" : "missing", load_type_name(f->type));
            return 0;
        }
    }
    return 1;
}

static const load_spec *load_find_spec(const char *ev)
{
    size_t i;

    for (i = 0; i < sizeof load_specs / sizeof load_specs[0]; i++)
        if (!strcmp(load_specs[i].ev, ev))
            return &load_specs[i];
    return NULL;
}

static int load_is_array(const json_t *v)
{
    return json_is_array(v);
}

static int load_is_object(const json_t *v)
{
    return json_is_object(v);
}

/* A header field the format lets a source leave out; present, it must be of its kind (is_kind), or the trace is
 * unusable, since a misread header would judge the run as the wrong kind of run. Returns 0 only for a bad field;
 * *field is NULL when it is absent. */
static int load_optional(trace *tr, const json_t *o, const char *key, int (*is_kind)(const json_t *),
                         const char *must, const json_t **field)
{
    *field = json_object_get(o, key);
    if (!*field || is_kind(*field))
        return 1;
    load_fail(tr, "the header's %s must be %s", key, must);
    return 0;
}

/* A header without hooks comes from a source older than the COM events, which recorded the legacy families;
 * names this engine does not know are ignored, as the format grows by adding. */
static int load_hooks(trace *tr, const json_t *o)
{
    const json_t *hooks, *h;
    size_t i;

    tr->hooks = TRACE_HOOKS_LEGACY;
    if (!load_optional(tr, o, "hooks", load_is_array, "an array of event family names", &hooks))
        return 0;
    if (!hooks)
        return 1;
    tr->hooks = 0;
    tr->hooks_given = 1;
    json_array_foreach(hooks, i, h) {
        if (!json_is_string(h)) {
            load_fail(tr, "the header's hooks must be an array of event family names (entry %zu is not a string)", i);
            return 0;
        }
        tr->hooks |= trace_hook_bit(json_string_value(h));
    }
    return 1;
}

/* The run object says how the harness drove the candidate. Without it (or without its shape) the source
 * predates the shapes and drove a service; a shape this engine does not know would be judged as the wrong
 * kind of run, so it makes the trace unusable, as a bad hooks does. Other keys of run are free. */
static int load_run(trace *tr, const json_t *o)
{
    const json_t *run, *shape;
    char names[128];

    tr->shape = TRACE_SHAPE_SERVICE;
    if (!load_optional(tr, o, "run", load_is_object, "an object", &run))
        return 0;
    if (!run)
        return 1;
    shape = json_object_get(run, "shape");
    if (!shape)
        return 1;
    if (!json_is_string(shape) || trace_shape_parse(json_string_value(shape)) < 0) {
        load_fail(tr, "the header's run.shape must be %s%s%s%s", trace_shape_list(names, sizeof names),
                  json_is_string(shape) ? " (it is \"" : " (it is not a string)",
                  json_is_string(shape) ? json_string_value(shape) : "", json_is_string(shape) ? "\")" : "");
        return 0;
    }
    tr->shape = trace_shape_parse(json_string_value(shape));
    tr->shape_given = 1;
    return 1;
}

/* The limits object names what the trace's source is known not to do, a sentence each, for the rules to quote
 * when they could not exercise something; keys this engine does not know are kept unread, as the format grows. */
static int load_limits(trace *tr, const json_t *o)
{
    const json_t *limits, *sentence;
    const char *key;

    if (!load_optional(tr, o, "limits", load_is_object, "an object of sentences", &limits))
        return 0;
    if (!limits)
        return 1;
    json_object_foreach((json_t *)limits, key, sentence) {
        if (!json_is_string(sentence)) {
            load_fail(tr, "the header's limits must be an object of sentences (\"%s\" is not a string)", key);
            return 0;
        }
    }
    return 1;
}

/* The schema is "svccert-trace/<major>[.<minor>]"; only major 1 is known. */
static int load_check_header(trace *tr, json_t *o)
{
    static const load_field header_fields[] = { { "schema", LOAD_STR }, { "candidate", LOAD_OBJ }, { 0 } };
    const char *schema, *p;
    const json_t *cand;
    char *end = NULL;
    long major;

    if (!load_check_fields(tr, o, header_fields, 1, "header"))
        return 0;
    schema = json_string_value(json_object_get(o, "schema"));
    if (strncmp(schema, "svccert-trace/", 14)) {
        load_fail(tr, "the header's schema \"%s\" is not a svccert trace", schema);
        return 0;
    }
    p = schema + 14;
    major = isdigit((unsigned char)*p) ? strtol(p, &end, 10) : -1;
    if (major != 1 || (*end && (*end != '.' || !isdigit((unsigned char)end[1])))) {
        load_fail(tr, "the header's schema \"%s\" has a major version this engine does not know "
                  "(it reads svccert-trace/1)", schema);
        return 0;
    }
    if (!load_hooks(tr, o) || !load_run(tr, o) || !load_limits(tr, o))
        return 0;
    cand = json_object_get(o, "candidate");
    if (json_is_string(json_object_get(cand, "service_name")))
        tr->service_name = json_string_value(json_object_get(cand, "service_name"));
    if (json_is_integer(json_object_get(cand, "service_type"))) {
        tr->has_service_type = 1;
        tr->service_type = json_integer_value(json_object_get(cand, "service_type"));
    }
    tr->header = o;
    return 1;
}

/* Wine prints wineserver requests without a time; the parser then estimates t from the line before
 * and may give t_next, the first time printed after. A process idle for seconds before it exits is
 * printed late, not early, so the next printed time is the one to believe. */
static double load_time(const json_t *o)
{
    const json_t *next = json_object_get(o, "t_next");

    if (json_is_true(json_object_get(o, "t_est")) && json_is_number(next))
        return json_number_value(next);
    return json_number_value(json_object_get(o, "t"));
}

/* Takes one non-blank line; returns 0 when the trace is unusable. */
static int load_line(trace *tr, const char *line, size_t len, size_t lineno, size_t *cap)
{
    json_error_t jerr;
    json_t *o = json_loadb(line, len, 0, &jerr);
    const json_t *evj;
    const load_spec *spec;
    trace_ev *e;
    const char *ev;

    if (!o || !json_is_object(o)) {
        load_fail(tr, "line %zu is not a JSON object%s%s", lineno, o ? "" : ": ", o ? "" : jerr.text);
        json_decref(o);
        return 0;
    }
    evj = json_object_get(o, "ev");
    if (!json_is_string(evj)) {
        load_fail(tr, "line %zu has no event type (\"ev\")", lineno);
        json_decref(o);
        return 0;
    }
    ev = json_string_value(evj);
    if (!tr->header) {
        if (strcmp(ev, "header")) {
            load_fail(tr, "the trace does not start with a header line (line %zu is \"%s\")", lineno, ev);
            json_decref(o);
            return 0;
        }
        if (!load_check_header(tr, o)) {
            json_decref(o);
            return 0;
        }
        return 1;
    }
    if (!strcmp(ev, "header")) {
        load_fail(tr, "line %zu is a second header", lineno);
        json_decref(o);
        return 0;
    }
    if (tr->end) {
        load_fail(tr, "line %zu comes after the end line", lineno);
        json_decref(o);
        return 0;
    }
    spec = load_find_spec(ev);
    if (!spec) {
        json_decref(o);
        return 1;
    }
    if (!load_check_fields(tr, o, load_common, lineno, ev) || !load_check_fields(tr, o, spec->fields, lineno, ev)) {
        json_decref(o);
        return 0;
    }
    if (tr->nevs && json_integer_value(json_object_get(o, "seq")) <= tr->evs[tr->nevs - 1].seq) {
        load_fail(tr, "line %zu (%s): seq %lld does not rise (the line before has %lld)", lineno, ev,
                  (long long)json_integer_value(json_object_get(o, "seq")), tr->evs[tr->nevs - 1].seq);
        json_decref(o);
        return 0;
    }
    if (tr->nevs == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256;
        trace_ev *n = realloc(tr->evs, ncap * sizeof *n);

        if (!n) {
            load_fail(tr, "out of memory reading line %zu", lineno);
            json_decref(o);
            return 0;
        }
        tr->evs = n;
        *cap = ncap;
    }
    e = &tr->evs[tr->nevs++];
    e->obj = o;
    e->ev = ev;
    e->seq = json_integer_value(json_object_get(o, "seq"));
    e->t = load_time(o);
    e->pid = json_integer_value(json_object_get(o, "pid"));
    e->tid = json_integer_value(json_object_get(o, "tid"));
    if (!strcmp(ev, "end"))
        tr->end = e;
    return 1;
}

void trace_load_text(trace *tr, const char *text)
{
    size_t lineno = 0, cap = 0;
    const char *p = text;

    memset(tr, 0, sizeof *tr);
    if (!text) {
        load_fail(tr, "no trace text was given");
        return;
    }
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p), i;

        lineno++;
        for (i = 0; i < len && isspace((unsigned char)p[i]); i++)
            ;
        if (i < len && !load_line(tr, p, len, lineno, &cap))
            break;
        p += len + (nl ? 1 : 0);
    }
    /* the end line's pointer moved with every realloc; find it again */
    tr->end = tr->nevs && !strcmp(tr->evs[tr->nevs - 1].ev, "end") ? &tr->evs[tr->nevs - 1] : NULL;
    if (!tr->error[0] && !tr->header)
        load_fail(tr, "the trace is empty: it has no header line");
    if (!tr->error[0])
        trace_model_build(tr);
}

void trace_load_file(trace *tr, const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0, n;

    if (f) {
        for (;;) {
            if (len + LOAD_CHUNK + 1 > cap) {
                size_t ncap = (len + LOAD_CHUNK + 1) * 2;
                char *t = realloc(text, ncap);

                /* a trace cut where memory ran out would read as a run that stopped there: refuse it */
                if (!t) {
                    memset(tr, 0, sizeof *tr);
                    load_fail(tr, "out of memory reading the trace file %s (after %zu bytes)", path, len);
                    fclose(f);
                    free(text);
                    return;
                }
                text = t;
                cap = ncap;
            }
            n = fread(text + len, 1, cap - len - 1, f);
            len += n;
            if (n == 0)
                break;
        }
    }
    if (!f || ferror(f) || !text) {
        const char *why = strerror(errno);

        memset(tr, 0, sizeof *tr);
        load_fail(tr, "cannot read the trace file %s: %s", path, why);
        if (f)
            fclose(f);
        free(text);
        return;
    }
    fclose(f);
    text[len] = 0;
    if (memchr(text, 0, len)) {
        memset(tr, 0, sizeof *tr);
        load_fail(tr, "the trace file %s holds a NUL byte: it is not JSON Lines", path);
    } else {
        trace_load_text(tr, text);
    }
    free(text);
}

void trace_free(trace *tr)
{
    size_t i;

    for (i = 0; i < tr->nevs; i++)
        json_decref(tr->evs[i].obj);
    free(tr->evs);
    free(tr->st);
    json_decref(tr->header);
    memset(tr, 0, sizeof *tr);
}
