"""--format on `svccert judge`: the formats asked for, each from the same verdicts; an unknown one is bad usage."""
import json
import subprocess

from conftest import SVCCERT
from formats_util import failing_service, judge_formats

FILES = {"json": "report.json", "junit": "report.junit.xml", "sarif": "report.sarif", "md": "report.md"}


def test_every_format_from_one_judgement(tmp_path, built):
    r, out, report = judge_formats(tmp_path, failing_service(), "json,junit,sarif,md")
    assert r.returncode == 1, r.stdout + r.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES.values())
    for f in FILES.values():
        assert f"report: {out}/{f}" in r.stdout
    sarif = json.loads((out / "report.sarif").read_text())
    failed = {x["ruleId"] for x in sarif["runs"][0]["results"] if x["kind"] == "fail"}
    assert failed == {x["id"] for x in report["rules"] if x["verdict"] == "fail"}


def test_only_the_formats_asked_for(tmp_path, built):
    r, out, report = judge_formats(tmp_path, failing_service(), "sarif,md")
    assert r.returncode == 1, r.stdout + r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["report.md", "report.sarif"]
    assert report is None


def test_the_default_writes_report_json(tmp_path, built):
    r, out, report = judge_formats(tmp_path, failing_service(), None)
    assert report is not None and f"report: {out}/report.json" in r.stdout


def test_an_unknown_format_is_bad_usage_and_writes_nothing(tmp_path, built):
    for bad in ("json,pdf", "", "json,", ",json", "JSON"):
        r, out, _ = judge_formats(tmp_path, failing_service(), bad)
        assert r.returncode == 2, (bad, r.stdout, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "--format" in r.stderr, r.stderr
        assert not out.exists()


def test_trace_takes_no_format(tmp_path, built):
    r = subprocess.run([str(SVCCERT), "trace", str(tmp_path / "x.exe"), "--format", "json"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 2 and "usage" in r.stderr
