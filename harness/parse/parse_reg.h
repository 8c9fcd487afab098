/* The controller's ctl_reg_* records of one registry scan, folded into one com_registry event. */
#ifndef SVCCERT_HARNESS_PARSE_REG_H
#define SVCCERT_HARNESS_PARSE_REG_H

struct hp_line;
struct hp_rec;
struct hp_state;

/* A controller record: 1 when it belongs to a registry scan and was taken; the scan's ctl_reg_done
   queues its com_registry event. */
int hp_reg_record(struct hp_state *st, const struct hp_line *l, const struct hp_rec *r);
/* The log ended: returns how many ctl_reg_* records never got their ctl_reg_done, and frees the scan. */
long long hp_reg_finish(struct hp_state *st);

#endif
