"""report.sarif: valid SARIF 2.1.0 by Microsoft's SARIF Multitool (no error, no warning) and by the SARIF schema the
Multitool ships (which catches what its validate lets through: a bad enum value, a wrong type), with the rule table,
one result per rule not passed, the candidate as the hashed artifact and the trace events as related locations."""
import hashlib
import json
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


def validate(path, tmp_path):
    """The Multitool's complaints about a SARIF file: (console lines that are errors or warnings, results of the
    validation log at level error or warning; a result without level is a warning, SARIF's default)."""
    assert MULTITOOL.exists(), "the SARIF Multitool is missing: tools/npm-deps installs it (run-tests does)"
    log = tmp_path / (path.stem + ".validation.sarif")
    r = subprocess.run([str(MULTITOOL), "validate", str(path), "-o", str(log)], capture_output=True,
                       text=True, timeout=120)
    assert log.exists(), r.stdout + r.stderr
    lines = [x for x in r.stdout.splitlines() + r.stderr.splitlines() if re.search(r":\s*(error|warning)\b", x)]
    bad = [x for run in json.loads(log.read_text())["runs"] for x in run.get("results", [])
           if x.get("level", "warning") in ("error", "warning")]
    return lines, bad


@pytest.mark.parametrize("story", [failing_service, warning_service, good_service])
def test_the_multitool_finds_no_error_and_no_warning(tmp_path, built, story):
    r, out, report = judge_formats(tmp_path, story(), "json,sarif")
    assert r.returncode in (1, 3), r.stdout + r.stderr
    lines, bad = validate(out / "report.sarif", tmp_path)
    assert not lines and not bad, "\n".join(lines) + json.dumps(bad, indent=1)
    assert schema_errors(out / "report.sarif") == []


def test_the_multitool_does_complain_about_a_broken_log(tmp_path, built):
    """The checks above can fail: the same log without the tool's informationUri draws the Multitool's warning,
    and with a result kind SARIF does not have, the schema's error."""
    r, out, report = judge_formats(tmp_path, failing_service(), "sarif")
    doc = json.loads((out / "report.sarif").read_text())
    del doc["runs"][0]["tool"]["driver"]["informationUri"]
    (tmp_path / "no_uri.sarif").write_text(json.dumps(doc))
    lines, bad = validate(tmp_path / "no_uri.sarif", tmp_path)
    assert any("informationUri" in x for x in lines) and bad
    doc = json.loads((out / "report.sarif").read_text())
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
