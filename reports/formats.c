/* formats.c: the table of report formats (name, file, writer) and writing the ones a check asked for. */
#include "formats.h"
#include "html.h"
#include <string.h>

static const struct rp_format {
    const char *name;
    const char *file;
    rp_writer *write;
} rp_formats[] = {
    { "json", "report.json", rp_json_write },
    { "junit", "report.junit.xml", rp_junit_write },
    { "sarif", "report.sarif", rp_sarif_write },
    { "md", "report.md", rp_md_write },
    { "html", "report.html", rp_html_write },
};

#define RP_NFORMATS (sizeof rp_formats / sizeof rp_formats[0])

int rp_formats_parse(const char *list, unsigned *mask, char *bad, size_t badlen)
{
    const char *p = list;

    *mask = 0;
    if (bad && badlen)
        *bad = 0;
    while (p && *p) {
        size_t len = strcspn(p, ","), i;

        for (i = 0; i < RP_NFORMATS; i++)
            if (strlen(rp_formats[i].name) == len && !strncmp(rp_formats[i].name, p, len))
                break;
        if (i == RP_NFORMATS) {
            if (bad && badlen)
                snprintf(bad, badlen, "%.*s", (int)len, p);
            return -1;
        }
        *mask |= 1u << i;
        p += len;
        /* "json," or "json,,md" name nothing: as wrong as an unknown name */
        if (*p == ',' && !*++p)
            return -1;
    }
    return *mask ? 0 : -1;
}

/* 0 is the default list */
static unsigned rp_mask(unsigned mask)
{
    if (!mask)
        rp_formats_parse(RP_FORMATS_DEFAULT, &mask, NULL, 0);
    return mask;
}

int rp_write_formats(const char *dir, unsigned mask, const json_t *report, char *err, size_t errlen)
{
    size_t i;

    mask = rp_mask(mask);
    for (i = 0; i < RP_NFORMATS; i++)
        if ((mask & (1u << i)) && rp_formats[i].write(dir, report, err, errlen))
            return -1;
    return 0;
}

void rp_formats_say(FILE *to, const char *dir, unsigned mask)
{
    size_t i;

    mask = rp_mask(mask);
    for (i = 0; i < RP_NFORMATS; i++)
        if (mask & (1u << i))
            fprintf(to, "report: %s/%s\n", dir, rp_formats[i].file);
}

const char *rp_formats_names(void)
{
    static char names[256];
    size_t i, len = 0;

    if (!*names)
        for (i = 0; i < RP_NFORMATS; i++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "", rp_formats[i].name);
    return names;
}
