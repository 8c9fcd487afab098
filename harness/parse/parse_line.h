/* Raw log lines split into their parts, and the readers of the parts' numbers and key=value lists. */
#ifndef SVCCERT_HARNESS_PARSE_LINE_H
#define SVCCERT_HARNESS_PARSE_LINE_H

#include <stddef.h>

enum hp_kind {
    HP_OTHER,    /* anything we do not understand */
    HP_CLIENT,   /* [t:]pid:tid:class:channel:function message */
    HP_SERVER,   /* id: body (wineserver trace) */
    HP_WINEMSG,  /* "wine: ..." message printed without a prefix */
    HP_RELAY     /* [t:]pid:tid:Call module.func(args) ret=... or ...:Ret  module.func() retval=... */
};

struct hp_line {
    enum hp_kind kind;
    int has_t;
    double t;              /* milliseconds */
    unsigned pid, tid;     /* client: both; server: tid holds the id before the colon */
    const char *cls, *chan, *func, *msg;  /* client parts (msg may be "") */
    const char *body;      /* server: text after "id: "; winemsg: text after "wine: " */
    /* relay: func is "module.name", msg the argument list of a Call ("" for a Ret) */
    int is_ret;
    unsigned long long retval;
};

/* Splits `line` (NUL-terminated, modified in place) into l. */
void hp_classify(char *line, struct hp_line *l);

/* A wineserver body: "name( args )", "name() = STATUS { args }" or "*event* ...". */
struct hp_srv {
    char name[48];         /* request name, or the word between stars ("wakeup", "killed", ...) */
    int is_reply, is_star;
    const char *args;      /* request/reply arguments or the text after the star word ("" if none) */
    char status[48];       /* reply status */
};
int hp_server_split(const char *body, struct hp_srv *s);

/* Finds key=value at the top level of an argument list; the value runs to the next top-level comma. */
int hp_kv(const char *args, const char *key, const char **val, size_t *len);
int hp_kv_hex(const char *args, const char *key, unsigned long long *v);
int hp_kv_dec(const char *args, const char *key, long long *v);
int hp_parse_hex(const char *s, size_t n, unsigned long long *v);
int hp_parse_dec(const char *s, size_t n, long long *v);

/* Splits s at sep into up to max items (leading and trailing spaces cut); returns how many. */
size_t hp_split(const char *s, char sep, const char **w, size_t *wl, size_t max);

#endif
