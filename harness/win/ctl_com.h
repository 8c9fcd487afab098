/* ctl_com.h: the COM client's runs, and the EXE-server shapes (embedding, user) start to end. */
#ifndef SVCCERT_CTL_COM_H
#define SVCCERT_CTL_COM_H

#include "ctl.h"

/* Starts the COM client on the classes; returns its process handle, or NULL (recorded). */
HANDLE ctl_client_start(const struct ctl_opts *o, const struct ctl_found *f);
/* Waits for the client and records how it ended. */
void ctl_client_wait(HANDLE client, const struct ctl_opts *o);
/* The embedding and user shapes, start to end. */
void ctl_run_embedding(const struct ctl_opts *o, const struct ctl_found *f);
void ctl_run_user(const struct ctl_opts *o, const struct ctl_found *f);

#endif
