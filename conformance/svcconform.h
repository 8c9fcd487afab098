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
 *   {"verdict":"pass"|"fail","strict":bool,"thresholds":{...},
 *    "rules":[{"id","title","verdict","message","evidence":[...]}],"counts":{"pass":n,...}}
 * or NULL with err set (only for an unusable config or argument; a bad trace still yields a result
 * full of error verdicts). config_json may be NULL or "" for the defaults. */
SC_API char *sc_judge_file(const char *trace_path, const char *config_json, char *err, size_t errlen);
SC_API char *sc_judge_text(const char *trace_jsonl, const char *config_json, char *err, size_t errlen);

/* [{"id","title","kind":"must"|"should","source":"004","seed":...,"implemented":bool}] in RULES.md order. */
SC_API char *sc_rules_json(void);

/* Frees a text returned by the functions above. */
SC_API void sc_free(char *p);

#endif
