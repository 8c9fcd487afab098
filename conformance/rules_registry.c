/* The rules judged on the registry the candidate left: its LocalService installation and its right to the ROT. */
#include "rules.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int registry_need(const trace *tr, verdict *v)
{
    if (!rules_need_hooks(tr, v, TRACE_HOOK_COM | TRACE_HOOK_REGISTRY))
        return 0;
    if (tr->registry)
        return 1;
    verdict_say(v, VERDICT_ERROR, "The trace records the registry, yet holds no com_registry snapshot, so this rule "
                "could not be judged.");
    return 0;
}

static json_t *registry_fact(verdict *v, const trace *tr)
{
    json_t *o = verdict_event(v, tr->registry, "when", NULL);

    if (o && trace_exe_name(tr))
        json_object_set_new(o, "candidate_exe", json_string(trace_exe_name(tr)));
    return o;
}

static void registry_set(json_t *o, const char *key, const char *value)
{
    if (o && value)
        json_object_set_new(o, key, json_string(value));
}

/* Checks one AppID with a LocalService; returns 0 with a fail raised on the first mismatch. */
static int registry_judge_appid(const trace *tr, verdict *v, const json_t *app, const char *exe)
{
    const char *appid = trace_reg_str(app, "appid"), *name = trace_reg_str(app, "local_service"), *image;
    const json_t *svc = trace_reg_find(tr, "services", "name", name), *cls;
    json_t *o = registry_fact(v, tr);

    registry_set(o, "appid", appid);
    registry_set(o, "local_service", name);
    if (!svc) {
        verdict_raise(v, VERDICT_FAIL, "AppID %s names LocalService \"%s\", but no installed service has that name.",
                      appid ? appid : "?", name);
        return 0;
    }
    image = trace_reg_str(svc, "image_path");
    registry_set(o, "image_path", image);
    if (!trace_names_exe(image, exe)) {
        /* an image path in the registry is often quoted already: quoting it again would show it in doubled quotes */
        int quoted = image && image[0] == '"';

        verdict_raise(v, VERDICT_FAIL, "The service \"%s\" named by AppID %s has image path %s%s%s, which does not "
                      "name the candidate %s.", name, appid ? appid : "?", quoted || !image ? "" : "\"",
                      image ? image : "(none)", quoted || !image ? "" : "\"", exe);
        return 0;
    }
    cls = trace_reg_find(tr, "classes", "appid", appid);
    if (!cls) {
        verdict_raise(v, VERDICT_FAIL, "No class's AppID value points to AppID %s (LocalService \"%s\"), so COM never "
                      "starts the service for a class.", appid ? appid : "?", name);
        return 0;
    }
    registry_set(o, "clsid", trace_reg_str(cls, "clsid"));
    return 1;
}

/* com.localservice.install — A COM service's AppID and service installation agree. */
void judge_com_localservice_install(const trace *tr, const config *cfg, verdict *v)
{
    const json_t *appids, *app;
    const char *exe = trace_exe_name(tr);
    size_t i, n = 0;

    (void)cfg;
    if (!registry_need(tr, v))
        return;
    appids = json_object_get(tr->registry->obj, "appids");
    json_array_foreach(appids, i, app) {
        if (!trace_reg_str(app, "local_service"))
            continue;
        n++;
        if (!exe) {
            verdict_say(v, VERDICT_ERROR, "The header names no candidate image, so the service's image path could not "
                        "be compared with it.");
            return;
        }
        registry_judge_appid(tr, v, app, exe);
    }
    if (!n) {
        const trace_ev *reg;

        /* whether a service is a COM service is read from its own calls */
        if (tr->shape == TRACE_SHAPE_SERVICE && !rules_need_candidate(tr, v))
            return;
        reg = tr->shape == TRACE_SHAPE_SERVICE ? trace_next_of(tr, NULL, "com_register", tr->cand_pid) : NULL;
        registry_fact(v, tr);
        /* a service that hosts class objects is a COM service: without LocalService COM would launch its
         * executable as a second, plain server instead of reaching the running service */
        if (reg) {
            verdict_event(v, reg, "clsid", "context", "flags", "result", NULL);
            verdict_say(v, VERDICT_FAIL, "The service registers class objects (%s, seq %lld), but no AppID in its "
                        "registration has a LocalService value naming it, so COM would launch the executable as a "
                        "plain server instead of reaching the service.",
                        trace_clsid(reg), reg->seq);
        } else {
            verdict_say(v, VERDICT_NA, "No AppID in the candidate's registration has a LocalService value, and %s.",
                        tr->shape == TRACE_SHAPE_SERVICE ? "the service registers no class objects: it is not a "
                        "COM service" : "this run drove an EXE COM server, not a service");
        }
    } else if (!v->set) {
        verdict_say(v, VERDICT_PASS, "Every AppID with a LocalService (%zu) names an installed service whose image is "
                    "the candidate, and a class points to it.", n);
    }
}

/* Whether the candidate serves this class: it registered it, or the class's LocalServer32 is its executable. */
static int registry_is_mine(const trace *tr, const json_t *cls, const char *exe)
{
    const char *clsid = trace_reg_str(cls, "clsid");
    const trace_ev *reg;

    if (trace_names_exe(trace_reg_str(cls, "local_server32"), exe))
        return 1;
    for (reg = trace_next_of(tr, NULL, "com_register", tr->cand_pid); reg && clsid;
         reg = trace_next_of(tr, reg, "com_register", tr->cand_pid))
        if (!strcasecmp(trace_clsid(reg), clsid))
            return 1;
    return 0;
}

static const json_t *registry_exe_key(const trace *tr, const char *exe)
{
    const json_t *item;
    size_t i;

    json_array_foreach(json_object_get(tr->registry->obj, "exe_appids"), i, item)
        if (trace_names_exe(trace_reg_str(item, "exe"), exe))
            return item;
    return NULL;
}

/* Finds an AppID of the candidate's classes that allows ROTFLAGS_ALLOWANYCLIENT; else says what is missing. */
static int registry_rot_allowed(const trace *tr, const char *exe, char *why, size_t whylen, json_t *o)
{
    const json_t *classes = json_object_get(tr->registry->obj, "classes"), *cls, *app;
    const json_t *key = registry_exe_key(tr, exe);
    const char *appid, *key_appid = key ? trace_reg_str(key, "appid") : NULL, *seen = NULL, *privileged = NULL;
    size_t i;

    registry_set(o, "exe_appid", key_appid);
    json_array_foreach(classes, i, cls) {
        if (!registry_is_mine(tr, cls, exe) || !(appid = trace_reg_str(cls, "appid")))
            continue;
        seen = appid;
        app = trace_reg_find(tr, "appids", "appid", appid);
        if (!app || (!trace_reg_str(app, "local_service") && !trace_reg_str(app, "run_as")))
            continue;
        privileged = appid;
        if (key_appid && !strcasecmp(key_appid, appid)) {
            registry_set(o, "appid", appid);
            registry_set(o, "local_service", trace_reg_str(app, "local_service"));
            registry_set(o, "run_as", trace_reg_str(app, "run_as"));
            return 1;
        }
    }
    registry_set(o, "appid", privileged ? privileged : seen);
    if (!seen)
        snprintf(why, whylen, "none of the candidate's classes has an AppID value");
    else if (!privileged)
        snprintf(why, whylen, "AppID %s has neither LocalService nor RunAs: the server runs as the activator", seen);
    else if (!key)
        snprintf(why, whylen, "there is no HKCR\\AppID\\%s key naming AppID %s", exe, privileged);
    else
        snprintf(why, whylen, "HKCR\\AppID\\%s names AppID %s, not %s", exe, key_appid ? key_appid : "(none)",
                 privileged);
    return 0;
}

/* One server process's verdict of rot.allow-any-client (judge_rot_allow_any_client judges each). */
static void rot_allow_any_client_one(const trace *tr, const config *cfg, verdict *v)
{
    const trace_ev *rot, *first = NULL;
    const char *exe = trace_exe_name(tr);
    char why[512] = "";
    int n = 0;

    (void)cfg;
    if (!rules_need_hooks(tr, v, TRACE_HOOK_COM | TRACE_HOOK_REGISTRY) || !rules_need_candidate(tr, v))
        return;
    for (rot = trace_next_of(tr, NULL, "rot_register", tr->cand_pid); rot;
         rot = trace_next_of(tr, rot, "rot_register", tr->cand_pid))
        if (trace_int(rot, "flags", 0) & TRACE_ROTFLAGS_ALLOWANYCLIENT) {
            first = first ? first : rot;
            n++;
            verdict_event(v, rot, "flags", "result", NULL);
        }
    if (!first) {
        verdict_say(v, VERDICT_NA, "The candidate made no running-object-table registration with "
                    "ROTFLAGS_ALLOWANYCLIENT.");
        return;
    }
    if (!registry_need(tr, v))
        return;
    if (!exe) {
        verdict_say(v, VERDICT_ERROR, "The header names no candidate image, so its HKCR\\AppID\\<exe> key could not "
                    "be looked for.");
        return;
    }
    /* a source that lets every such registration through shows nothing by its answer: the registry decides */
    if (trace_limit(tr, TRACE_LIMIT_ROT_ALLOW_ANY_CLIENT))
        verdict_note(verdict_fact(v), "the source says: %s; the call is judged against the registry the candidate "
                     "left, not by the source's answer", trace_limit(tr, TRACE_LIMIT_ROT_ALLOW_ANY_CLIENT));
    if (registry_rot_allowed(tr, exe, why, sizeof why, registry_fact(v, tr)))
        verdict_say(v, VERDICT_PASS, "The candidate registered %d object%s with ROTFLAGS_ALLOWANYCLIENT, and its "
                    "AppID has LocalService or RunAs and is named by HKCR\\AppID\\%s.", n, n == 1 ? "" : "s", exe);
    else
        verdict_say(v, VERDICT_FAIL, "The candidate registered an object with ROTFLAGS_ALLOWANYCLIENT (seq %lld), "
                    "but %s.", first->seq, why);
}

/* rot.allow-any-client — ROTFLAGS_ALLOWANYCLIENT only for a properly registered server. */
void judge_rot_allow_any_client(const trace *tr, const config *cfg, verdict *v)
{
    rules_judge_servers(tr, cfg, v, rot_allow_any_client_one);
}
