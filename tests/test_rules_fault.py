"""One fail/error test for every rule: a missing observation fails the candidate only when it had its whole
chance (its process ended by itself, or a complete run); a run cut at the harness's deadline is an error."""
import pytest

from rules_util import ACCEPT_STOP, MAIN, RUNNING, START_PENDING, ComTrace, Trace, cut_at_deadline, end_by_itself, rule


def dispatcher_only():
    """The dispatcher connects, ServiceMain never runs."""
    tr = Trace()
    tr.dispatcher(10)
    tr.add("dispatcher_ready", 11, count=1)
    return tr, 500


def running_without_controls():
    """RUNNING with no controls, never followed by RUNNING with them."""
    tr = Trace()
    tr.boot(10)
    tr.status(20, RUNNING, controls=0)
    return tr, 2000


def started_never_stopped():
    """RUNNING with STOP accepted; no STOPPED ever."""
    tr = Trace()
    tr.boot(10)
    tr.status(20, RUNNING, controls=ACCEPT_STOP)
    return tr, 2000


def com_service_never_running():
    """A COM service registers its class and stays START_PENDING."""
    tr = ComTrace()
    tr.boot(10)
    tr.status(20, START_PENDING, checkpoint=1, wait_hint=30000)
    tr.com_register(40)
    return tr, 2000


def com_service_failed_registration():
    """A COM service whose registration fails reports RUNNING and never stops."""
    tr = ComTrace()
    tr.boot(10)
    tr.com_register(40, result=0x800401F0)
    tr.status(50, RUNNING, controls=ACCEPT_STOP)
    return tr, 2000


def com_exe_failed_registration():
    """An EXE server launched for activation whose registration fails, and which never exits."""
    tr = ComTrace(service_name=None, service_type=None, shape="embedding")
    tr.process_start(10, cmdline="C:\\\\test\\\\svctest.exe -Embedding")
    tr.com_register(50, tid=MAIN, result=0x800401F0)
    return tr, 2000


# (rule, story, verdict when the process ended by itself, verdict when the deadline cut the run)
CASES = [
    ("svc.dispatcher", dispatcher_only, "fail", "error"),
    ("svc.running.controls", running_without_controls, "fail", "error"),
    ("svc.stopped.exit-code", started_never_stopped, "fail", "error"),
    ("svc.stopped.last", started_never_stopped, "n/a", "error"),
    ("atl.run.order", com_service_never_running, "n/a", "error"),
    ("com.runas.identity", com_service_failed_registration, "fail", "error"),
    ("com.runas.identity", com_exe_failed_registration, "fail", "error"),
]
IDS = [f"{c[0]}-{c[1].__name__}" for c in CASES]


@pytest.mark.parametrize("rule_id, story, natural, cut", CASES, ids=IDS)
def test_a_run_cut_at_the_deadline_is_an_error(rule_id, story, natural, cut):
    tr, t = story()
    cut_at_deadline(tr, t)
    r = rule(tr.judge(), rule_id)
    assert r["verdict"] == cut, r
    assert "deadline" in r["message"] or r["verdict"] != "error", r


@pytest.mark.parametrize("rule_id, story, natural, cut", CASES, ids=IDS)
def test_a_run_the_process_ended_by_itself_is_the_candidates(rule_id, story, natural, cut):
    tr, t = story()
    end_by_itself(tr, t, code=0)
    assert rule(tr.judge(), rule_id)["verdict"] == natural


@pytest.mark.parametrize("story", [dispatcher_only, running_without_controls, started_never_stopped,
                                   com_service_never_running, com_service_failed_registration,
                                   com_exe_failed_registration])
def test_no_rule_fails_a_run_cut_before_anything_was_due(story):
    """The same cut run never gets fail from one rule and error from another for the same absence."""
    tr, t = story()
    cut_at_deadline(tr, t)
    res = tr.judge()
    untimed = [r for r in res["rules"] if r["verdict"] == "fail" and
               not any("measured_ms" in e for e in r["evidence"])]
    assert not untimed, untimed


def test_a_deadline_cut_after_the_limit_still_fails_a_timing_rule():
    """A watch that outlasted a rule's limit proves lateness whatever came after: fail, with a lower bound."""
    tr = Trace()
    tr.boot(10, register=False)
    cut_at_deadline(tr, 5000)
    r = rule(tr.judge(), "svc.handler.immediate")
    assert r["verdict"] == "fail"
    assert any("lower bound" in e.get("note", "") for e in r["evidence"])


def test_stopped_never_reported_by_a_process_killed_at_the_end_of_a_complete_run_is_an_error():
    """STOPPED is owed at the process's own end; a kill took that end away."""
    tr, _ = started_never_stopped()
    tr.process_exit(2000, code=1, how="killed")
    tr.end(2100)
    assert rule(tr.judge(), "svc.stopped.exit-code")["verdict"] == "error"


# an EXE server's exit code 0 after a failed registration is an observation, not an absence: it fails either way
ABSENCES = [c for c in CASES if c[1] is not com_exe_failed_registration]


@pytest.mark.parametrize("rule_id, story, natural, cut", ABSENCES, ids=[f"{c[0]}-{c[1].__name__}" for c in ABSENCES])
def test_a_lost_log_is_the_runs_even_when_the_process_ended_by_itself(rule_id, story, natural, cut):
    """What is missing may be in the part of the log that was lost."""
    tr, t = story()
    tr.harness(t - 5, "log_truncated", "the raw log ended early")
    end_by_itself(tr, t, code=0)
    assert rule(tr.judge(), rule_id)["verdict"] == "error"
