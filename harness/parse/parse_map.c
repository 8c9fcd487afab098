/* A small open-addressing map from Wine thread ids to process ids. */
#include <stdlib.h>

#include "parse_map.h"

#define HP_EMPTY 0u
#define HP_GONE (~0u)

static size_t hp_slot(unsigned key, size_t cap)
{
    return (size_t)((key * 2654435761u) & (unsigned)(cap - 1));
}

static int hp_map_grow(struct hp_map *m)
{
    size_t cap = m->cap ? m->cap : 256, i, j, live = 0, used = 0;
    unsigned *keys, *vals;

    /* tombstones from dead threads are dropped; the table only grows for live ids */
    for (i = 0; i < m->cap; i++)
        if (m->keys[i] != HP_EMPTY && m->keys[i] != HP_GONE) live++;
    while ((live + 1) * 2 > cap) cap *= 2;
    keys = calloc(cap, sizeof(*keys));
    vals = calloc(cap, sizeof(*vals));
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -1;
    }
    for (i = 0; i < m->cap; i++) {
        if (m->keys[i] == HP_EMPTY || m->keys[i] == HP_GONE) continue;
        for (j = hp_slot(m->keys[i], cap); keys[j] != HP_EMPTY; j = (j + 1) & (cap - 1))
            ;
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
        used++;
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    m->used = used;
    return 0;
}

int hp_map_put(struct hp_map *m, unsigned key, unsigned val)
{
    size_t i, gone = (size_t)-1;

    if (key == HP_EMPTY || key == HP_GONE) return 0;
    /* used counts tombstones too, so probing always finds an empty slot */
    if ((m->used + 1) * 4 > m->cap * 3 && hp_map_grow(m)) return -1;
    for (i = hp_slot(key, m->cap); m->keys[i] != HP_EMPTY; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key) {
            m->vals[i] = val;
            return 0;
        }
        if (m->keys[i] == HP_GONE && gone == (size_t)-1) gone = i;
    }
    if (gone != (size_t)-1) i = gone;
    else m->used++;
    m->keys[i] = key;
    m->vals[i] = val;
    return 0;
}

unsigned hp_map_get(const struct hp_map *m, unsigned key)
{
    size_t i;

    if (!m->cap || key == HP_EMPTY || key == HP_GONE) return 0;
    for (i = hp_slot(key, m->cap); m->keys[i] != HP_EMPTY; i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == key) return m->vals[i];
    return 0;
}

void hp_map_del(struct hp_map *m, unsigned key)
{
    size_t i;

    if (!m->cap || key == HP_EMPTY || key == HP_GONE) return;
    for (i = hp_slot(key, m->cap); m->keys[i] != HP_EMPTY; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key) {
            m->keys[i] = HP_GONE;
            return;
        }
    }
}

void hp_map_free(struct hp_map *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = m->vals = NULL;
    m->cap = m->used = 0;
}
