/* md.c: report.md, a short Markdown summary for a CI job's summary page (GitHub's $GITHUB_STEP_SUMMARY). */
#include "formats.h"
#include <errno.h>
#include <string.h>

static const char *md_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* S as one table cell: on one line, its first sentence, at most MAX bytes (cut on a UTF-8 boundary), with
 * what Markdown or HTML would read as markup escaped. */
static void md_cell(FILE *f, const char *s, size_t max)
{
    size_t n = 0;

    for (; s && *s && n < max; s++, n++) {
        if (s[0] == '.' && s[1] == ' ' && n > 20)
            return (void)fputc('.', f);
        if (*s == '\n' || *s == '\r' || *s == '\t')
            fputc(' ', f);
        else if (*s == '|' || *s == '`' || *s == '*' || *s == '_' || *s == '[' || *s == ']' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if ((unsigned char)*s >= 0x20 || *s < 0)
            fputc(*s, f);
    }
    if (s && *s) {
        while (((unsigned char)*s & 0xc0) == 0x80)      /* finish the character begun */
            fputc(*s++, f);
        fputs("…", f);
    }
}

static const char *md_mark(const char *v)
{
    if (!strcmp(v, "fail"))
        return "❌ fail";
    if (!strcmp(v, "warn"))
        return "⚠️ warn";
    if (!strcmp(v, "error"))
        return "⛔ error";
    return v;
}

int rp_md_write(const char *dir, const json_t *report, char *err, size_t errlen)
{
    const json_t *cand = json_object_get(report, "candidate"), *counts = json_object_get(report, "counts");
    const json_t *rule, *run, *val;
    const char *verdict = md_str(report, "verdict"), *key;
    char path[4096];
    size_t i, na = 0, shown = 0;
    FILE *f;
    int first = 1;

    snprintf(path, sizeof path, "%s/report.md", dir);
    if (!(f = fopen(path, "w"))) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "## svccert: %s\n\n", verdict ? verdict : "?");
    fputs("**", f);
    json_object_foreach((json_t *)counts, key, val) {
        fprintf(f, "%s%s %lld", first ? "" : ", ", key, (long long)json_integer_value(val));
        first = 0;
    }
    fprintf(f, "**%s\n\n", json_is_true(json_object_get(report, "strict")) ? " (strict: a warning fails)" : "");
    if (md_str(report, "verdict_reason")) {
        md_cell(f, md_str(report, "verdict_reason"), 400);
        fputs("\n\n", f);
    }
    if (md_str(cand, "path")) {
        fputs("Candidate: ", f);
        md_cell(f, md_str(cand, "path"), 400);
        fprintf(f, "%s%.12s%s\n\n", md_str(cand, "sha256") ? " (SHA-256 " : "",
                md_str(cand, "sha256") ? md_str(cand, "sha256") : "", md_str(cand, "sha256") ? "…)" : "");
    }
    {
        const json_t *tool = json_object_get(report, "tool");

        fputs("svccert ", f);
        md_cell(f, md_str(tool, "version") ? md_str(tool, "version") : "(version unknown)", 80);
        fputs(", under ", f);
        md_cell(f, md_str(tool, "wine") ? md_str(tool, "wine") : "an unknown Wine", 120);
        fputs("\n\n", f);
    }
    fputs("Runs:", f);
    json_array_foreach(json_object_get(report, "runs"), i, run)
        fprintf(f, "%s %s (%s) %s", i ? "," : "", md_str(run, "name") ? md_str(run, "name") : "?",
                md_str(run, "shape") ? md_str(run, "shape") : "?", md_str(run, "verdict") ? md_str(run, "verdict") : "?");
    fputs("\n\n", f);
    json_array_foreach(json_object_get(report, "rules"), i, rule) {
        const char *v = md_str(rule, "verdict") ? md_str(rule, "verdict") : "?";
        const json_t *w = json_object_get(rule, "waiver");

        if (!strcmp(v, "n/a"))
            na++;
        if (!strcmp(v, "pass") || !strcmp(v, "n/a")) {
            if (!json_is_object(w))
                continue;
        }
        if (!shown++)
            fputs("| Verdict | Rule | Message |\n|---|---|---|\n", f);
        fprintf(f, "| %s | [`%s`](%s) | ", md_mark(v), md_str(rule, "id") ? md_str(rule, "id") : "?",
                md_str(rule, "url") ? md_str(rule, "url") : "#");
        md_cell(f, md_str(rule, "message"), 240);
        if (json_is_object(w)) {
            fprintf(f, " *(waived: %s, was %s: ", md_str(w, "policy") ? md_str(w, "policy") : "?",
                    md_str(w, "original_verdict") ? md_str(w, "original_verdict") : "?");
            md_cell(f, md_str(w, "reason"), 200);
            fputs(")*", f);
        }
        fputs(" |\n", f);
    }
    if (!shown)
        fputs("Every rule that applies passed.\n", f);
    if (na) {
        fprintf(f, "\n<details><summary>%zu rule%s not applicable</summary>\n\n", na, na == 1 ? "" : "s");
        json_array_foreach(json_object_get(report, "rules"), i, rule)
            if (md_str(rule, "verdict") && !strcmp(md_str(rule, "verdict"), "n/a")) {
                fprintf(f, "- `%s`: ", md_str(rule, "id") ? md_str(rule, "id") : "?");
                md_cell(f, md_str(rule, "message"), 200);
                fputc('\n', f);
            }
        fputs("\n</details>\n", f);
    }
    if (fclose(f)) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
