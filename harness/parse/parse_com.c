/* COM events of the candidate (ole, msg, win channels), process starts, and the COM client's records. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "parse_com.h"
#include "parse_ctl.h"
#include "parse_line.h"
#include "parse_out.h"
#include "parse_relay.h"
#include "parse_state.h"
#include "parse_text.h"

/* Decodes the debugstr at s into b (from empty) and returns a pointer past it, or NULL. */
static const char *hp_com_str(const char *s, struct hp_buf *b)
{
    const char *end;
    int trunc;

    b->n = 0;
    if (hp_dbgstr(s, b, &end, &trunc)) return NULL;
    if (!b->p && hp_buf_put(b, "", 0)) return NULL;
    return end;
}

static const char *hp_com_word(const char *s, const char *word)
{
    size_t n = strlen(word);

    if (strncmp(s, word, n)) return NULL;
    return s + n;
}

int hp_launch_line(const struct hp_line *l, struct hp_launch *lc, struct hp_buf *b, unsigned *pid,
                   unsigned *tid)
{
    const char *p, *w[4];
    size_t wl[4], n;
    unsigned long long v1, v2;

    if (l->kind != HP_CLIENT || strcmp(l->chan, "process") || strcmp(l->func, "NtCreateUserProcess"))
        return 0;
    if (!(p = hp_com_str(l->msg, b))) return 0;
    if ((p = hp_com_word(p, " image "))) {
        /* first line: L"nt path" image L"dos path" cmdline L"..." parent ... */
        if (!(p = hp_com_str(p, b))) return 0;
        snprintf(lc->image, sizeof(lc->image), "%s", b->p);
        if (!(p = hp_com_word(p, " cmdline ")) || !hp_com_str(p, b)) return 0;
        snprintf(lc->cmdline, sizeof(lc->cmdline), "%s", b->p);
        lc->tid = l->tid;
        return 0;
    }
    /* second line, from the same thread: L"nt path" pid P tid T handles ... */
    if (lc->tid != l->tid) return 0;
    p = l->msg;
    if (!(p = strstr(p, "\" pid "))) return 0;
    n = hp_split(p + 2, ' ', w, wl, 4);
    lc->tid = 0;
    if (n < 4 || wl[0] != 3 || memcmp(w[0], "pid", 3) || wl[2] != 3 || memcmp(w[2], "tid", 3) ||
        !hp_parse_hex(w[1], wl[1], &v1) || !hp_parse_hex(w[3], wl[3], &v2))
        return 0;
    *pid = (unsigned)v1;
    *tid = (unsigned)v2;
    return 1;
}

int hp_is_embedding(const char *c)
{
    while (*c) {
        size_t n;

        while (*c == ' ' || *c == '"') c++;
        n = strcspn(c, " \"");
        if (n == 10 && (c[0] == '-' || c[0] == '/') && !strncasecmp(c + 1, "embedding", 9)) return 1;
        c += n;
    }
    return 0;
}

int hp_com_process_line(struct hp_state *st, const struct hp_line *l, unsigned *pid, unsigned *tid)
{
    json_t *e;

    if (!hp_launch_line(l, &st->com.launch, &st->buf, pid, tid) || !hp_proc_of(st, *pid)) return 0;
    e = hp_ev_obj("process_start", st->seq, st->t, st->t_est, *pid, *tid, 1);
    hp_set(&st->out, e, "image", hp_jstr(st->com.launch.image, strlen(st->com.launch.image)));
    hp_set(&st->out, e, "cmdline", hp_jstr(st->com.launch.cmdline, strlen(st->com.launch.cmdline)));
    hp_set(&st->out, e, "parent_pid", json_integer(l->pid));
    hp_queue(st, e, HP_EV_READY);
    return 1;
}

/* Wine prints these numbers with %ld, %d or %#lx: "-1", "6", "0x4". */
static json_t *hp_com_num(const char *s, size_t n)
{
    unsigned long long u;
    long long v;

    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return hp_parse_hex(s, n, &u) ? json_integer((json_int_t)u) : json_null();
    return hp_parse_dec(s, n, &v) ? json_integer(v) : json_null();
}

/* "{1df5b9b1-...}" as Windows writes it: upper case. */
static json_t *hp_com_guid(const char *s, size_t n)
{
    char g[40];
    size_t i;

    if (n != 38 || s[0] != '{' || s[37] != '}') return json_null();
    for (i = 0; i < n; i++) {
        /* anything but hex digits and dashes in their places is no GUID (and may not even be UTF-8) */
        if (i && i < 37 && ((i == 9 || i == 14 || i == 19 || i == 24) ? s[i] != '-' : !isxdigit((unsigned char)s[i])))
            return json_null();
        g[i] = (char)toupper((unsigned char)s[i]);
    }
    return json_stringn(g, n);
}

/* How an +ole line's item becomes an event field. */
enum hp_com_field { HP_CF_HEX, HP_CF_NUM, HP_CF_GUID, HP_CF_NULL /* known only from relay's Ret */ };

#define HP_COM_FIELDS 7

/* The +ole lines of the calls the trace shows, and the event each makes from its comma-separated items. */
static const struct hp_com_call {
    const char *func, *ev;
    int items;             /* how many items the line has, -1 for any number */
    struct { const char *name; int item; enum hp_com_field how; } f[HP_COM_FIELDS];
} hp_com_calls[] = {
    /* sd, count, services, reserved, auth level, imp level, auth list, capabilities, reserved3; the last
       item is "<pointer> stub" */
    {"CoInitializeSecurity", "com_security", 9,
     {{"sd", 0, HP_CF_HEX}, {"auth_services", 1, HP_CF_NUM}, {"auth_level", 4, HP_CF_NUM},
      {"imp_level", 5, HP_CF_NUM}, {"auth_list", 6, HP_CF_HEX}, {"capabilities", 7, HP_CF_NUM},
      {"result", -1, HP_CF_NULL}}},
    {"CoRegisterClassObject", "com_register", 5,
     {{"clsid", 0, HP_CF_GUID}, {"object", 1, HP_CF_HEX}, {"context", 2, HP_CF_NUM}, {"flags", 3, HP_CF_NUM},
      {"cookie", -1, HP_CF_NULL}, {"result", -1, HP_CF_NULL}}},
    {"CoResumeClassObjects", "com_resume", -1, {{"result", -1, HP_CF_NULL}}},
    {"CoRevokeClassObject", "com_revoke", 1, {{"cookie", 0, HP_CF_NUM}, {"result", -1, HP_CF_NULL}}},
    /* this, flags, object, moniker, cookie pointer */
    {"RunningObjectTableImpl_Register", "rot_register", 5,
     {{"flags", 1, HP_CF_NUM}, {"object", 2, HP_CF_HEX}, {"result", -1, HP_CF_NULL}}},
};

static json_t *hp_com_field(enum hp_com_field how, const char *s, size_t n)
{
    switch (how) {
    case HP_CF_HEX: return hp_jhex(s, n);
    case HP_CF_NUM: return hp_com_num(s, n);
    case HP_CF_GUID: return hp_com_guid(s, n);
    default: return json_null();
    }
}

/* "reserved, flags"; the function's second line ("Initializing ...") has no comma. */
static json_t *hp_com_init(struct hp_state *st, const struct hp_line *l, const char **w, const size_t *wl,
                           size_t n)
{
    json_t *e, *flags;

    if (n != 2) return NULL;
    flags = hp_com_num(w[1], wl[1]);
    if (!json_is_integer(flags)) {
        json_decref(flags);
        return NULL;
    }
    e = hp_cand_ev(st, "com_init", l->tid);
    hp_set(&st->out, e, "model", json_string(json_integer_value(flags) & 0x2 ? "apartment" : "multithreaded"));
    hp_set(&st->out, e, "flags", flags);
    return e;
}

static void hp_com_ole(struct hp_state *st, const struct hp_line *l)
{
    const char *w[10];
    size_t wl[10], n = hp_split(l->msg, ',', w, wl, 10), i, j;
    const struct hp_com_call *c;
    json_t *e = NULL;

    if (!strcmp(l->func, "CoInitializeEx")) e = hp_com_init(st, l, w, wl, n);
    for (i = 0; !e && i < sizeof(hp_com_calls) / sizeof(hp_com_calls[0]); i++) {
        c = &hp_com_calls[i];
        if (strcmp(l->func, c->func)) continue;
        if (c->items >= 0 && n != (size_t)c->items) return;
        e = hp_cand_ev(st, c->ev, l->tid);
        for (j = 0; j < HP_COM_FIELDS && c->f[j].name; j++) {
            int k = c->f[j].item;

            hp_set(&st->out, e, c->f[j].name, hp_com_field(c->f[j].how, k >= 0 ? w[k] : NULL, k >= 0 ? wl[k] : 0));
        }
    }
    /* a call that +relay also shows waits there for its result */
    if (e) hp_relay_ole(st, l, e);
}

static int hp_com_hwnd(const char *s, unsigned long long *v)
{
    size_t n = strspn(s, "0123456789abcdefABCDEFx");

    return n && hp_parse_hex(s, n, v);
}

static void hp_com_window(struct hp_state *st, const struct hp_line *l)
{
    struct hp_com *c = &st->com;
    unsigned long long hwnd, cmd;
    const char *p;
    size_t i;
    json_t *e;

    if (!strcmp(l->func, "WIN_CreateWindowEx")) {
        /* L"title" L"class" ex=... style=... x,y wxh parent=0000000000000000 ...: top-level only */
        c->win_tid = 0;
        if (!(p = hp_com_str(l->msg, &st->buf)) || !strstr(p, " parent=0000000000000000 ")) return;
        snprintf(c->win_title, sizeof(c->win_title), "%s", st->buf.p);
        c->win_tid = l->tid;
    } else if (!strcmp(l->func, "NtUserCreateWindowEx") && c->win_tid == l->tid &&
               !strncmp(l->msg, "hwnd ", 5) && hp_com_hwnd(l->msg + 5, &hwnd)) {
        c->win_tid = 0;
        if (c->nwin == HP_COM_WINDOWS) return;
        c->win[c->nwin].hwnd = hwnd;
        c->win[c->nwin].shown = 0;
        snprintf(c->win[c->nwin].title, sizeof(c->win[0].title), "%s", c->win_title);
        c->nwin++;
    } else if (!strcmp(l->func, "show_window") && !strncmp(l->msg, "hwnd=", 5) &&
               hp_com_hwnd(l->msg + 5, &hwnd) && (p = strstr(l->msg, ", cmd=")) &&
               hp_parse_dec(p + 6, strcspn(p + 6, ","), (long long *)&cmd)) {
        for (i = 0; i < c->nwin && c->win[i].hwnd != hwnd; i++)
            ;
        /* a window of the candidate's own making, shown or hidden (SW_HIDE = 0) */
        if (i == c->nwin || c->win[i].shown == (cmd ? 1 : -1)) return;
        c->win[i].shown = cmd ? 1 : -1;
        e = hp_cand_ev(st, "window", l->tid);
        hp_set(&st->out, e, "visible", json_boolean(cmd != 0));
        hp_set(&st->out, e, "title", hp_jstr(c->win[i].title, strlen(c->win[i].title)));
        hp_set(&st->out, e, "hwnd", json_integer((json_int_t)hwnd));
        hp_queue(st, e, HP_EV_READY);
    }
}

void hp_com_cand_line(struct hp_state *st, const struct hp_line *l)
{
    if (!strcmp(l->chan, "ole")) {
        hp_com_ole(st, l);
    } else if (!strcmp(l->chan, "msg")) {
        /* "got type 6 msg 12 (WM_QUIT) hwnd (nil) ...": the thread took WM_QUIT off its queue */
        if (!strcmp(l->func, "peek_message") && strstr(l->msg, "(WM_QUIT)") && !strncmp(l->msg, "got ", 4))
            hp_queue(st, hp_cand_ev(st, "quit_received", l->tid), HP_EV_READY);
    } else if (!strcmp(l->chan, "win")) {
        hp_com_window(st, l);
    }
}

void hp_com_cli_line(struct hp_state *st, const struct hp_line *l)
{
    int trunc;
    json_t *e;

    if (!hp_debugstr_line(l, &st->buf, &trunc)) return;
    e = hp_rec_event(&st->out, HP_CLI_PREFIX, "cli_", st->buf.p, st->buf.n, trunc, st->seq, st->t,
                     st->t_est, l->pid, l->tid);
    if (!e) {
        /* other debug strings only of the first client: unrelated processes stay out */
        if (l->pid != st->cli) return;
        e = hp_debugstr_ev(st, l->pid, l->tid, trunc);
    }
    hp_queue(st, e, HP_EV_READY);
}
