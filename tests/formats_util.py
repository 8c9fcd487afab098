"""Saved traces judged by `svccert judge --format ...` for the report-format tests (no Wine): services that
fail or warn on one rule, beside the COM rules a trace without COM hooks cannot judge (error) and n/a ones."""
import json
import subprocess

from conftest import SVCCERT
from paths import REPO
from rules_util import ACCEPT_SHUTDOWN, ACCEPT_STOP, RUNNING, START_PENDING, Trace, good_service

MULTITOOL = REPO / "build" / "npm" / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"


def failing_service():
    """The checkpoint goes down in the START_PENDING phase (svc.checkpoint.monotonic fails), in a clean life."""
    tr = Trace()
    tr.boot(10)
    tr.status(20, START_PENDING, checkpoint=2, wait_hint=3000)
    tr.status(400, START_PENDING, checkpoint=1, wait_hint=3000)
    tr.status(800, RUNNING, controls=ACCEPT_STOP | ACCEPT_SHUTDOWN)
    tr.wait(801, 2004)
    tr.stop_cleanly(2000)
    return tr


def warning_service():
    """Only a repeated checkpoint: svc.checkpoint.monotonic warns, nothing fails."""
    tr = Trace()
    tr.boot(10)
    tr.status(20, START_PENDING, checkpoint=1, wait_hint=3000)
    tr.status(400, START_PENDING, checkpoint=1, wait_hint=3000)
    tr.status(800, RUNNING, controls=ACCEPT_STOP | ACCEPT_SHUTDOWN)
    tr.wait(801, 2004)
    tr.stop_cleanly(2000)
    return tr


def judge_formats(tmp_path, tr, formats, *opts, candidate_name="svctest.exe"):
    """Writes the trace (its header naming a candidate file made here, so the report carries its SHA-256),
    judges it into tmp_path/out; returns (process result, out dir, report.json's object or None)."""
    cand = tmp_path / candidate_name
    cand.write_bytes(b"MZ not really a program, only bytes to hash")
    tr.header["candidate"]["path"] = str(cand)
    trace = tmp_path / "saved.jsonl"
    trace.write_text(tr.text())
    out = tmp_path / "out"
    args = [str(SVCCERT), "judge", str(trace), "--out", str(out)] + (["--format", formats] if formats is not None else [])
    r = subprocess.run(args + list(opts), capture_output=True, text=True, timeout=60)
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else None
    return r, out, report


__all__ = ["failing_service", "warning_service", "good_service", "judge_formats", "MULTITOOL"]
