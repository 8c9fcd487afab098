"""The COM rules (atl.*, sec.*, com.*, rot.*): hook gating, and each rule's pass, fail, n/a and edges, for a
COM service and for a plain EXE server."""
import pytest

from rules_util import (ACCEPT_SHUTDOWN, ACCEPT_STOP, MAIN, STOP, STOP_PENDING, ALL_HOOKS, APPID, CLSID,
                        CO_E_WRONG_SERVER_IDENTITY, EOAC_APPID,
                        EOAC_ACCESS_CONTROL, REGCLS_SUSPENDED, ROTFLAGS_ALLOWANYCLIENT, RUNNING, START_PENDING, STOPPED,
                        ComTrace, com_exe, com_service, rule, rules_md_ids, timing)

COM_IDS = [i for i in rules_md_ids() if not i.startswith("svc.")]
LEGACY = ["service", "waits", "debugstr", "controller"]


def verdict(tr, rid, config=None):
    return rule(tr.judge(config), rid)


def plain_service(hooks=ALL_HOOKS):
    """A service with no COM at all, from a source that records COM (the registry snapshot is empty)."""
    tr = ComTrace(hooks=hooks)
    tr.boot(10)
    tr.status(20, RUNNING, controls=ACCEPT_STOP)
    tr.registry(30, classes=[], appids=[], exe_appids=[], services=[{"name": "svctest", "image_path": "C:\\x.exe"}])
    tr.stop_cleanly(1000)
    return tr


# hook gating

def test_every_com_rule_is_listed():
    assert len(COM_IDS) == 11


# the rules that do not apply to a service run whatever it recorded (the run's shape decides, not an event)
NA_FOR_A_SERVICE = ["com.revoke.when-idle", "com.revoke.user-control"]


def _hookless(tr):
    del tr.header["hooks"]
    return tr


@pytest.mark.parametrize("rid", COM_IDS)
def test_a_trace_without_hooks_gives_the_com_hook_error(rid):
    # a rule that is n/a for a service is judged on the EXE shape it is about
    tr = _hookless(com_service() if rid not in NA_FOR_A_SERVICE else
                   com_exe(embedding=rid == "com.revoke.when-idle", window=True))
    r = verdict(tr, rid)
    assert r["verdict"] == "error" and "does not record COM activity" in r["message"]
    assert r["evidence"][0]["missing"] == "com" and r["evidence"][0]["hooks"] == LEGACY
    assert "header has no hooks" in r["evidence"][0]["note"]


@pytest.mark.parametrize("rid", NA_FOR_A_SERVICE)
def test_rules_that_never_apply_to_a_service_are_na_even_without_hooks(rid):
    assert verdict(_hookless(com_service()), rid)["verdict"] == "n/a"


def test_a_trace_without_hooks_judges_svc_rules_as_before():
    tr = com_service()
    del tr.header["hooks"]
    res = tr.judge()
    assert {r["verdict"] for r in res["rules"] if r["id"].startswith("svc.")} <= {"pass", "n/a"}


@pytest.mark.parametrize("rid", ["com.localservice.install", "rot.allow-any-client"])
def test_registry_rules_need_the_registry_hook(rid):
    tr = com_service()
    tr.header["hooks"] = [h for h in ALL_HOOKS if h != "registry"]
    r = verdict(tr, rid)
    assert r["verdict"] == "error" and r["evidence"][0]["missing"] == "registry"


@pytest.mark.parametrize("rid", ["com.revoke.not-early", "com.revoke.when-idle"])
def test_client_rules_need_the_com_client_hook(rid):
    tr = com_exe()
    tr.header["hooks"] = [h for h in ALL_HOOKS if h != "com_client"]
    r = verdict(tr, rid)
    assert r["verdict"] == "error" and r["evidence"][0]["missing"] == "com_client"


def test_hooks_must_be_an_array_of_names():
    tr = com_service()
    tr.header["hooks"] = "com"
    assert all(r["verdict"] == "error" and "hooks" in r["message"] for r in tr.judge()["rules"])


def test_unknown_hook_names_are_ignored():
    tr = com_service()
    tr.header["hooks"] = ALL_HOOKS + ["etw"]
    assert verdict(tr, "atl.run.order")["verdict"] == "pass"


@pytest.mark.parametrize("rid", COM_IDS)
def test_a_service_without_com_is_na_for_every_com_rule(rid):
    r = verdict(plain_service(), rid)
    assert r["verdict"] == "n/a", r


def test_the_good_com_service_and_exe_pass_or_na_everywhere():
    for tr in (com_service(), com_exe()):
        tr.registry(5, appids=[{"appid": APPID, "local_service": None, "run_as": None}])
        res = tr.judge({"strict": False})
        bad = {r["id"]: r["message"] for r in res["rules"] if r["id"] in COM_IDS
               and r["verdict"] not in ("pass", "n/a") and r["id"] != "sec.com.null-descriptor"}
        assert bad == {}


def test_an_exe_server_is_found_by_its_com_calls():
    res = com_exe().judge()
    assert res["trace"]["candidate_pid"] == 1000


# atl.run.order

def test_run_order_pass_cites_security_registration_and_running():
    tr = com_service()
    r = verdict(tr, "atl.run.order")
    assert r["verdict"] == "pass"
    assert [e["ev"] for e in r["evidence"]] == ["com_security", "com_register", "status"]


def test_run_order_fails_when_registered_before_security():
    tr = com_service()
    tr.com_security(45)
    tr.events = [e for e in tr.events if not (e["ev"] == "com_security" and e["t"] == 30)]
    r = verdict(tr, "atl.run.order")
    assert r["verdict"] == "fail" and "before CoInitializeSecurity" in r["message"]


def test_run_order_fails_when_running_comes_before_registration():
    tr = com_service()
    tr.com_register(55, clsid="{99999999-2222-3333-4444-555555555555}")
    r = verdict(tr, "atl.run.order")
    assert r["verdict"] == "fail" and "after the RUNNING report" in r["message"]


def test_run_order_counts_the_resume_of_a_suspended_registration():
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "com_register"]
    tr.com_register(40, flags=REGCLS_SUSPENDED)
    tr.com_resume(52)
    r = verdict(tr, "atl.run.order")
    assert r["verdict"] == "fail" and "CoResumeClassObjects" in r["message"]
    tr.events = [e for e in tr.events if e["ev"] != "com_resume"]
    tr.com_resume(45)
    assert verdict(tr, "atl.run.order")["verdict"] == "pass"


def test_run_order_without_security_passes_and_says_so():
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "com_security"]
    r = verdict(tr, "atl.run.order")
    assert r["verdict"] == "pass" and "registry" in r["evidence"][0]["note"]


def test_run_order_is_na_for_an_exe_server():
    assert verdict(com_exe(), "atl.run.order")["verdict"] == "n/a"


# atl.quit.on-stop

def test_quit_on_stop_pass_cites_stop_quit_revoke_stopped():
    r = verdict(com_service(), "atl.quit.on-stop")
    assert r["verdict"] == "pass"
    assert [e["ev"] for e in r["evidence"]] == ["ctl_control", "quit_received", "com_revoke", "status"]


def test_quit_on_stop_fails_when_revoked_after_stopped():
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "com_revoke"]
    tr.com_revoke(1120, 1)
    r = verdict(tr, "atl.quit.on-stop")
    assert r["verdict"] == "fail" and "only after STOPPED" in r["message"]


def test_quit_on_stop_fails_when_wm_quit_reaches_another_thread():
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "quit_received"]
    tr.quit_received(1005, tid=13)
    r = verdict(tr, "atl.quit.on-stop")
    assert r["verdict"] == "fail" and "another thread did" in r["message"]


def test_quit_on_stop_without_visible_quit_is_decided_by_the_order_and_says_so():
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "quit_received"]
    r = verdict(tr, "atl.quit.on-stop")
    assert r["verdict"] == "pass"
    assert any("order revoke -> STOPPED alone decides" in e.get("note", "") for e in r["evidence"])


def test_quit_on_stop_is_na_without_a_stop():
    tr = ComTrace()
    tr.boot(10)
    tr.com_register(30)
    tr.status(40, RUNNING, controls=ACCEPT_STOP)
    tr.end(2000)
    assert verdict(tr, "atl.quit.on-stop")["verdict"] == "n/a"


# sec.com.null-descriptor

def test_null_descriptor_warns_and_fails_under_strict_with_the_arguments():
    r = verdict(com_service(), "sec.com.null-descriptor")
    assert r["verdict"] == "warn"
    e = r["evidence"][0]
    assert e["sd"] == "0x0" and e["capabilities"] == 0 and e["auth_level"] == 2 and e["imp_level"] == 3
    assert verdict(com_service(), "sec.com.null-descriptor", {"strict": True})["verdict"] == "fail"


@pytest.mark.parametrize("sd, caps", [("0x12340", 0), ("0x0", EOAC_APPID), ("0x0", EOAC_ACCESS_CONTROL)])
def test_null_descriptor_passes_with_a_descriptor_or_appid(sd, caps):
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "com_security"]
    tr.com_security(30, sd=sd, capabilities=caps)
    assert verdict(tr, "sec.com.null-descriptor", {"strict": True})["verdict"] == "pass"


def test_null_descriptor_passes_without_any_call():
    r = verdict(com_exe(), "sec.com.null-descriptor")
    assert r["verdict"] == "pass" and "registry" in r["message"]


def test_null_descriptor_invisible_is_error():
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "com_security"]
    tr.com_security(30, sd=None)
    assert verdict(tr, "sec.com.null-descriptor")["verdict"] == "error"


# com.register.at-start

@pytest.mark.parametrize("cmd", [" -Embedding", " /Embedding", " -EMBEDDING", ' "/embedding"'])
def test_at_start_embedding_spellings(cmd):
    tr = com_exe()
    tr.events[0]["cmdline"] = "C:\\test\\svctest.exe" + cmd
    assert verdict(tr, "com.register.at-start")["verdict"] == "pass"


@pytest.mark.parametrize("delta, want", [(0, "pass"), (-1, "pass"), (1, "fail")])
def test_at_start_threshold_edges(delta, want):
    tr = com_exe()
    tr.events = [e for e in tr.events if e["ev"] != "com_register"]
    tr.com_register(10 + 30000 + delta, tid=1)
    tr.events = [e for e in tr.events if e["ev"] not in ("com_revoke", "process_exit", "end")]
    tr.end(40000)
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == want
    t = timing(r)
    assert t["measured_ms"] == 30000 + delta and t["threshold_ms"] == 30000 and t["margin_ms"] == -delta


def test_at_start_fails_without_local_server_context_or_failed_activation():
    tr = com_exe()
    tr.events = [e for e in tr.events if e["ev"] != "com_register"]
    tr.com_register(50, context=0x1)
    assert "CLSCTX_LOCAL_SERVER" in verdict(tr, "com.register.at-start")["message"]
    tr = com_exe()
    tr.events = [e for e in tr.events if e["ev"] != "cli_activate"]
    tr.cli_activate(100, ok=False, hr=0x80080005)
    assert verdict(tr, "com.register.at-start")["verdict"] == "fail"


def test_at_start_judges_the_retry_after_a_failed_registration():
    # a failed call registered nothing; the retry that succeeded is what the activation reached
    tr = com_service()
    tr.com_register(25, result=0x800401F0)
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == "pass" and timing(r)["measured_ms"] == 25
    # with no retry, the failure decides
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "com_register"]
    tr.com_register(40, result=0x800401F0)
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == "fail" and "failed" in r["message"]


def test_at_start_fails_when_the_requested_class_never_comes():
    tr = com_exe(revoke_at=None, exit_at=None)
    tr.events = [e for e in tr.events if e["ev"] not in ("com_register", "end")]
    tr.com_register(50, clsid="{99999999-2222-3333-4444-555555555555}")
    tr.end(40000)
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == "fail" and "lower bound" in timing(r)["note"]


def test_at_start_is_na_for_a_user_started_exe():
    assert verdict(com_exe(embedding=False), "com.register.at-start")["verdict"] == "n/a"


def test_at_start_for_a_local_service_counts_from_service_main():
    tr = com_service()
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == "pass" and timing(r)["measured_ms"] == 25
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "com_registry"]
    tr.registry(60, appids=[{"appid": APPID, "local_service": "other"}])
    assert verdict(tr, "com.register.at-start")["verdict"] == "n/a"


# com.revoke.not-early

def test_not_early_fails_when_revoked_while_an_instance_is_held():
    tr = com_exe(revoke_at=500)
    r = verdict(tr, "com.revoke.not-early")
    assert r["verdict"] == "fail" and "still held an instance" in r["message"]


def test_not_early_says_the_lock_half_was_not_exercised_when_lockserver_fails():
    """Without a declared limit the note states only what the trace shows: the call and its HRESULT."""
    tr = com_exe()
    tr.cli_lock(150, lock=1, ok=False, hr=0x80004001)
    r = verdict(tr, "com.revoke.not-early")
    assert r["verdict"] == "pass" and "lock half was not exercised" in r["message"]
    notes = [e["note"] for e in r["evidence"] if "note" in e]
    assert "LockServer(TRUE) failed (hr 0x80004001): the lock half of this rule was not exercised" in notes
    assert not any("source says" in n or "Wine" in n for n in notes)


def test_not_early_quotes_the_sources_lockserver_limit():
    sentence = "The class-factory proxy does not forward LockServer to the server."
    tr = com_exe()
    tr.header["limits"] = {"lockserver": sentence}
    tr.cli_lock(150, lock=1, ok=False, hr=0x80004001)
    r = verdict(tr, "com.revoke.not-early")
    assert r["verdict"] == "pass"
    assert any(e.get("note") == f"LockServer(TRUE) failed (hr 0x80004001; the source says: {sentence}): the lock "
               "half of this rule was not exercised" for e in r["evidence"])


def test_not_early_fails_when_revoked_under_a_lock():
    tr = com_exe(revoke_at=1100)
    tr.cli_lock(150, lock=1)
    tr.cli_lock(1150, lock=0)
    r = verdict(tr, "com.revoke.not-early")
    assert r["verdict"] == "fail" and "LockServer" in r["message"]


def test_not_early_is_na_when_the_client_held_nothing():
    tr = com_exe()
    tr.events = [e for e in tr.events if not e["ev"].startswith("cli_")]
    assert verdict(tr, "com.revoke.not-early")["verdict"] == "n/a"


# com.revoke.when-idle

@pytest.mark.parametrize("delta, want", [(0, "pass"), (-1, "pass"), (1, "fail")])
def test_when_idle_revoke_edges(delta, want):
    tr = com_exe(revoke_at=1000 + 10000 + delta, exit_at=1000 + 10000 - 5)
    r = verdict(tr, "com.revoke.when-idle")
    assert r["verdict"] == want
    t = timing(r)
    assert t["measured_ms"] == 10000 + delta and t["margin_ms"] == -delta and t["threshold_ms"] == 10000


@pytest.mark.parametrize("delta, want", [(0, "pass"), (-1, "pass"), (1, "fail")])
def test_when_idle_exit_edges_for_an_exe_launched_for_activation(delta, want):
    tr = com_exe(revoke_at=1500, exit_at=1000 + 10000 + delta)
    r = verdict(tr, "com.revoke.when-idle")
    assert r["verdict"] == want
    t = [e for e in r["evidence"] if e.get("what") == "last release to the process's exit"][0]
    assert t["measured_ms"] == 10000 + delta


def test_when_idle_fails_when_never_revoked():
    tr = com_exe(revoke_at=None, exit_at=None)
    tr.events = [e for e in tr.events if e["ev"] != "end"]
    tr.end(20000)
    r = verdict(tr, "com.revoke.when-idle")
    assert r["verdict"] == "fail" and "never revoked" in r["message"]


def test_when_idle_is_na_for_a_service():
    """A service keeps its class objects until STOP: revoking (and stopping) when idle would be an unasked stop."""
    tr = com_service()
    r = verdict(tr, "com.revoke.when-idle")
    assert r["verdict"] == "n/a" and "belongs to the SCM" in r["message"]
    assert "atl.quit.on-stop" in r["message"] and "com.revoke.all" in r["message"]
    # even a service that never revokes while idle is not judged by this rule
    tr.events = [e for e in tr.events if e["ev"] != "com_revoke"]
    assert verdict(tr, "com.revoke.when-idle")["verdict"] == "n/a"
    assert verdict(tr, "com.revoke.all")["verdict"] == "fail"


def test_when_idle_is_na_for_a_user_started_exe():
    assert verdict(com_exe(embedding=False, window=True), "com.revoke.when-idle")["verdict"] == "n/a"


def test_when_idle_is_na_while_a_lock_is_held():
    tr = com_exe()
    tr.cli_lock(150, lock=1)
    assert "LockServer" in verdict(tr, "com.revoke.when-idle")["message"]


# com.revoke.user-control

def user_exe(revoke_at=None, exit_at=None, harness_at=12000):
    """A user-started server; the harness closes its window at harness_at (the user closing it) and the server
    then revokes and exits by itself."""
    tr = com_exe(embedding=False, window=True, revoke_at=revoke_at, exit_at=exit_at)
    tr.events = [e for e in tr.events if e["ev"] != "end"]
    tr.ctl_close(harness_at)
    tr.com_revoke(harness_at + 5, 1, tid=11)
    tr.process_exit(harness_at + 10)
    tr.ctl_watch(harness_at + 12, what="exit", outcome="exited", elapsed_ms=12)
    tr.end(harness_at + 100)
    return tr


@pytest.mark.parametrize("watched, want", [(10000, "pass"), (10001, "pass"), (9999, "error")])
def test_user_control_passes_when_it_stays_for_the_whole_watch(watched, want):
    r = verdict(user_exe(harness_at=1000 + watched), "com.revoke.user-control")
    assert r["verdict"] == want
    t = timing(r)
    assert t["measured_ms"] == watched and t["threshold_ms"] == 10000


def test_user_control_fails_when_it_revokes_or_exits_after_the_last_client():
    assert verdict(user_exe(revoke_at=3000), "com.revoke.user-control")["verdict"] == "fail"
    r = verdict(com_exe(embedding=False, window=True, revoke_at=None, exit_at=2000), "com.revoke.user-control")
    assert r["verdict"] == "fail" and "exited" in r["message"]


def test_user_control_is_na_without_a_window_or_with_embedding():
    assert verdict(com_exe(embedding=False), "com.revoke.user-control")["verdict"] == "n/a"
    assert verdict(com_exe(window=True), "com.revoke.user-control")["verdict"] == "n/a"
    assert verdict(com_service(), "com.revoke.user-control")["verdict"] == "n/a"


# com.revoke.all

def test_revoke_all_fails_when_a_cookie_is_left():
    tr = com_exe()
    tr.com_register(60, clsid="{99999999-2222-3333-4444-555555555555}", tid=11)
    r = verdict(tr, "com.revoke.all")
    assert r["verdict"] == "fail" and "{99999999" in r["message"]


def test_revoke_all_killed_is_na_and_crash_is_error():
    tr = com_exe(revoke_at=None, exit_at=2000)
    tr.events[-2].update(code=1, how="killed")
    assert verdict(tr, "com.revoke.all")["verdict"] == "n/a"
    tr = com_exe(revoke_at=None, exit_at=2000)
    tr.events[-2].update(code=0xC0000005, how="crash")
    assert verdict(tr, "com.revoke.all")["verdict"] == "error"


def test_revoke_all_pass_for_a_service():
    r = verdict(com_service(), "com.revoke.all")
    assert r["verdict"] == "pass" and "com_revoke" in [e["ev"] for e in r["evidence"]]


# com.runas.identity

def failed_exe(code=1, how="exit"):
    tr = ComTrace(service_name=None, service_type=None, shape="user")
    tr.process_start(10, cmdline="C:\\test\\svctest.exe")
    tr.com_register(50, tid=11, cookie=None, result=CO_E_WRONG_SERVER_IDENTITY)
    if how:
        tr.process_exit(100, code=code, how=how)
    tr.end(200)
    return tr


def test_runas_exe_exits_non_zero_passes_zero_fails_killed_fails():
    assert verdict(failed_exe(), "com.runas.identity")["verdict"] == "pass"
    assert verdict(failed_exe(code=0), "com.runas.identity")["verdict"] == "fail"
    r = verdict(failed_exe(how="killed"), "com.runas.identity")
    assert r["verdict"] == "fail" and "killed" in r["message"]
    assert verdict(failed_exe(how=None), "com.runas.identity")["verdict"] == "fail"


def test_runas_accepts_a_negative_or_hex_hresult():
    tr = failed_exe(code=0)
    tr.events[1]["result"] = CO_E_WRONG_SERVER_IDENTITY - 2 ** 32
    assert verdict(tr, "com.runas.identity")["verdict"] == "fail"
    tr.events[1]["result"] = "0x80004015"
    assert verdict(tr, "com.runas.identity")["verdict"] == "fail"


def failed_service(win32_exit=1, stop_sent=False):
    tr = ComTrace()
    tr.boot(10)
    tr.status(20, START_PENDING, checkpoint=1, wait_hint=3000)
    tr.com_register(30, cookie=None, result=CO_E_WRONG_SERVER_IDENTITY)
    if stop_sent:
        tr.status(40, RUNNING, controls=ACCEPT_STOP)
        return tr.stop_cleanly(5000) and tr
    tr.status(40, STOPPED, win32_exit=win32_exit)
    tr.process_exit(60)
    tr.end(100)
    return tr


def test_runas_service_must_stop_with_an_error_code():
    assert verdict(failed_service(), "com.runas.identity")["verdict"] == "pass"
    assert verdict(failed_service(win32_exit=0), "com.runas.identity")["verdict"] == "fail"
    r = verdict(failed_service(stop_sent=True), "com.runas.identity")
    assert r["verdict"] == "fail" and "idled until the controller stopped it" in r["message"]


def test_runas_is_na_when_nothing_failed_and_error_when_results_are_invisible():
    assert verdict(com_exe(), "com.runas.identity")["verdict"] == "n/a"
    tr = com_exe()
    [e for e in tr.events if e["ev"] == "com_register"][0]["result"] = None
    assert verdict(tr, "com.runas.identity")["verdict"] == "error"


# com.localservice.install

def test_localservice_pass_and_evidence():
    r = verdict(com_service(), "com.localservice.install")
    assert r["verdict"] == "pass"
    e = r["evidence"][0]
    assert e["appid"] == APPID and e["local_service"] == "svctest" and e["candidate_exe"] == "svctest.exe"


@pytest.mark.parametrize("kw, words", [
    ({"services": [{"name": "other", "image_path": "C:\\test\\svctest.exe"}]}, "no installed service"),
    ({"services": [{"name": "SVCTEST", "image_path": "\"C:\\other\\x.exe\" -k"}]}, "does not name the candidate"),
    ({"classes": [{"clsid": CLSID, "appid": "{00000000-0000-0000-0000-000000000000}"}]}, "No class's AppID"),
])
def test_localservice_fails_with_the_exact_mismatch(kw, words):
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "com_registry"]
    tr.registry(60, **kw)
    r = verdict(tr, "com.localservice.install")
    assert r["verdict"] == "fail" and words in r["message"]


def test_localservice_matches_quoted_image_paths_case_insensitively():
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "com_registry"]
    tr.registry(60, services=[{"name": "SvcTest", "image_path": "\"C:\\TEST\\SVCTEST.EXE\" -service"}])
    assert verdict(tr, "com.localservice.install")["verdict"] == "pass"


# rot.allow-any-client

def test_allow_any_client_pass_for_a_local_service():
    tr = com_service()
    tr.rot_register(70)
    r = verdict(tr, "rot.allow-any-client")
    assert r["verdict"] == "pass" and r["evidence"][0]["flags"] == ROTFLAGS_ALLOWANYCLIENT


@pytest.mark.parametrize("kw, words", [
    ({"appids": [{"appid": APPID, "local_service": None, "run_as": None}]}, "neither LocalService nor RunAs"),
    ({"exe_appids": []}, "no HKCR\\AppID\\svctest.exe key"),
    ({"exe_appids": [{"exe": "svctest.exe", "appid": "{0}"}]}, "names AppID {0}"),
])
def test_allow_any_client_fails(kw, words):
    tr = com_exe()
    tr.rot_register(70, tid=11)
    tr.registry(5, **kw)
    r = verdict(tr, "rot.allow-any-client")
    assert r["verdict"] == "fail" and words in r["message"], r["message"]


def test_allow_any_client_run_as_passes_and_plain_registration_is_na():
    tr = com_exe()
    tr.rot_register(70, tid=11)
    tr.registry(5, appids=[{"appid": APPID, "local_service": None, "run_as": "Interactive User"}])
    assert verdict(tr, "rot.allow-any-client")["verdict"] == "pass"
    tr = com_exe()
    tr.rot_register(70, flags=0, tid=11)
    assert verdict(tr, "rot.allow-any-client")["verdict"] == "n/a"


# atl.*: a failed registration registered nothing (issue 11, class 16)

def _service_with_failed_register(also_ok=True):
    """A COM service whose first CoRegisterClassObject fails before security is set; then security and, maybe, a
    registration that succeeds."""
    tr = ComTrace()
    tr.boot(10)
    tr.status(20, START_PENDING, checkpoint=1, wait_hint=3000)
    bad = tr.com_register(25, cookie=None, result=0x800401F0)
    tr.com_security(30)
    if also_ok:
        tr.com_register(40)
    tr.status(50, RUNNING, controls=ACCEPT_STOP)
    tr.registry(60)
    tr.ctl_control(1000, 1, elapsed_ms=3)
    tr.quit_received(1005)
    if also_ok:
        tr.com_revoke(1010, 1)
    tr.status(1100, STOPPED)
    tr.process_exit(1150)
    tr.end(1200)
    return tr, bad


def test_run_order_ignores_a_failed_registration_and_says_so():
    tr, bad = _service_with_failed_register()
    r = verdict(tr, "atl.run.order")
    assert r["verdict"] == "pass", r["message"]
    assert any(e.get("seq") == bad["seq"] and "registered nothing" in e.get("note", "") for e in r["evidence"])


def test_quit_on_stop_is_na_when_nothing_was_registered():
    tr, bad = _service_with_failed_register(also_ok=False)
    r = verdict(tr, "atl.quit.on-stop")
    assert r["verdict"] == "n/a" and "registered nothing" in r["message"]
    assert "seq 0" not in r["message"]
    assert verdict(tr, "atl.run.order")["verdict"] == "n/a"


def test_localservice_shows_a_quoted_image_path_once_quoted():
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "com_registry"]
    tr.registry(60, services=[{"name": "svctest", "image_path": "\"C:\\other\\x.exe\" -k"}])
    r = verdict(tr, "com.localservice.install")
    assert r["verdict"] == "fail"
    assert 'image path "C:\\other\\x.exe" -k,' in r["message"] and '""' not in r["message"]
    assert "candidate svctest.exe." in r["message"]


# com.revoke.not-early counts instances per class (issue 11, class 12)

CLSID_B = "{22222222-2222-3333-4444-555555555555}"


def test_not_early_counts_the_revoked_class_only():
    """Class A is revoked after its own last instance went, while an instance of B is still held: not early."""
    tr = ComTrace(service_name=None, service_type=None, shape="embedding")
    tr.process_start(10, cmdline="C:\\\\test\\\\svctest.exe -Embedding")
    tr.com_register(50, tid=11)
    tr.com_register(51, clsid=CLSID_B, tid=11)
    tr.cli_activate(100, instance=0)
    tr.cli_activate(110, clsid=CLSID_B, instance=1)
    tr.cli_release(1000, instance=0, remaining=1)
    tr.com_revoke(1100, 1, tid=11)
    tr.cli_release(2000, instance=1, remaining=0)
    tr.com_revoke(2100, 2, tid=11)
    tr.process_exit(2200)
    tr.end(2300)
    assert verdict(tr, "com.revoke.not-early")["verdict"] == "pass"


def test_not_early_still_fails_a_class_with_a_live_instance():
    tr = ComTrace(service_name=None, service_type=None, shape="embedding")
    tr.process_start(10, cmdline="C:\\\\test\\\\svctest.exe -Embedding")
    tr.com_register(50, tid=11)
    tr.com_register(51, clsid=CLSID_B, tid=11)
    tr.cli_activate(100, instance=0)
    act = tr.cli_activate(110, instance=1)
    tr.cli_release(1000, instance=0, remaining=1)
    tr.com_revoke(1100, 1, tid=11)
    tr.cli_release(2000, instance=1, remaining=0)
    tr.end(2300)
    r = verdict(tr, "com.revoke.not-early")
    assert r["verdict"] == "fail" and f"activated at seq {act['seq']}" in r["message"]


# several server processes, one per activation (REGCLS_SINGLEUSE; issue 11, classes 11 and 12)

def _single_use(n=3, register=(True, True, True), revoke=(True, True, True), watched=None, clsids=None):
    """n activations, each launching its own -Embedding server (pids 1000, 1001, ...) that registers its class
    once (unless told not to), serves one instance, and exits after the release."""
    tr = ComTrace(service_name=None, service_type=None, shape="embedding")
    clsids = clsids or [CLSID] * n
    pids = [1000 + i for i in range(n)]
    for i, pid in enumerate(pids):
        t0 = 100 + 1000 * i
        tr.add("process_start", t0 + 2, pid=pid, tid=11, image="C:\\\\test\\\\svctest.exe",
               cmdline="\"C:\\\\test\\\\svctest.exe\" -Embedding", parent_pid=50)
        if register[i]:
            tr.add("com_register", t0 + 20, pid=pid, tid=11, clsid=clsids[i], context=4, flags=0, cookie=1, result=0)
        tr.add("cli_activate", t0 + 30, pid=3000, tid=1, clsid=clsids[i], context=4, ok=register[i],
               hr=0 if register[i] else 0x80080005, elapsed_ms=30, instance=i)
    for i, pid in enumerate(pids):
        t1 = 5000 + 100 * i
        if register[i]:
            tr.add("cli_release", t1, pid=3000, tid=1, instance=i, remaining=sum(register[i + 1:]))
        if register[i] and revoke[i]:
            tr.add("com_revoke", t1 + 5, pid=pid, tid=11, cookie=1, result=0)
        tr.add("process_exit", t1 + 10, pid=pid, tid=11, code=0, how="exit")
    if watched:
        tr.ctl_watch(9000, server_pid=watched)
    tr.end(9100)
    return tr, pids


def test_every_single_use_server_is_judged_and_named():
    tr, pids = _single_use()
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == "pass", r["message"]
    assert all(f"pid {p}: pass" in r["message"] for p in pids)
    assert [e["server_pid"] for e in r["evidence"] if "verdict" in e] == pids


def test_the_worst_single_use_server_decides_and_is_named():
    tr, pids = _single_use(register=(True, True, False))
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == "fail"
    assert f"pid {pids[2]}: fail" in r["message"] and f"pid {pids[0]}: pass" in r["message"]
    assert {e["server_pid"] for e in r["evidence"] if e.get("ev") == "process_start"} == {pids[2]}


def test_revoke_all_names_the_server_that_left_unrevoked():
    tr, pids = _single_use(revoke=(True, False, True))
    r = verdict(tr, "com.revoke.all")
    assert r["verdict"] == "fail" and f"pid {pids[1]}: fail" in r["message"]


def test_a_process_absent_from_the_trace_is_never_the_one_judged():
    """The controller watched a server whose events the trace does not have: the traced servers are judged."""
    tr, pids = _single_use(watched=4242)
    res = tr.judge()
    assert res["trace"]["candidate_pid"] in pids
    r = rule(res, "com.register.at-start")
    assert r["verdict"] == "pass" and "4242" not in r["message"]


def test_a_class_another_server_registered_is_not_said_never_registered():
    """Two server processes, one class each; a later activation of B goes to the running B server: the A server
    is not judged on it."""
    tr, pids = _single_use(n=2, clsids=[CLSID, CLSID_B])
    tr.add("cli_activate", 3000, pid=3000, tid=1, clsid=CLSID_B, context=4, ok=True, hr=0, elapsed_ms=3, instance=7)
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == "pass", r["message"]
    assert "never registered" not in r["message"]


def test_a_launched_server_that_registered_nothing_and_exited_fails_at_start():
    """Issue 11 (10): COM launched it for an activation; it exited by itself, having registered nothing."""
    tr = ComTrace(service_name=None, service_type=None, shape="embedding")
    tr.process_start(10, cmdline="C:\\\\test\\\\svctest.exe -Embedding")
    tr.process_exit(37, code=2)
    tr.end(100)
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == "fail"
    assert "exit code 2" in r["message"] and "27 ms" in r["message"]


def test_not_early_counts_only_the_instances_a_single_use_server_serves():
    """Each single-use server revokes once its own instance went, while other servers' instances of the same class
    are alive: not early."""
    tr, pids = _single_use()
    r = verdict(tr, "com.revoke.not-early")
    assert r["verdict"] == "pass", r["message"]
    assert all(f"pid {p}: pass" in r["message"] for p in pids)


def _service_stopped_while_held():
    """A COM service the harness stopped while its client still held an instance (the client ran late): the
    service, told to stop, revokes as it must."""
    tr = ComTrace()
    tr.boot(10)
    tr.status(20, START_PENDING, checkpoint=1, wait_hint=3000)
    tr.com_security(30)
    tr.com_register(40)
    tr.status(50, RUNNING, controls=ACCEPT_STOP | ACCEPT_SHUTDOWN)
    tr.registry(60)
    tr.cli_activate(100)
    stop = tr.ctl_control(1000, STOP, elapsed_ms=3)
    tr.status(1002, STOP_PENDING, tid=MAIN, checkpoint=1, wait_hint=2000)
    tr.quit_received(1005)
    tr.com_revoke(1010, 1)
    tr.status(1100, STOPPED)
    tr.process_exit(1150)
    tr.cli_release(1160)
    tr.end(1200)
    return tr, stop


def test_not_early_is_the_runs_error_when_the_harness_stopped_a_service_its_client_held():
    tr, stop = _service_stopped_while_held()
    r = verdict(tr, "com.revoke.not-early")
    assert r["verdict"] == "error", r["message"]
    assert "after the stop request" in r["message"] and any(e.get("seq") == stop["seq"] for e in r["evidence"])


def test_not_early_still_fails_a_revocation_before_the_stop_request():
    tr, _ = _service_stopped_while_held()
    for e in tr.events:
        if e["ev"] == "com_revoke":
            e["t"] = 500
    tr.events.sort(key=lambda e: e["t"])
    r = verdict(tr, "com.revoke.not-early")
    assert r["verdict"] == "fail" and "still held an instance" in r["message"]
