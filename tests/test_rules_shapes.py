"""Run shapes (the header's run.shape): service, embedding, user. Which rules apply to which shape, how a shape
is read, how the candidate is found in an EXE server's run, and the controller's records of those runs."""
import pytest

from rules_util import (APPID, CAND, CTL, RUNNING, STOP, ComTrace, com_exe, com_service, judge_text, judged, rule,
                        rules_md_ids, timing)

SVC_IDS = [i for i in rules_md_ids() if i.startswith("svc.")]
COM_IDS = [i for i in rules_md_ids() if not i.startswith("svc.")]
RPCSS = 4000     # Wine's rpcss service, started for COM: service calls from a process that is not the candidate


def verdict(tr, rid, config=None):
    return rule(tr.judge(config), rid)


def verdicts(res):
    return {r["id"]: r["verdict"] for r in res["rules"]}


def user_server(close_at=12000, revoke_at=None, exit_at=None, closed=True):
    """A server the harness started as a user would: a visible window, a registration, a client that comes at 100
    and leaves at 1000; the harness closes its window at close_at, and the server then revokes and exits."""
    tr = com_exe(embedding=False, window=True, revoke_at=revoke_at, exit_at=exit_at)
    tr.events = [e for e in tr.events if e["ev"] != "end"]
    tr.ctl_launch(5)
    if closed:
        tr.ctl_close(close_at)
        tr.com_revoke(close_at + 5, 1, tid=11)
        tr.process_exit(close_at + 10)
        tr.ctl_watch(close_at + 12, what="exit", outcome="exited", elapsed_ms=12)
    tr.end(close_at + 100)
    return tr


def embedding_server():
    tr = com_exe()
    tr.registry(5, appids=[{"appid": APPID, "local_service": None, "run_as": None}], services=[])
    return tr


# reading the shape

@pytest.mark.parametrize("run", [None, {}, {"shape": "service"}, {"shape": "service", "register": "install",
                                                                    "clsids": ["{X}"]}])
def test_a_missing_run_or_shape_is_the_service_shape(run):
    tr = com_service()
    if run is not None:
        tr.header["run"] = run
    res = tr.judge()
    assert res["trace"]["shape"] == "service"
    assert rule(res, "svc.dispatcher")["verdict"] == "pass"
    assert rule(res, "atl.run.order")["verdict"] == "pass"
    assert rule(res, "com.revoke.when-idle")["verdict"] == "n/a"
    plain = com_service().judge()
    assert verdicts(res) == verdicts(plain)


@pytest.mark.parametrize("run, words", [
    ({"shape": "window"}, '"window"'),
    ({"shape": "Service"}, '"Service"'),
    ({"shape": 1}, "not a string"),
    ({"shape": None}, "not a string"),
    ("service", "run must be an object"),
    ([], "run must be an object"),
])
def test_an_unknown_shape_makes_every_rule_an_error(run, words):
    tr = com_service()
    tr.header["run"] = run
    res, _ = judge_text(tr.text())
    assert [r["id"] for r in res["rules"]] == rules_md_ids()
    for r in res["rules"]:
        assert r["verdict"] == "error", r
        assert "run" in r["message"] and words in r["message"], r["message"]
    # no rule judged anything: the run's verdict is an error, with its reason
    assert res["verdict"] == "error" and "error" in res["trace"]
    assert res["verdict_reason"].startswith("nothing was exercised: the trace could not be used")


@pytest.mark.parametrize("shape", ["embedding", "user"])
def test_the_shape_is_reported(shape):
    assert com_exe(embedding=shape == "embedding").judge()["trace"]["shape"] == shape


# svc.* outside the service shape

@pytest.mark.parametrize("shape", ["embedding", "user"])
@pytest.mark.parametrize("rid", SVC_IDS)
def test_every_svc_rule_is_na_for_an_exe_server(shape, rid):
    tr = com_exe(embedding=shape == "embedding", window=True)
    r = verdict(tr, rid)
    assert r["verdict"] == "n/a", r
    assert "drove an EXE COM server" in r["message"] and shape + " shape" in r["message"]


def test_svc_rules_stay_na_when_another_process_makes_service_calls():
    """Wine starts rpcss, a service, for COM: its ServiceMain must neither become the candidate nor be judged."""
    tr = com_exe()
    tr.add("service_main", 20, pid=RPCSS, tid=5, service="RpcSs")
    tr.add("status", 21, pid=RPCSS, tid=5, handle="0x1", type=16, state=RUNNING, controls=1, win32_exit=0,
           specific_exit=0, checkpoint=0, wait_hint=0)
    res = tr.judge()
    assert res["trace"]["candidate_pid"] == CAND
    assert {v for k, v in verdicts(res).items() if k in SVC_IDS} == {"n/a"}
    assert rule(res, "com.revoke.when-idle")["verdict"] == "pass"
    # the same trace read as a service run takes rpcss for the candidate: the shape is what tells them apart
    del tr.header["run"]
    assert tr.judge()["trace"]["candidate_pid"] == RPCSS


def test_svc_rules_are_unchanged_in_the_service_shape():
    tr = com_service()
    tr.header["run"] = {"shape": "service"}
    res = tr.judge()
    del tr.header["run"]
    legacy = tr.judge()
    assert [r for r in res["rules"] if r["id"] in SVC_IDS] == [r for r in legacy["rules"] if r["id"] in SVC_IDS]
    assert {v for k, v in verdicts(res).items() if k in SVC_IDS} <= {"pass", "n/a"}


# the COM rules, shape by shape, on a well-behaved server

EXPECTED = {
    "service": {"atl.run.order": "pass", "atl.quit.on-stop": "pass", "com.register.at-start": "pass",
                "com.revoke.not-early": "pass", "com.revoke.when-idle": "n/a", "com.revoke.user-control": "n/a",
                "com.revoke.all": "pass", "com.runas.identity": "n/a", "com.localservice.install": "pass",
                "rot.allow-any-client": "n/a"},
    "embedding": {"atl.run.order": "n/a", "atl.quit.on-stop": "n/a", "com.register.at-start": "pass",
                  "com.revoke.not-early": "pass", "com.revoke.when-idle": "pass", "com.revoke.user-control": "n/a",
                  "com.revoke.all": "pass", "com.runas.identity": "n/a", "com.localservice.install": "n/a",
                  "rot.allow-any-client": "n/a"},
    "user": {"atl.run.order": "n/a", "atl.quit.on-stop": "n/a", "com.register.at-start": "n/a",
             "com.revoke.not-early": "pass", "com.revoke.when-idle": "n/a", "com.revoke.user-control": "pass",
             "com.revoke.all": "pass", "com.runas.identity": "n/a", "com.localservice.install": "n/a",
             "rot.allow-any-client": "n/a"},
}


@pytest.mark.parametrize("shape", sorted(EXPECTED))
def test_a_good_server_gets_the_shapes_verdicts(shape):
    tr = {"service": com_service, "embedding": embedding_server, "user": user_server}[shape]()
    if shape == "user":
        tr.registry(5, appids=[{"appid": APPID, "local_service": None, "run_as": None}], services=[])
    got = {k: v for k, v in verdicts(tr.judge()).items() if k in EXPECTED[shape]}
    assert got == EXPECTED[shape]
    assert set(EXPECTED[shape]) | {"sec.com.null-descriptor"} == set(COM_IDS)


@pytest.mark.parametrize("rid", ["atl.run.order", "atl.quit.on-stop"])
@pytest.mark.parametrize("shape", ["embedding", "user"])
def test_atl_rules_are_na_outside_the_service_shape(rid, shape):
    tr = com_exe(embedding=shape == "embedding", window=True)
    # even a server that does everything a service module does is no service here
    tr.add("status", 60, tid=11, handle="0x1", type=16, state=RUNNING, controls=1, win32_exit=0, specific_exit=0,
           checkpoint=0, wait_hint=0)
    r = verdict(tr, rid)
    assert r["verdict"] == "n/a" and "drove an EXE COM server" in r["message"]


def test_atl_rules_judge_a_service_run_that_never_reached_servicemain():
    """A service whose process registered a class before setting security fails atl.run.order even without
    ServiceMain; with nothing else to judge, the rules say n/a (svc.dispatcher says why), never crash."""
    tr = ComTrace()
    tr.dispatcher(10)
    tr.com_register(20, tid=11)
    tr.com_security(30, tid=11)
    tr.process_exit(100, code=1)
    tr.end(200)
    res = tr.judge()
    assert rule(res, "atl.run.order")["verdict"] == "fail"
    assert rule(res, "atl.quit.on-stop")["verdict"] == "n/a"
    tr.ctl_control(50, STOP)
    assert judged(tr, "atl.quit.on-stop")["verdict"] == "error"


# com.register.at-start

def test_at_start_is_na_for_the_user_shape_even_with_embedding_on_the_command_line():
    tr = com_exe(embedding=False)
    tr.events[0]["cmdline"] += " -Embedding"
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == "n/a" and "user shape" in r["message"]


def test_at_start_in_the_embedding_shape_is_timed_from_the_start_whatever_the_command_line():
    tr = com_exe()
    tr.events[0]["cmdline"] = "C:\\test\\svctest.exe"
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == "pass" and timing(r)["measured_ms"] == 40
    assert any("no -Embedding" in e.get("note", "") for e in r["evidence"])


def test_at_start_in_the_embedding_shape_without_the_start_is_an_error():
    tr = com_exe()
    tr.events = [e for e in tr.events if e["ev"] != "process_start"]
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == "error" and "process_start" in r["message"]


def test_at_start_for_a_service_needs_the_snapshot():
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "com_registry"]
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == "error" and "snapshot" in r["message"]


def test_at_start_for_a_local_service_that_never_reached_servicemain_is_an_error():
    tr = ComTrace()
    tr.dispatcher(10)
    tr.com_register(20, tid=11)
    tr.registry(30)
    tr.cli_activate(100, ok=False, hr=0x80080005)
    tr.process_exit(200, code=1)
    tr.end(300)
    r = verdict(tr, "com.register.at-start")
    assert r["verdict"] == "error" and "never reached ServiceMain" in r["message"]


# com.revoke.when-idle

def test_when_idle_in_the_embedding_shape_still_requires_the_exit():
    tr = com_exe(revoke_at=1500, exit_at=None)
    tr.events = [e for e in tr.events if e["ev"] != "end"]
    tr.end(20000)
    r = verdict(tr, "com.revoke.when-idle")
    assert r["verdict"] == "fail" and "had not exited" in r["message"]


def test_when_idle_is_na_for_a_user_run():
    r = verdict(user_server(), "com.revoke.when-idle")
    assert r["verdict"] == "n/a" and "com.revoke.user-control" in r["message"]


def test_when_idle_reads_the_controllers_watch_as_the_exit():
    """Without the process's own exit in the log, the controller's watch that saw it exit is the exit."""
    tr = com_exe(revoke_at=1200, exit_at=None)
    tr.events = [e for e in tr.events if e["ev"] != "end"]
    w = tr.ctl_watch(3000, outcome="exited", code=0)
    tr.end(20000)
    r = verdict(tr, "com.revoke.when-idle")
    assert r["verdict"] == "pass"
    t = [e for e in r["evidence"] if e.get("what") == "last release to the process's exit"][0]
    assert t["measured_ms"] == 2000 and t["to_seq"] == w["seq"]


def test_when_idle_a_server_the_harness_had_to_kill_fails():
    tr = com_exe(revoke_at=1200, exit_at=None)
    tr.events = [e for e in tr.events if e["ev"] != "end"]
    tr.ctl_watch(16000, outcome="alive", elapsed_ms=15000, code=None)
    tr.ctl_kill(16001)
    tr.end(16100)
    r = verdict(tr, "com.revoke.when-idle")
    assert r["verdict"] == "fail" and "lower bound" in timing(r, 1)["note"]


# com.revoke.user-control

def test_user_control_watch_ends_at_ctl_close_and_the_exit_after_it_is_the_servers_own():
    tr = user_server(close_at=12000)
    r = verdict(tr, "com.revoke.user-control")
    assert r["verdict"] == "pass"
    close = [e for e in tr.events if e["ev"] == "ctl_close"][0]
    t = timing(r)
    assert (t["measured_ms"], t["to_seq"]) == (11000, close["seq"])
    assert any(e.get("ev") == "ctl_close" for e in r["evidence"])
    # the same exit before the close is the server leaving on its own
    tr = user_server(close_at=12000, exit_at=11990)
    r = verdict(tr, "com.revoke.user-control")
    assert r["verdict"] == "fail" and "exited" in r["message"]


@pytest.mark.parametrize("close_at, want", [(11000, "pass"), (10999, "error")])
def test_user_control_watch_length_edges_at_ctl_close(close_at, want):
    assert verdict(user_server(close_at=close_at), "com.revoke.user-control")["verdict"] == want


def test_user_control_watch_ends_at_ctl_kill():
    tr = user_server(closed=False)
    tr.events = [e for e in tr.events if e["ev"] != "end"]
    k = tr.ctl_kill(12000)
    tr.process_exit(12010, code=1, how="killed")
    tr.end(12100)
    r = verdict(tr, "com.revoke.user-control")
    assert r["verdict"] == "pass" and timing(r)["to_seq"] == k["seq"]
    assert verdict(tr, "com.revoke.all")["verdict"] == "n/a"      # a kill is no normal exit


def test_user_control_ignores_other_harness_records_and_closes_of_other_processes():
    tr = user_server(close_at=12000)
    tr.harness(3000, "log_note", "not an act on the server")
    tr.ctl_close(4000, server_pid=CAND + 1)
    tr.com_revoke(5000, 1, tid=11)
    r = verdict(tr, "com.revoke.user-control")
    assert r["verdict"] == "fail" and "revoked" in r["message"]


def test_user_control_does_not_need_the_process_start_in_the_user_shape():
    tr = user_server()
    tr.events = [e for e in tr.events if e["ev"] != "process_start"]
    assert verdict(tr, "com.revoke.user-control")["verdict"] == "pass"


@pytest.mark.parametrize("shape", ["service", "embedding"])
def test_user_control_applies_only_to_the_user_shape(shape):
    tr = com_service() if shape == "service" else com_exe(window=True)
    tr.window(70)
    r = verdict(tr, "com.revoke.user-control")
    assert r["verdict"] == "n/a" and ("service" in r["message"] or "-Embedding" in r["message"])


# com.runas.identity and com.revoke.all in the EXE shapes

def failed_user_server(close=True, code=0):
    tr = ComTrace(service_name=None, service_type=None, shape="user")
    tr.ctl_launch(5)
    tr.process_start(10)
    tr.window(20)
    tr.com_register(50, tid=11, cookie=None, result=0x80004015)
    if close:
        tr.ctl_close(5000)
        tr.process_exit(5010, code=code)
    tr.end(6000)
    return tr


def test_runas_a_user_server_that_only_leaves_when_closed_fails():
    r = verdict(failed_user_server(), "com.runas.identity")
    assert r["verdict"] == "fail" and "closed its window" in r["message"]
    r = verdict(failed_user_server(code=5), "com.runas.identity")
    assert r["verdict"] == "fail"


def test_runas_a_user_server_that_exits_by_itself_with_a_code_passes():
    tr = failed_user_server(close=False)
    tr.events = [e for e in tr.events if e["ev"] != "end"]
    tr.process_exit(100, code=3)
    tr.end(200)
    assert verdict(tr, "com.runas.identity")["verdict"] == "pass"


# com.localservice.install

def test_localservice_fails_for_a_com_service_without_local_service():
    tr = com_service()
    tr.events = [e for e in tr.events if e["ev"] != "com_registry"]
    tr.registry(60, appids=[{"appid": APPID, "local_service": None, "run_as": None}])
    r = verdict(tr, "com.localservice.install")
    assert r["verdict"] == "fail" and "no AppID" in r["message"]
    assert any(e.get("ev") == "com_register" for e in r["evidence"])


def test_localservice_is_na_for_an_exe_server_without_local_service():
    r = verdict(embedding_server(), "com.localservice.install")
    assert r["verdict"] == "n/a" and "EXE COM server" in r["message"]


def test_localservice_fails_for_an_exe_server_whose_local_service_is_not_installed():
    tr = com_exe()
    tr.registry(5, services=[])
    r = verdict(tr, "com.localservice.install")
    assert r["verdict"] == "fail" and "no installed service" in r["message"]


# the controller's records

def test_the_controllers_word_picks_the_server_among_com_processes():
    tr = com_exe()
    tr.add("com_register", 55, pid=5000, tid=1, clsid="{0}", context=4, flags=1, cookie=9, result=0)
    # the process COM launched with -Embedding is the server among the COM processes
    assert tr.judge()["trace"]["candidate_pid"] == CAND
    start = [e for e in tr.events if e["ev"] == "process_start"][0]
    start["cmdline"] = "C:\\test\\svctest.exe"
    assert tr.judge()["trace"]["candidate_unknown"]
    tr.ctl_launch(5, server_pid=CAND)
    assert tr.judge()["trace"]["candidate_pid"] == CAND


def test_a_failed_launch_is_named_when_there_is_no_candidate():
    tr = ComTrace(service_name=None, service_type=None, shape="user")
    tr.ctl_launch(5, ok=False, error=2, server_pid=None)
    tr.end(100)
    res = tr.judge()
    r = rule(res, "com.revoke.all")
    assert r["verdict"] == "error" and "could not start the server" in r["message"] and "error 2" in r["message"]
    assert {v for k, v in verdicts(res).items() if k in SVC_IDS} == {"n/a"}


@pytest.mark.parametrize("ev, field, value", [
    ("ctl_close", "server_pid", "x"), ("ctl_kill", "ok", 2), ("ctl_watch", "outcome", 1),
    ("ctl_launch", "cmdline", 5), ("ctl_client", "elapsed_ms", "slow"),
])
def test_a_controller_record_with_a_wrongly_typed_field_makes_the_trace_unusable(ev, field, value):
    tr = user_server()
    tr.ctl_client(1001)
    tr.ctl_kill(12050)
    [e for e in tr.events if e["ev"] == ev][0][field] = value
    res, _ = judge_text(tr.text())
    assert all(r["verdict"] == "error" and field in r["message"] for r in res["rules"])


def test_controller_records_may_leave_fields_out_or_null():
    tr = user_server()
    tr.add("ctl_launch", 6, pid=CTL, tid=1)
    tr.add("ctl_watch", 13000, pid=CTL, tid=1, what=None, outcome=None, code=None)
    tr.add("ctl_kill", 13001, pid=CTL, tid=1, server_pid=None)
    tr.events = [e for e in tr.events if e["ev"] != "end"]
    tr.end(13100)
    assert verdict(tr, "com.revoke.user-control")["verdict"] == "pass"


def test_a_kill_by_the_harness_ends_the_watch_even_without_the_processs_exit():
    """The controller's ctl_kill is the end of the server (not one it chose): a kill before the limit leaves the
    exit undecided instead of reading the rest of the trace as the server staying."""
    tr = com_exe(revoke_at=1200, exit_at=None)
    tr.events = [e for e in tr.events if e["ev"] != "end"]
    k = tr.ctl_kill(5000)
    tr.end(20000)
    r = verdict(tr, "com.revoke.when-idle")
    assert r["verdict"] == "error" and "killed" in r["message"]
    assert any(e.get("seq") == k["seq"] for e in r["evidence"])
    k["ok"] = False         # a kill that failed ended nothing: the server stayed to the end of the trace
    assert verdict(tr, "com.revoke.when-idle")["verdict"] == "fail"
