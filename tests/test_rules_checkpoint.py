"""Checkpoints: svc.checkpoint.monotonic and svc.checkpoint.progress-only (the ticker-thread pattern)."""
from rules_util import (ACCEPT_STOP, MAIN, RUNNING, SM, START_PENDING, STOPPED, STOP_PENDING, WORKER, booted,
                        end_by_itself, evidence_seqs, good_service, judged, rule)


def _phase(checkpoints, state=START_PENDING):
    """START_PENDING (or, after RUNNING and a STOP, STOP_PENDING) reports with the given checkpoints."""
    tr = booted()
    sts = []
    if state == START_PENDING:
        for i, cp in enumerate(checkpoints):
            sts.append(tr.status(20 + 100 * i, START_PENDING, checkpoint=cp, wait_hint=1000))
        tr.status(20 + 100 * len(checkpoints), RUNNING, controls=ACCEPT_STOP)
        tr.stop_cleanly(3000)
    else:
        tr.status(20, RUNNING, controls=ACCEPT_STOP)
        tr.ctl_control(1000, 1)
        for i, cp in enumerate(checkpoints):
            sts.append(tr.status(1002 + 100 * i, STOP_PENDING, tid=MAIN, checkpoint=cp, wait_hint=1000))
        tr.status(1002 + 100 * len(checkpoints), STOPPED)
        end_by_itself(tr, 3000)
    return tr, sts


# svc.checkpoint.monotonic

def test_monotonic_pass_cites_the_phase():
    tr, sts = _phase([1, 2, 3])
    r = judged(tr, "svc.checkpoint.monotonic")
    assert r["verdict"] == "pass"
    assert evidence_seqs(r) == [sts[0]["seq"], sts[2]["seq"]]
    assert "2 in all" in r["message"]


def test_monotonic_fail_when_the_checkpoint_goes_down():
    tr, sts = _phase([1, 3, 2])
    r = judged(tr, "svc.checkpoint.monotonic")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [sts[1]["seq"], sts[2]["seq"]]
    assert [e["checkpoint"] for e in r["evidence"]] == [3, 2]


def test_monotonic_warn_on_a_repeated_checkpoint():
    tr, sts = _phase([1, 2, 2])
    r = judged(tr, "svc.checkpoint.monotonic")
    assert r["verdict"] == "warn"
    assert evidence_seqs(r) == [sts[1]["seq"], sts[2]["seq"]]


def test_monotonic_fail_outranks_warn():
    tr, _ = _phase([1, 1, 0])
    assert judged(tr, "svc.checkpoint.monotonic")["verdict"] == "fail"


def test_monotonic_judges_stop_pending_too():
    tr, sts = _phase([3, 2], state=STOP_PENDING)
    r = judged(tr, "svc.checkpoint.monotonic")
    assert r["verdict"] == "fail"
    assert "STOP_PENDING" in r["message"]


def test_monotonic_phases_are_judged_apart():
    tr = booted()
    tr.status(20, START_PENDING, checkpoint=5, wait_hint=1000)
    tr.status(100, RUNNING, controls=ACCEPT_STOP)
    tr.ctl_control(1000, 1)
    tr.status(1002, STOP_PENDING, tid=MAIN, checkpoint=1, wait_hint=1000)
    tr.status(1100, STOPPED)
    end_by_itself(tr, 1110)
    r = judged(tr, "svc.checkpoint.monotonic")
    assert r["verdict"] == "n/a"


def test_monotonic_good_service_passes():
    assert rule(good_service().judge(), "svc.checkpoint.monotonic")["verdict"] == "pass"


# svc.checkpoint.progress-only

def _ticker(wait_from=18, wait_to=1500, running_tid=SM, init_waits=True):
    """A ticker thread raises the checkpoint every 500 ms while the ServiceMain thread waits."""
    tr = booted()
    w = tr.wait(wait_from, wait_to, tid=SM) if init_waits else None
    ticks = [tr.status(20 + 500 * i, START_PENDING, tid=WORKER, checkpoint=i + 1, wait_hint=1000) for i in range(3)]
    if wait_to is not None:
        tr.status(max(wait_to, 1100) + 1, RUNNING, tid=running_tid, controls=ACCEPT_STOP)
        tr.stop_cleanly(3000)
    else:
        tr.end(5000, reason="deadline")
    return tr, w, ticks


def test_progress_pass_when_servicemain_reports_its_own_progress():
    tr = good_service()
    r = judged(tr, "svc.checkpoint.progress-only")
    assert r["verdict"] == "pass"
    assert f"tid {SM}" in r["evidence"][0]["note"]


def test_progress_fail_ticker_while_the_init_thread_is_blocked():
    tr, w, ticks = _ticker()
    r = judged(tr, "svc.checkpoint.progress-only")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [w["seq"], ticks[0]["seq"], ticks[2]["seq"]]
    assert r["evidence"][0]["t_end"] == 1500
    assert f"tid {SM}" in r["evidence"][0]["note"]
    assert "from 1 to 3" in r["message"]


def test_progress_fail_ticker_while_the_init_thread_never_wakes():
    tr, w, ticks = _ticker(wait_to=None)
    r = judged(tr, "svc.checkpoint.progress-only")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r)[0] == w["seq"]
    assert "never ended" in r["message"]
    assert "START_PENDING never ended" in r["evidence"][0]["note"]


def test_progress_fail_needs_only_two_rising_reports_inside_one_wait():
    tr, w, ticks = _ticker(wait_from=25)       # begins after the first tick: still covers ticks 2 and 3
    r = judged(tr, "svc.checkpoint.progress-only")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [w["seq"], ticks[1]["seq"], ticks[2]["seq"]]


def test_progress_rising_pair_found_after_a_drop():
    tr, w, ticks = _ticker()
    for tick, cp in zip(ticks, (5, 1, 2)):
        tick["checkpoint"] = cp
    r = judged(tr, "svc.checkpoint.progress-only")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [w["seq"], ticks[1]["seq"], ticks[2]["seq"]]


def test_progress_warn_when_the_wait_spans_only_one_tick():
    tr, w, ticks = _ticker(wait_from=600, wait_to=1100)     # covers only the tick at 1020
    r = judged(tr, "svc.checkpoint.progress-only")
    assert r["verdict"] == "warn"
    assert evidence_seqs(r) == [t["seq"] for t in ticks]
    assert f"thread {WORKER} (3)" in r["message"]


def test_progress_warn_names_every_thread_the_reports_came_from():
    """Issue 11 (8): the reports came from two threads other than the initializing one; both are named, each
    report is cited."""
    tr = booted()
    other = 14
    reps = [tr.status(20, START_PENDING, tid=WORKER, checkpoint=1, wait_hint=1000),
            tr.status(300, START_PENDING, tid=other, checkpoint=2, wait_hint=1000),
            tr.status(600, START_PENDING, tid=WORKER, checkpoint=3, wait_hint=1000)]
    tr.status(900, RUNNING, tid=SM, controls=ACCEPT_STOP)
    tr.stop_cleanly(3000)
    r = judged(tr, "svc.checkpoint.progress-only")
    assert r["verdict"] == "warn"
    assert f"threads {WORKER} (2), {other} (1)" in r["message"]
    assert evidence_seqs(r) == [x["seq"] for x in reps]


def test_progress_the_wake_position_decides_over_the_wake_time():
    tr, w, ticks = _ticker(wait_to=1020)        # woke in the same ms as the last tick ...
    tr.text()
    w["seq_end"] = ticks[2]["seq"] + 1          # ... but after it
    r = judged(tr, "svc.checkpoint.progress-only")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [w["seq"], ticks[0]["seq"], ticks[2]["seq"]]
    tr, w, ticks = _ticker(wait_to=1500)        # woke later by the clock ...
    tr.text()
    w["seq_end"] = ticks[1]["seq"] - 1          # ... but the log shows it before the second tick
    assert judged(tr, "svc.checkpoint.progress-only")["verdict"] == "warn"


def test_progress_warn_ticker_without_proof_of_blocking():
    tr, _, ticks = _ticker(init_waits=False)
    r = judged(tr, "svc.checkpoint.progress-only")
    assert r["verdict"] == "warn"
    assert "3 START_PENDING reports" in r["message"]


def test_progress_short_waits_prove_nothing():
    tr = booted()
    for i in range(10):
        tr.wait(18 + 100 * i, 19 + 100 * i, tid=SM, timeout_ms=1, result="timeout")
    tr.status(20, START_PENDING, tid=WORKER, checkpoint=1, wait_hint=1000)
    tr.status(520, START_PENDING, tid=WORKER, checkpoint=2, wait_hint=1000)
    tr.status(1100, RUNNING, controls=ACCEPT_STOP)
    tr.stop_cleanly(3000)
    assert judged(tr, "svc.checkpoint.progress-only")["verdict"] == "warn"


def test_progress_handed_off_initialization_passes():
    """ServiceMain starts a worker and waits for the stop; the worker initializes and reports."""
    tr = booted()
    tr.status(17, START_PENDING, checkpoint=1, wait_hint=1000)        # before the hand-off
    tr.wait(18, 2004, tid=SM)
    tr.status(20, START_PENDING, tid=WORKER, checkpoint=2, wait_hint=1000)
    tr.status(500, START_PENDING, tid=WORKER, checkpoint=3, wait_hint=1000)
    tr.status(900, RUNNING, tid=WORKER, controls=ACCEPT_STOP)
    tr.stop_cleanly(2000)
    r = judged(tr, "svc.checkpoint.progress-only")
    assert r["verdict"] == "pass"
    assert f"tid {WORKER}" in r["evidence"][0]["note"]


def test_progress_not_applicable_with_one_start_pending():
    tr, _ = _phase([1])
    assert judged(tr, "svc.checkpoint.progress-only")["verdict"] == "n/a"
