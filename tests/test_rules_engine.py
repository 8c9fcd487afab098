"""The engine as a whole: the rule list against docs/rules.md, the result's shape, configuration, bad traces."""
import ctypes
import json

import pytest

from rules_util import (ALL_HOOKS, CTL, LIB, RUNNING, START_PENDING, STOPPED, WORKER, Trace, booted, good_service,
                        judge_file, judge_text, judged, rule, rules_json, rules_md_ids)

SVC_IDS = [i for i in rules_md_ids() if i.startswith("svc.")]
DEFAULTS = {"handler_register_ms": 100, "init_threshold_ms": 1000, "wait_hint_slack_ms": 250,
            "revoke_after_idle_ms": 10000, "activation_timeout_ms": 30000, "exit_after_stopped_ms": 5000,
            "handler_return_ms": 1000}


def test_the_catalog_has_one_section_per_rule():
    ids = rules_md_ids()
    assert len(ids) == len(set(ids)) == 29
    assert "svc.dispatcher" in ids and "rot.allow-any-client" in ids


def test_result_lists_every_rule_once_in_rules_md_order():
    res = good_service().judge()
    assert [r["id"] for r in res["rules"]] == rules_md_ids()


def test_rules_json_lists_every_rule_once_in_order_with_kind_and_source():
    table = rules_json()
    assert [r["id"] for r in table] == rules_md_ids()
    for r in table:
        assert r["kind"] in ("must", "should")
        assert r["title"] and r["source"]
        assert r["implemented"] is True
    kinds = {r["id"]: r["kind"] for r in table}
    assert kinds["svc.status.type"] == "should" and kinds["svc.stopped.no-controls"] == "should"
    assert kinds["svc.dispatcher"] == "must"
    assert {r["id"]: r["source"] for r in table}["svc.init.first-report"] == "ServiceMain callback function"
    assert all(r["url"].startswith("https://learn.microsoft.com/") for r in table)
    assert all("seed" not in r for r in table)


# COM rules that never apply to a service run: n/a by the run's shape, before any hook is asked for
NA_FOR_A_SERVICE = {"com.revoke.when-idle", "com.revoke.user-control"}


def test_com_rules_on_a_trace_without_hooks_are_hook_errors():
    res = good_service().judge()
    for r in res["rules"]:
        if r["id"] in NA_FOR_A_SERVICE:
            assert r["verdict"] == "n/a", r
        elif not r["id"].startswith("svc."):
            assert r["verdict"] == "error"
            assert "does not record COM activity" in r["message"] and '"com"' in r["message"]
            assert r["evidence"][0]["missing"] == "com"
            assert r["evidence"][0]["hooks"] == ["service", "waits", "debugstr", "controller"]


def test_a_good_service_passes_every_svc_rule():
    res = good_service().judge()
    bad = {r["id"]: (r["verdict"], r["message"]) for r in res["rules"] if r["id"] in SVC_IDS and r["verdict"] != "pass"}
    assert bad == {}


def test_result_shape_counts_and_overall_verdict():
    res = good_service().judge()
    assert set(res) >= {"verdict", "strict", "thresholds", "rules", "counts"}
    assert res["strict"] is False
    assert res["thresholds"] == DEFAULTS
    assert sum(res["counts"].values()) == len(rules_md_ids())
    assert res["counts"]["pass"] == len(SVC_IDS)
    assert res["counts"]["error"] == len(rules_md_ids()) - len(SVC_IDS) - len(NA_FOR_A_SERVICE)
    assert res["counts"]["n/a"] == len(NA_FOR_A_SERVICE)
    # the COM rules cannot be judged on a trace without the com hook, and an error fails the run
    assert res["verdict"] == "fail"
    for r in res["rules"]:
        assert set(r) >= {"id", "title", "verdict", "message", "evidence"}
        assert isinstance(r["evidence"], list)


def _svc_rules(res):
    return [r for r in res["rules"] if r["id"].startswith("svc.")]


def test_every_verdict_names_trace_events():
    res = good_service().judge()
    for r in _svc_rules(res):
        assert r["evidence"], r["id"]
        for e in r["evidence"]:
            assert ("seq" in e and "ev" in e and "t" in e and "tid" in e) or "measured_ms" in e, (r["id"], e)


def test_thresholds_can_be_overridden():
    cfg = {"thresholds": {"init_threshold_ms": 4, "handler_register_ms": 0.5}}
    res = good_service().judge(cfg)
    assert res["thresholds"]["init_threshold_ms"] == 4
    assert res["thresholds"]["handler_register_ms"] == 0.5
    assert res["thresholds"]["exit_after_stopped_ms"] == 5000
    # START_PENDING came 5 ms after ServiceMain, registration 1 ms after it
    assert rule(res, "svc.init.first-report")["verdict"] == "fail"
    assert rule(res, "svc.handler.immediate")["verdict"] == "fail"


def test_expect_controls_is_configurable():
    res = good_service().judge({"expect_controls": 0x2})
    r = rule(res, "svc.running.controls")
    assert r["verdict"] == "fail"
    assert res["expect_controls"] == 2


@pytest.mark.parametrize("config,word", [
    ({"threshold": {}}, "threshold"),
    ({"thresholds": {"init_ms": 5}}, "init_ms"),
    ({"thresholds": {"init_threshold_ms": -1}}, "init_threshold_ms"),
    ({"thresholds": {"init_threshold_ms": "5"}}, "init_threshold_ms"),
    ({"thresholds": 5}, "thresholds"),
    ({"strict": 1}, "strict"),
    ({"expect_controls": "stop"}, "expect_controls"),
    ("[1, 2]", "object"),
    ("{not json", "config"),
])
def test_a_bad_config_is_rejected(config, word):
    res, err = judge_text(good_service().text(), config)
    assert res is None
    assert word in err


def test_an_empty_config_means_defaults():
    for cfg in ("", "{}", None):
        res, err = judge_text(good_service().text(), cfg)
        assert res["thresholds"] == DEFAULTS, err


def _warn_trace():
    """A service with no COM, recorded by a source that records COM too: every rule but one is judged."""
    tr = good_service()
    for e in tr.events:
        if e["ev"] == "status":
            e["type"] = 0x110   # installed 0x10: a warn of svc.status.type
    tr.header["hooks"] = list(ALL_HOOKS)
    tr.add("com_registry", 5, pid=CTL, tid=CTL, when="after_register", classes=[], appids=[], exe_appids=[],
           services=[])
    return tr


def _overall(res):
    c = res["counts"]
    if not (c["pass"] or c["fail"] or c["warn"]):
        return "error"
    return "fail" if c["fail"] or c["error"] or (res["strict"] and c["warn"]) else "pass"


def test_overall_verdict_follows_the_counts():
    for tr in (good_service(), _warn_trace()):
        for cfg in (None, {"strict": True}):
            res = tr.judge(cfg)
            assert res["verdict"] == _overall(res)


def test_strict_makes_a_warn_fail_the_run():
    tr = _warn_trace()
    res = tr.judge()
    assert rule(res, "svc.status.type")["verdict"] == "warn"
    assert res["strict"] is False
    strict = tr.judge({"strict": True})
    assert strict["strict"] is True
    assert strict["verdict"] == "fail"
    assert res["counts"]["error"] == 0 and res["counts"]["warn"] == 1, res["counts"]
    assert res["verdict"] == "pass"


def _all_error(res, word):
    assert [r["id"] for r in res["rules"]] == rules_md_ids()
    for r in res["rules"]:
        assert r["verdict"] == "error", (r["id"], r["verdict"])
        assert r["id"].startswith("svc.") is False or word in r["message"], (r["id"], r["message"])
    # no rule judged anything: the run is an error, and says why in one line
    assert res["verdict"] == "error"
    assert res["verdict_reason"].startswith("nothing was exercised: the trace could not be used")
    assert res["counts"]["error"] == len(rules_md_ids())


def test_garbage_line_makes_every_rule_an_error():
    text = good_service().text().splitlines()
    text.insert(3, "this is { not json")
    res, _ = judge_text("\n".join(text))
    _all_error(res, "line 4")


def test_a_trace_without_header_is_an_error():
    text = good_service().text().splitlines()[1:]
    res, _ = judge_text("\n".join(text))
    _all_error(res, "header")


def test_an_unknown_schema_major_is_an_error():
    res, _ = judge_text(_schema_text("svccert-trace/2"))
    _all_error(res, "major version")
    res, _ = judge_text(_schema_text("other-trace/1"))
    _all_error(res, "not a svccert trace")


def _schema_text(schema):
    tr = good_service()
    tr.header["schema"] = schema
    return tr.text()


def test_a_newer_minor_version_is_read():
    res, _ = judge_text(_schema_text("svccert-trace/1.3"))
    assert rule(res, "svc.dispatcher")["verdict"] == "pass"


def test_an_empty_trace_is_an_error():
    res, _ = judge_text("")
    _all_error(res, "empty")
    res, _ = judge_text("\n\n  \n")
    _all_error(res, "empty")


def test_a_missing_file_is_an_error(tmp_path):
    res, _ = judge_file(tmp_path / "nope.jsonl")
    _all_error(res, "cannot read")


def test_a_trace_file_is_judged_like_its_text(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text(good_service().text())
    res, _ = judge_file(p)
    assert rule(res, "svc.stopped.last")["verdict"] == "pass"
    assert res == good_service().judge()


def test_null_arguments_are_refused_not_crashed():
    err = ctypes.create_string_buffer(100)
    assert LIB.sc_judge_text(None, None, err, 100) is None
    assert err.value
    assert LIB.sc_judge_file(None, None, err, 100) is None


@pytest.mark.parametrize("field", ["state", "checkpoint", "wait_hint", "controls", "handle"])
def test_a_status_missing_a_field_is_an_error(field):
    tr = good_service()
    st = [e for e in tr.events if e["ev"] == "status"][0]
    del st[field]
    res, _ = judge_text(tr.text())
    _all_error(res, field)


@pytest.mark.parametrize("field,value", [("seq", "7"), ("t", None), ("pid", 1.5), ("tid", "x")])
def test_a_bad_common_field_is_an_error(field, value):
    lines = good_service().text().splitlines()
    ev = json.loads(lines[5])
    ev[field] = value
    lines[5] = json.dumps(ev)
    res, _ = judge_text("\n".join(lines))
    _all_error(res, field)


def test_falling_seq_is_an_error():
    lines = good_service().text().splitlines()
    lines[4], lines[5] = lines[5], lines[4]
    res, _ = judge_text("\n".join(lines))
    _all_error(res, "seq")


def test_a_line_after_end_and_a_second_header_are_errors():
    tr = good_service()
    lines = tr.text().splitlines()
    res, _ = judge_text("\n".join(lines + [lines[3]]))
    _all_error(res, "after the end")
    res, _ = judge_text("\n".join(lines[:3] + [lines[0]] + lines[3:]))
    _all_error(res, "second header")


def test_a_bad_hex_handle_is_an_error():
    tr = good_service()
    [e for e in tr.events if e["ev"] == "status"][0]["handle"] = "zz"
    res, _ = judge_text(tr.text())
    _all_error(res, "handle")


def test_unknown_events_and_fields_are_ignored():
    tr = good_service()
    tr.add("com_call", 500, api="CoRegisterClassObject")           # an event type from a later format
    tr.add("mystery", 600, pid=CTL)
    for e in tr.events:
        e["future_field"] = {"x": 1}
    lines = tr.text().splitlines()
    lines.insert(2, json.dumps({"ev": "from_the_future"}))         # not even the common fields
    res, _ = judge_text("\n".join(lines))
    bad = {r["id"]: r["message"] for r in _svc_rules(res) if r["verdict"] != "pass"}
    assert bad == {}



def test_a_trace_without_candidate_is_an_error_for_every_rule_but_the_dispatcher():
    tr = Trace()
    tr.ctl_start(20, ok=True)
    tr.end(100, reason="deadline")
    res = tr.judge()
    for r in _svc_rules(res):
        assert r["verdict"] == "error", r["id"]
    assert "never reached ServiceMain" in rule(res, "svc.status.handle")["message"]


def test_an_estimated_time_is_read_as_the_next_printed_time():
    """Wine prints a process's exit without a time; an idle process is printed late, so t_next counts."""
    tr = booted()
    tr.status(20, RUNNING, controls=1)
    tr.ctl_control(2000, 1, elapsed_ms=1)
    stopped = tr.status(2010, STOPPED)
    ex = tr.process_exit(2011, how="exit")
    ex.update(t_est=True, t_next=10011)
    tr.end(10020)
    r = judged(tr, "svc.stopped.last")
    assert r["verdict"] == "fail"
    t = [e for e in r["evidence"] if "measured_ms" in e][0]
    assert (t["from_seq"], t["to_seq"], t["measured_ms"]) == (stopped["seq"], ex["seq"], 8001)
    shown = [e for e in r["evidence"] if e.get("seq") == ex["seq"]][0]
    assert (shown["t"], shown["t_est"], shown["t_next"]) == (2011, True, 10011)


def test_a_failed_controller_makes_the_run_incomplete():
    tr = Trace()
    tr.harness(0, "controller_failed", "the controller ended with status 1")
    tr.end(0, reason="complete")
    r = judged(tr, "svc.dispatcher")
    assert r["verdict"] == "error"
    assert "controller failed" in r["message"]


def test_two_service_processes_without_a_hint_leave_the_candidate_unknown():
    tr = good_service()
    tr.header["candidate"]["service_name"] = "other"
    tr.add("status", 30, pid=3000, tid=5, handle="0x1", type=16, state=START_PENDING, controls=0, win32_exit=0,
           specific_exit=0, checkpoint=1, wait_hint=100)
    tr.events = [e for e in tr.events if e["ev"] not in ("ctl_exit",)]
    res = tr.judge()
    r = rule(res, "svc.status.handle")
    assert r["verdict"] == "error"
    assert "2 processes" in r["message"]


def test_ok_flags_may_be_written_as_integers():
    tr = good_service()
    for e in tr.events:
        if "ok" in e:
            e["ok"] = 1 if e["ok"] else 0
    res = tr.judge()
    assert rule(res, "svc.stopped.exit-code")["verdict"] == "pass"       # the STOP still counts as asked for
    assert rule(res, "svc.control.reported")["verdict"] == "pass"
    [e for e in tr.events if e["ev"] == "ctl_control"][0]["ok"] = 2
    res, _ = judge_text(tr.text())
    _all_error(res, "ok")


def test_a_large_trace_is_judged():
    tr = good_service()
    for i in range(20000):
        tr.wait(801 + i * 0.05, 801 + i * 0.05 + 0.01, tid=WORKER)
    res = tr.judge()
    assert rule(res, "svc.checkpoint.progress-only")["verdict"] == "pass"



# a run that exercised nothing cannot pass (issue 11, class 10)

def _exe_that_exits_at_once(shape="user", code=2):
    from rules_util import ComTrace
    tr = ComTrace(service_name=None, service_type=None, shape=shape)
    tr.process_start(10, cmdline="C:\\\\test\\\\svctest.exe" + (" -Embedding" if shape == "embedding" else ""))
    tr.process_exit(37, code=code)
    tr.end(100)
    return tr


def test_a_run_that_exercised_nothing_is_an_error_with_its_reason():
    res = _exe_that_exits_at_once().judge()
    assert not (res["counts"]["pass"] or res["counts"]["fail"] or res["counts"]["warn"]), res["counts"]
    assert res["verdict"] == "error"
    assert res["verdict_reason"] == ("nothing was exercised: the candidate never registered a class object; its "
                                     "process exited by itself with code 2 after 27 ms (seq 2)")


def test_a_service_that_never_connected_names_the_dispatcher_in_its_reason():
    tr = Trace()
    tr.harness(50, "deadline")
    tr.end(60, reason="deadline")
    res = tr.judge()
    assert res["verdict"] == "error"
    assert res["verdict_reason"].startswith("nothing was exercised: ")
    assert "\n" not in res["verdict_reason"]


def test_a_run_that_judged_something_has_no_reason():
    res = good_service().judge()
    assert res["verdict"] in ("pass", "fail") and "verdict_reason" not in res
