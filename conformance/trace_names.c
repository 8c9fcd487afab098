/* The trace's vocabulary, one table each: event families (hooks), run shapes, service states and controls. */
#include "trace.h"

#include <stdio.h>
#include <string.h>

#define NAMES_COUNT(a) (sizeof (a) / sizeof (a)[0])

static const struct { const char *name; unsigned bit; } names_hooks[] = {
    { "service", TRACE_HOOK_SERVICE }, { "waits", TRACE_HOOK_WAITS }, { "debugstr", TRACE_HOOK_DEBUGSTR },
    { "controller", TRACE_HOOK_CONTROLLER }, { "com", TRACE_HOOK_COM }, { "registry", TRACE_HOOK_REGISTRY },
    { "com_client", TRACE_HOOK_COM_CLIENT },
};

/* Indexed by TRACE_SHAPE_*: the only place the shape names are spelled. */
static const char *const names_shapes[] = { "service", "embedding", "user" };

/* Indexed by dwCurrentState - 1 and by the ControlService code - 1. */
static const char *const names_states[] = { "STOPPED", "START_PENDING", "STOP_PENDING", "RUNNING",
                                            "CONTINUE_PENDING", "PAUSE_PENDING", "PAUSED" };
static const char *const names_controls[] = { "STOP", "PAUSE", "CONTINUE", "INTERROGATE", "SHUTDOWN" };

unsigned trace_hook_bit(const char *name)
{
    size_t i;

    for (i = 0; i < NAMES_COUNT(names_hooks); i++)
        if (!strcmp(names_hooks[i].name, name))
            return names_hooks[i].bit;
    return 0;
}

const char *trace_hook_name(unsigned bit)
{
    size_t i;

    for (i = 0; i < NAMES_COUNT(names_hooks); i++)
        if (names_hooks[i].bit == bit)
            return names_hooks[i].name;
    return "?";
}

const char *trace_shape_name(int shape)
{
    return shape >= 0 && shape < (int)NAMES_COUNT(names_shapes) ? names_shapes[shape] : "?";
}

/* The TRACE_SHAPE_* a run.shape names, or -1 for a name this engine does not know. */
int trace_shape_parse(const char *name)
{
    size_t i;

    for (i = 0; name && i < NAMES_COUNT(names_shapes); i++)
        if (!strcmp(names_shapes[i], name))
            return (int)i;
    return -1;
}

/* The known shape names as a phrase for messages, "service", "embedding" or "user", written into buf. */
const char *trace_shape_list(char *buf, size_t len)
{
    size_t i, used = 0;

    buf[0] = 0;
    for (i = 0; i < NAMES_COUNT(names_shapes) && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s\"%s\"", !i ? "" :
                                 i + 1 == NAMES_COUNT(names_shapes) ? " or " : ", ", names_shapes[i]);
    return buf;
}

int trace_is_pending(long long state)
{
    return state == TRACE_START_PENDING || state == TRACE_STOP_PENDING || state == TRACE_CONTINUE_PENDING ||
           state == TRACE_PAUSE_PENDING;
}

const char *trace_state_name(long long state)
{
    return state >= 1 && state <= (long long)NAMES_COUNT(names_states) ? names_states[state - 1] :
           "an unknown state";
}

const char *trace_control_name(long long control)
{
    return control >= 1 && control <= (long long)NAMES_COUNT(names_controls) ? names_controls[control - 1] :
           "a control";
}
