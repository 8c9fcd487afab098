"""Starting: svc.dispatcher, svc.handler.immediate, svc.init.first-report, svc.running.controls."""
import pytest

from rules_util import (ACCEPT_SHUTDOWN, ACCEPT_STOP, CAND, CTL, RUNNING, SM, START_PENDING, STOPPED, WORKER, Trace,
                        booted, end_by_itself, evidence_seqs, good_service, judged, rule, rules_md_ids, timing)

LATER_RULES = [i for i in rules_md_ids() if i.startswith("svc.") and i != "svc.dispatcher"]


# svc.dispatcher

def test_dispatcher_pass_names_the_dispatcher_and_servicemain():
    tr = good_service()
    res = tr.judge()
    r = rule(res, "svc.dispatcher")
    assert r["verdict"] == "pass"
    disp = [e for e in tr.events if e["ev"] == "dispatcher"][0]
    sm = [e for e in tr.events if e["ev"] == "service_main"][0]
    assert evidence_seqs(r) == [disp["seq"], sm["seq"]]
    assert r["evidence"][1]["tid"] == SM


def _never_dispatches(end_reason="complete"):
    tr = Trace()
    tr.add("ctl_install", 0, pid=CTL, tid=1, ok=True, error=0, service_type=16)
    tr.add("debugstr", 5, text="hello")
    tr.ctl_start(30000, ok=False, error=1053, elapsed_ms=30000)
    return tr


def test_dispatcher_fails_when_the_process_exits_without_it():
    tr = _never_dispatches()
    tr.events = [e for e in tr.events if e["ev"] != "ctl_start"]
    ex = tr.process_exit(50, code=0)
    tr.end(60)
    res = tr.judge()
    r = rule(res, "svc.dispatcher")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [ex["seq"]]
    assert "StartServiceCtrlDispatcher" in r["message"]


def test_dispatcher_fails_on_start_timeout_1053():
    tr = _never_dispatches()
    tr.end(30001)
    res = tr.judge()
    r = rule(res, "svc.dispatcher")
    assert r["verdict"] == "fail"
    assert r["evidence"][0]["error"] == 1053
    assert "1053" in r["message"]


def test_dispatcher_fails_on_the_harness_saying_so():
    tr = _never_dispatches()
    h = tr.harness(30002, "no_dispatcher", "the service never connected")
    tr.end(30003, reason="complete")
    res = tr.judge()
    r = rule(res, "svc.dispatcher")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [h["seq"]]


def test_dispatcher_is_an_error_when_the_controller_could_not_start_it():
    tr = Trace()
    tr.ctl_start(10, ok=False, error=1058)     # disabled: the harness's problem, not the candidate's
    tr.end(20)
    r = judged(tr, "svc.dispatcher")
    assert r["verdict"] == "error"
    assert "1058" in r["message"]


def test_dispatcher_is_an_error_when_the_harness_deadline_cut_the_run():
    tr = Trace()
    tr.add("debugstr", 5, text="starting")
    tr.end(100, reason="deadline")
    r = judged(tr, "svc.dispatcher")
    assert r["verdict"] == "error"
    assert "deadline" in r["message"]


def test_dispatcher_fails_when_a_complete_run_never_saw_it():
    tr = Trace()
    tr.ctl_start(10, ok=True)
    end = tr.end(5000, reason="complete")
    r = judged(tr, "svc.dispatcher")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [end["seq"]]


def test_dispatcher_a_lost_log_is_not_a_complete_run():
    tr = Trace()
    tr.ctl_start(10, ok=True)
    tr.harness(4000, "log_truncated", "the raw log ended early")
    tr.end(5000, reason="complete")
    r = judged(tr, "svc.dispatcher")
    assert r["verdict"] == "error"
    assert "lost" in r["message"]


def test_dispatcher_connected_but_servicemain_never_ran():
    tr = Trace()
    tr.dispatcher(10)
    end_by_itself(tr, 40)
    res = tr.judge()
    r = rule(res, "svc.dispatcher")
    assert r["verdict"] == "fail"
    assert "dispatch table" in r["message"]
    for rid in LATER_RULES:
        if rid == "svc.stopped.exit-code":
            continue    # the process ended by itself without STOPPED: that is judged (test_rules_stop.py)
        assert rule(res, rid)["verdict"] == "error", rid
        assert "never reached ServiceMain" in rule(res, rid)["message"]
    assert rule(res, "svc.stopped.exit-code")["verdict"] == "fail"


def test_dispatcher_connected_then_the_trace_was_cut():
    tr = Trace()
    tr.dispatcher(10)
    tr.end(50, reason="deadline")
    assert judged(tr, "svc.dispatcher")["verdict"] == "error"


def test_without_servicemain_no_later_rule_passes():
    tr = _never_dispatches()
    tr.end(30001)
    res = tr.judge()
    for rid in LATER_RULES:
        assert rule(res, rid)["verdict"] == "error", rid


# svc.handler.immediate

def _boot_registering_at(delay, **kw):
    tr = Trace()
    tr.boot(10, register=False)            # ServiceMain at 15
    reg = tr.register(15 + delay, **kw)
    tr.status(15 + delay + 1, RUNNING, controls=ACCEPT_STOP)
    tr.stop_cleanly(2000)
    return tr, reg


def test_handler_registered_exactly_at_the_limit_passes():
    tr, reg = _boot_registering_at(100)
    r = judged(tr, "svc.handler.immediate")
    assert r["verdict"] == "pass"
    t = timing(r)
    assert (t["measured_ms"], t["threshold_ms"], t["margin_ms"]) == (100, 100, 0)
    assert t["to_seq"] == reg["seq"]


def test_handler_registered_one_ms_late_fails():
    tr, reg = _boot_registering_at(101)
    r = judged(tr, "svc.handler.immediate")
    assert r["verdict"] == "fail"
    t = timing(r)
    assert (t["measured_ms"], t["threshold_ms"], t["margin_ms"]) == (101, 100, -1)
    assert reg["seq"] in evidence_seqs(r)


def test_handler_limit_follows_the_configured_threshold():
    tr, _ = _boot_registering_at(101)
    r = rule(tr.judge({"thresholds": {"handler_register_ms": 101}}), "svc.handler.immediate")
    assert r["verdict"] == "pass"
    assert timing(r)["margin_ms"] == 0


def test_handler_fractional_times_are_kept():
    tr, _ = _boot_registering_at(99.5)
    r = judged(tr, "svc.handler.immediate")
    assert r["verdict"] == "pass"
    assert timing(r)["measured_ms"] == 99.5
    assert timing(r)["margin_ms"] == 0.5


def test_status_before_registration_on_the_servicemain_thread_fails():
    tr = booted(register=False)
    st = tr.status(16, START_PENDING, checkpoint=1, wait_hint=1000)
    tr.register(17)
    tr.stop_cleanly(2000)
    r = judged(tr, "svc.handler.immediate")
    assert r["verdict"] == "fail"
    assert st["seq"] in evidence_seqs(r)
    assert "SetServiceStatus" in r["message"]


def test_a_wait_before_registration_fails():
    tr = booted(register=False)
    w = tr.wait(16, 18, timeout_ms=2, result="timeout")
    tr.register(19)
    tr.status(20, RUNNING, controls=ACCEPT_STOP)
    tr.stop_cleanly(2000)
    r = judged(tr, "svc.handler.immediate")
    assert r["verdict"] == "fail"
    assert w["seq"] in evidence_seqs(r)
    assert [e for e in r["evidence"] if e.get("seq") == w["seq"]][0]["timeout_ms"] == 2


def test_a_wait_on_another_thread_does_not_matter():
    tr = booted(register=False)
    tr.wait(16, 18, tid=WORKER)
    tr.register(19)
    tr.status(20, RUNNING, controls=ACCEPT_STOP)
    tr.stop_cleanly(2000)
    assert judged(tr, "svc.handler.immediate")["verdict"] == "pass"


def test_registration_on_another_thread_fails():
    tr = booted(register=False)
    reg = tr.register(17, tid=WORKER)
    tr.status(20, RUNNING, controls=ACCEPT_STOP, tid=WORKER)
    tr.stop_cleanly(2000)
    r = judged(tr, "svc.handler.immediate")
    assert r["verdict"] == "fail"
    assert reg["seq"] in evidence_seqs(r)
    assert f"thread {WORKER}" in r["message"]


def test_no_registration_in_a_long_watch_fails():
    tr = Trace()
    sm = tr.boot(10, register=False)
    tr.process_exit(515)
    tr.end(520)
    r = judged(tr, "svc.handler.immediate")
    assert r["verdict"] == "fail"
    t = timing(r)
    assert (t["measured_ms"], t["margin_ms"]) == (500, -400)
    assert t["from_seq"] == sm["seq"]


def test_no_registration_before_an_early_cut_is_an_error():
    tr = booted(register=False)
    tr.end(60, reason="deadline")
    r = judged(tr, "svc.handler.immediate")
    assert r["verdict"] == "error"
    assert "45 ms" in r["message"]


# svc.init.first-report

def _first_report_at(delay, state=START_PENDING, wait_hint=3000, controls=0):
    tr = Trace()
    sm = tr.boot(10)                      # ServiceMain at 15
    q = tr.status(15 + delay, state, controls=controls, checkpoint=1 if state == START_PENDING else 0,
                  wait_hint=wait_hint if state == START_PENDING else 0)
    tr.status(15 + delay + 100, RUNNING, controls=ACCEPT_STOP)
    tr.stop_cleanly(5000)
    return tr, sm, q


def test_first_report_exactly_at_one_second_passes():
    tr, sm, q = _first_report_at(1000)
    r = judged(tr, "svc.init.first-report")
    assert r["verdict"] == "pass"
    t = timing(r)
    assert (t["measured_ms"], t["threshold_ms"], t["margin_ms"]) == (1000, 1000, 0)
    assert (t["from_seq"], t["to_seq"]) == (sm["seq"], q["seq"])


def test_first_report_one_ms_late_fails():
    tr, sm, q = _first_report_at(1001)
    r = judged(tr, "svc.init.first-report")
    assert r["verdict"] == "fail"
    t = timing(r)
    assert (t["measured_ms"], t["threshold_ms"], t["margin_ms"]) == (1001, 1000, -1)
    assert q["seq"] in evidence_seqs(r)


def test_running_without_controls_counts_as_a_first_report():
    tr, _, q = _first_report_at(400, state=RUNNING, controls=0)
    r = judged(tr, "svc.init.first-report")
    assert r["verdict"] == "pass"
    assert "no controls" in r["message"]
    assert timing(r)["to_seq"] == q["seq"]


def test_start_pending_with_a_zero_hint_does_not_count():
    tr = booted()
    weak = tr.status(20, START_PENDING, checkpoint=1, wait_hint=0)
    late = tr.status(1500, RUNNING, controls=ACCEPT_STOP)
    tr.stop_cleanly(5000)
    r = judged(tr, "svc.init.first-report")
    assert r["verdict"] == "fail"
    assert timing(r)["to_seq"] == late["seq"]
    assert timing(r)["measured_ms"] == 1485
    noted = [e for e in r["evidence"] if e.get("seq") == weak["seq"]][0]
    assert "wait hint" in noted["note"]


def test_no_report_at_all_in_a_long_watch_fails():
    tr = booted()
    tr.end(3015, reason="deadline")
    r = judged(tr, "svc.init.first-report")
    assert r["verdict"] == "fail"
    assert timing(r)["measured_ms"] == 3000
    assert "lower bound" in timing(r)["note"]


def test_a_hang_killed_late_is_a_late_first_report():
    """ServiceMain blocks for ever; the SCM kills the process 10 s later, printed without a time."""
    tr = Trace()
    sm = tr.boot(10)
    ex = tr.process_exit(16, how="killed")
    ex.update(t_est=True, t_next=10015)
    tr.ctl_start(10015, ok=False, error=1053, elapsed_ms=10000)
    tr.end(10020)
    r = judged(tr, "svc.init.first-report")
    assert r["verdict"] == "fail"
    assert (timing(r)["from_seq"], timing(r)["measured_ms"]) == (sm["seq"], 10000)


def test_a_crash_before_the_one_second_point_fails():
    """The process ended by itself without telling the SCM where the start stood: its fault, not the run's."""
    tr = booted()
    tr.process_exit(300, code=0xC0000005, how="crash")
    tr.end(320)
    r = judged(tr, "svc.init.first-report")
    assert r["verdict"] == "fail"
    assert "285 ms" in r["message"]


# svc.running.controls

def test_running_with_stop_passes():
    res = good_service().judge()
    r = rule(res, "svc.running.controls")
    assert r["verdict"] == "pass"
    assert r["evidence"][0]["controls"] == ACCEPT_STOP | ACCEPT_SHUTDOWN


def test_running_without_controls_then_with_them_passes():
    tr = booted()
    zero = tr.status(20, RUNNING, controls=0)
    full = tr.status(3000, RUNNING, controls=ACCEPT_STOP)
    tr.stop_cleanly(5000)
    r = judged(tr, "svc.running.controls")
    assert r["verdict"] == "pass"
    assert evidence_seqs(r) == [zero["seq"], full["seq"]]


def test_running_without_stop_fails():
    tr = booted()
    bad = tr.status(20, RUNNING, controls=ACCEPT_SHUTDOWN)
    tr.status(3000, RUNNING, controls=ACCEPT_STOP | ACCEPT_SHUTDOWN)   # too late: init ended at seq of bad
    end_by_itself(tr, 5000)
    r = judged(tr, "svc.running.controls")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [bad["seq"]]
    assert "0x4" in r["message"]


def test_expected_controls_come_from_the_config():
    tr = good_service()           # accepts STOP|SHUTDOWN
    assert rule(tr.judge({"expect_controls": 5}), "svc.running.controls")["verdict"] == "pass"
    assert rule(tr.judge({"expect_controls": 3}), "svc.running.controls")["verdict"] == "fail"


def test_running_without_controls_forever_fails_when_the_controller_gives_up():
    tr = booted()
    zero = tr.status(20, RUNNING, controls=0)
    gave_up = tr.add("ctl_wait", 30000, pid=CTL, tid=1, what="running", outcome="timeout", elapsed_ms=29970)
    end_by_itself(tr, 31000, how="killed")
    r = judged(tr, "svc.running.controls")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [zero["seq"], gave_up["seq"]]


def test_running_without_controls_then_a_cut_is_an_error():
    tr = booted()
    tr.status(20, RUNNING, controls=0)
    tr.end(5000, reason="deadline")
    assert judged(tr, "svc.running.controls")["verdict"] == "error"


def test_running_without_controls_then_an_error_stop_fails():
    tr = booted()
    zero = tr.status(20, RUNNING, controls=0)
    stopped = tr.status(1520, STOPPED, win32_exit=1066, specific_exit=5)
    end_by_itself(tr, 1530)
    r = judged(tr, "svc.running.controls")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [zero["seq"], stopped["seq"]]


def test_a_service_that_fails_to_start_is_not_applicable():
    tr = booted()
    tr.status(20, START_PENDING, checkpoint=1, wait_hint=1000)
    stopped = tr.status(200, STOPPED, win32_exit=2)
    end_by_itself(tr, 220)
    r = judged(tr, "svc.running.controls")
    assert r["verdict"] == "n/a"
    assert evidence_seqs(r) == [stopped["seq"]]


def test_never_running_before_a_cut_is_an_error():
    tr = booted()
    tr.status(20, START_PENDING, checkpoint=1, wait_hint=100000)
    tr.end(5000, reason="deadline")
    assert judged(tr, "svc.running.controls")["verdict"] == "error"


@pytest.mark.parametrize("rid", ["svc.handler.immediate", "svc.init.first-report", "svc.running.controls"])
def test_init_rules_pass_for_the_good_service(rid):
    assert rule(good_service().judge(), rid)["verdict"] == "pass"


def test_events_of_other_processes_are_not_the_candidates():
    tr = good_service()
    # Wine's own services make service calls too; the installed name picks the candidate
    tr.add("service_main", 5, pid=4242, tid=7, service="PlugPlay")
    tr.add("status", 6, pid=4242, tid=7, handle="0x1", type=32, state=RUNNING, controls=0, win32_exit=0,
           specific_exit=0, checkpoint=5, wait_hint=0)
    res = tr.judge()
    assert res["trace"]["candidate_pid"] == CAND
    assert rule(res, "svc.idle.checkpoint-zero")["verdict"] == "pass"
    assert rule(res, "svc.status.type")["verdict"] == "pass"
