"""What the terminal shows: one short line per rule, the n/a rules in one line, colour only on a terminal,
--verbose and --quiet, the runs' progress on stderr, and where the report goes (./svccert-report/NAME)."""
import json
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import termios
import fcntl
import uuid

import pytest

from conftest import REPO, SVCCERT, SVCREF, ref_runs, run_env
from rules_util import ACCEPT_STOP, RUNNING, SM, START_PENDING, WORKER, booted, good_service

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
RULE_LINE = re.compile(r"^  (pass|fail|warn|error|n/a) +(\S+) +(.*)$")
SENTENCE_END = re.compile(r"\. [A-Z]")
SCREEN_ROWS, SCREEN_COLS = 40, 100


def ticker_warn():
    """A ticker thread reports START_PENDING while ServiceMain works without waiting: progress-only warns,
    in a message of two sentences."""
    tr = booted()
    for i in range(3):
        tr.status(20 + 500 * i, START_PENDING, tid=WORKER, checkpoint=i + 1, wait_hint=1000)
    tr.status(1501, RUNNING, tid=SM, controls=ACCEPT_STOP)
    tr.stop_cleanly(3000)
    return tr


def judge(tmp_path, tr, *opts, env=None):
    trace = tmp_path / "saved.jsonl"
    trace.write_text(tr.text())
    r = subprocess.run([str(SVCCERT), "judge", str(trace), "--out", str(tmp_path / "out"), *opts],
                       capture_output=True, text=True, timeout=60, env=env)
    return r, json.loads((tmp_path / "out" / "report.json").read_text())


def first_sentence(msg):
    m = SENTENCE_END.search(msg)
    return msg[:m.start() + 1] if m else msg


def rule_lines(stdout):
    return [m.groups() for m in map(RULE_LINE.match, stdout.splitlines()) if m]


def test_one_line_per_rule_with_the_first_sentence_and_the_na_rules_in_one(tmp_path, built):
    r, report = judge(tmp_path, ticker_warn())
    rules = {x["id"]: x for x in report["rules"]}
    na = [x for x in rules if rules[x]["verdict"] == "n/a"]
    assert r.returncode == 3 and len(na) >= 2, r.stdout
    # the warning's message has more than one sentence: the test sees a cut, not a short message
    assert SENTENCE_END.search(rules["svc.checkpoint.progress-only"]["message"])
    said = {}
    for verdict, rid, text in rule_lines(r.stdout):
        if rid in rules:
            assert rid not in said, f"{rid} said twice"
            said[rid] = text
            assert verdict == rules[rid]["verdict"]
            whole = first_sentence(rules[rid]["runs"][0]["message"])
            assert len(text) <= 103, text
            assert text == whole or (text.endswith("...") and whole.startswith(text[:-3])), (text, whole)
    assert set(said) == set(rules) - set(na), r.stdout
    assert said["svc.checkpoint.progress-only"].startswith("3 START_PENDING reports came from a thread other")
    assert "The trace does not prove" not in r.stdout
    [collapsed] = [t for v, rid, t in rule_lines(r.stdout) if v == "n/a"]
    assert collapsed.startswith(f"rules: {na[0]}, {na[1]}") and "--verbose" in collapsed, r.stdout
    assert f"  n/a   {len(na)} rules: " in r.stdout
    lines = r.stdout.splitlines()
    assert lines[-3].startswith(f"verdict: {report['verdict']} (pass "), r.stdout
    assert lines[-2:] == [f"report: {tmp_path / 'out'}/report.json", f"report: {tmp_path / 'out'}/report.html"]
    assert "\x1b" not in r.stdout and not r.stderr


def test_verbose_says_every_runs_message_and_the_evidence(tmp_path, built):
    r, report = judge(tmp_path, ticker_warn(), "--verbose")
    assert r.returncode == 3, r.stdout + r.stderr
    for rule in report["rules"]:
        assert f"  {rule['verdict']:<5} {rule['id']}\n" in r.stdout, rule["id"]
        assert rule["runs"][0]["message"] in r.stdout, rule["id"]
        for item in rule["evidence"]:
            if "seq" in item:
                assert f"seq={item['seq']} " in r.stdout
    assert "The trace does not prove" in r.stdout and "evidence: " in r.stdout
    assert not re.search(r"n/a +\d+ rules:", r.stdout)
    short = subprocess.run([str(SVCCERT), "judge", str(tmp_path / "saved.jsonl"), "-v", "--out", str(tmp_path / "o2")],
                           capture_output=True, text=True, timeout=60)
    assert short.stdout == r.stdout.replace(str(tmp_path / "out"), str(tmp_path / "o2"))


def test_quiet_prints_the_verdict_line_only_and_keeps_the_exit_status(tmp_path, built):
    for tr, status in ((ticker_warn(), 3), (good_service(), 3)):
        r, report = judge(tmp_path, tr, "--quiet")
        loud, _ = judge(tmp_path, tr)
        assert r.stdout.splitlines() == [line for line in loud.stdout.splitlines() if line.startswith("verdict: ")]
        assert r.returncode == loud.returncode == status and not r.stderr
    assert judge(tmp_path, ticker_warn(), "-q", "--strict")[0].stdout.startswith("verdict: fail")


def _on_a_terminal(argv, cols=SCREEN_COLS, env=None, cwd=None, timeout=60, stderr_too=False):
    """Runs argv with stdout (and stderr, with stderr_too) on a pseudo-terminal of `cols` columns; returns
    (status, stdout text, stderr text)."""
    outs = [pty.openpty()] + ([pty.openpty()] if stderr_too else [])
    for master, slave in outs:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SCREEN_ROWS, cols, 0, 0))
        attrs = termios.tcgetattr(slave)
        attrs[1] &= ~termios.ONLCR          # keep "\n" as written: the test reads lines, not a screen
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
    p = subprocess.Popen(argv, stdout=outs[0][1], stderr=outs[1][1] if stderr_too else subprocess.PIPE,
                         env=dict(env or os.environ, TERM="xterm"), cwd=cwd)
    for _, slave in outs:
        os.close(slave)
    got = [b"" for _ in outs]
    open_fds = {master: i for i, (master, _) in enumerate(outs)}
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [], timeout)
        assert ready, "no output in time"
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:          # EIO: the other side closed
                chunk = b""
            if chunk:
                got[open_fds[fd]] += chunk
            else:
                os.close(fd)
                del open_fds[fd]
    err = got[1] if stderr_too else p.stderr.read()
    p.wait(timeout=timeout)
    return p.returncode, got[0].decode(), err.decode()


def test_colour_on_a_terminal_never_in_a_pipe_nor_under_no_color(tmp_path, built):
    trace = tmp_path / "saved.jsonl"
    trace.write_text(ticker_warn().text())
    argv = [str(SVCCERT), "judge", str(trace), "--out", str(tmp_path / "out")]
    rc, out, _ = _on_a_terminal(argv, cols=80)
    piped = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert rc == piped.returncode == 3
    assert "\x1b[33mwarn" in out and "\x1b[32mpass" in out, out      # the verdicts, coloured
    plain = ANSI.sub("", out)
    verdict = [line for line in piped.stdout.splitlines() if line.startswith("verdict: ")]
    assert len(verdict) == 1 and verdict[0] in out      # coloured whole: its words stay together
    # cut to the terminal's 80 columns, where the pipe gets up to 100 characters of each sentence
    assert max(len(line) for line in plain.splitlines() if RULE_LINE.match(line)) <= 80, plain
    assert max(len(line) for line in piped.stdout.splitlines() if RULE_LINE.match(line)) > 80
    assert "\x1b" not in piped.stdout
    rc, out, _ = _on_a_terminal(argv, env=dict(os.environ, NO_COLOR="1"))
    assert rc == 3 and "\x1b" not in out and "verdict: " in out


def test_check_says_each_run_on_stderr_and_writes_under_svccert_report(tmp_path, fake_wine):
    """The reference's runs under the stand-in for Wine: a line as each starts and ends, no carriage return
    into a pipe, the runs in one line, the report in ./svccert-report/svcref."""
    r = fake_wine.run("check", cwd=tmp_path)
    assert r.returncode in (1, 3), r.stdout + r.stderr
    names = list(ref_runs("check"))
    for name in names:
        assert re.search(rf"^\[ *[0-9.]+ s\] {re.escape(name)} +started, shape \w+$", r.stderr, re.M), r.stderr
        assert re.search(rf"^\[ *[0-9.]+ s\] {re.escape(name)} +ended after [0-9.]+ s: ", r.stderr, re.M), r.stderr
    assert "\r" not in r.stderr and "\x1b" not in r.stderr
    assert not [line for line in r.stderr.splitlines() if line.startswith("svccert:")], r.stderr
    [runs] = [line for line in r.stdout.splitlines() if line.startswith("runs:")]
    assert all(f" {n} " in runs for n in names), runs
    report = tmp_path / "svccert-report" / "svcref" / "report.json"
    assert json.loads(report.read_text())["runs"][0]["trace"].startswith("svccert-report/svcref/")
    assert f"report: svccert-report/svcref/report.json" in r.stdout
    assert not (tmp_path / "reports").exists()
    q = fake_wine.run("check", "--quiet", "--out", str(tmp_path / "q"))
    assert q.returncode == r.returncode and not q.stderr and len(q.stdout.splitlines()) == 1, q.stdout + q.stderr


def _tree(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


def test_check_from_the_repo_root_writes_nothing_under_reports(tmp_path, fake_wine):
    name = f"svccert-term-{uuid.uuid4().hex[:10]}"
    cand = tmp_path / f"{name}.exe"
    shutil.copy(SVCREF, cand)
    before = _tree(REPO / "reports")
    made = REPO / "svccert-report" / name
    report_root_existed = (REPO / "svccert-report").exists()
    try:
        r = fake_wine.run("check", str(cand), cwd=REPO)
        assert r.returncode in (1, 3), r.stdout + r.stderr
        assert _tree(REPO / "reports") == before
        assert (made / "report.json").is_file()
    finally:
        shutil.rmtree(made, ignore_errors=True)
        if not report_root_existed:
            shutil.rmtree(REPO / "svccert-report", ignore_errors=True)


@pytest.mark.wine
def test_the_references_check_fits_one_screen(tmp_path, built):
    """svccert check of the reference on a 100-column terminal: at most 40 rows, the wrapped ones counted;
    its progress went to stderr, ticking in place there (a terminal too)."""
    rc, out, err = _on_a_terminal([str(SVCCERT), "check"], cwd=tmp_path, env=run_env(tmp_path), timeout=300,
                                  stderr_too=True)
    plain = ANSI.sub("", out).splitlines()
    rows = sum(max(1, -(-len(line) // SCREEN_COLS)) for line in plain)
    assert rc == 0 and "verdict: pass" in out, out + err
    assert rows <= SCREEN_ROWS, "\n".join(plain)
    assert all(f"{n} " in ANSI.sub("", err) for n in ref_runs("check")), err
    assert "\r\x1b[K[" in err and "running: " in err, err
    assert (tmp_path / "svccert-report" / "svcref" / "report.json").is_file()
