"""Under Wine: a run keeps its raw log gzip-compressed beside its trace, and not the plain one; the trace's
`raw` line numbers point at the kept log's lines, and the kept log re-parses into the same trace."""
import gzip
import json
import subprocess

import pytest

from conftest import SVCCERT, SVCREF, read_trace, run_env
from parser_util import SVCPARSE

SHORT = ["--start-timeout", "5000", "--stop-timeout", "5000", "--pause-timeout", "1000", "--exit-timeout", "3000",
         "--timeout", "90"]


@pytest.mark.wine
def test_a_check_keeps_the_gz_and_its_lines_are_the_traces(tmp_path, built):
    out = tmp_path / "out"
    r = subprocess.run([str(SVCCERT), "check", str(SVCREF), "--shape", "service", "--out", str(out), *SHORT],
                       capture_output=True, text=True, timeout=300, env=run_env(tmp_path))
    # checked as any candidate, without the reference's COM registration: a COM rule fails, the run is whole
    # stderr holds the progress lines only: no `svccert: ` complaint (a .gz not kept would say so there)
    assert r.returncode in (0, 1) and "svccert: " not in r.stderr, r.stdout + r.stderr
    report = json.loads((out / "report.json").read_text())
    [run] = report["runs"]
    gz = out / "trace.service.raw.log.gz"
    assert run["raw_log"] == str(gz) and gz.exists()
    assert not list(out.glob("*.raw.log")) and not list(out.glob("*.tmp.*"))
    lines = gzip.decompress(gz.read_bytes()).split(b"\n")
    events = read_trace(out / "trace.service.jsonl")
    status = [e for e in events if e["ev"] == "status"]
    assert len(status) >= 4      # start pending, running, stop pending, stopped at least
    for e in status:
        line = lines[e["raw"] - 1]
        assert b":trace:service:SetServiceStatus " in line and f":{e['pid']:04x}:{e['tid']:04x}:".encode() in line
    # the kept log re-parses (svcparse reads the .gz) into the events the run's trace holds
    header = {k: v for k, v in events[0].items() if k not in ("ev", "seq", "t", "pid", "tid")}
    (tmp_path / "header.json").write_text(json.dumps(header))
    again = subprocess.run([str(SVCPARSE), str(gz), "-o", "-", "--header", f"@{tmp_path / 'header.json'}",
                            "--service", header["candidate"]["service_name"]], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    parsed = [json.loads(x) for x in again.stdout.splitlines()]
    body = lambda evs: [e for e in evs if e["ev"] not in ("header", "harness", "end")]
    assert body(parsed) == body(events) and len(body(events)) > 20
