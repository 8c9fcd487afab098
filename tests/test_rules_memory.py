"""Running out of memory makes a trace unusable with a reason; it never judges the part read so far."""
import subprocess
import sys
import textwrap

from rules_util import ROOT
import pytest
from paths import SANITIZED

CHILD = textwrap.dedent("""
    import json, resource, sys
    sys.path.insert(0, sys.argv[2])
    from rules_util import judge_file
    with open("/proc/self/status") as f:
        vm = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (vm + (96 << 20), vm + (96 << 20)))
    res, err = judge_file(sys.argv[1])
    print(json.dumps({"err": err, "trace": res and res["trace"],
                      "verdicts": res and sorted({r["verdict"] for r in res["rules"]})}))
""")


@pytest.mark.skipif(SANITIZED, reason="AddressSanitizer's shadow memory cannot live under RLIMIT_AS")
def test_a_trace_file_too_big_for_memory_is_unusable_not_truncated(tmp_path):
    path = tmp_path / "huge.jsonl"
    with open(path, "wb") as f:
        f.write(b'{"ev":"header","seq":0,"t":0,"pid":0,"tid":0,"schema":"svccert-trace/1","candidate":{}}\n')
        f.truncate(256 << 20)   # sparse: the reader must hold all of it before it can say anything
    run = subprocess.run([sys.executable, "-c", CHILD, str(path), str(ROOT / "tests")], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = __import__("json").loads(run.stdout)
    assert out["verdicts"] == ["error"], out
    assert "out of memory reading the trace file" in out["trace"]["error"], out
