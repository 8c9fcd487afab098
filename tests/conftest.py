"""Shared pytest setup: where the build lives, and running svccert on a candidate."""
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "build"
SVCCERT = BUILD / "svccert"
SVCREF = BUILD / "win" / "svcref.exe"
RULES_MD = REPO.parent / "shared" / "spec" / "RULES.md"


def spec_rule_ids():
    """Every rule ID of RULES.md, in its order."""
    return re.findall(r"^- `([a-z]+\.[a-z.-]+)`", RULES_MD.read_text(), re.M)


def read_trace(path):
    """The trace as a list of dicts; the header first, the end last."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def run_trace(tmp_path, candidate, *opts, timeout=180, name="t"):
    """Runs `svccert trace` and returns (process result, events)."""
    out = tmp_path / f"{name}.jsonl"
    r = subprocess.run([str(SVCCERT), "trace", str(candidate), "-o", str(out), *opts],
                       capture_output=True, text=True, timeout=timeout)
    events = read_trace(out) if out.exists() else []
    return r, events


@pytest.fixture(scope="session")
def built():
    """Fails (never skips) the Wine tests when the build is missing."""
    missing = [p for p in (SVCCERT, SVCREF) if not p.exists()]
    if missing:
        pytest.fail(f"not built: {', '.join(map(str, missing))}; run ninja first (tools/run-tests does)")
