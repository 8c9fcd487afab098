/* report.c: the report object (schema svccert-report/1), built once for every format. */
#include "report.h"
#include "formats.h"
#include "tool.h"
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define RP_SCHEMA "svccert-report/1"

int rp_sha256_file(const char *path, char hex[65], char *err, size_t errlen)
{
    unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0, i;
    EVP_MD_CTX *ctx;
    FILE *f = fopen(path, "rb");
    size_t n;
    int ok;

    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    ctx = EVP_MD_CTX_new();
    ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n);
    /* a read error ends fread as end of file does: without this the hash would be of a part */
    if (ok && ferror(f)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        ok = 0;
    } else if (ok) {
        ok = EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32;
        if (!ok)
            snprintf(err, errlen, "cannot compute the SHA-256 of %s (OpenSSL)", path);
    } else {
        snprintf(err, errlen, "cannot compute the SHA-256 of %s (OpenSSL)", path);
    }
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (!ok)
        return -1;
    for (i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* The candidate and its hash; when the hash could not be computed, sha256 is null and sha256_error says why. */
static json_t *rp_candidate(const struct rp_meta *m)
{
    char hex[65], err[512] = "";

    if (!m->candidate)
        return json_pack("{s:n, s:n}", "path", "sha256");
    if (rp_sha256_file(m->candidate, hex, err, sizeof err))
        return json_pack("{s:s, s:n, s:s}", "path", m->candidate, "sha256", "sha256_error", err);
    return json_pack("{s:s, s:s}", "path", m->candidate, "sha256", hex);
}

/* Each run as the engine saw it, with its name and the files that hold its evidence. */
static json_t *rp_runs(json_t *v, const struct rp_meta *m)
{
    json_t *runs = json_array(), *er = json_object_get(v, "runs");
    size_t i;

    for (i = 0; i < m->nruns; i++) {
        json_t *one = json_is_object(json_array_get(er, i)) ? json_deep_copy(json_array_get(er, i)) : json_object();

        json_object_set_new(one, "name", json_string(m->run_names[i]));
        json_object_set_new(one, "trace", json_string(m->traces[i]));
        json_object_set_new(one, "raw_log", m->raw_logs[i] ? json_string(m->raw_logs[i]) : json_null());
        json_array_append_new(runs, one);
    }
    return runs;
}

/* How the runs were confined, as their traces' headers say (every run of a check has the same settings);
 * null when no trace says (a source without a sandbox): never a claim the traces do not make. */
static json_t *rp_sandbox(const struct rp_meta *m)
{
    size_t i;

    for (i = 0; i < m->nruns; i++) {
        json_t *hdr = m->traces[i] ? json_load_file(m->traces[i], JSON_DISABLE_EOF_CHECK, NULL) : NULL;
        json_t *box = hdr ? json_object_get(hdr, "sandbox") : NULL;

        if (json_is_object(box)) {
            json_incref(box);
            json_decref(hdr);
            return box;
        }
        json_decref(hdr);
    }
    return json_null();
}

json_t *rp_build(const char *verdicts_json, const struct rp_meta *m, char *err, size_t errlen)
{
    json_error_t je;
    json_t *v = json_loads(verdicts_json, 0, &je), *r;

    if (!v) {
        snprintf(err, errlen, "the rule engine returned bad JSON: %s", je.text);
        return NULL;
    }
    r = json_pack("{s:s, s:o, s:o, s:O, s:O, s:O, s:o, s:{s:s?, s:s?}, s:o, s:O, s:O}",
                  "schema", RP_SCHEMA, "tool", rp_tool(m), "candidate", rp_candidate(m),
                  "verdict", json_object_get(v, "verdict"), "strict", json_object_get(v, "strict"),
                  "thresholds", json_object_get(v, "thresholds"), "sandbox", rp_sandbox(m),
                  "evidence_files", "trace", m->nruns ? m->traces[0] : NULL,
                  "raw_log", m->nruns ? m->raw_logs[0] : NULL, "runs", rp_runs(v, m),
                  "counts", json_object_get(v, "counts"), "rules", json_object_get(v, "rules"));
    /* why a run that judged nothing is no pass: the engine's one line, kept for pipelines */
    if (r && json_is_string(json_object_get(v, "verdict_reason")))
        json_object_set(r, "verdict_reason", json_object_get(v, "verdict_reason"));
    /* what the config's waivers did, each with its fate (docs/rules.md, "Waivers") */
    if (r && json_is_array(json_object_get(v, "waivers")))
        json_object_set(r, "waivers", json_object_get(v, "waivers"));
    if (r && json_is_string(json_object_get(v, "waivers_date")))
        json_object_set(r, "waivers_date", json_object_get(v, "waivers_date"));
    json_decref(v);
    if (!r)
        snprintf(err, errlen, "the rule engine's result lacks verdict, strict, thresholds, counts or rules");
    return r;
}

int rp_write(const char *dir, const char *verdicts_json, const struct rp_meta *m, char *err, size_t errlen)
{
    json_t *r = rp_build(verdicts_json, m, err, errlen);
    int rc;

    if (!r)
        return -1;
    rc = rp_write_formats(dir, m->formats, r, err, errlen);
    json_decref(r);
    return rc;
}

enum rp_outcome rp_outcome(const char *verdicts_json)
{
    json_t *v = json_loads(verdicts_json, 0, NULL), *counts = json_object_get(v, "counts");
    json_int_t fail = json_integer_value(json_object_get(counts, "fail"));
    json_int_t warn = json_integer_value(json_object_get(counts, "warn"));
    json_int_t error = json_integer_value(json_object_get(counts, "error"));
    enum rp_outcome o;

    if (!json_is_object(counts))
        o = RP_UNJUDGED;
    else if (fail || (warn && json_is_true(json_object_get(v, "strict"))))
        o = RP_FAILED;
    else
        o = error ? RP_UNJUDGED : RP_PASSED;
    json_decref(v);
    return o;
}
