"""End to end under Wine: the evidence of a verdict points at what happened (issue 11, class 8), and a control that
reached no handler is not counted (class 2): each case runs one kit candidate and reads its report.json."""
import json
import re
import subprocess

import pytest

STOPPED, STOP_PENDING = 1, 3

from conftest import SVCCERT, WIN, run_env

BASE = ["--start-timeout", "10000", "--stop-timeout", "5000", "--pause-timeout", "2000",
        "--exit-timeout", "4000", "--timeout", "90"]


def rules_of(tmp_path, name):
    out = tmp_path / "out"
    r = subprocess.run([str(SVCCERT), "check", str(WIN / "broken" / f"{name}.exe"), "--out", str(out), *BASE],
                       capture_output=True, text=True, timeout=240, env=run_env(tmp_path))
    assert r.returncode in (0, 1), r.stderr
    return {x["id"]: x for x in json.loads((out / "report.json").read_text())["rules"]}


def reports(rule, state=None):
    return [e for e in rule["evidence"] if e.get("ev") == "status" and state in (None, e.get("state"))]


@pytest.mark.wine
def test_stopping_evidence_names_every_report_and_cites_the_control_before_its_answer(tmp_path, built):
    rules = rules_of(tmp_path, "stopped_with_controls")
    # svc.stopped.no-controls: both the STOP_PENDING and the STOPPED that accept STOP, each by its seq
    nc = rules["svc.stopped.no-controls"]
    offending = [e for e in reports(nc) if e.get("controls")]
    assert nc["verdict"] == "warn" and {e["state"] for e in offending} == {STOP_PENDING, STOPPED}, nc
    for e in offending:
        assert f"seq {e['seq']}" in nc["message"], nc["message"]
    # svc.control.reported: the STOP as the service received it comes before its answer, by seq
    cr = rules["svc.control.reported"]
    timing = next(e for e in cr["evidence"] if "from_seq" in e)
    control = next(e for e in cr["evidence"] if e.get("seq") == timing["from_seq"])
    answer = next(e for e in cr["evidence"] if e.get("seq") == timing["to_seq"])
    assert cr["verdict"] == "pass" and control["ev"] == "control_in" and answer["ev"] == "status"
    assert control["seq"] < answer["seq"], cr["evidence"]
    # the controller's record, written after ControlService returned, is cited too, with its send time
    ctl = next(e for e in cr["evidence"] if e.get("ev") == "ctl_control")
    assert ctl["seq"] > answer["seq"] and "note" in ctl, ctl


@pytest.mark.wine
def test_progress_only_names_every_thread_the_start_pending_reports_came_from(tmp_path, built):
    po = rules_of(tmp_path, "handoff_init")["svc.checkpoint.progress-only"]
    assert po["verdict"] == "pass", po
    # ServiceMain's report and the worker's two, from two threads: "threads 13 (1), 14 (2)"
    named = dict(re.findall(r"(\d+) \((\d+)\)", po["message"]))
    assert sorted(named.values()) == ["1", "2"], po["message"]
    assert len(set(named)) == 2, po["message"]


@pytest.mark.wine
def test_an_interrogate_that_found_the_service_stopped_is_no_evidence_for_the_handler(tmp_path, built):
    rules = rules_of(tmp_path, "quits_before_interrogate")
    hr = rules["svc.handler.returns"]
    # the harness did send its INTERROGATE, and it failed with 1062 without reaching any handler
    assert hr["verdict"] == "n/a" and "1062" in hr["message"], hr
    assert rules["svc.stopped.exit-code"]["verdict"] == "pass"
