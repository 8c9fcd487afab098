/* hostile_kit.h: what every hostile candidate shares, so that each file shows only its attack. */
#ifndef SVCCERT_HOSTILE_KIT_H
#define SVCCERT_HOSTILE_KIT_H

#include "../broken/kit.h"
#include <stdio.h>      /* __MINGW_PRINTF_FORMAT: hk_say's format is checked as the CRT in use reads it */

/* Runs NAME as a correct service that reports RUNNING with controls, then starts ATTACK on a worker
 * thread and still answers STOP while it runs. Started with --child, it is instead a helper process
 * that blocks forever (what leave_child and process_storm start). */
int hk_run(int argc, wchar_t **argv, const char *name, LPTHREAD_START_ROUTINE attack);

/* The image path's words: the value after the Nth (from 0) OPT, or NULL. */
const wchar_t *hk_arg_at(const wchar_t *opt, int nth);
const wchar_t *hk_arg(const wchar_t *opt);
/* True when OPT is one of the words (a flag: --child). */
int hk_flag(const wchar_t *opt);
/* OPT's value as a number, or DEFAULT when it is absent or not a number. */
unsigned hk_num(const wchar_t *opt, unsigned dflt);

/* One OutputDebugString line "hostile NAME ...": what the candidate did lands in the raw log. */
void hk_say(const char *fmt, ...) __attribute__((format(__MINGW_PRINTF_FORMAT, 1, 2)));
/* True once STOP or SHUTDOWN came: a long attack ends there, so the service stops in time. */
int hk_stopping(void);
/* Starts this program again with --child; its process id, or 0 with GetLastError set. */
DWORD hk_spawn_child(void);

#endif
