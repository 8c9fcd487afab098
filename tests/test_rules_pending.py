"""Pending reports: svc.pending.no-controls, svc.pending.wait-hint, svc.pending.deadline."""
from rules_util import (ACCEPT_STOP, RUNNING, START_PENDING, STOPPED, STOP_PENDING, booted, end_by_itself,
                        evidence_seqs, good_service, judged, rule, timing)


def _straight_to_running():
    tr = booted()
    tr.status(20, RUNNING, controls=ACCEPT_STOP)
    tr.ctl_control(1000, 1)
    tr.status(1001, STOPPED)
    end_by_itself(tr, 1010)
    return tr


# svc.pending.no-controls

def test_no_controls_pass_cites_the_start_pending_reports():
    tr = good_service()
    r = judged(tr, "svc.pending.no-controls")
    assert r["verdict"] == "pass"
    sp = [e["seq"] for e in tr.events if e["ev"] == "status" and e["state"] == START_PENDING]
    assert evidence_seqs(r) == [sp[0], sp[-1]]


def test_no_controls_fail_when_start_pending_accepts_stop():
    tr = good_service()
    sp = [e for e in tr.events if e["ev"] == "status" and e["state"] == START_PENDING][1]
    sp["controls"] = ACCEPT_STOP
    r = judged(tr, "svc.pending.no-controls")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [sp["seq"]]
    assert r["evidence"][0]["controls"] == 1


def test_no_controls_not_applicable_without_start_pending():
    assert rule(_straight_to_running().judge(), "svc.pending.no-controls")["verdict"] == "n/a"


# svc.pending.wait-hint

def _zero_hint_then(next_after, state=START_PENDING, next_state=RUNNING):
    tr = booted()
    if state == START_PENDING:
        zero = tr.status(20, START_PENDING, checkpoint=1, wait_hint=0)
        nxt = tr.status(20 + next_after, next_state, controls=ACCEPT_STOP if next_state == RUNNING else 0)
        tr.stop_cleanly(5000)
    else:
        tr.status(20, RUNNING, controls=ACCEPT_STOP)
        tr.ctl_control(1000, 1)
        zero = tr.status(1002, STOP_PENDING, checkpoint=1, wait_hint=0)
        nxt = tr.status(1002 + next_after, STOPPED)
        tr.process_exit(1002 + next_after + 10)
        tr.end(1002 + next_after + 20)
    return tr, zero, nxt


def test_wait_hint_pass_cites_the_pending_reports():
    tr = good_service()
    r = judged(tr, "svc.pending.wait-hint")
    assert r["verdict"] == "pass"
    assert all(e["wait_hint"] > 0 for e in r["evidence"])


def test_zero_hint_followed_exactly_at_the_slack_is_a_warn():
    tr, zero, nxt = _zero_hint_then(250)
    r = judged(tr, "svc.pending.wait-hint")
    assert r["verdict"] == "warn"
    t = timing(r)
    assert (t["measured_ms"], t["threshold_ms"], t["margin_ms"]) == (250, 250, 0)
    assert (t["from_seq"], t["to_seq"]) == (zero["seq"], nxt["seq"])


def test_zero_hint_followed_one_ms_after_the_slack_fails():
    tr, zero, nxt = _zero_hint_then(251)
    r = judged(tr, "svc.pending.wait-hint")
    assert r["verdict"] == "fail"
    t = timing(r)
    assert (t["measured_ms"], t["margin_ms"]) == (251, -1)
    assert evidence_seqs(r)[:2] == [zero["seq"], nxt["seq"]]


def test_zero_hint_in_stop_pending_fails_when_the_stop_is_long():
    tr, zero, nxt = _zero_hint_then(1000, state=STOP_PENDING)
    r = judged(tr, "svc.pending.wait-hint")
    assert r["verdict"] == "fail"
    assert timing(r)["measured_ms"] == 1000
    assert "STOP_PENDING" in r["message"]


def test_slack_follows_the_config():
    tr, _, _ = _zero_hint_then(251)
    r = rule(tr.judge({"thresholds": {"wait_hint_slack_ms": 300}}), "svc.pending.wait-hint")
    assert r["verdict"] == "warn"
    assert timing(r)["threshold_ms"] == 300


def _zero_hint_last(end_after, reason="deadline", exits=False):
    tr = booted()
    zero = tr.status(20, START_PENDING, checkpoint=1, wait_hint=0)
    if exits:
        tr.process_exit(20 + end_after, how="crash")
        tr.end(20 + end_after + 5)
    else:
        tr.end(20 + end_after, reason=reason)
    return tr, zero


def test_zero_hint_as_the_last_report_before_a_short_cut_is_an_error():
    tr, _ = _zero_hint_last(100)
    r = judged(tr, "svc.pending.wait-hint")
    assert r["verdict"] == "error"
    assert "deadline" in r["message"]


def test_zero_hint_as_the_last_report_of_a_long_watch_fails():
    tr, zero = _zero_hint_last(300)
    r = judged(tr, "svc.pending.wait-hint")
    assert r["verdict"] == "fail"
    assert timing(r)["measured_ms"] == 300
    assert "end of the watch" in timing(r)["note"]


def test_zero_hint_then_a_quick_process_end_is_a_warn():
    tr, _ = _zero_hint_last(100, exits=True)
    assert judged(tr, "svc.pending.wait-hint")["verdict"] == "warn"


def test_wait_hint_not_applicable_without_pending_reports():
    assert rule(_straight_to_running().judge(), "svc.pending.wait-hint")["verdict"] == "n/a"


# svc.pending.deadline

def _progress_after(gap, hint=1000):
    tr = booted()
    a = tr.status(20, START_PENDING, checkpoint=1, wait_hint=hint)
    b = tr.status(20 + gap, START_PENDING, checkpoint=2, wait_hint=hint)
    tr.status(20 + gap + 10, RUNNING, controls=ACCEPT_STOP)
    tr.stop_cleanly(20 + gap + 1000)
    return tr, a, b


def test_deadline_pass_exactly_at_hint_plus_slack():
    tr, a, b = _progress_after(1250)
    r = judged(tr, "svc.pending.deadline")
    assert r["verdict"] == "pass"
    t = timing(r)
    assert (t["measured_ms"], t["threshold_ms"], t["margin_ms"]) == (1250, 1250, 0)
    assert (t["from_seq"], t["to_seq"]) == (a["seq"], b["seq"])


def test_deadline_fail_one_ms_after_hint_plus_slack():
    tr, a, b = _progress_after(1251)
    r = judged(tr, "svc.pending.deadline")
    assert r["verdict"] == "fail"
    t = timing(r)
    assert (t["measured_ms"], t["threshold_ms"], t["margin_ms"]) == (1251, 1250, -1)
    assert evidence_seqs(r) == [a["seq"], b["seq"]]


def test_deadline_repeating_a_checkpoint_is_not_progress():
    tr = booted()
    a = tr.status(20, START_PENDING, checkpoint=1, wait_hint=1000)
    tr.status(1000, START_PENDING, checkpoint=1, wait_hint=1000)
    run = tr.status(1300, RUNNING, controls=ACCEPT_STOP)
    tr.stop_cleanly(3000)
    r = judged(tr, "svc.pending.deadline")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [a["seq"], run["seq"]]
    assert timing(r)["measured_ms"] == 1280


def test_deadline_stop_pending_too_long():
    tr = booted()
    tr.status(20, RUNNING, controls=ACCEPT_STOP)
    tr.ctl_control(1000, 1)
    sp = tr.status(1002, STOP_PENDING, tid=11, checkpoint=1, wait_hint=500)
    stopped = tr.status(1803, STOPPED)
    end_by_itself(tr, 1810)
    r = judged(tr, "svc.pending.deadline")
    assert r["verdict"] == "fail"
    assert (timing(r)["from_seq"], timing(r)["to_seq"]) == (sp["seq"], stopped["seq"])
    assert timing(r)["margin_ms"] == -51


def test_deadline_last_report_past_its_deadline_at_the_trace_end_fails():
    tr = booted()
    sp = tr.status(20, START_PENDING, checkpoint=1, wait_hint=1000)
    end = tr.end(5000, reason="deadline")
    r = judged(tr, "svc.pending.deadline")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [sp["seq"], end["seq"]]
    assert timing(r)["measured_ms"] == 4980
    assert "lower bound" in timing(r)["note"]


def test_deadline_last_report_cut_before_its_deadline_is_an_error():
    tr = booted()
    tr.status(20, START_PENDING, checkpoint=1, wait_hint=10000)
    tr.end(5000, reason="deadline")
    r = judged(tr, "svc.pending.deadline")
    assert r["verdict"] == "error"
    assert "unknown" in r["message"]


def test_deadline_a_crash_within_the_hint_is_not_a_stall():
    tr = booted()
    tr.status(20, START_PENDING, checkpoint=1, wait_hint=1000)
    end_by_itself(tr, 500, how="crash")
    r = judged(tr, "svc.pending.deadline")
    assert r["verdict"] == "pass"
    assert "process ended" in r["message"]
    assert (timing(r)["measured_ms"], timing(r)["threshold_ms"], timing(r)["margin_ms"]) == (480, 1250, 770)


def test_deadline_a_harness_kill_within_the_hint_is_an_error():
    tr = booted()
    tr.status(20, START_PENDING, checkpoint=1, wait_hint=1000)
    end_by_itself(tr, 500, how="killed")
    assert judged(tr, "svc.pending.deadline")["verdict"] == "error"


def test_deadline_pass_names_the_tightest_report():
    tr = good_service()
    r = judged(tr, "svc.pending.deadline")
    assert r["verdict"] == "pass"
    stop_pending = [e for e in tr.events if e["ev"] == "status" and e["state"] == STOP_PENDING][0]
    t = timing(r)
    assert t["from_seq"] == stop_pending["seq"]
    assert (t["measured_ms"], t["threshold_ms"], t["margin_ms"]) == (298, 2250, 1952)


def test_deadline_not_applicable_without_pending_reports():
    assert rule(_straight_to_running().judge(), "svc.pending.deadline")["verdict"] == "n/a"
