/* json.c: report.json, the full record: the report object as it is. */
#include "formats.h"
#include <errno.h>
#include <string.h>

int rp_json_write(const char *dir, const json_t *report, char *err, size_t errlen)
{
    char path[4096];

    snprintf(path, sizeof path, "%s/report.json", dir);
    if (json_dump_file(report, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
