"""Shared pytest setup: where the build lives, and running svccert on a candidate."""
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from catalog import catalog_ids

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "build"
SVCCERT = BUILD / "svccert"
SVCREF = BUILD / "win" / "svcref.exe"


def spec_rule_ids():
    """Every rule ID of the project's catalog (docs/rules.md), in its order."""
    return catalog_ids()


def read_trace(path):
    """The trace as a list of dicts; the header first, the end last."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def runs_dir(tmp_path):
    """Where the runs a test starts keep their prefixes (TMPDIR): the test's own, so that what it
    finds left there is its own run's and never another svccert's on the machine."""
    d = tmp_path / "runs"
    d.mkdir(exist_ok=True)
    return d


def run_env(tmp_path):
    return dict(os.environ, TMPDIR=str(runs_dir(tmp_path)))


def run_trace(tmp_path, candidate, *opts, timeout=180, name="t"):
    """Runs `svccert trace` and returns (process result, events)."""
    out = tmp_path / f"{name}.jsonl"
    r = subprocess.run([str(SVCCERT), "trace", str(candidate), "-o", str(out), *opts],
                       capture_output=True, text=True, timeout=timeout, env=run_env(tmp_path))
    events = read_trace(out) if out.exists() else []
    return r, events


@pytest.fixture(scope="session")
def built():
    """Fails (never skips) the Wine tests when the build is missing."""
    missing = [p for p in (SVCCERT, SVCREF) if not p.exists()]
    if missing:
        pytest.fail(f"not built: {', '.join(map(str, missing))}; run ninja first (tools/run-tests does)")
