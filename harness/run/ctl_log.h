/* ctl_log.h: what the controller's own log says of the service it installed and of why it stopped short. */
#ifndef SVCCERT_RUN_CTL_LOG_H
#define SVCCERT_RUN_CTL_LOG_H

#include <stddef.h>

struct ctl_outcome {
    char name[256];       /* the service the controller drove (first ctl_install ok=1), "" when none */
    int service_type;     /* its dwServiceType, -1 when unknown */
    char reason[512];     /* one line: why the run could not be made as asked (the first ctl_error), "" */
};

/* Reads the controller's log (its stdout: "<ms> svccert-ctl <record>" lines); an absent log says nothing. */
void ctl_log_read(const char *path, struct ctl_outcome *out);
/* The one-line reason for a ctl_error record's words ("what=start error=1056 ..."), into out. */
void ctl_log_reason(const char *record, char *out, size_t cap);

#endif
