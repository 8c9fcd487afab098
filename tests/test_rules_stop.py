"""Stopping: svc.stop.pending, svc.stopped.exit-code, svc.stopped.no-controls, svc.stopped.last."""
from rules_util import (ACCEPT_STOP, CTL, MAIN, RUNNING, SHUTDOWN, SM, STOP, STOPPED, STOP_PENDING, WORKER, ComTrace,
                        Trace, booted, end_by_itself, evidence_seqs, good_service, judged, rule, timing)


def _running():
    tr = booted()
    tr.status(20, RUNNING, controls=ACCEPT_STOP)
    return tr


def _stop(cleanup_ms, pending_after=None, win32_exit=0, specific_exit=0, control=STOP, exit_after=20):
    """STOP (or SHUTDOWN) sent at 2000; STOPPED after cleanup_ms; STOP_PENDING pending_after ms after the request."""
    tr = _running()
    req = tr.ctl_control(2000, control, elapsed_ms=1)
    if pending_after is not None:
        tr.status(2000 + pending_after, STOP_PENDING, tid=MAIN, checkpoint=1, wait_hint=cleanup_ms + 1000)
    stopped = tr.status(2000 + cleanup_ms, STOPPED, win32_exit=win32_exit, specific_exit=specific_exit)
    tr.process_exit(2000 + cleanup_ms + exit_after)
    tr.end(2000 + cleanup_ms + exit_after + 10)
    return tr, req, stopped


# svc.stop.pending

def test_stop_pending_not_needed_for_a_short_stop():
    r = rule(good_service().judge(), "svc.stop.pending")
    assert r["verdict"] == "pass"
    assert (timing(r)["measured_ms"], timing(r)["threshold_ms"], timing(r)["margin_ms"]) == (300, 1000, 700)


def test_stop_pending_not_needed_exactly_at_the_threshold():
    tr, req, stopped = _stop(1000)
    r = judged(tr, "svc.stop.pending")
    assert r["verdict"] == "pass"
    assert (timing(r)["measured_ms"], timing(r)["margin_ms"]) == (1000, 0)
    assert (timing(r)["from_seq"], timing(r)["to_seq"]) == (req["seq"], stopped["seq"])


def test_stop_pending_missing_one_ms_past_the_threshold_fails():
    tr, req, stopped = _stop(1001)
    r = judged(tr, "svc.stop.pending")
    assert r["verdict"] == "fail"
    assert (timing(r)["measured_ms"], timing(r)["margin_ms"]) == (1001, -1)
    assert evidence_seqs(r) == [req["seq"], stopped["seq"]]


def test_stop_pending_reported_in_time_for_a_long_stop_passes():
    tr, req, _ = _stop(3000, pending_after=2)
    r = judged(tr, "svc.stop.pending")
    assert r["verdict"] == "pass"
    assert timing(r)["what"] == "stop request to STOP_PENDING"
    assert timing(r)["measured_ms"] == 2


def test_stop_pending_reported_late_fails():
    tr, _, _ = _stop(3000, pending_after=1500)
    r = judged(tr, "svc.stop.pending")
    assert r["verdict"] == "fail"
    assert (timing(r)["measured_ms"], timing(r)["margin_ms"]) == (1500, -500)


def test_stop_pending_shutdown_counts_as_a_stop():
    tr, _, _ = _stop(3000, control=SHUTDOWN)
    assert judged(tr, "svc.stop.pending")["verdict"] == "fail"


def test_stop_pending_an_error_stop_with_stop_pending_passes():
    tr = _running()
    sp = tr.status(1000, STOP_PENDING, checkpoint=1, wait_hint=5000, win32_exit=5)
    tr.status(4000, STOPPED, win32_exit=5)
    end_by_itself(tr, 4010)
    r = judged(tr, "svc.stop.pending")
    assert r["verdict"] == "pass"
    assert evidence_seqs(r)[0] == sp["seq"]


def test_stop_pending_an_error_stop_without_it_is_not_applicable():
    tr = _running()
    tr.status(4000, STOPPED, win32_exit=5)
    end_by_itself(tr, 4010)
    r = judged(tr, "svc.stop.pending")
    assert r["verdict"] == "n/a"
    assert "not visible" in r["message"]


def test_stop_pending_not_applicable_without_a_stop():
    tr = _running()
    tr.end(3000)
    assert judged(tr, "svc.stop.pending")["verdict"] == "n/a"


def test_stop_pending_stop_never_ending_fails():
    tr = _running()
    tr.ctl_control(2000, STOP, elapsed_ms=1)
    end_by_itself(tr, 6000, how="killed")
    r = judged(tr, "svc.stop.pending")
    assert r["verdict"] == "fail"
    assert timing(r)["measured_ms"] == 4000
    assert "lower bound" in timing(r)["note"]


def test_stop_pending_quick_process_end_after_the_request_passes():
    tr = _running()
    tr.ctl_control(2000, STOP, elapsed_ms=1)
    end_by_itself(tr, 2500)
    r = judged(tr, "svc.stop.pending")
    assert r["verdict"] == "pass"
    assert timing(r)["measured_ms"] == 500


def test_stop_pending_cut_soon_after_the_request_is_an_error():
    tr = _running()
    tr.ctl_control(2000, STOP, elapsed_ms=1)
    tr.end(2500, reason="deadline")
    assert judged(tr, "svc.stop.pending")["verdict"] == "error"


# svc.stopped.exit-code

def test_exit_code_requested_and_zero_passes():
    tr = good_service()
    r = judged(tr, "svc.stopped.exit-code")
    assert r["verdict"] == "pass"
    assert r["evidence"][0]["win32_exit"] == 0
    assert r["evidence"][1]["ev"] == "ctl_control"


def test_exit_code_unrequested_with_zero_fails():
    tr = _running()
    stopped = tr.status(3000, STOPPED)
    end_by_itself(tr, 3010)
    r = judged(tr, "svc.stopped.exit-code")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [stopped["seq"]]
    assert "nobody asked" in r["message"]


def test_exit_code_unrequested_with_an_error_passes():
    tr = _running()
    tr.status(3000, STOPPED, win32_exit=5)
    end_by_itself(tr, 3010)
    assert judged(tr, "svc.stopped.exit-code")["verdict"] == "pass"


def test_exit_code_service_specific_without_a_specific_code_fails():
    tr = _running()
    tr.status(3000, STOPPED, win32_exit=1066, specific_exit=0)
    end_by_itself(tr, 3010)
    r = judged(tr, "svc.stopped.exit-code")
    assert r["verdict"] == "fail"
    assert "1066" in r["message"]
    tr, _, _ = _stop(100, win32_exit=1066, specific_exit=0)
    assert judged(tr, "svc.stopped.exit-code")["verdict"] == "fail"


def test_exit_code_service_specific_with_a_code_passes():
    tr = _running()
    tr.status(3000, STOPPED, win32_exit=1066, specific_exit=42)
    end_by_itself(tr, 3010)
    r = judged(tr, "svc.stopped.exit-code")
    assert r["verdict"] == "pass"
    assert r["evidence"][0]["specific_exit"] == 42


def test_exit_code_requested_but_non_zero_is_a_warn():
    tr, req, stopped = _stop(100, win32_exit=5)
    r = judged(tr, "svc.stopped.exit-code")
    assert r["verdict"] == "warn"
    assert evidence_seqs(r) == [stopped["seq"], req["seq"]]


def test_exit_code_requested_non_zero_repeating_an_earlier_error_passes():
    tr = booted()
    earlier = tr.status(20, RUNNING, controls=ACCEPT_STOP, win32_exit=5)
    tr.ctl_control(2000, STOP, elapsed_ms=1)
    tr.status(2100, STOPPED, win32_exit=5)
    end_by_itself(tr, 2110)
    r = judged(tr, "svc.stopped.exit-code")
    assert r["verdict"] == "pass"
    assert earlier["seq"] in evidence_seqs(r)


def test_exit_code_a_stop_answered_inside_the_handler_is_a_request():
    """The handler reports STOPPED at tick 2000; ControlService's record at 2001 less its 0.6 ms puts the call
    at 2000.4: within the clock's slop, the stop was still asked for."""
    tr = _running()
    tr.status(2000, STOPPED)
    req = tr.ctl_control(2000.4, STOP, elapsed_ms=0.6, delivered=False)
    end_by_itself(tr, 2010)
    r = judged(tr, "svc.stopped.exit-code")
    assert r["verdict"] == "pass"
    assert evidence_seqs(r)[1] == req["seq"]


def test_exit_code_a_stop_sent_after_stopped_is_not_a_request():
    tr = _running()
    tr.status(1000, STOPPED)
    tr.ctl_control(1500, STOP, elapsed_ms=1, delivered=False)
    end_by_itself(tr, 1600)
    assert judged(tr, "svc.stopped.exit-code")["verdict"] == "fail"


def test_exit_code_a_received_stop_is_a_request_without_controller_records():
    tr = _running()
    tr.control_in(1000, STOP)
    tr.status(1001, STOPPED)
    end_by_itself(tr, 1010)
    r = judged(tr, "svc.stopped.exit-code")
    assert r["verdict"] == "pass"
    assert r["evidence"][1]["ev"] == "control_in"


def test_exit_code_dying_without_stopped_fails():
    tr = _running()
    ex = tr.process_exit(3000, code=0xC0000005, how="crash")
    tr.end(3010)
    r = judged(tr, "svc.stopped.exit-code")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [ex["seq"]]


def test_exit_code_seen_only_by_the_controller_still_fails():
    tr = _running()
    ex = tr.ctl_exit(3000, code=1)
    tr.end(3010)
    r = judged(tr, "svc.stopped.exit-code")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [ex["seq"]]


def test_exit_code_killed_by_the_harness_is_an_error():
    tr = _running()
    end_by_itself(tr, 3000, how="killed")
    assert judged(tr, "svc.stopped.exit-code")["verdict"] == "error"


def test_exit_code_not_applicable_when_never_stopped():
    tr = _running()
    tr.end(3000)
    assert judged(tr, "svc.stopped.exit-code")["verdict"] == "n/a"


def test_exit_code_cut_before_the_stop_is_an_error():
    tr = _running()
    tr.end(3000, reason="deadline")
    assert judged(tr, "svc.stopped.exit-code")["verdict"] == "error"


# svc.stopped.no-controls

def test_no_controls_pass_cites_the_stop_reports():
    tr = good_service()
    r = judged(tr, "svc.stopped.no-controls")
    assert r["verdict"] == "pass"
    assert [e["state"] for e in r["evidence"]] == [STOP_PENDING, STOPPED]


def test_no_controls_warn_when_stopped_accepts_stop():
    tr = good_service()
    stopped = [e for e in tr.events if e["ev"] == "status" and e["state"] == STOPPED][0]
    stopped["controls"] = ACCEPT_STOP
    r = judged(tr, "svc.stopped.no-controls")
    assert r["verdict"] == "warn"
    assert evidence_seqs(r) == [stopped["seq"]]


def test_no_controls_warn_when_stop_pending_accepts_stop():
    tr = good_service()
    sp = [e for e in tr.events if e["ev"] == "status" and e["state"] == STOP_PENDING][0]
    sp["controls"] = ACCEPT_STOP
    assert judged(tr, "svc.stopped.no-controls")["verdict"] == "warn"


def test_no_controls_not_applicable_without_stop_reports():
    tr = _running()
    tr.end(3000)
    assert judged(tr, "svc.stopped.no-controls")["verdict"] == "n/a"


# svc.stopped.last

def test_last_pass_for_the_good_service():
    r = rule(good_service().judge(), "svc.stopped.last")
    assert r["verdict"] == "pass"
    assert (timing(r)["measured_ms"], timing(r)["threshold_ms"], timing(r)["margin_ms"]) == (50, 5000, 4950)


def test_last_exit_exactly_at_the_threshold_passes():
    tr, _, stopped = _stop(100, exit_after=5000)
    r = judged(tr, "svc.stopped.last")
    assert r["verdict"] == "pass"
    assert (timing(r)["measured_ms"], timing(r)["margin_ms"]) == (5000, 0)
    assert timing(r)["from_seq"] == stopped["seq"]


def test_last_exit_one_ms_late_fails():
    tr, _, stopped = _stop(100, exit_after=5001)
    r = judged(tr, "svc.stopped.last")
    assert r["verdict"] == "fail"
    assert (timing(r)["measured_ms"], timing(r)["margin_ms"]) == (5001, -1)


def test_last_a_report_after_stopped_fails():
    tr, _, stopped = _stop(100)
    again = tr.status(2101, STOPPED)
    r = judged(tr, "svc.stopped.last")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r)[:2] == [stopped["seq"], again["seq"]]
    assert "still made a service call" in r["message"]


def test_last_a_registration_from_another_thread_after_stopped_fails():
    tr, _, _ = _stop(100)
    late = tr.register(2105, tid=WORKER)
    r = judged(tr, "svc.stopped.last")
    assert r["verdict"] == "fail"
    assert late["seq"] in evidence_seqs(r)


def test_last_a_wait_after_stopped_is_fine():
    tr, _, _ = _stop(100)
    tr.wait(2101, 2110, tid=MAIN)
    assert judged(tr, "svc.stopped.last")["verdict"] == "pass"


def test_last_killed_long_after_stopped_fails():
    tr = _running()
    tr.ctl_control(2000, STOP, elapsed_ms=1)
    tr.status(2010, STOPPED)
    end_by_itself(tr, 10010, how="killed")
    r = judged(tr, "svc.stopped.last")
    assert r["verdict"] == "fail"
    assert timing(r)["measured_ms"] == 8000
    assert "lower bound" in timing(r)["note"]


def test_last_killed_soon_after_stopped_is_an_error():
    tr = _running()
    tr.ctl_control(2000, STOP, elapsed_ms=1)
    tr.status(2010, STOPPED)
    end_by_itself(tr, 3010, how="killed")
    assert judged(tr, "svc.stopped.last")["verdict"] == "error"


def test_last_no_exit_before_the_trace_ends():
    tr = _running()
    tr.ctl_control(2000, STOP, elapsed_ms=1)
    tr.status(2010, STOPPED)
    tr.end(8010, reason="deadline")
    assert judged(tr, "svc.stopped.last")["verdict"] == "fail"
    tr.events[-1]["t"] = 3010
    assert judged(tr, "svc.stopped.last")["verdict"] == "error"


def test_last_the_controller_seeing_the_exit_is_enough():
    tr = _running()
    tr.ctl_control(2000, STOP, elapsed_ms=1)
    tr.status(2010, STOPPED)
    ex = tr.ctl_exit(2100)
    tr.end(2110)
    r = judged(tr, "svc.stopped.last")
    assert r["verdict"] == "pass"
    assert timing(r)["to_seq"] == ex["seq"]


def test_last_a_shared_process_need_not_exit():
    tr = Trace(service_type=0x20)
    tr.boot(10)
    for e in tr.events:
        if e["ev"] == "ctl_install":
            e["service_type"] = 0x20
    tr.status(20, RUNNING, controls=ACCEPT_STOP, type=0x20)
    tr.ctl_control(2000, STOP, elapsed_ms=1)
    tr.status(2010, STOPPED, type=0x20)
    tr.end(10000)
    r = judged(tr, "svc.stopped.last")
    assert r["verdict"] == "pass"
    assert "shares its process" in r["message"]


def test_last_not_applicable_without_stopped():
    tr = _running()
    end_by_itself(tr, 3000, how="crash")
    assert judged(tr, "svc.stopped.last")["verdict"] == "n/a"


# svc.stopped.exit-code: every STOPPED is judged (issue 11, class 3)

def _stopped_twice(first, second):
    """STOP at 2000: the handler and ServiceMain race, each reporting STOPPED with its own code."""
    tr = _running()
    tr.ctl_control(2000, STOP, elapsed_ms=1)
    a = tr.status(2002, STOPPED, tid=MAIN, win32_exit=first)
    b = tr.status(2004, STOPPED, win32_exit=second)
    end_by_itself(tr, 2050)
    return tr, a, b


def test_exit_code_judges_every_stopped_whatever_their_order():
    for first, second in ((0, 0xFFFFFFFF), (0xFFFFFFFF, 0)):
        tr, a, b = _stopped_twice(first, second)
        r = judged(tr, "svc.stopped.exit-code")
        assert r["verdict"] == "warn", (first, second, r["message"])
        bad = a if first else b
        assert f"STOPPED (seq {bad['seq']})" in r["message"]
        assert {a["seq"], b["seq"]} <= set(evidence_seqs(r))


def test_exit_code_pass_names_every_stopped():
    tr, a, b = _stopped_twice(0, 0)
    r = judged(tr, "svc.stopped.exit-code")
    assert r["verdict"] == "pass" and "Each of the 2 STOPPED reports" in r["message"]


# a process that ended by itself before its dispatcher (issue 11, class 4)

def _exits_before_dispatcher(code=2, after=27):
    tr = Trace()
    tr.add("ctl_install", 0, pid=CTL, tid=1, ok=True, error=0, name="svctest", image_path="C:\\svctest.exe",
           service_type=0x10, start_type=3)
    tr.add("process_start", 5, image="C:\\svctest.exe", cmdline="C:\\svctest.exe", parent_pid=7)
    tr.process_exit(5 + after, code=code)
    tr.ctl_start(40, ok=False, error=1053, elapsed_ms=30)
    tr.end(60)
    return tr


def test_exit_code_fails_a_process_that_exited_before_its_dispatcher():
    r = judged(_exits_before_dispatcher(), "svc.stopped.exit-code")
    assert r["verdict"] == "fail", r["message"]
    assert "exit code 2" in r["message"] and "27 ms after its start" in r["message"]


def test_dispatcher_says_the_process_exited_not_that_it_was_late():
    r = judged(_exits_before_dispatcher(), "svc.dispatcher")
    assert r["verdict"] == "fail"
    assert "exited by itself with exit code 2 27 ms after its start" in r["message"]
    assert "in time" not in r["message"] and "1053" in r["message"]


# svc.stopped.no-controls: every offending report is named (issue 11, class 8)

def test_no_controls_names_every_offending_report():
    tr = _running()
    tr.ctl_control(2000, STOP, elapsed_ms=1)
    sp = tr.status(2002, STOP_PENDING, tid=MAIN, controls=ACCEPT_STOP, checkpoint=1, wait_hint=1000)
    st = tr.status(2100, STOPPED, controls=ACCEPT_STOP)
    end_by_itself(tr, 2150)
    r = judged(tr, "svc.stopped.no-controls")
    assert r["verdict"] == "warn"
    assert f"seq {sp['seq']}" in r["message"] and f"seq {st['seq']}" in r["message"]
    assert r["message"].startswith("2 stopping or stopped reports")


# svc.stopped.last: COM activity of other threads after STOPPED (issue 11, class 15; RULES.md)

def _com_stop(revoke_tid, revoke_after=2):
    tr = ComTrace()
    tr.boot(10)
    tr.com_register(15)
    tr.status(20, RUNNING, controls=ACCEPT_STOP)
    tr.ctl_control(2000, STOP, elapsed_ms=1)
    st = tr.status(2002, STOPPED, tid=MAIN)
    rv = tr.com_revoke(2002 + revoke_after, 1, tid=revoke_tid)
    end_by_itself(tr, 2050)
    return tr, st, rv


def test_stopped_last_fails_a_revocation_by_another_thread_after_stopped():
    tr, st, rv = _com_stop(revoke_tid=SM)
    r = judged(tr, "svc.stopped.last")
    assert r["verdict"] == "fail"
    assert f"com_revoke at seq {rv['seq']}, thread {SM}" in r["message"] and "2 ms later" in r["message"]


def test_stopped_last_lets_the_stopping_thread_finish_its_own_call():
    tr, st, rv = _com_stop(revoke_tid=MAIN)
    assert judged(tr, "svc.stopped.last")["verdict"] == "pass"
