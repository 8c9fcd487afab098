"""report.sarif: valid SARIF 2.1.0 by Microsoft's SARIF Multitool (no error, no warning) and by the SARIF schema the
Multitool ships (which catches what its validate lets through: a bad enum value, a wrong type), with the rule table,
one result per rule not passed, the candidate as the hashed artifact and the trace events as related locations."""
import hashlib
import json
import os
import re
import subprocess

import jsonschema
import pytest

from catalog import catalog_ids
from formats_util import MULTITOOL, failing_service, good_service, judge_formats, warning_service


def schema_errors(path):
    schema = json.loads((MULTITOOL.parent / "sarif-2.1.0.json").read_text())
    v = jsonschema.validators.validator_for(schema)(schema)
    return [e.message for e in v.iter_errors(json.loads(path.read_text()))]


def validate(paths, tmp_path):
    """The Multitool's complaints about SARIF files (one run of it: it takes seconds to start): (console lines that
    are errors or warnings, results of its log at level error or warning; no level is SARIF's default, warning)."""
    assert MULTITOOL.exists(), "the SARIF Multitool is missing: tools/npm-deps installs it (run-tests does)"
    log = tmp_path / "validation.sarif"
    log.unlink(missing_ok=True)
    # the Multitool is no program of ours: the sanitizer runtime of tools/run-tests --asan is kept from it
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    r = subprocess.run([str(MULTITOOL), "validate", *map(str, paths), "-o", str(log)], capture_output=True,
                       text=True, timeout=120, env=env)
    assert log.exists(), r.stdout + r.stderr
    assert f"{len(paths)} files scanned" in r.stdout, r.stdout
    lines = [x for x in r.stdout.splitlines() + r.stderr.splitlines() if re.search(r":\s*(error|warning)\b", x)]
    bad = [x for run in json.loads(log.read_text())["runs"] for x in run.get("results", [])
           if x.get("level", "warning") in ("error", "warning")]
    return lines, bad


def test_the_multitool_finds_no_error_and_no_warning(tmp_path, built):
    """Three judged stories validate clean; beside them, the first one's log without the tool's informationUri
    draws the Multitool's warning (so the check can fail), and with a result kind SARIF lacks, the schema's error."""
    logs = []
    for story in (failing_service, warning_service, good_service):
        d = tmp_path / story.__name__
        d.mkdir()
        r, out, report = judge_formats(d, story(), "json,sarif")
        assert r.returncode in (1, 3), r.stdout + r.stderr
        assert schema_errors(out / "report.sarif") == []
        logs.append(out / "report.sarif")
    doc = json.loads(logs[0].read_text())
    del doc["runs"][0]["tool"]["driver"]["informationUri"]
    (tmp_path / "no_uri.sarif").write_text(json.dumps(doc))
    lines, bad = validate(logs + [tmp_path / "no_uri.sarif"], tmp_path)
    assert len(bad) == 1 and len(lines) == 1 and "no_uri.sarif" in lines[0] and "informationUri" in lines[0], lines
    doc = json.loads(logs[0].read_text())
    doc["runs"][0]["results"][0]["kind"] = "broken"
    (tmp_path / "bad_kind.sarif").write_text(json.dumps(doc))
    assert any("'broken' is not one of" in x for x in schema_errors(tmp_path / "bad_kind.sarif"))


def test_results_levels_and_kinds_follow_the_verdicts(tmp_path, built):
    r, out, report = judge_formats(tmp_path, failing_service(), "json,sarif")
    run = json.loads((out / "report.sarif").read_text())["runs"][0]
    want = {"fail": ("fail", "error"), "warn": ("fail", "warning"), "error": ("open", "none"),
            "n/a": ("notApplicable", "none")}
    got = {x["ruleId"]: (x["kind"], x["level"]) for x in run["results"]}
    assert got == {x["id"]: want[x["verdict"]] for x in report["rules"] if x["verdict"] != "pass"}
    for x in run["results"]:
        rule = run["tool"]["driver"]["rules"][x["ruleIndex"]]
        assert rule["id"] == x["ruleId"]
        assert x["message"]["text"] == next(y["message"] for y in report["rules"] if y["id"] == x["ruleId"])
    r, out, report = judge_formats(tmp_path, warning_service(), "json,sarif")
    run = json.loads((out / "report.sarif").read_text())["runs"][0]
    assert [(x["ruleId"], x["level"]) for x in run["results"] if x["kind"] == "fail"] == \
        [("svc.checkpoint.monotonic", "warning")]


def test_the_rule_table_is_the_catalog_with_help_and_source(tmp_path, built):
    r, out, report = judge_formats(tmp_path, failing_service(), "json,sarif")
    driver = json.loads((out / "report.sarif").read_text())["runs"][0]["tool"]["driver"]
    assert [x["id"] for x in driver["rules"]] == catalog_ids()
    by_id = {x["id"]: x for x in report["rules"]}
    for d in driver["rules"]:
        src = by_id[d["id"]]
        assert d["shortDescription"]["text"] == src["title"]
        assert d["helpUri"] == src["url"] and src["url"] in d["help"]["text"]
        assert d["properties"]["source"] == src["source"] and d["properties"]["kind"] == src["kind"]
    assert driver["name"] == "svccert" and driver["version"][0].isdigit()


def test_the_candidate_is_the_artifact_and_the_evidence_points_into_the_trace(tmp_path, built):
    r, out, report = judge_formats(tmp_path, failing_service(), "json,sarif")
    run = json.loads((out / "report.sarif").read_text())["runs"][0]
    cand = tmp_path / "svctest.exe"
    art = run["artifacts"][0]
    assert art["hashes"]["sha-256"] == hashlib.sha256(cand.read_bytes()).hexdigest()
    assert art["location"]["uri"] == cand.resolve().as_uri()
    trace_lines = (tmp_path / "saved.jsonl").read_text().splitlines()
    failed = next(x for x in run["results"] if x["kind"] == "fail")
    assert failed["locations"][0]["physicalLocation"]["artifactLocation"]["index"] == 0
    seqs = [e["seq"] for e in next(y for y in report["rules"] if y["id"] == failed["ruleId"])["evidence"] if "seq" in e]
    related = failed["relatedLocations"]
    assert len(related) == len(seqs) > 0
    for loc, seq in zip(related, seqs):
        pl = loc["physicalLocation"]
        assert run["artifacts"][pl["artifactLocation"]["index"]]["location"]["uri"] == \
            (tmp_path / "saved.jsonl").resolve().as_uri()
        assert json.loads(trace_lines[pl["region"]["startLine"] - 1])["seq"] == seq
        assert f"seq {seq}" in loc["message"]["text"]
