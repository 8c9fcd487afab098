/* The rule engine's public face: judge a svccert trace against every rule, and list the rules. */
#ifndef SVCCONFORM_H
#define SVCCONFORM_H

#include <stddef.h>

#if defined(__GNUC__)
#define SC_API __attribute__((visibility("default")))
#else
#define SC_API
#endif

/* Judges a trace; returns a malloc'd JSON text:
 *   {"verdict":"pass"|"fail"|"error",["verdict_reason":"one line",]"strict":bool,"thresholds":{...},
 *    "rules":[{"id","title","verdict","message","evidence":[...]}],"counts":{"pass":n,...}}
 * or NULL with err set (only for an unusable config or argument; a bad trace still yields a result
 * full of error verdicts). "verdict" is "error", with "verdict_reason" saying why in one line, when no rule
 * judged anything (every rule n/a or error: the run exercised nothing). config_json may be NULL or "" for the
 * defaults. */
SC_API char *sc_judge_file(const char *trace_path, const char *config_json, char *err, size_t errlen);
SC_API char *sc_judge_text(const char *trace_jsonl, const char *config_json, char *err, size_t errlen);

/* Judges several traces of one candidate (one per run) and merges them rule by rule: fail if any run
 * fails the rule, else error if any run errs, else warn if any warns, else pass if any passes, else n/a.
 * Returns JSON like sc_judge_file's, plus "runs":[{"trace":path,"shape":...,"verdict":...,"counts":{...}}]
 * at the top, and in each rule "runs":[{"run":index,"shape":...,"verdict":...,"message":...}]; the rule's
 * message and evidence are those of the run(s) that decided it (for pass: every passing run's evidence,
 * each evidence item tagged with "run": index). NULL only for an unusable config or argument.
 * Each top-level runs entry also carries "info" (what sc_judge_file gives as "trace", which the merged
 * result has not), "verdict_reason" when that run judged nothing, and "error" when that run's trace was unusable
 * (then all its rules are error). */
SC_API char *sc_judge_files(const char *const *trace_paths, size_t n, const char *config_json, char *err,
                            size_t errlen);

/* Applies config_json's "waivers" to a result of sc_judge_file or sc_judge_files (which check the waivers but do not
 * apply them: they need the candidate's hash and the day) and returns the new result (malloc'd). Each rule with a
 * waiver in force gets "original_verdict", "waiver":{"policy","reason"[,"sha256"][,"expires"]} and its effective
 * "verdict" (downgrade: fail -> warn, other verdicts kept; ignore: n/a), in the merged rule and in each entry of
 * its "runs"; a waiver that is not in force leaves the verdict and adds its reason to the rule's "waiver_note".
 * The counts and verdicts, the result's and each run's, follow the effective verdicts. The result gains
 * "waivers":[{the config's waiver,"status":"applied"|"expired"|"other-candidate"|"candidate-unknown"|"superseded"
 * [,"note"]}] (always, [] for none) and "waivers_date" (the day expiry was judged against, when there are waivers).
 * candidate_sha256: 64 hex digits, or NULL when unknown (a waiver limited to a hash is then not in force); today:
 * YYYY-MM-DD, or NULL for $SVCCERT_TODAY, else the UTC date. NULL with err for a bad config, hash, day or result,
 * or a result waived already. */
SC_API char *sc_waive(const char *result_json, const char *config_json, const char *candidate_sha256,
                      const char *today, char *err, size_t errlen);

/* [{"id","title","kind":"must"|"should","source":<documentation page title>,"url":<its address>,"implemented":bool,
 *   "summary","requires","why","mistakes","in_trace","help","reference":[{"file","first","last","text"}]}]
 * in the order of docs/rules.md. summary is one sentence (what the rule requires); requires, why, mistakes and
 * in_trace are the catalog's paragraphs (Markdown); help is the whole explanation as one Markdown text (those
 * four, the source page as a link, then each place in the reference with its lines), what `svccert explain`
 * prints and every report's help text; reference lists the places in ref/ that honour the rule (1-based lines
 * of the sources the engine was built from, found by their markers at build time). */
SC_API char *sc_rules_json(void);

/* The thresholds in force under config_json (NULL or "" for the defaults), defaults merged, as a JSON
 * object {"init_threshold_ms":1000,...}; NULL with err set for an unusable config. A caller that
 * shapes a run (how long to watch) reads them from here rather than knowing the defaults itself. */
SC_API char *sc_thresholds_json(const char *config_json, char *err, size_t errlen);

/* Frees a text returned by the functions above. */
SC_API void sc_free(char *p);

#endif
