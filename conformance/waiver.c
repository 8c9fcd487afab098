/* Checks the config's waivers: known rule IDs, a policy, a one-line reason, a well-formed hash and expiry date. */
#define _POSIX_C_SOURCE 200809L
#include "waiver.h"
#include "rules.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const waiver_keys[] = { "rule", "policy", "reason", "sha256", "expires" };

static int waiver_known_rule(const char *id)
{
    size_t i;

    for (i = 0; i < rules_count; i++)
        if (!strcmp(rules_table[i].id, id))
            return 1;
    return 0;
}

int waiver_is_date(const char *s)
{
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int y, m, d, i;

    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return 0;
    y = atoi(s);
    m = atoi(s + 5);
    d = atoi(s + 8);
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

int waiver_is_sha256(const char *s)
{
    size_t i;

    if (!s || strlen(s) != 64)
        return 0;
    for (i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* A reason people read on one line of the summary: something besides blanks, and no line break. */
static int waiver_is_reason(const char *s)
{
    int seen = 0;

    for (; s && *s; s++) {
        if (*s == '\n' || *s == '\r')
            return 0;
        seen = seen || !isspace((unsigned char)*s);
    }
    return seen;
}

static int waiver_check_one(const json_t *w, size_t n, char *err, size_t errlen)
{
    const char *key, *rule, *policy, *sha, *expires;
    const json_t *val;
    size_t i;

    if (!json_is_object(w)) {
        snprintf(err, errlen, "config: waiver %zu must be an object {\"rule\", \"policy\", \"reason\"}", n);
        return -1;
    }
    json_object_foreach((json_t *)w, key, val) {
        for (i = 0; i < sizeof waiver_keys / sizeof waiver_keys[0] && strcmp(waiver_keys[i], key); i++)
            ;
        if (i == sizeof waiver_keys / sizeof waiver_keys[0]) {
            snprintf(err, errlen, "config: waiver %zu: unknown key \"%s\"", n, key);
            return -1;
        }
    }
    rule = json_string_value(json_object_get(w, "rule"));
    policy = json_string_value(json_object_get(w, "policy"));
    sha = json_string_value(json_object_get(w, "sha256"));
    expires = json_string_value(json_object_get(w, "expires"));
    if (!rule) {
        snprintf(err, errlen, "config: waiver %zu: \"rule\" must be a rule ID (svccert rules lists them)", n);
        return -1;
    }
    if (!waiver_known_rule(rule)) {
        snprintf(err, errlen, "config: waiver %zu: unknown rule \"%s\" (svccert rules lists them)", n, rule);
        return -1;
    }
    if (!policy || (strcmp(policy, "ignore") && strcmp(policy, "downgrade"))) {
        snprintf(err, errlen, "config: waiver %zu (%s): \"policy\" must be \"ignore\" or \"downgrade\"", n, rule);
        return -1;
    }
    if (!waiver_is_reason(json_string_value(json_object_get(w, "reason")))) {
        snprintf(err, errlen, "config: waiver %zu (%s): \"reason\" must be a non-empty string on one line", n, rule);
        return -1;
    }
    if (json_object_get(w, "sha256") && !waiver_is_sha256(sha)) {
        snprintf(err, errlen, "config: waiver %zu (%s): \"sha256\" must be the candidate's SHA-256, 64 hex digits",
                 n, rule);
        return -1;
    }
    if (json_object_get(w, "expires") && !waiver_is_date(expires)) {
        snprintf(err, errlen, "config: waiver %zu (%s): \"expires\" must be a date YYYY-MM-DD", n, rule);
        return -1;
    }
    return 0;
}

int waiver_check(const json_t *waivers, char *err, size_t errlen)
{
    const json_t *w;
    size_t i;

    if (!json_is_array(waivers)) {
        snprintf(err, errlen, "config: \"waivers\" must be an array");
        return -1;
    }
    json_array_foreach((json_t *)waivers, i, w)
        if (waiver_check_one(w, i + 1, err, errlen))
            return -1;
    return 0;
}

int waiver_today(const char *given, char day[11], char *err, size_t errlen)
{
    const char *env = getenv("SVCCERT_TODAY");
    const char *use = given ? given : env && *env ? env : NULL;
    struct tm tm;
    time_t now;

    if (use) {
        if (!waiver_is_date(use)) {
            snprintf(err, errlen, "%s \"%.40s\" is not a date YYYY-MM-DD", given ? "today" : "SVCCERT_TODAY", use);
            return -1;
        }
        memcpy(day, use, 11);
        return 0;
    }
    now = time(NULL);
    if (!gmtime_r(&now, &tm) || !strftime(day, 11, "%Y-%m-%d", &tm)) {
        snprintf(err, errlen, "cannot read today's date");
        return -1;
    }
    return 0;
}
