/* Records the harness's programs print through OutputDebugString: the one reader of their key=value
   words, the events they become, and the svcref markers. */
#ifndef SVCCERT_HARNESS_PARSE_CTL_H
#define SVCCERT_HARNESS_PARSE_CTL_H

#include <jansson.h>
#include <stddef.h>

#include "parse_line.h"
#include "parse_out.h"
#include "parse_text.h"

#define HP_CTL_PREFIX "svccert-ctl "
#define HP_CLI_PREFIX "svccert-cli "

/* One record, "<prefix>name k=v k=v ...", split where it lies (nothing is copied). */
struct hp_rec {
    const char *name;      /* the word after the prefix, possibly empty */
    size_t nlen;
    const char *args;      /* the words after the name; a record Wine cut loses its last word, which may
                              be partial */
    size_t alen;
    int truncated;         /* Wine cut the record */
};

/* 1 when text starts with prefix; r then holds the record. */
int hp_rec_split(const char *text, size_t n, const char *prefix, int truncated, struct hp_rec *r);
/* True when the record's name is name. */
int hp_rec_is(const struct hp_rec *r, const char *name);
/* The next key=value word at or after *pos (words without '=' are passed over); 0 at the end. */
int hp_rec_next(const struct hp_rec *r, size_t *pos, const char **key, size_t *kl, const char **val,
                size_t *vl);
/* The raw value of key, the last one when it repeats (as the record's event keeps it); 0 if absent. */
int hp_rec_get(const struct hp_rec *r, const char *key, const char **val, size_t *vl);
/* True when key's value is exactly 1 (ok=1, adopted=1). */
int hp_rec_flag(const struct hp_rec *r, const char *key);
/* A pid-valued key (service_pid=, server_pid=): 0 when absent or not a pid. */
unsigned hp_rec_pid(const struct hp_rec *r, const char *key);

/* Builds an event from "<prefix><evprefix>name k=v ..." text (the svccert-ctl and svccert-cli
   records), NULL if the text does not start with prefix; a bad name gives a bad_ctl_record event. */
json_t *hp_rec_event(struct hp_out *o, const char *prefix, const char *evprefix, const char *text,
                     size_t n, int truncated, long long seq, double t, int t_est, unsigned pid,
                     unsigned tid);
/* The server_pid of a "ctl_error what=foreign_server ..." record (a server COM launched from another file
   than the candidate's), 0 for any other record. */
unsigned hp_ctl_foreign_pid(const struct hp_rec *r);
/* The server_pid of a "ctl_launch ok=1 ..." record, 0 for any other record. */
unsigned hp_ctl_launch_pid(const struct hp_rec *r);
/* The decoded name of a "ctl_install ok=1 adopted=1 name=..." record into name: 1, else 0. */
int hp_ctl_adopted(const struct hp_rec *r, struct hp_buf *name);
/* Builds a marker event from "svcref rule=<id> <why>", NULL if it is not one. */
json_t *hp_marker_event(struct hp_out *o, const char *text, size_t n, long long seq, double t,
                        int t_est, unsigned pid, unsigned tid);
/* True when the client line is an OutputDebugString record; decodes it into out. */
int hp_debugstr_line(const struct hp_line *l, struct hp_buf *out, int *truncated);

#endif
