/* ctl_reg.h: the candidate's COM registration and the registry scan of what it left. */
#ifndef SVCCERT_CTL_REG_H
#define SVCCERT_CTL_REG_H

#include "ctl.h"

/* Runs the candidate's self-registration (or imports the .reg file) and records the outcome. */
void ctl_register(const struct ctl_opts *o);
/* Records the registry entries that concern the candidate (ctl_reg_* then ctl_reg_done). */
void ctl_scan(const struct ctl_opts *o, const char *when, struct ctl_found *f);

#endif
