/* tool.c: what every report says of the tool that wrote it: svccert's version and the Wine its runs ran under. */
#include "report.h"
#include "tool.h"
#include "version.h"
#include <stdio.h>
#include <string.h>

const char *rp_version(void)
{
    return SVCCERT_VERSION;
}

/* The runner reads `wine64 --version` on the machine when it makes a run and writes it into the trace's
 * header (source_version); a report of a saved trace (`svccert judge`) so names the Wine it ran under. */
int rp_wine_version(const struct rp_meta *m, char *out, size_t cap)
{
    size_t i;

    for (i = 0; i < m->nruns; i++) {
        json_t *hdr = m->traces[i] ? json_load_file(m->traces[i], JSON_DISABLE_EOF_CHECK, NULL) : NULL;
        const char *src = json_string_value(json_object_get(hdr, "source"));
        const char *v = json_string_value(json_object_get(hdr, "source_version"));
        int found = src && v && *v && !strcmp(src, "wine") && strcmp(v, "unknown");

        if (found)
            snprintf(out, cap, "%s", v);
        json_decref(hdr);
        if (found)
            return 0;
    }
    return -1;
}

json_t *rp_tool(const struct rp_meta *m)
{
    char wine[128];

    return json_pack("{s:s, s:s, s:s?}", "name", "svccert", "version", rp_version(), "wine",
                     rp_wine_version(m, wine, sizeof wine) ? NULL : wine);
}
