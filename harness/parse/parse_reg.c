/* The controller's ctl_reg_* records of one registry scan, folded into one com_registry event at its ctl_reg_done. */
#include <ctype.h>
#include <string.h>

#include "parse_int.h"

#define HP_REG_PREFIX "svccert-ctl ctl_reg_"

enum hp_reg_kind { HP_REG_CLASS, HP_REG_APPID, HP_REG_EXE, HP_REG_SERVICE, HP_REG_DONE, HP_REG_NONE };

static enum hp_reg_kind hp_reg_kind(const char *p, size_t n)
{
    static const char *const names[] = {"class", "appid", "exe", "service", "done"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == n && !memcmp(p, names[i], n)) return (enum hp_reg_kind)i;
    return HP_REG_NONE;
}

/* The raw value of key among the record's key=value words; 0 if absent. */
static int hp_reg_raw(const char *p, size_t n, const char *key, const char **v, size_t *vl)
{
    size_t kl = strlen(key), i = 0, j;

    while (i < n) {
        while (i < n && p[i] == ' ') i++;
        for (j = i; j < n && p[j] != ' '; j++)
            ;
        if (j - i > kl && p[i + kl] == '=' && !memcmp(p + i, key, kl)) {
            *v = p + i + kl + 1;
            *vl = j - i - kl - 1;
            return 1;
        }
        i = j;
    }
    return 0;
}

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
static json_t *hp_reg_str(struct hp_state *st, const char *p, size_t n, const char *key, int guid)
{
    struct hp_buf b = {0};
    const char *v;
    size_t vl, i;
    json_t *j;

    if (!hp_reg_raw(p, n, key, &v, &vl) || (vl == 1 && v[0] == '-')) return json_null();
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

/* The list as the event takes it (an empty one when the scan found nothing); the scan lets go of it. */
static json_t *hp_reg_take(json_t **list)
{
    json_t *l = *list ? *list : json_array();

    *list = NULL;
    return l;
}

/* The counts ctl_reg_done gives say whether a record of the scan went missing. */
static int hp_reg_count_differs(const char *p, size_t n, const char *key, const json_t *list)
{
    const char *v;
    size_t vl;
    long long c;

    if (!hp_reg_raw(p, n, key, &v, &vl) || !hp_parse_dec(v, vl, &c)) return 0;
    return c != (long long)(list ? json_array_size(list) : 0);
}

static void hp_reg_done(struct hp_state *st, const struct hp_line *l, const char *p, size_t n)
{
    struct hp_reg *r = &st->reg;
    json_t *e;

    if (hp_reg_count_differs(p, n, "classes", r->classes) || hp_reg_count_differs(p, n, "appids", r->appids) ||
        hp_reg_count_differs(p, n, "exes", r->exes) || hp_reg_count_differs(p, n, "services", r->services))
        r->truncated = 1;
    e = hp_ev_obj("com_registry", st->seq, st->t, st->t_est, st->ctl, l->tid, 1);
    hp_set(&st->out, e, "when", hp_reg_str(st, p, n, "when", 0));
    hp_set(&st->out, e, "classes", hp_reg_take(&r->classes));
    hp_set(&st->out, e, "appids", hp_reg_take(&r->appids));
    hp_set(&st->out, e, "exe_appids", hp_reg_take(&r->exes));
    hp_set(&st->out, e, "services", hp_reg_take(&r->services));
    if (r->truncated) hp_set(&st->out, e, "truncated", json_true());
    hp_queue(st, e, HP_EV_READY);
    r->truncated = 0;
    r->records = 0;
}

int hp_reg_record(struct hp_state *st, const struct hp_line *l, const char *text, size_t n, int truncated)
{
    size_t pl = strlen(HP_REG_PREFIX), wl;
    enum hp_reg_kind kind;
    const char *p;
    json_t *item;

    if (n < pl || memcmp(text, HP_REG_PREFIX, pl)) return 0;
    p = text + pl;
    n -= pl;
    for (wl = 0; wl < n && p[wl] != ' '; wl++)
        ;
    /* other ctl_reg_* names are ordinary controller records */
    if ((kind = hp_reg_kind(p, wl)) == HP_REG_NONE) return 0;
    p += wl;
    n -= wl;
    if (truncated) {
        /* Wine cut the record: its last word may be partial, so it is not trusted */
        while (n && p[n - 1] != ' ') n--;
        st->reg.truncated = 1;
    }
    if (kind == HP_REG_DONE) {
        hp_reg_done(st, l, p, n);
        return 1;
    }
    item = json_object();
    switch (kind) {
    case HP_REG_CLASS:
        hp_set(&st->out, item, "clsid", hp_reg_str(st, p, n, "clsid", 1));
        hp_set(&st->out, item, "appid", hp_reg_str(st, p, n, "appid", 1));
        hp_set(&st->out, item, "local_server32", hp_reg_str(st, p, n, "local_server32", 0));
        hp_reg_append(st, &st->reg.classes, item);
        break;
    case HP_REG_APPID:
        hp_set(&st->out, item, "appid", hp_reg_str(st, p, n, "appid", 1));
        hp_set(&st->out, item, "local_service", hp_reg_str(st, p, n, "local_service", 0));
        hp_set(&st->out, item, "run_as", hp_reg_str(st, p, n, "run_as", 0));
        hp_set(&st->out, item, "service_params", hp_reg_str(st, p, n, "service_params", 0));
        hp_reg_append(st, &st->reg.appids, item);
        break;
    case HP_REG_EXE:
        hp_set(&st->out, item, "exe", hp_reg_str(st, p, n, "exe", 0));
        hp_set(&st->out, item, "appid", hp_reg_str(st, p, n, "appid", 1));
        hp_reg_append(st, &st->reg.exes, item);
        break;
    default:
        hp_set(&st->out, item, "name", hp_reg_str(st, p, n, "name", 0));
        hp_set(&st->out, item, "image_path", hp_reg_str(st, p, n, "image_path", 0));
        hp_reg_append(st, &st->reg.services, item);
        break;
    }
    st->reg.records++;
    return 1;
}

long long hp_reg_finish(struct hp_state *st)
{
    struct hp_reg *r = &st->reg;
    long long n = r->records;

    json_decref(r->classes);
    json_decref(r->appids);
    json_decref(r->exes);
    json_decref(r->services);
    memset(r, 0, sizeof(*r));
    return n;
}
