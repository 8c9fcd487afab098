"""The command's exit status on saved traces and bad input, without Wine: 1 a rule failed, 3 a rule could
not be judged (and none failed), 2 bad usage or input (a bad line of ref/RUNS too)."""
import os
import ctypes
import json
import subprocess

import pytest

from conftest import REF_RUNS, SVCCERT, ref_runs
from rules_util import LIB_PATH, checkpoint_down, good_service


def judge(tmp_path, trace_text, *opts):
    trace = tmp_path / "saved.jsonl"
    trace.write_text(trace_text)
    r = subprocess.run([str(SVCCERT), "judge", str(trace), "--out", str(tmp_path / "out"), *opts],
                       capture_output=True, text=True, timeout=60)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    return r, {x["verdict"] for x in report["rules"]}


def test_header_only_trace_cut_at_the_deadline_is_unjudged_exit_3(tmp_path, built):
    header = {"ev": "header", "seq": 0, "t": 0, "pid": 0, "tid": 0, "schema": "svccert-trace/1", "source": "wine",
              "candidate": {"path": "C:\\x.exe", "service_name": "x"}, "controller": {}}
    end = {"ev": "end", "seq": 1, "t": 0, "pid": 0, "tid": 0, "reason": "deadline", "events": 1}
    r, verdicts = judge(tmp_path, json.dumps(header) + "\n" + json.dumps(end) + "\n")
    assert "error" in verdicts and "fail" not in verdicts
    assert r.returncode == 3, r.stdout + r.stderr


def test_errors_without_a_failure_exit_3(tmp_path, built):
    r, verdicts = judge(tmp_path, good_service().text())
    assert "error" in verdicts and "fail" not in verdicts
    assert r.returncode == 3


def test_a_failed_rule_exits_1_even_beside_errors(tmp_path, built):
    r, verdicts = judge(tmp_path, checkpoint_down().text())
    assert {"fail", "error"} <= verdicts
    assert r.returncode == 1


def test_bad_config_exits_2_before_anything(tmp_path, built):
    cfg = tmp_path / "c.json"
    cfg.write_text('{"thresholds": {"no_such_threshold_ms": 5}}')
    trace = tmp_path / "t.jsonl"
    trace.write_text(good_service().text())
    r = subprocess.run([str(SVCCERT), "judge", str(trace), "--config", str(cfg), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "no_such_threshold_ms" in r.stderr


@pytest.mark.parametrize("line, says", [
    ("service | check | service | /Service | | |", "expected 8 fields"),
    ("service | check | sideways | /Service | | | | x", "unknown shape 'sideways'"),
    ("service | check,nightly | service | /Service | | | | x", "bad tag 'nightly'"),
    ("service | check | service | /Service | | | --fast | x", "unknown option '--fast'"),
    ("bad name | check | service | | | | | x", "bad run name"),
])
def test_bad_manifest_line_is_one_line_and_exit_2(tmp_path, built, line, says):
    bad = tmp_path / "RUNS"
    bad.write_text("# a comment\n" + line + "\n")
    r = subprocess.run([str(SVCCERT), "check", "--out", str(tmp_path / "o")], capture_output=True, text=True,
                       timeout=30, env=dict(os.environ, SVCCERT_REF_RUNS=str(bad)))
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert lines[0].startswith(f"svccert: {bad}:2: ") and says in lines[0], r.stderr


def test_manifest_has_todays_runs():
    assert list(ref_runs("check")) == ["service", "activation", "register-failure", "embedding", "user"]
    assert sorted(ref_runs("e2e")) == ["fail_init", "fast", "long_init", "no_pause", "running_no_controls",
                                       "slow_stop"]
    assert sorted(ref_runs("lifecycle")) == ["bad_param", "fail_init", "fail_run", "fast", "long_init",
                                             "running_no_controls", "slow_stop", "start_param"]
    assert REF_RUNS.exists()


def _thresholds(config):
    lib = ctypes.CDLL(str(LIB_PATH))
    lib.sc_thresholds_json.restype = ctypes.c_void_p
    lib.sc_thresholds_json.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.sc_free.argtypes = [ctypes.c_void_p]
    err = ctypes.create_string_buffer(256)
    p = lib.sc_thresholds_json(None if config is None else config.encode(), err, len(err))
    if not p:
        return None, err.value.decode()
    text = ctypes.string_at(p).decode()
    lib.sc_free(p)
    return json.loads(text), ""


def test_thresholds_in_force_merge_the_defaults(built):
    t, _ = _thresholds(None)
    assert t["revoke_after_idle_ms"] == 10000 and t["init_threshold_ms"] == 1000
    t, _ = _thresholds('{"thresholds": {"revoke_after_idle_ms": 15000}}')
    assert t["revoke_after_idle_ms"] == 15000 and t["init_threshold_ms"] == 1000
    assert _thresholds("")[0] == _thresholds(None)[0]


def test_thresholds_of_a_bad_config_are_null_with_a_reason(built):
    t, err = _thresholds('{"thresholds": {"revoke_after_idle_ms": -1}}')
    assert t is None and "revoke_after_idle_ms" in err
    t, err = _thresholds("[1")
    assert t is None and err


def test_a_trace_that_exercised_nothing_exits_3_with_its_reason_in_one_line(tmp_path, built):
    """An embedding run that ended with nothing but its header (no server process, no activation): no rule judged
    anything, so it is no pass."""
    header = {"ev": "header", "seq": 0, "t": 0, "pid": 0, "tid": 0, "schema": "svccert-trace/1", "source": "wine",
              "candidate": {"path": "C:\\x.exe"}, "controller": {}, "run": {"shape": "embedding"}}
    end = {"ev": "end", "seq": 1, "t": 0, "pid": 0, "tid": 0, "reason": "complete", "events": 1}
    r, verdicts = judge(tmp_path, json.dumps(header) + "\n" + json.dumps(end) + "\n")
    assert r.returncode == 3, r.stdout + r.stderr
    assert not verdicts & {"pass", "warn"}
    reasons = [line for line in r.stdout.splitlines() if line.startswith("reason: nothing was exercised")]
    assert len(reasons) == 1, r.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["verdict"] == "error" and report["verdict_reason"] == reasons[0][len("reason: "):]
