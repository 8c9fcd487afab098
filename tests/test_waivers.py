"""Waivers (the config's per-rule policy, applied after judging): sc_waive through ctypes on synthetic traces,
`svccert judge --config` on saved ones, and a broken candidate under Wine with its failing rule downgraded."""
import ctypes
import hashlib
import json
import os
import subprocess

import pytest

from conftest import SVCCERT, WIN, run_env
from rules_util import (ACCEPT_SHUTDOWN, ACCEPT_STOP, ALL_HOOKS, CTL, LIB, RUNNING, START_PENDING, Trace, _config_bytes,
                        _take, judge_files, judge_text, rule)

LIB.sc_waive.restype = ctypes.c_void_p
LIB.sc_waive.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                         ctypes.c_size_t]

RULE = "svc.checkpoint.monotonic"
REASON = "vendor fix due in 2.1 (TICKET-42)"
SHA = "ab" * 32
OTHER = "cd" * 32


def service(checkpoints=(2, 1)):
    """A service whose only fault, with checkpoints (2, 1), is svc.checkpoint.monotonic: every other rule passes
    or is n/a (the source records COM too, and the candidate did none)."""
    tr = Trace()
    tr.header["hooks"] = list(ALL_HOOKS)
    tr.boot(10)
    tr.add("com_registry", 5, pid=CTL, tid=CTL, when="after_register", classes=[], appids=[], exe_appids=[],
           services=[])
    tr.status(20, START_PENDING, checkpoint=checkpoints[0], wait_hint=3000)
    tr.status(400, START_PENDING, checkpoint=checkpoints[1], wait_hint=3000)
    tr.status(800, RUNNING, controls=ACCEPT_STOP | ACCEPT_SHUTDOWN)
    tr.stop_cleanly(2000)
    return tr


def waiver(policy="downgrade", rule_id=RULE, reason=REASON, **kw):
    return dict(rule=rule_id, policy=policy, reason=reason, **kw)


def waive(result, config, sha=None, today="2026-06-01"):
    """sc_waive on a result dict; returns (waived result or None, error text)."""
    err = ctypes.create_string_buffer(512)
    res = _take(LIB.sc_waive(json.dumps(result).encode() if result is not None else None, _config_bytes(config),
                             sha.encode() if sha else None, today.encode() if today else None, err, len(err)))
    return res, err.value.decode()


def judged_and_waived(config, tr=None, **kw):
    tr = tr or service()
    res = tr.judge(config)
    out, err = waive(res, config, **kw)
    assert out is not None, err
    return res, out


def test_the_candidate_fails_one_rule_without_a_waiver():
    res = service().judge()
    assert rule(res, RULE)["verdict"] == "fail"
    assert res["counts"] == {"pass": 17, "fail": 1, "warn": 0, "n/a": 11, "error": 0}, res["counts"]
    assert res["verdict"] == "fail"


def test_downgrade_makes_the_fail_a_warn_and_keeps_the_original():
    cfg = {"waivers": [waiver()]}
    before, res = judged_and_waived(cfg)
    # judging alone does not apply the waiver: it needs the candidate's hash and the day
    assert rule(before, RULE)["verdict"] == "fail" and "waiver" not in rule(before, RULE)
    r = rule(res, RULE)
    assert (r["verdict"], r["original_verdict"]) == ("warn", "fail")
    assert r["waiver"] == {"policy": "downgrade", "reason": REASON}
    assert r["message"] == rule(before, RULE)["message"] and r["evidence"] == rule(before, RULE)["evidence"]
    assert res["counts"] == {"pass": 17, "fail": 0, "warn": 1, "n/a": 11, "error": 0}
    assert res["verdict"] == "pass"
    assert res["waivers"] == [dict(waiver(), status="applied")]
    assert res["waivers_date"] == "2026-06-01"
    # no other rule carries a waiver
    assert [x["id"] for x in res["rules"] if "waiver" in x or "original_verdict" in x] == [RULE]


def test_a_downgraded_warn_still_fails_under_strict():
    _, res = judged_and_waived({"strict": True, "waivers": [waiver()]})
    assert rule(res, RULE)["verdict"] == "warn" and res["verdict"] == "fail"


def test_ignore_takes_the_rule_out_of_the_count():
    _, res = judged_and_waived({"strict": True, "waivers": [waiver("ignore")]})
    r = rule(res, RULE)
    assert (r["verdict"], r["original_verdict"], r["waiver"]["policy"]) == ("n/a", "fail", "ignore")
    assert res["counts"] == {"pass": 17, "fail": 0, "warn": 0, "n/a": 12, "error": 0}
    assert res["verdict"] == "pass"


def test_downgrade_leaves_a_pass_a_pass_and_says_the_waiver_is_in_force():
    _, res = judged_and_waived({"waivers": [waiver()]}, tr=service((1, 2)))
    r = rule(res, RULE)
    assert (r["verdict"], r["original_verdict"], res["verdict"]) == ("pass", "pass", "pass")
    assert res["waivers"][0]["status"] == "applied"


def test_a_waiver_keeps_its_limits_in_the_rule():
    w = waiver(sha256=SHA.upper(), expires="2026-06-01")
    _, res = judged_and_waived({"waivers": [w]}, sha=SHA)
    r = rule(res, RULE)
    assert r["waiver"] == {"policy": "downgrade", "reason": REASON, "sha256": SHA.upper(), "expires": "2026-06-01"}
    assert r["verdict"] == "warn"


@pytest.mark.parametrize("today, applied", [("2026-06-01", True), ("2026-06-02", False), ("2025-12-31", True)])
def test_a_waiver_holds_through_its_expiry_day(today, applied):
    _, res = judged_and_waived({"waivers": [waiver(expires="2026-06-01")]}, today=today)
    r = rule(res, RULE)
    assert r["verdict"] == ("warn" if applied else "fail")
    assert res["verdict"] == ("pass" if applied else "fail")
    entry = res["waivers"][0]
    if applied:
        assert entry["status"] == "applied" and "note" not in entry and "waiver_note" not in r
    else:
        assert entry["status"] == "expired"
        assert "expired on 2026-06-01" in entry["note"] and today in entry["note"]
        assert r["waiver_note"] == entry["note"] and "waiver" not in r and "original_verdict" not in r


@pytest.mark.parametrize("sha, status", [(SHA, "applied"), (OTHER, "other-candidate"), (None, "candidate-unknown")])
def test_a_waiver_for_one_candidate_holds_for_that_one_only(sha, status):
    _, res = judged_and_waived({"waivers": [waiver(sha256=SHA)]}, sha=sha)
    assert res["waivers"][0]["status"] == status
    assert rule(res, RULE)["verdict"] == ("warn" if status == "applied" else "fail")
    if status != "applied":
        assert SHA in res["waivers"][0]["note"] and "not applied" in rule(res, RULE)["waiver_note"]


def test_the_first_waiver_in_force_for_a_rule_applies():
    cfg = {"waivers": [waiver("ignore", sha256=OTHER), waiver("downgrade"), waiver("ignore", reason="later")]}
    _, res = judged_and_waived(cfg, sha=SHA)
    assert [w["status"] for w in res["waivers"]] == ["other-candidate", "applied", "superseded"]
    r = rule(res, RULE)
    assert r["verdict"] == "warn" and r["waiver"]["policy"] == "downgrade"
    assert "earlier waiver" in r["waiver_note"] and OTHER in r["waiver_note"]


def test_several_runs_each_follow_the_waiver(tmp_path):
    bad, good = tmp_path / "bad.jsonl", tmp_path / "good.jsonl"
    bad.write_text(service().text())
    good.write_text(service((1, 2)).text())
    cfg = {"waivers": [waiver()]}
    res, err = judge_files([good, bad], cfg)
    assert res["runs"][1]["verdict"] == "fail", err
    out, err = waive(res, cfg)
    assert out is not None, err
    r = rule(out, RULE)
    assert (r["verdict"], r["original_verdict"]) == ("warn", "fail")
    assert [(x["verdict"], x["original_verdict"]) for x in r["runs"]] == [("pass", "pass"), ("warn", "fail")]
    assert out["runs"][1]["verdict"] == "pass"
    assert out["runs"][1]["counts"] == {"pass": 17, "fail": 0, "warn": 1, "n/a": 11, "error": 0}
    assert out["runs"][0]["counts"] == res["runs"][0]["counts"]
    assert out["verdict"] == "pass" and out["counts"]["warn"] == 1


def test_without_waivers_the_result_says_so_and_changes_nothing():
    res = service().judge()
    out, err = waive(res, None)
    assert out["waivers"] == [] and "waivers_date" not in out, err
    del out["waivers"]
    assert out == res


@pytest.mark.parametrize("result, sha, today, says", [
    ({"verdict": "pass"}, None, "2026-01-01", "not one of"),
    ({"rules": []}, None, "2026-01-01", "no rule " + RULE),
    (None, None, "2026-01-01", "not one of"),
    ("judged", "xyz", "2026-01-01", "64 hex"),
    ("judged", None, "2026-13-01", "today"),
    ("waived", None, "2026-01-01", "already"),
])
def test_sc_waive_refuses_bad_arguments(result, sha, today, says):
    res = service().judge()
    if result == "judged":
        result = res
    elif result == "waived":
        result, _ = waive(res, {"waivers": [waiver()]})
    out, err = waive(result, {"waivers": [waiver()]}, sha=sha, today=today)
    assert out is None and says in err, err


@pytest.mark.parametrize("waivers, says", [
    ([waiver(rule_id="svc.no-such-rule")], 'unknown rule "svc.no-such-rule"'),
    ([{"policy": "ignore", "reason": "r"}], '"rule"'),
    ([waiver(reason="")], '"reason"'),
    ([waiver(reason="   ")], '"reason"'),
    ([waiver(reason="two\nlines")], '"reason"'),
    ([{"rule": RULE, "policy": "ignore"}], '"reason"'),
    ([waiver(policy="skip")], '"policy"'),
    ([waiver(expires="2027-02-29")], '"expires"'),
    ([waiver(expires="2027-3-31")], '"expires"'),
    ([waiver(expires=20270331)], '"expires"'),
    ([waiver(sha256=SHA[:-1])], '"sha256"'),
    ([waiver(sha256="g" * 64)], '"sha256"'),
    ([dict(waiver(), until="2027-01-01")], '"until"'),
    ([waiver(), "svc.dispatcher"], "waiver 2"),
    ({"rule": RULE}, '"waivers" must be an array'),
])
def test_a_bad_waiver_refuses_the_config(waivers, says):
    res, err = judge_text(service().text(), {"waivers": waivers})
    assert res is None and says in err, err
    assert "\n" not in err


def test_a_leap_day_is_a_date():
    res = service().judge({"waivers": [waiver(expires="2028-02-29")]})
    assert res is not None


# --- the command: svccert judge --config

def cli_judge(tmp_path, config, tr=None, env=None, name="o"):
    trace = tmp_path / "saved.jsonl"
    trace.write_text((tr or service()).text())
    cfg = tmp_path / "waivers.json"
    cfg.write_text(json.dumps(config))
    r = subprocess.run([str(SVCCERT), "judge", str(trace), "--config", str(cfg), "--out", str(tmp_path / name)],
                       capture_output=True, text=True, timeout=60, env=dict(os.environ, **(env or {})))
    report = tmp_path / name / "report.json"
    return r, json.loads(report.read_text()) if report.exists() else None


def test_judge_downgrades_and_shows_the_waiver(tmp_path, built):
    r, report = cli_judge(tmp_path, {"waivers": [waiver()]})
    assert r.returncode == 0, r.stdout + r.stderr
    x = rule(report, RULE)
    assert (x["verdict"], x["original_verdict"], x["waiver"]["reason"]) == ("warn", "fail", REASON)
    assert report["verdict"] == "pass" and report["counts"]["fail"] == 0
    assert report["waivers"][0]["status"] == "applied" and len(report["waivers_date"]) == 10
    line = next(l for l in r.stdout.splitlines() if RULE in l)
    assert line.split()[0] == "warn" and f"[waived: downgrade, was fail: {REASON}]" in line
    assert "; 1 waived)" in next(l for l in r.stdout.splitlines() if l.startswith("verdict: "))


def test_judge_without_the_waiver_fails(tmp_path, built):
    r, report = cli_judge(tmp_path, {})
    assert r.returncode == 1 and report["waivers"] == [] and "waived" not in r.stdout


def test_judge_reads_today_from_svccert_today(tmp_path, built):
    cfg = {"waivers": [waiver(expires="2026-06-01")]}
    r, report = cli_judge(tmp_path, cfg, env={"SVCCERT_TODAY": "2026-06-02"})
    assert r.returncode == 1 and report["waivers"][0]["status"] == "expired"
    assert report["waivers_date"] == "2026-06-02"
    assert f"waiver for {RULE} (expired): the waiver expired on 2026-06-01" in r.stdout
    r, report = cli_judge(tmp_path, cfg, env={"SVCCERT_TODAY": "2026-06-01"}, name="o2")
    assert r.returncode == 0 and report["waivers"][0]["status"] == "applied"


def test_judge_refuses_a_bad_svccert_today(tmp_path, built):
    r, report = cli_judge(tmp_path, {"waivers": [waiver()]}, env={"SVCCERT_TODAY": "tomorrow"})
    assert r.returncode == 2 and report is None
    assert r.stderr.count("\n") == 1 and "SVCCERT_TODAY" in r.stderr


def test_judge_matches_the_candidates_hash(tmp_path, built):
    cand = tmp_path / "cand.exe"
    cand.write_bytes(b"MZ not really a program")
    sha = hashlib.sha256(cand.read_bytes()).hexdigest()
    tr = service()
    tr.header["candidate"]["path"] = str(cand)
    r, report = cli_judge(tmp_path, {"waivers": [waiver(sha256=OTHER), waiver("ignore", sha256=sha)]}, tr=tr)
    assert report["candidate"]["sha256"] == sha
    assert [w["status"] for w in report["waivers"]] == ["other-candidate", "applied"]
    assert rule(report, RULE)["verdict"] == "n/a" and r.returncode == 0


def test_judge_refuses_an_unknown_rule_in_one_line(tmp_path, built):
    r, report = cli_judge(tmp_path, {"waivers": [waiver(rule_id="svc.pending.wait_hint")]})
    assert r.returncode == 2 and report is None
    assert r.stderr.count("\n") == 1 and 'unknown rule "svc.pending.wait_hint"' in r.stderr


# --- under Wine: a broken candidate with its failing rule downgraded

@pytest.mark.wine
def test_a_broken_candidate_passes_with_its_rule_downgraded(tmp_path, built):
    cand = WIN / "broken" / "checkpoint_down.exe"
    cfg = tmp_path / "waivers.json"
    sha = hashlib.sha256(cand.read_bytes()).hexdigest()
    cfg.write_text(json.dumps({"waivers": [waiver(sha256=sha, expires="2099-12-31")]}))
    out = tmp_path / "out"
    r = subprocess.run([str(SVCCERT), "check", str(cand), "--out", str(out), "--config", str(cfg),
                        "--start-timeout", "10000", "--stop-timeout", "5000", "--exit-timeout", "4000",
                        "--timeout", "90"], capture_output=True, text=True, timeout=240, env=run_env(tmp_path))
    report = json.loads((out / "report.json").read_text())
    x = rule(report, RULE)
    assert (x["verdict"], x["original_verdict"]) == ("warn", "fail"), json.dumps(x, indent=1)
    assert x["waiver"] == {"policy": "downgrade", "reason": REASON, "sha256": sha, "expires": "2099-12-31"}
    bad = {y["id"]: y["verdict"] for y in report["rules"] if y["verdict"] not in ("pass", "n/a") and y["id"] != RULE}
    assert not bad, bad
    assert report["verdict"] == "pass" and report["counts"]["fail"] == 0 and report["counts"]["warn"] == 1
    assert r.returncode == 0, r.stdout + r.stderr
    line = next(l for l in r.stdout.splitlines() if RULE in l)
    assert line.split()[0] == "warn" and REASON in line and "was fail" in line
    assert "1 waived" in r.stdout


def test_check_refuses_an_unknown_rule_before_any_run(tmp_path, built):
    cfg = tmp_path / "waivers.json"
    cfg.write_text(json.dumps({"waivers": [waiver(rule_id="svc.no-such-rule")]}))
    r = subprocess.run([str(SVCCERT), "check", str(WIN / "broken" / "checkpoint_down.exe"), "--config", str(cfg),
                        "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=60,
                       env=run_env(tmp_path))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and 'unknown rule "svc.no-such-rule"' in r.stderr
    assert not (tmp_path / "out").exists()
