"""Controls: svc.control.reported and svc.handler.returns."""
from rules_util import (ACCEPT_PAUSE_CONTINUE, ACCEPT_STOP, CONTINUE, INTERROGATE, MAIN, PAUSE, PAUSED, PAUSE_PENDING,
                        RUNNING, STOP, STOPPED, STOP_PENDING, booted, end_by_itself, evidence_seqs, good_service,
                        judged, rule, timing)


def _running(controls=ACCEPT_STOP):
    tr = booted()
    tr.status(20, RUNNING, controls=controls)
    return tr


def _stop_answered_after(delay, pending_hint=None):
    """STOP sent at 2000; STOPPED after delay ms, optionally preceded by STOP_PENDING at 2002."""
    tr = _running()
    ctl = tr.ctl_control(2000, STOP, elapsed_ms=3)
    if pending_hint is not None:
        tr.status(2002, STOP_PENDING, tid=MAIN, checkpoint=1, wait_hint=pending_hint)
    stopped = tr.status(2000 + delay, STOPPED)
    tr.process_exit(2000 + delay + 10)
    tr.end(2000 + delay + 20)
    return tr, ctl, stopped


# svc.control.reported

def test_reported_pass_for_the_good_service():
    tr = good_service()
    r = judged(tr, "svc.control.reported")
    assert r["verdict"] == "pass"
    t = timing(r)
    assert (t["measured_ms"], t["threshold_ms"], t["margin_ms"]) == (2, 1000, 998)
    assert [e["ev"] for e in r["evidence"][:3]] == ["control_in", "ctl_control", "status"]
    assert r["evidence"][2]["state"] == STOP_PENDING


def test_reported_stopped_exactly_at_the_threshold_passes():
    tr, ctl, stopped = _stop_answered_after(1000)
    r = judged(tr, "svc.control.reported")
    assert r["verdict"] == "pass"
    t = timing(r)
    assert (t["measured_ms"], t["margin_ms"]) == (1000, 0)
    cin = [e for e in tr.events if e["ev"] == "control_in" and e["control"] == STOP][0]
    assert (t["from_seq"], t["to_seq"]) == (cin["seq"], stopped["seq"])


def test_reported_stopped_one_ms_late_fails():
    tr, ctl, stopped = _stop_answered_after(1001)
    r = judged(tr, "svc.control.reported")
    assert r["verdict"] == "fail"
    t = timing(r)
    assert (t["measured_ms"], t["margin_ms"]) == (1001, -1)
    cin = [e for e in tr.events if e["ev"] == "control_in" and e["control"] == STOP][0]
    # the control is cited as sent (the candidate received it) before its answer; the controller's record after
    assert evidence_seqs(r) == [cin["seq"], ctl["seq"], stopped["seq"]]
    assert timing(r)["from_seq"] == cin["seq"]


def test_reported_a_pending_answer_with_a_hint_is_enough():
    tr, ctl, _ = _stop_answered_after(5000, pending_hint=6000)
    r = judged(tr, "svc.control.reported")
    assert r["verdict"] == "pass"
    assert timing(r)["measured_ms"] == 2


def test_reported_a_pending_answer_without_a_hint_does_not_count():
    tr, ctl, stopped = _stop_answered_after(1500, pending_hint=0)
    r = judged(tr, "svc.control.reported")
    assert r["verdict"] == "fail"
    assert timing(r)["to_seq"] == stopped["seq"]
    assert timing(r)["measured_ms"] == 1500


def test_reported_a_synchronous_stop_inside_the_handler_counts():
    tr = _running()
    tr.status(2000, STOPPED)                      # reported inside the handler, on a tick clock
    ctl = tr.ctl_control(2000.4, STOP, elapsed_ms=0.6, delivered=False)    # the record's 2001 less 0.6 ms
    end_by_itself(tr, 2010)
    r = judged(tr, "svc.control.reported")
    assert r["verdict"] == "pass"
    assert timing(r)["measured_ms"] == 0
    assert timing(r)["from_seq"] == ctl["seq"]


def test_reported_pause_and_continue():
    tr = _running(ACCEPT_STOP | ACCEPT_PAUSE_CONTINUE)
    tr.ctl_control(1000, PAUSE)
    tr.status(1001, PAUSE_PENDING, tid=MAIN, checkpoint=1, wait_hint=1000)
    tr.status(1100, PAUSED, controls=ACCEPT_STOP | ACCEPT_PAUSE_CONTINUE)
    tr.ctl_control(2000, CONTINUE)
    tr.status(2500, RUNNING, controls=ACCEPT_STOP | ACCEPT_PAUSE_CONTINUE)
    tr.stop_cleanly(3000)
    r = judged(tr, "svc.control.reported")
    assert r["verdict"] == "pass"
    assert timing(r)["measured_ms"] == 500        # the slowest: CONTINUE
    assert "3 in all" in r["message"]


def test_reported_continue_is_not_answered_by_the_old_running():
    tr = _running(ACCEPT_STOP | ACCEPT_PAUSE_CONTINUE)
    tr.ctl_control(1000, PAUSE)
    tr.status(1001, PAUSED, controls=ACCEPT_STOP | ACCEPT_PAUSE_CONTINUE)
    cont = tr.ctl_control(2000, CONTINUE)
    end_by_itself(tr, 4000)
    r = judged(tr, "svc.control.reported")
    assert r["verdict"] == "fail"
    assert cont["seq"] in evidence_seqs(r)
    assert "lower bound" in timing(r)["note"]
    assert timing(r)["measured_ms"] == 2000


def test_reported_no_answer_before_an_early_cut_is_an_error():
    tr = _running()
    tr.ctl_control(2000, STOP)
    tr.end(2500, reason="deadline")
    r = judged(tr, "svc.control.reported")
    assert r["verdict"] == "error"


def test_reported_not_applicable_without_accepted_controls():
    tr = _running()
    tr.ctl_control(1000, STOP, ok=False, error=1061, delivered=False)
    tr.ctl_control(1100, INTERROGATE)
    tr.end(2000)
    assert judged(tr, "svc.control.reported")["verdict"] == "n/a"


def test_reported_threshold_follows_the_config():
    tr, _, _ = _stop_answered_after(1001)
    r = rule(tr.judge({"thresholds": {"init_threshold_ms": 1001}}), "svc.control.reported")
    assert r["verdict"] == "pass"


# svc.handler.returns

def _stop_returning_after(elapsed, ok=True, error=0):
    tr = _running()
    ctl = tr.ctl_control(2000, STOP, elapsed_ms=elapsed, ok=ok, error=error)
    tr.status(2001, STOP_PENDING, tid=MAIN, checkpoint=1, wait_hint=60000)
    tr.status(2000 + elapsed + 10, STOPPED)
    tr.process_exit(2000 + elapsed + 20)
    tr.end(2000 + elapsed + 30)
    return tr, ctl


def test_returns_pass_for_the_good_service():
    r = rule(good_service().judge(), "svc.handler.returns")
    assert r["verdict"] == "pass"
    assert r["evidence"][0]["elapsed_ms"] == 3
    assert (timing(r)["measured_ms"], timing(r)["margin_ms"]) == (3, 997)


def test_returns_exactly_at_the_threshold_passes():
    tr, ctl = _stop_returning_after(1000)
    r = judged(tr, "svc.handler.returns")
    assert r["verdict"] == "pass"
    assert (timing(r)["measured_ms"], timing(r)["margin_ms"]) == (1000, 0)
    assert timing(r)["from_seq"] == ctl["seq"]


def test_returns_one_ms_late_fails():
    tr, ctl = _stop_returning_after(1001)
    r = judged(tr, "svc.handler.returns")
    assert r["verdict"] == "fail"
    assert (timing(r)["measured_ms"], timing(r)["threshold_ms"], timing(r)["margin_ms"]) == (1001, 1000, -1)
    assert evidence_seqs(r) == [ctl["seq"]]


def test_returns_a_blocked_handler_seen_as_1053_fails():
    tr, ctl = _stop_returning_after(30000, ok=False, error=1053)
    r = judged(tr, "svc.handler.returns")
    assert r["verdict"] == "fail"
    assert r["evidence"][0]["error"] == 1053


def test_returns_ignores_controls_not_accepted_at_the_time():
    tr = _running(ACCEPT_STOP)
    tr.ctl_control(1000, PAUSE, elapsed_ms=5000, ok=False, error=1052, delivered=False)
    end_by_itself(tr, 7000)
    assert judged(tr, "svc.handler.returns")["verdict"] == "n/a"


def test_returns_interrogate_is_always_judged():
    tr = _running(ACCEPT_STOP)
    ctl = tr.ctl_control(1000, INTERROGATE, elapsed_ms=1500)
    end_by_itself(tr, 7000)
    r = judged(tr, "svc.handler.returns")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [ctl["seq"]]


def test_returns_unknown_duration_is_an_error():
    tr = _running(ACCEPT_STOP)
    ctl = tr.ctl_control(1000, STOP, elapsed_ms=1)
    ctl["elapsed_ms"] = None
    tr.status(1001, STOPPED)
    end_by_itself(tr, 1010)
    assert judged(tr, "svc.handler.returns")["verdict"] == "error"


def test_returns_threshold_follows_the_config():
    tr, _ = _stop_returning_after(1001)
    r = rule(tr.judge({"thresholds": {"handler_return_ms": 2000}}), "svc.handler.returns")
    assert r["verdict"] == "pass"
    assert timing(r)["threshold_ms"] == 2000


def test_returns_not_applicable_without_controls():
    tr = _running()
    end_by_itself(tr, 1000)
    assert judged(tr, "svc.handler.returns")["verdict"] == "n/a"


# svc.handler.returns: only controls that reached the handler are evidence (issue 11, class 2)

def _stopped_then_interrogated():
    """The service stopped; then an INTERROGATE that ControlService refused (1062) without reaching any handler."""
    tr = booted()
    tr.status(20, RUNNING, controls=ACCEPT_STOP)
    tr.status(500, STOPPED, win32_exit=1)
    tr.ctl_control(600, INTERROGATE, elapsed_ms=1, ok=False, error=1062, delivered=False)
    end_by_itself(tr, 700)
    return tr


def test_handler_returns_na_when_no_control_reached_the_handler():
    r = judged(_stopped_then_interrogated(), "svc.handler.returns")
    assert r["verdict"] == "n/a"
    assert "1062" in r["message"] and "INTERROGATE" in r["message"]


def test_handler_returns_counts_only_the_controls_that_reached_it():
    tr = _running()
    tr.ctl_control(100, INTERROGATE, elapsed_ms=1, ok=False, error=1062, delivered=False)
    ctl = tr.ctl_control(200, STOP, elapsed_ms=4)
    tr.status(202, STOPPED)
    end_by_itself(tr, 300)
    r = judged(tr, "svc.handler.returns")
    assert r["verdict"] == "pass" and "(1 in all)" in r["message"]
    assert ctl["seq"] in evidence_seqs(r)
    assert any("not counted" in e.get("note", "") for e in r["evidence"])


def test_handler_returns_a_1053_reached_the_handler():
    tr = _running()
    tr.ctl_control(100, STOP, elapsed_ms=30000, ok=False, error=1053, delivered=False)
    end_by_itself(tr, 40000)
    assert judged(tr, "svc.handler.returns")["verdict"] == "fail"
