/* The engine's settings: the timing thresholds of docs/rules.md, the controls expected at RUNNING, strictness. */
#ifndef SC_CONFIG_H
#define SC_CONFIG_H

#include <jansson.h>
#include <stddef.h>

typedef struct config {
    double handler_register_ms, init_threshold_ms, wait_hint_slack_ms, revoke_after_idle_ms,
        activation_timeout_ms, exit_after_stopped_ms, handler_return_ms;
    long long expect_controls;  /* the bits RUNNING must accept; SERVICE_ACCEPT_STOP by default */
    int strict;                 /* warn fails the run too */
} config;

/* Fills c from the defaults and the JSON object text (NULL or "" = defaults); returns 0, or -1 with err. */
int config_parse(config *c, const char *json, char *err, size_t errlen);
json_t *config_thresholds_json(const config *c);

#endif
