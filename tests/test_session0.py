"""The session-0 look (issue 11 class 5): a service that decides it is one the way Go's svc.IsWindowsService and
.NET's WindowsServiceHelpers do (its parent is services.exe in session 0) runs as a service under svccert, and
reads Wine's own session 1 with --no-session0."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, SVCCERT, WIN, read_trace, run_env
from rules_util import CTL, Trace, evidence_seqs, judged

PROBE = WIN / "s0probe.exe"
BASE = ["--start-timeout", "10000", "--stop-timeout", "5000", "--exit-timeout", "4000", "--timeout", "90"]


def check(tmp_path, candidate, *opts):
    out = tmp_path / "out"
    r = subprocess.run([str(SVCCERT), "check", str(candidate), "--out", str(out), *BASE, *opts],
                       capture_output=True, text=True, timeout=240, env=run_env(tmp_path))
    assert r.returncode in (0, 1, 3), r.stderr
    trace = read_trace(out / "trace.service.jsonl")
    verdicts = {line.split()[1]: line.split()[0] for line in r.stdout.splitlines()
                if line.startswith("  ") and len(line.split()) > 1}
    return r, trace, verdicts


def probe_said(trace):
    """The words of the probe's one line: what it read of its parent and itself."""
    lines = [e for e in trace if e["ev"] == "debugstr" and e["text"].startswith("s0probe ")]
    assert len(lines) == 1, [e for e in trace if e["ev"] == "debugstr"]
    return lines[0]["pid"], dict(w.split("=", 1) for w in lines[0]["text"].split()[1:])


def notes(trace, what):
    return [e for e in trace if e["ev"] == "ctl_note" and e.get("what") == what]


@pytest.mark.wine
def test_a_service_reads_services_exe_in_session_0(tmp_path, built):
    r, trace, verdicts = check(tmp_path, PROBE)
    pid, said = probe_said(trace)
    # Go's SystemProcessInformation walk, its extended class, .NET's Process.SessionId of the parent and of
    # itself, and its token: all session 0, as on Windows
    # and its token holds SERVICE, not INTERACTIVE (Go's IsAnInteractiveSession, CheckTokenMembership)
    assert said == {"parent_image": "services.exe", "parent_session": "0", "parent_session_ext": "0",
                    "parent_pid_session": "0", "own_session": "0", "token_session": "0", "interactive": "0",
                    "member_interactive": "0", "member_service": "1", "service": "1"}, said
    assert verdicts["svc.dispatcher"] == "pass", r.stdout
    assert verdicts["svc.stopped.exit-code"] == "pass", r.stdout
    (look,) = notes(trace, "session0")
    assert look["on"] == 1 and look["ok"] == 1, look
    (proc,) = notes(trace, "session0_process")
    assert proc["process"] == pid and proc["applied"] == 1 and proc["error"] == 0, proc


@pytest.mark.wine
def test_without_the_look_the_service_reads_session_1_and_never_dispatches(tmp_path, built):
    r, trace, verdicts = check(tmp_path, PROBE, "--no-session0")
    _, said = probe_said(trace)
    assert said["parent_image"] == "services.exe" and said["service"] == "0", said
    assert {said[k] for k in ("parent_session", "parent_session_ext", "parent_pid_session", "own_session",
                              "token_session")} == {"1"}, said
    assert (said["interactive"], said["member_interactive"], said["member_service"]) == ("1", "1", "0"), said
    assert verdicts["svc.dispatcher"] == "fail", r.stdout
    assert not [e for e in trace if e["ev"] == "dispatcher"], "the probe reached its dispatcher"
    (look,) = notes(trace, "session0")
    assert look["on"] == 0, look
    assert not notes(trace, "session0_process")


# The engine: a run that could not give the look cannot blame the candidate for not dispatching.

def _exits_without_dispatching(*notes):
    """Installed, started, the process ends by itself (code 2, as Go's sample without a command) 27 ms in."""
    tr = Trace()
    tr.add("ctl_install", 0, pid=CTL, tid=1, ok=True, error=0, service_type=16)
    for t, fields in notes:
        tr.add("ctl_note", t, pid=CTL, tid=1, **fields)
    tr.process_exit(30, code=2)
    tr.ctl_start(5000, ok=False, error=1053, elapsed_ms=4990)
    tr.end(5100)
    return tr


LOOK_OK = (1, {"what": "session0", "on": 1, "ok": 1, "step": "done", "error": 0, "scm_pid": 56})
LOOK_FAILED = (1, {"what": "session0", "on": 1, "ok": 0, "step": "thread", "error": 5, "scm_pid": 56})
LOOK_OFF = (1, {"what": "session0", "on": 0})


def _process_note(**fields):
    base = {"what": "session0_process", "process": 100, "ok": 1, "started": 1, "queued": 1, "applied": 1,
            "error": 0}
    base.update(fields)
    return (5050, base)


@pytest.mark.parametrize("notes", [(LOOK_OK, _process_note()), (LOOK_OFF,), ()],
                         ids=["applied", "turned-off", "older-trace"])
def test_no_dispatcher_fails_when_the_look_was_given_or_not_asked_for(notes):
    r = judged(_exits_without_dispatching(*notes), "svc.dispatcher")
    assert r["verdict"] == "fail", r


def test_no_dispatcher_is_an_error_when_services_exe_was_not_reached():
    tr = _exits_without_dispatching(LOOK_FAILED)
    r = judged(tr, "svc.dispatcher")
    assert r["verdict"] == "error", r
    note = [e for e in tr.events if e["ev"] == "ctl_note"][0]
    assert evidence_seqs(r)[0] == note["seq"]
    assert r["evidence"][0]["step"] == "thread" and r["evidence"][0]["error"] == 5
    assert "session 0" in r["message"] and "IsWindowsService" in r["message"]


@pytest.mark.parametrize("fields", [{"ok": 0, "applied": 0, "error": 4}, {"ok": 0, "started": 0, "queued": 0,
                                                                          "applied": 0}],
                         ids=["thunks-unknown", "started-without-the-hook"])
def test_no_dispatcher_is_an_error_when_the_candidate_did_not_get_the_look(fields):
    tr = _exits_without_dispatching(LOOK_OK, _process_note(**fields))
    r = judged(tr, "svc.dispatcher")
    assert r["verdict"] == "error", r
    assert r["evidence"][0]["what"] == "session0_process"


def test_a_process_that_ended_before_taking_the_look_is_not_the_runs_fault():
    # started and queued, but the process ended before its entry point (error 0): its own doing
    tr = _exits_without_dispatching(LOOK_OK, _process_note(ok=0, applied=0))
    assert judged(tr, "svc.dispatcher")["verdict"] == "fail"


def test_a_missing_look_makes_an_exit_without_dispatcher_the_runs():
    tr = _exits_without_dispatching(LOOK_FAILED)
    tr.events = [e for e in tr.events if e["ev"] != "ctl_start"]
    r = judged(tr, "svc.dispatcher")
    assert r["verdict"] == "error", r


def test_once_the_dispatcher_is_reached_the_look_no_longer_excuses_absences():
    # the session check (Go's, .NET's) comes before the dispatcher: a process that got that far decided it is
    # a service, so a ServiceMain that never ran is its own fault whatever the look
    tr = Trace()
    tr.add("ctl_install", 0, pid=CTL, tid=1, ok=True, error=0, service_type=16)
    tr.add("ctl_note", 1, pid=CTL, tid=1, **LOOK_FAILED[1])
    disp = tr.dispatcher(10)
    tr.process_exit(40, code=0)
    tr.end(100)
    r = judged(tr, "svc.dispatcher")
    assert r["verdict"] == "fail", r
    assert evidence_seqs(r)[0] == disp["seq"]


def test_the_option_is_documented():
    r = subprocess.run([str(SVCCERT), "--help"], capture_output=True, text=True, timeout=30)
    assert "--no-session0" in r.stdout + r.stderr
    assert "## Session 0" in (REPO / "docs" / "wine-hooks.md").read_text()
    assert "--no-session0" in (REPO / "README.md").read_text()


# Debian's golang-golang-x-sys-dev (0.3.0) leaves out golang.org/x/sys/windows; a GOPATH holding it can be
# named with SVCCERT_GOPATH (e.g. the v0.3.0 tag of https://go.googlesource.com/sys under src/golang.org/x/sys).
GO_SAMPLE = "golang.org/x/sys/windows/svc/example"


def go_path():
    for root in filter(None, [os.environ.get("SVCCERT_GOPATH"), "/usr/share/gocode"]):
        if (Path(root) / "src" / GO_SAMPLE / "main.go").exists():
            return root
    return None


@pytest.mark.wine
def test_the_go_sample_runs_as_a_service(tmp_path, built):
    """The unmodified sample service of golang.org/x/sys: without the look it never calls
    StartServiceCtrlDispatcher (svc.IsWindowsService says no and it exits with its usage, status 2)."""
    if not shutil.which("go"):
        pytest.skip("no Go toolchain (Debian: golang-go)")
    root = go_path()
    if not root:
        pytest.skip(f"{GO_SAMPLE} is not in Debian's golang-golang-x-sys-dev (it ships no windows/ directory); "
                    "set SVCCERT_GOPATH to a GOPATH that holds golang.org/x/sys")
    exe = tmp_path / "beep.exe"
    env = dict(os.environ, GO111MODULE="off", GOPATH=root, GOOS="windows", GOARCH="amd64", CGO_ENABLED="0",
               GOCACHE=str(tmp_path / "gocache"), HOME=str(tmp_path), GOFLAGS="")
    b = subprocess.run(["go", "build", "-o", str(exe), GO_SAMPLE], capture_output=True, text=True, timeout=600,
                       env=env)
    assert b.returncode == 0, b.stderr
    r, trace, verdicts = check(tmp_path, exe)
    assert verdicts["svc.dispatcher"] == "pass", r.stdout
    assert verdicts["svc.running.controls"] == "pass", r.stdout
    assert verdicts["svc.stopped.exit-code"] == "pass", r.stdout
    shutil.rmtree(tmp_path / "out")
    r, trace, verdicts = check(tmp_path, exe, "--no-session0")
    assert verdicts["svc.dispatcher"] == "fail", r.stdout
    assert not [e for e in trace if e["ev"] == "dispatcher"], "the sample reached its dispatcher"
