/* Reads the engine's configuration object and knows the default thresholds of docs/rules.md. */
#include "config.h"
#include "svcconform.h"
#include "verdict.h"
#include "waiver.h"

#include <stdio.h>
#include <string.h>

typedef struct config_threshold {
    const char *name;
    size_t offset;
    double dflt;
} config_threshold;

static const config_threshold config_thresholds[] = {
    { "handler_register_ms", offsetof(config, handler_register_ms), 100 },
    { "init_threshold_ms", offsetof(config, init_threshold_ms), 1000 },
    { "wait_hint_slack_ms", offsetof(config, wait_hint_slack_ms), 250 },
    { "revoke_after_idle_ms", offsetof(config, revoke_after_idle_ms), 10000 },
    { "activation_timeout_ms", offsetof(config, activation_timeout_ms), 30000 },
    { "exit_after_stopped_ms", offsetof(config, exit_after_stopped_ms), 5000 },
    { "handler_return_ms", offsetof(config, handler_return_ms), 1000 },
};

#define CONFIG_NTHRESHOLDS (sizeof config_thresholds / sizeof config_thresholds[0])

static double *config_slot(config *c, const config_threshold *t)
{
    return (double *)((char *)c + t->offset);
}

static int config_read_thresholds(config *c, const json_t *obj, char *err, size_t errlen)
{
    const char *key;
    const json_t *val;
    size_t i;

    if (!json_is_object(obj)) {
        snprintf(err, errlen, "config: \"thresholds\" must be an object");
        return -1;
    }
    json_object_foreach((json_t *)obj, key, val) {
        for (i = 0; i < CONFIG_NTHRESHOLDS && strcmp(config_thresholds[i].name, key); i++)
            ;
        if (i == CONFIG_NTHRESHOLDS) {
            snprintf(err, errlen, "config: unknown threshold \"%s\"", key);
            return -1;
        }
        if (!json_is_number(val) || json_number_value(val) < 0) {
            snprintf(err, errlen, "config: threshold \"%s\" must be a number of milliseconds, 0 or more", key);
            return -1;
        }
        *config_slot(c, &config_thresholds[i]) = json_number_value(val);
    }
    return 0;
}

int config_parse(config *c, const char *json, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root;
    const char *key;
    json_t *val;
    size_t i;
    int rc = 0;

    memset(c, 0, sizeof *c);
    for (i = 0; i < CONFIG_NTHRESHOLDS; i++)
        *config_slot(c, &config_thresholds[i]) = config_thresholds[i].dflt;
    c->expect_controls = 0x1;
    if (!json || !*json)
        return 0;
    root = json_loads(json, 0, &jerr);
    if (!root || !json_is_object(root)) {
        snprintf(err, errlen, "config: not a JSON object%s%s", root ? "" : ": ", root ? "" : jerr.text);
        json_decref(root);
        return -1;
    }
    json_object_foreach(root, key, val) {
        if (!strcmp(key, "thresholds")) {
            rc = config_read_thresholds(c, val, err, errlen);
        } else if (!strcmp(key, "expect_controls")) {
            if (!json_is_integer(val) || json_integer_value(val) < 0) {
                snprintf(err, errlen, "config: \"expect_controls\" must be a non-negative integer "
                         "(a dwControlsAccepted mask)");
                rc = -1;
            } else {
                c->expect_controls = json_integer_value(val);
            }
        } else if (!strcmp(key, "waivers")) {
            char day[11];

            /* a bad $SVCCERT_TODAY is refused with the config, before any run, not after it */
            rc = waiver_check(val, err, errlen) || (json_array_size(val) && waiver_today(NULL, day, err, errlen));
            rc = rc ? -1 : 0;
        } else if (!strcmp(key, "strict")) {
            if (!json_is_boolean(val)) {
                snprintf(err, errlen, "config: \"strict\" must be true or false");
                rc = -1;
            } else {
                c->strict = json_is_true(val);
            }
        } else {
            snprintf(err, errlen, "config: unknown key \"%s\"", key);
            rc = -1;
        }
        if (rc)
            break;
    }
    json_decref(root);
    return rc;
}

json_t *config_thresholds_json(const config *c)
{
    json_t *o = json_object();
    size_t i;

    for (i = 0; i < CONFIG_NTHRESHOLDS && o; i++) {
        json_t *ms = verdict_ms(*(const double *)((const char *)c + config_thresholds[i].offset));

        /* a threshold missing from the result would read as a default: no result at all instead */
        if (!ms || json_object_set_new(o, config_thresholds[i].name, ms)) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

char *sc_thresholds_json(const char *config_json, char *err, size_t errlen)
{
    config c;
    json_t *o;
    char *text;

    if (config_parse(&c, config_json, err, errlen))
        return NULL;
    o = config_thresholds_json(&c);
    text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!text)
        snprintf(err, errlen, "config: out of memory");
    return text;
}
