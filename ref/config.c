/* config.c: reads the reference's behaviour from its command-line style options.
 * Rule points: none. */
#include "config.h"
#include "com_host.h"
#include <wchar.h>
#include <stdlib.h>
#include <stddef.h>

void cfg_defaults(struct cfg *c)
{
    c->init_ms = 200;
    c->init_steps = 1;
    c->start = CFG_START_AUTO;
    c->stop_ms = 100;
    c->stop_steps = 1;
    c->fail_init = 0;
    c->fail_run_ms = 0;
    c->fail_code = 0;
    c->pause = TRUE;
    c->com_fail_register = FALSE;
    c->rot = FALSE;
    c->first_client_ms = COMI_FIRST_CLIENT_MS;
}

static BOOL cfg_number(const wchar_t *s, DWORD *out)
{
    wchar_t *end;
    unsigned long v;

    if (!s || !*s)
        return FALSE;
    v = wcstoul(s, &end, 10);
    if (*end || v > 0x7fffffffUL)
        return FALSE;
    *out = (DWORD)v;
    return TRUE;
}

/* Options come as "--name value" pairs; both argv sources use the same syntax so that a harness
 * can put them on the image path (fixed per install) or pass them to StartService (per run). */
BOOL cfg_parse(struct cfg *c, int argc, wchar_t **argv, int first, const wchar_t **bad)
{
    static const struct { const wchar_t *name; size_t off; } nums[] = {
        { L"--init-ms", offsetof(struct cfg, init_ms) },
        { L"--init-steps", offsetof(struct cfg, init_steps) },
        { L"--stop-ms", offsetof(struct cfg, stop_ms) },
        { L"--stop-steps", offsetof(struct cfg, stop_steps) },
        { L"--fail-init", offsetof(struct cfg, fail_init) },
        { L"--fail-run-ms", offsetof(struct cfg, fail_run_ms) },
        { L"--fail-code", offsetof(struct cfg, fail_code) },
        { L"--first-client-ms", offsetof(struct cfg, first_client_ms) },
    };
    int i;

    for (i = first; i < argc; i++) {
        const wchar_t *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t k;
        BOOL known = FALSE;

        *bad = a;
        if (!wcscmp(a, L"--no-pause")) {
            c->pause = FALSE;
            continue;
        }
        if (!wcscmp(a, L"--com-fail-register")) {
            c->com_fail_register = TRUE;
            continue;
        }
        if (!wcscmp(a, L"--rot")) {
            c->rot = TRUE;
            continue;
        }
        if (!wcscmp(a, L"--start")) {
            if (!v)
                return FALSE;
            if (!wcscmp(v, L"auto"))
                c->start = CFG_START_AUTO;
            else if (!wcscmp(v, L"pending"))
                c->start = CFG_START_PENDING;
            else if (!wcscmp(v, L"running-no-controls"))
                c->start = CFG_START_RUNNING_NOCTL;
            else {
                *bad = v;
                return FALSE;
            }
            i++;
            continue;
        }
        for (k = 0; k < sizeof nums / sizeof nums[0]; k++) {
            if (wcscmp(a, nums[k].name))
                continue;
            if (!cfg_number(v, (DWORD *)((char *)c + nums[k].off))) {
                *bad = v ? v : a;
                return FALSE;
            }
            known = TRUE;
            i++;
            break;
        }
        if (!known)
            return FALSE;
    }
    if (!c->init_steps)
        c->init_steps = 1;
    if (!c->stop_steps)
        c->stop_steps = 1;
    if (c->fail_run_ms && !c->fail_code)
        c->fail_code = 1;
    *bad = NULL;
    return TRUE;
}
