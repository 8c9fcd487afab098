"""End to end under Wine: one `svccert check` writes every format from the same verdicts; the reference's SARIF
validates clean, its JUnit has one suite per run with each run's own counts; a broken service's failure shows in
each format."""
import json
import subprocess

import pytest
from junitparser import Failure, JUnitXml

from conftest import SVCCERT, WIN, run_env
from test_formats_sarif import schema_errors, validate

FORMATS = "json,junit,sarif,md,html"


def _check(tmp_path, *args):
    out = tmp_path / "out"
    r = subprocess.run([str(SVCCERT), "check", *args, "--out", str(out), "--format", FORMATS], capture_output=True,
                       text=True, timeout=400, env=run_env(tmp_path))
    assert r.returncode in (0, 1), r.stdout + r.stderr
    return r, out, json.loads((out / "report.json").read_text())


def _junit_matches(out, report):
    suites = list(JUnitXml.fromfile(str(out / "report.junit.xml")))
    assert len(suites) == len(report["runs"])
    for i, (suite, run) in enumerate(zip(suites, report["runs"])):
        per = [next(x for x in rule["runs"] if x["run"] == i)["verdict"] for rule in report["rules"]]
        assert (suite.tests, suite.failures, suite.errors, suite.skipped) == \
            (len(per), per.count("fail"), per.count("error"), per.count("n/a")), run["name"]
        assert run["shape"] in suite.name and run["name"] in suite.name
    return suites


@pytest.mark.wine
def test_the_reference_in_every_format(tmp_path, built):
    r, out, report = _check(tmp_path)
    assert r.returncode == 0, r.stdout
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("report.")) == \
        ["report.html", "report.json", "report.junit.xml", "report.md", "report.sarif"]
    lines, bad = validate([out / "report.sarif"], tmp_path)
    assert not lines and not bad, lines
    assert schema_errors(out / "report.sarif") == []
    sarif = json.loads((out / "report.sarif").read_text())["runs"][0]
    assert [x for x in sarif["results"] if x["kind"] == "fail"] == []
    assert len(sarif["artifacts"]) == 1 + len(report["runs"])
    _junit_matches(out, report)
    assert (out / "report.md").read_text().startswith("## svccert: pass")
    assert f"svccert {report['tool']['version']}, under wine-" in (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    assert html.count("<svg") >= len(report["runs"]) and "svc.dispatcher" in html


@pytest.mark.wine
def test_a_broken_service_fails_in_every_format(tmp_path, built):
    r, out, report = _check(tmp_path, str(WIN / "broken" / "late_handler.exe"), "--start-timeout", "10000",
                            "--timeout", "90")
    assert r.returncode == 1
    failed = [x["id"] for x in report["rules"] if x["verdict"] == "fail"]
    assert failed == ["svc.handler.immediate"]
    lines, bad = validate([out / "report.sarif"], tmp_path)
    assert not lines and not bad, lines
    sarif = json.loads((out / "report.sarif").read_text())["runs"][0]
    res = next(x for x in sarif["results"] if x["ruleId"] == "svc.handler.immediate")
    assert (res["kind"], res["level"]) == ("fail", "error") and res["relatedLocations"]
    trace = report["runs"][0]["trace"]
    lines_of_trace = open(trace).read().splitlines()
    for loc in res["relatedLocations"]:
        seq = json.loads(lines_of_trace[loc["physicalLocation"]["region"]["startLine"] - 1])["seq"]
        assert f"seq {seq}" in loc["message"]["text"]
    suites = _junit_matches(out, report)
    case = next(c for c in suites[0] if c.name == "svc.handler.immediate")
    assert isinstance(list(case.result)[0], Failure)
    assert "svc.handler.immediate" in (out / "report.md").read_text()
