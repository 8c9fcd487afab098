"""report.junit.xml read back by a real consumer (junitparser, as CI test reporters read it): one testsuite per
run, one testcase per rule, fail/error/n/a as failure/error/skipped, warn passed with its warning."""
import hashlib

from junitparser import Error, Failure, JUnitXml, Skipped

from formats_util import failing_service, judge_formats, warning_service


def _read(out):
    xml = JUnitXml.fromfile(str(out / "report.junit.xml"))
    suites = list(xml)
    return xml, suites


def _tally(suite):
    t = {"failure": 0, "error": 0, "skipped": 0, "passed": 0}
    for case in suite:
        kinds = [type(x) for x in case.result]
        t["failure" if Failure in kinds else "error" if Error in kinds else "skipped" if Skipped in kinds
          else "passed"] += 1
    return t


def test_counts_match_the_report(tmp_path, built):
    r, out, report = judge_formats(tmp_path, failing_service(), "json,junit")
    assert r.returncode == 1, r.stdout + r.stderr
    _, suites = _read(out)
    assert len(suites) == len(report["runs"]) == 1
    s, c = suites[0], report["counts"]
    assert _tally(s) == {"failure": c["fail"], "error": c["error"], "skipped": c["n/a"],
                         "passed": c["pass"] + c["warn"]}
    assert (s.tests, s.failures, s.errors, s.skipped) == (len(report["rules"]), c["fail"], c["error"], c["n/a"])
    assert [case.name for case in s] == [x["id"] for x in report["rules"]]


def test_each_verdict_maps_to_its_junit_result(tmp_path, built):
    r, out, report = judge_formats(tmp_path, failing_service(), "json,junit")
    by_id = {x["id"]: x for x in report["rules"]}
    _, suites = _read(out)
    for case in suites[0]:
        rule = by_id[case.name]
        res = list(case.result)
        if rule["verdict"] == "fail":
            assert isinstance(res[0], Failure) and res[0].message == rule["message"]
        elif rule["verdict"] == "error":
            assert isinstance(res[0], Error) and res[0].message == rule["message"]
        elif rule["verdict"] == "n/a":
            assert isinstance(res[0], Skipped) and res[0].message == rule["message"]
        else:
            assert not res, case.name


def test_warn_passes_with_its_warning_and_fails_under_strict(tmp_path, built):
    r, out, report = judge_formats(tmp_path, warning_service(), "json,junit")
    warned = [x for x in report["rules"] if x["verdict"] == "warn"]
    assert [x["id"] for x in warned] == ["svc.checkpoint.monotonic"]
    _, suites = _read(out)
    case = next(c for c in suites[0] if c.name == "svc.checkpoint.monotonic")
    assert case.is_passed and warned[0]["message"] in case.system_out
    r, out, report = judge_formats(tmp_path, warning_service(), "json,junit", "--strict")
    _, suites = _read(out)
    case = next(c for c in suites[0] if c.name == "svc.checkpoint.monotonic")
    res = list(case.result)
    assert isinstance(res[0], Failure) and res[0].type == "warn"
    assert suites[0].failures == 1


def test_properties_name_the_candidate_and_the_run(tmp_path, built):
    r, out, report = judge_formats(tmp_path, failing_service(), "json,junit")
    _, suites = _read(out)
    props = {p.name: p.value for p in suites[0].properties()}
    assert props["candidate.sha256"] == hashlib.sha256((tmp_path / "svctest.exe").read_bytes()).hexdigest()
    assert props["shape"] == "service" and props["verdict"] == report["verdict"] == "fail"


def test_times_where_measured(tmp_path, built):
    r, out, report = judge_formats(tmp_path, failing_service(), "json,junit")
    _, suites = _read(out)
    times = {c.name: c.time for c in suites[0]}
    for rule in report["rules"]:
        measured = [e["measured_ms"] for e in rule["evidence"] if "measured_ms" in e]
        if measured:
            assert abs(times[rule["id"]] - max(measured) / 1000) < 0.001, rule["id"]
        else:
            assert times[rule["id"]] is None, rule["id"]
    assert any((times[x["id"]] or 0) > 0 for x in report["rules"])


def test_control_characters_of_a_candidate_stay_readable_xml(tmp_path, built):
    """A candidate's file name is the candidate's: a control character in it must not make the XML unreadable."""
    r, out, report = judge_formats(tmp_path, failing_service(), "json,junit", candidate_name="bad\x01\x1bname.exe")
    assert "\x01" in report["candidate"]["path"]
    _, suites = _read(out)
    props = {p.name: p.value for p in suites[0].properties()}
    assert props["candidate"].endswith("bad??name.exe")
