"""report.html from `svccert judge` of synthetic traces, read back with html.parser: well-formed,
self-contained, the timeline's elements where the trace puts them, the failing verdicts linked to their
marked events, the candidate's strings shown as text and never as markup, a flood drawn small; and the
page rendered by headless Chromium without a console error."""
import json
import os
import subprocess

import pytest

from browser_util import Browser
from conftest import SVCCERT, run_env
from html_util import Page, self_contained_problems
from paths import BUILD, WIN
from rules_util import (checkpoint_down, ACCEPT_SHUTDOWN, ACCEPT_STOP, RUNNING, START_PENDING, ComTrace,
                        Trace, rules_json)

DOC_URLS = {r["url"] for r in rules_json() if r.get("url")}


def judge(tmp_path, tr, name="saved"):
    """`svccert judge` of the story; returns (report.json, report.html text, its Page)."""
    trace = tmp_path / f"{name}.jsonl"
    trace.write_text(tr.text() if not isinstance(tr, str) else tr)
    out = tmp_path / f"out-{name}"
    r = subprocess.run([str(SVCCERT), "judge", str(trace), "--out", str(out)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode in (0, 1, 3), r.stdout + r.stderr
    html = (out / "report.html").read_text(encoding="utf-8")
    return json.loads((out / "report.json").read_text()), html, Page(html)


def test_the_page_is_well_formed_and_self_contained(tmp_path):
    report, html, page = judge(tmp_path, checkpoint_down())
    assert not page.errors, page.errors
    assert html.startswith("<!DOCTYPE html>")
    assert not self_contained_problems(page, DOC_URLS)
    # the summary and one row per rule, with its verdict
    assert report["verdict"] in page.all_text()
    for rule in report["rules"]:
        rows = page.find("tr", id="rule-" + rule["id"])
        assert len(rows) == 1, rule["id"]
    na = sum(r["verdict"] == "n/a" for r in report["rules"])
    assert len(page.find("details")) == len(report["rules"]) + (1 if na else 0)
    assert len(page.find("details", class_="na")) == (1 if na else 0)


def test_the_timeline_draws_states_deadlines_controls_and_the_exit(tmp_path):
    _, _, page = judge(tmp_path, checkpoint_down())
    svgs = page.find("svg", class_="timeline")
    assert [a["id"] for _, a, _ in svgs] == ["timeline-run0"]
    t0 = float(svgs[0][1]["data-t0"])
    assert t0 == 10      # the dispatcher, the first event drawn
    bands = [(a["data-state"], float(a["data-t0"]) + t0, float(a["data-t1"]) + t0, a["data-reports"])
             for _, a, _ in page.find("g", class_="band")]
    # STOP_PENDING at 2002, STOPPED at 2300, the process exits at 2350: the band ends there
    assert bands == [("START_PENDING", 20, 800, "2"), ("RUNNING", 800, 2002, "1"), ("STOP_PENDING", 2002, 2300, "1"),
                     ("STOPPED", 2300, 2350, "1")]
    pending = [(a["data-state"], a["data-checkpoint"], float(a["data-deadline"]) + t0)
               for _, a, _ in page.find("g", class_="pending")]
    assert pending == [("START_PENDING", "2", 3020), ("START_PENDING", "1", 3400), ("STOP_PENDING", "1", 4002)]
    ctl = page.find("g", class_="ctl")
    assert [(a["data-control"], float(a["data-sent"]) + t0, float(a["data-answered"]) + t0) for _, a, _ in ctl] == \
        [("STOP", 2000, 2003)]
    kinds = [a["data-ev"] for _, a, _ in page.find("g", class_="ev")]
    for ev in ("process_exit", "ctl_start", "dispatcher", "service_main", "control_in"):
        assert ev in kinds, ev


def test_a_failing_verdict_links_to_its_marked_event_and_back(tmp_path):
    report, _, page = judge(tmp_path, checkpoint_down())
    rule = next(r for r in report["rules"] if r["id"] == "svc.checkpoint.monotonic")
    assert rule["verdict"] == "fail"
    seqs = [e["seq"] for e in rule["evidence"] if "seq" in e]
    assert seqs
    row_links = {a["href"] for _, a, _ in page.find("a", class_="cite")}
    for seq in seqs:
        anchor = f"run0-seq{seq}"
        assert "#" + anchor in row_links
        marks = page.find("g", id=anchor)
        assert len(marks) == 1 and "cited" in marks[0][1]["class"].split()
        assert marks[0][1]["data-rule"] == rule["id"]
    back = [a for _, a, _ in page.find("a") if a.get("href") == "#rule-svc.checkpoint.monotonic"]
    assert len(back) == len(seqs)
    # passing rules mark nothing
    passing = next(r for r in report["rules"] if r["id"] == "svc.dispatcher")
    assert passing["verdict"] == "pass"
    assert not page.find("g", data_rule="svc.dispatcher")


HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&amp;\x1b"


def test_the_candidate_strings_are_text_never_markup(tmp_path):
    # a file whose very name is markup, named by the trace as the candidate
    cand = tmp_path / "<b onmouseover=alert(3)>svc.exe"
    cand.write_bytes(b"MZ")
    tr = ComTrace(service_name=HOSTILE)
    tr.header["candidate"]["path"] = str(cand)
    tr.boot(10)
    tr.service_main(12, service=HOSTILE)
    tr.status(20, START_PENDING, checkpoint=2, wait_hint=3000)
    tr.status(400, START_PENDING, checkpoint=1, wait_hint=3000)
    tr.status(800, RUNNING, controls=ACCEPT_STOP | ACCEPT_SHUTDOWN)
    tr.add("debugstr", 900, text=HOSTILE)
    tr.window(950, title=HOSTILE)
    tr.harness(960, "timing", HOSTILE)
    tr.stop_cleanly(2000)
    report, html, page = judge(tmp_path, tr)
    assert not page.errors, page.errors
    assert not self_contained_problems(page, DOC_URLS)
    assert not [t for t, _, _ in page.elements if t in ("script", "img", "b")]
    assert not [k for _, a, _ in page.elements for k in a if k.startswith("on")]
    text = page.all_text()
    assert str(cand) in text                        # the summary, as text
    assert "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&amp;" in text   # evidence and tooltips
    assert "\x1b" not in html and "\ufffd" in text  # a control character is shown as U+FFFD


def test_a_flood_is_drawn_small_and_says_so(tmp_path):
    """50 000 status reports flapping between START_PENDING and RUNNING, and as many debug strings: the
    drawing keeps one mark per 2 px and says how many it folded."""
    tr = Trace()
    tr.boot(10)
    for i in range(50000):
        tr.status(20 + i * 0.2, START_PENDING if i % 2 else RUNNING, checkpoint=i, wait_hint=3000,
                  controls=0 if i % 2 else ACCEPT_STOP)
        tr.add("debugstr", 20 + i * 0.2, text="x" * 100)
    tr.status(20000, RUNNING, controls=ACCEPT_STOP)
    tr.stop_cleanly(21000)
    _, html, page = judge(tmp_path, tr)
    assert not page.errors, page.errors
    assert len(html) < 1_000_000, len(html)
    assert len(page.find("g", class_="band")) < 1000
    assert len(page.find("g", class_="pending")) < 1000
    assert page.find("g", class_="band", data_state="mixed")
    note = [txt for _, a, txt in page.find("p", class_="note") if "drawn as one" in txt]
    assert note


def test_chromium_renders_the_page_without_a_console_error(tmp_path):
    _, _, page = judge(tmp_path, checkpoint_down())
    seq = next(a["data-seq"] for _, a, _ in page.find("g", class_="cited"))
    url = (tmp_path / "out-saved" / "report.html").as_uri()
    with Browser() as b:
        b.open(url)
        assert b.problems() == []
        assert b.evaluate("document.querySelectorAll('svg.timeline g.band').length") == 4
        # the link from the verdict lands on the mark, which the page highlights
        b.open(url + f"#run0-seq{seq}")
        width = b.evaluate(f"getComputedStyle(document.querySelector('#run0-seq{seq} circle')).strokeWidth")
        assert width == "5px", width
        box = b.evaluate("(() => { const r = document.querySelector('#timeline-run0').getBoundingClientRect();"
                         " return [r.width, r.height]; })()")
        assert box[0] > 500 and box[1] > 100, box
        b.screenshot(str(tmp_path / "report.png"))
        assert b.problems() == []
    assert (tmp_path / "report.png").stat().st_size > 10000


ARTIFACTS = BUILD / "test-artifacts" / "report-html"


@pytest.mark.wine
@pytest.mark.parametrize("name, candidate, failing", [("reference", None, None),
                                                     ("checkpoint_down", "checkpoint_down", "svc.checkpoint.monotonic")])
def test_chromium_renders_a_checks_report_with_its_timelines(tmp_path, built, name, candidate, failing):
    """`svccert check` of the reference (every run) and of a failing broken candidate: the page renders
    without a console error, one timeline per run, the failing rule's cited events marked; screenshots of
    the page and of each timeline are kept in the test's directory and under build/test-artifacts/."""
    out = tmp_path / "report"
    argv = [str(SVCCERT), "check", *([str(WIN / "broken" / f"{candidate}.exe")] if candidate else []), "--out", str(out)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=900, env=run_env(tmp_path))
    assert r.returncode == (1 if failing else 0), r.stdout + r.stderr
    report = json.loads((out / "report.json").read_text())
    page = Page((out / "report.html").read_text(encoding="utf-8"))
    assert not page.errors and not self_contained_problems(page, DOC_URLS)
    runs = len(report["runs"])
    assert len(page.find("svg", class_="timeline")) == runs
    if failing:
        rule = next(x for x in report["rules"] if x["id"] == failing)
        for e in rule["evidence"]:
            if "seq" in e:
                assert page.find("g", id=f"run{e['run']}-seq{e['seq']}"), e
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with Browser() as b:
        b.open((out / "report.html").as_uri())
        assert b.problems() == []
        assert b.evaluate("document.querySelectorAll('svg.timeline').length") == runs
        assert b.evaluate("document.querySelectorAll('svg.timeline g.band').length") >= runs
        shots = [b.screenshot(str(tmp_path / f"{name}.png"))]
        shots += [b.screenshot(str(tmp_path / f"{name}-run{i}.png"), f"#run{i}") for i in range(runs)]
        assert b.problems() == []
    for s in shots:
        data = open(s, "rb").read()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, s
        (ARTIFACTS / os.path.basename(s)).write_bytes(data)


def test_long_non_ascii_strings_stay_valid_utf8(tmp_path):
    """A tooltip cuts long values short; a cut inside a character would make the page invalid UTF-8."""
    tr = Trace(service_name="é" * 300)
    tr.boot(10)
    tr.service_main(12, service="é" * 301)
    tr.harness(20, "timing", "ü" * 501)
    tr.status(30, RUNNING, controls=ACCEPT_STOP)
    tr.stop_cleanly(2000)
    trace = tmp_path / "t.jsonl"
    trace.write_text(tr.text())
    subprocess.run([str(SVCCERT), "judge", str(trace), "--out", str(tmp_path / "o")], capture_output=True, timeout=120)
    raw = (tmp_path / "o" / "report.html").read_bytes()
    page = Page(raw.decode("utf-8"))       # strict: any broken sequence raises
    assert not page.errors
    assert "é" * 20 in page.all_text() and "ü" * 20 in page.all_text()


def test_com_events_have_their_lanes(tmp_path):
    from rules_util import com_exe, com_service
    _, _, page = judge(tmp_path, com_service(), "service")
    kinds = [a["data-ev"] for _, a, _ in page.find("g", class_="ev")]
    for ev in ("com_register", "com_revoke", "cli_activate", "cli_release", "com_security", "quit_received",
               "process_exit"):
        assert ev in kinds, ev
    _, _, page = judge(tmp_path, com_exe(), "exe")
    kinds = [a["data-ev"] for _, a, _ in page.find("g", class_="ev")]
    assert {"process_start", "com_register", "cli_activate", "cli_release", "com_revoke", "process_exit"} <= set(kinds)
    assert not page.find("g", class_="band")      # no SCM, no states


def test_a_failed_call_is_marked_failed(tmp_path):
    from rules_util import CO_E_WRONG_SERVER_IDENTITY, com_exe
    tr = com_exe()
    tr.com_register(60, tid=11, result=CO_E_WRONG_SERVER_IDENTITY, cookie=None)
    tr.cli_activate(300, ok=False, hr="0x80004015", instance=1)
    _, _, page = judge(tmp_path, tr)
    failed = sorted(a["data-ev"] for _, a, _ in page.find("g", class_="ev") if a.get("data-failed") == "1")
    assert failed == ["cli_activate", "com_register"]
