/* A small open-addressing map from Wine thread ids to process ids. */
#ifndef SVCCERT_HARNESS_PARSE_MAP_H
#define SVCCERT_HARNESS_PARSE_MAP_H

#include <stddef.h>

struct hp_map {
    unsigned *keys, *vals;
    size_t cap, used;
};
int hp_map_put(struct hp_map *m, unsigned key, unsigned val);
unsigned hp_map_get(const struct hp_map *m, unsigned key);
void hp_map_del(struct hp_map *m, unsigned key);
void hp_map_free(struct hp_map *m);

#endif
