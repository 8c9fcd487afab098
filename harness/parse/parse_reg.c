/* The controller's ctl_reg_* records of one registry scan, folded into one com_registry event at its ctl_reg_done. */
#include <ctype.h>
#include <string.h>

#include "parse_ctl.h"
#include "parse_line.h"
#include "parse_out.h"
#include "parse_reg.h"
#include "parse_state.h"
#include "parse_text.h"

#define HP_REG_NAME "ctl_reg_"
#define HP_REG_KEYS 4

/* Each kind of item record: its name after ctl_reg_, the ctl_reg_done count of it, the com_registry field
   that lists it, and its keys, which are also the item's fields. */
static const struct {
    const char *name, *count, *field;
    const char *keys[HP_REG_KEYS];
    unsigned guids;        /* bit i: keys[i] is a GUID */
} hp_reg_kinds[HP_REG_KINDS] = {
    [HP_REG_CLASS] = {"class", "classes", "classes", {"clsid", "appid", "local_server32"}, 0x3},
    [HP_REG_APPID] = {"appid", "appids", "appids", {"appid", "local_service", "run_as", "service_params"}, 0x1},
    [HP_REG_EXE] = {"exe", "exes", "exe_appids", {"exe", "appid"}, 0x2},
    [HP_REG_SERVICE] = {"service", "services", "services", {"name", "image_path", "service_dll"}, 0},
};

static int hp_reg_is_guid_body(const char *s, size_t n)
{
    size_t i;

    if (n != 36) return 0;
    for (i = 0; i < n; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

/* A string value: "-" (or no such key) is null, %XX are UTF-8 bytes. Every value stays a string, even
   one that looks like a number (a service may be called "1"). A GUID is written as the registry's own
   key names spell it, "{...}" in upper case, so that it compares with the trace's other GUIDs. */
static json_t *hp_reg_str(struct hp_state *st, const struct hp_rec *r, const char *key, int guid)
{
    struct hp_buf b = {0};
    const char *v;
    size_t vl, i;
    json_t *j;

    if (!hp_rec_get(r, key, &v, &vl) || (vl == 1 && v[0] == '-')) return json_null();
    if (hp_pct_decode(v, vl, &b)) {
        hp_buf_free(&b);
        st->out.failed = 1;
        return json_null();
    }
    if (guid) {
        for (i = 0; i < b.n; i++) b.p[i] = (char)toupper((unsigned char)b.p[i]);
        if (hp_reg_is_guid_body(b.p, b.n)) {
            char g[40];

            g[0] = '{';
            memcpy(g + 1, b.p, 36);
            g[37] = '}';
            hp_buf_free(&b);
            return json_stringn(g, 38);
        }
    }
    j = hp_jstr(b.p, b.n);
    hp_buf_free(&b);
    return j;
}

static void hp_reg_append(struct hp_state *st, json_t **list, json_t *item)
{
    if (!*list && !(*list = json_array())) {
        json_decref(item);
        st->out.failed = 1;
        return;
    }
    if (!item || json_array_append_new(*list, item)) st->out.failed = 1;
}

/* The counts ctl_reg_done gives say whether a record of the scan went missing. */
static int hp_reg_count_differs(const struct hp_rec *r, const char *key, const json_t *list)
{
    const char *v;
    size_t vl;
    long long c;

    if (!hp_rec_get(r, key, &v, &vl) || !hp_parse_dec(v, vl, &c)) return 0;
    return c != (long long)(list ? json_array_size(list) : 0);
}

static void hp_reg_done(struct hp_state *st, const struct hp_line *l, const struct hp_rec *rec)
{
    struct hp_reg *r = &st->reg;
    json_t *e;
    int k;

    for (k = 0; k < HP_REG_KINDS; k++)
        if (hp_reg_count_differs(rec, hp_reg_kinds[k].count, r->lists[k])) r->truncated = 1;
    e = hp_ev_obj("com_registry", st->seq, st->t, st->t_est, st->ctl, l->tid, 1);
    hp_set(&st->out, e, "when", hp_reg_str(st, rec, "when", 0));
    /* the event takes each list (an empty one when the scan found nothing); the scan lets go of it */
    for (k = 0; k < HP_REG_KINDS; k++) {
        hp_set(&st->out, e, hp_reg_kinds[k].field, r->lists[k] ? r->lists[k] : json_array());
        r->lists[k] = NULL;
    }
    if (r->truncated) hp_set(&st->out, e, "truncated", json_true());
    hp_queue(st, e, HP_EV_READY);
    r->truncated = 0;
    r->records = 0;
}

int hp_reg_record(struct hp_state *st, const struct hp_line *l, const struct hp_rec *r)
{
    size_t pl = strlen(HP_REG_NAME), i;
    json_t *item;
    int k;

    if (r->nlen < pl || memcmp(r->name, HP_REG_NAME, pl)) return 0;
    for (k = 0; k < HP_REG_KINDS; k++)
        if (strlen(hp_reg_kinds[k].name) == r->nlen - pl && !memcmp(r->name + pl, hp_reg_kinds[k].name, r->nlen - pl))
            break;
    /* other ctl_reg_* names are ordinary controller records */
    if (k == HP_REG_KINDS && !hp_rec_is(r, HP_REG_NAME "done")) return 0;
    if (r->truncated) st->reg.truncated = 1;
    if (k == HP_REG_KINDS) {
        hp_reg_done(st, l, r);
        return 1;
    }
    item = json_object();
    for (i = 0; i < HP_REG_KEYS && hp_reg_kinds[k].keys[i]; i++)
        hp_set(&st->out, item, hp_reg_kinds[k].keys[i],
               hp_reg_str(st, r, hp_reg_kinds[k].keys[i], (hp_reg_kinds[k].guids >> i) & 1));
    hp_reg_append(st, &st->reg.lists[k], item);
    st->reg.records++;
    return 1;
}

long long hp_reg_finish(struct hp_state *st)
{
    struct hp_reg *r = &st->reg;
    long long n = r->records;
    int k;

    for (k = 0; k < HP_REG_KINDS; k++) json_decref(r->lists[k]);
    memset(r, 0, sizeof(*r));
    return n;
}
