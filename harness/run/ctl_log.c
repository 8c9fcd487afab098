/* ctl_log.c: reads the controller's log for the service it drove and for the reason it stopped short. */
#define _GNU_SOURCE
#include "ctl_log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of key=VALUE among a record's words, percent-decoded (the controller encodes values). */
static int log_value(const char *rec, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key), n = 0;
    const char *p = rec;

    for (;;) {
        p = strstr(p, key);
        if (!p)
            return 0;
        if ((p == rec || p[-1] == ' ') && p[kl] == '=')
            break;
        p += kl;
    }
    for (p += kl + 1; *p && !strchr(" \r\n", *p) && n + 1 < cap; p++) {
        unsigned v;
        if (p[0] == '%' && p[1] && p[2] && sscanf(p + 1, "%2x", &v) == 1) {
            out[n++] = (char)v;
            p += 2;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = 0;
    return 1;
}

/* Names for the StartService and CreateService errors a run can meet; the code alone otherwise. */
static const char *log_error_name(long code)
{
    static const struct { long code; const char *name; } names[] = {
        { 2, "ERROR_FILE_NOT_FOUND" }, { 3, "ERROR_PATH_NOT_FOUND" }, { 5, "ERROR_ACCESS_DENIED" },
        { 87, "ERROR_INVALID_PARAMETER" }, { 193, "ERROR_BAD_EXE_FORMAT" },
        { 1056, "ERROR_SERVICE_ALREADY_RUNNING: a process the run did not start" },
        { 1058, "ERROR_SERVICE_DISABLED" }, { 1060, "ERROR_SERVICE_DOES_NOT_EXIST" },
        { 1069, "ERROR_SERVICE_LOGON_FAILED" }, { 1072, "ERROR_SERVICE_MARKED_FOR_DELETE" },
        { 1073, "ERROR_SERVICE_EXISTS" }, { 1078, "ERROR_DUPLICATE_SERVICE_NAME" },
    };
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].code == code)
            return names[i].name;
    return NULL;
}

void ctl_log_reason(const char *rec, char *out, size_t cap)
{
    char what[64] = "", err[32] = "", name[400] = "", code[96], clsid[64] = "";
    const char *en;

    log_value(rec, "what", what, sizeof what);
    log_value(rec, "error", err, sizeof err);
    log_value(rec, "name", name, sizeof name);
    en = log_error_name(strtol(err, NULL, 10));
    snprintf(code, sizeof code, "%s%s%s%s", err, en ? " (" : "", en ? en : "", en ? ")" : "");
    if (!strcmp(what, "start"))
        snprintf(out, cap, "StartService failed with error %s; nothing of the candidate was judged", code);
    else if (!strcmp(what, "install") && (!strcmp(err, "1073") || !strcmp(err, "1078") || !strcmp(err, "1072")))
        snprintf(out, cap, "the service name '%s' belongs to another program of the prefix (error %s); choose another "
                 "--service-name", name, code);
    else if (!strcmp(what, "install"))
        snprintf(out, cap, "CreateService failed with error %s", code);
    else if (!strcmp(what, "local_service"))
        snprintf(out, cap, "the AppID's LocalService '%s' runs another program than the candidate, and an activation "
                 "would start that one", name);
    else if (!strcmp(what, "foreign_server") && log_value(rec, "clsid", clsid, sizeof clsid) && clsid[0] == '{')
        snprintf(out, cap, "COM started %s for %s, not the candidate: register the candidate's copy (--reg or "
                 "--register); nothing of the other program was judged", name, clsid);
    else if (!strcmp(what, "foreign_server"))
        snprintf(out, cap, "COM started %s for an activation, not the candidate: register the candidate's copy (--reg "
                 "or --register); nothing of the other program was judged", name);
    else if (!strcmp(what, "param"))
        snprintf(out, cap, "the service's parameter %s could not be written (error %s)", name, code);
    else
        snprintf(out, cap, "the controller could not go on: %s failed with error %s", *what ? what : "?", code);
}

void ctl_log_read(const char *path, struct ctl_outcome *out)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, v[64];
    size_t cap = 0;

    memset(out, 0, sizeof *out);
    out->service_type = -1;
    if (!f)
        return;
    while (getline(&line, &cap, f) > 0) {
        const char *rec = strstr(line, " svccert-ctl ");

        if (!rec)
            continue;
        rec += strlen(" svccert-ctl ");
        if (!out->name[0] && !strncmp(rec, "ctl_install ", 12) && log_value(rec, "ok", v, sizeof v) && !strcmp(v, "1")) {
            log_value(rec, "name", out->name, sizeof out->name);
            if (log_value(rec, "service_type", v, sizeof v) && *v >= '0' && *v <= '9')
                out->service_type = atoi(v);
        }
        if (!out->reason[0] && !strncmp(rec, "ctl_error ", 10))
            ctl_log_reason(rec, out->reason, sizeof out->reason);
    }
    free(line);
    fclose(f);
}
