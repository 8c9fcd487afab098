"""Shared pytest setup: where the build lives, and running svccert on a candidate."""
import gzip
import json
import os
import re
import stat
import subprocess
import uuid
from pathlib import Path

import pytest

from catalog import catalog_ids
from paths import BUILD, WIN

REPO = Path(__file__).resolve().parent.parent
SVCCERT = BUILD / "svccert"
SVCREF = WIN / "svcref.exe"


def spec_rule_ids():
    """Every rule ID of the project's catalog (docs/rules.md), in its order."""
    return catalog_ids()


def read_trace(path):
    """The trace as a list of dicts; the header first, the end last."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def raw_text(path):
    """A run's raw log as bytes: the kept .raw.log.gz decompressed, or a plain one as it is."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


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


REF_RUNS = REPO / "ref" / "RUNS"


def ref_runs(tag):
    """The reference's runs that ref/RUNS tags with `tag` (check, e2e, lifecycle): {name: fields}."""
    runs = {}
    for line in REF_RUNS.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, tags, shape, register, image, start, options, what = (c.strip() for c in line.split("|"))
        if tag in tags.split(","):
            assert name not in runs, f"ref/RUNS: two {tag} runs named {name}"
            runs[name] = {"shape": shape or "service", "register": register or None, "image_args": image.split(),
                          "start_args": start.split(), "options": options.split(), "what": what}
    return runs


def ref_run_opts(run):
    """The svccert options of a test's run of the reference (its start args are plain words)."""
    return ([a for w in run["image_args"] for a in ("--image-arg", w)] +
            [a for w in run["start_args"] for a in ("--arg", w)] + run["options"] +
            (["--register-cmd", run["register"]] if run["register"] else []) +
            (["--shape", run["shape"]] if run["shape"] != "service" else []))


# A stand-in for Wine (SVCCERT_WINE_DIR) that runs nothing Windows: wine64 answers --version, makes a
# prefix for wineboot, and, as the controller, writes its argv one word a line to $FAKE_WINE_ARGV_DIR
# (then prints $FAKE_CTL_STDOUT as its log, $FAKE_CTL_STDERR into the raw log, and exits with $FAKE_CTL_RC,
# when a test sets them);
# wineserver64 makes the socket the runner waits for (in TMPDIR, as Debian's Wine does) and waits to be
# told -k. The runner's whole path
# (template, clone, environment, argv, deadline, shutdown, trace) runs in a second, without Wine.
FAKE_WINE64 = r"""#!/bin/sh
case "$1" in
--version) echo "wine-8.0-fake (svccert tests)"; exit 0;;
wineboot) mkdir -p "$WINEPREFIX/drive_c"; echo "$FAKE_WINE_SERVER_DIR" > "$WINEPREFIX/wineserver"; exit 0;;
reg) exit 0;;
esac
out="$FAKE_WINE_ARGV_DIR/argv.$$"
for w in "$@"; do printf '%s\n' "$w"; done > "$out.tmp" && mv "$out.tmp" "$out"
[ -n "$FAKE_CTL_STDOUT" ] && cat "$FAKE_CTL_STDOUT"
[ -n "$FAKE_CTL_STDERR" ] && cat "$FAKE_CTL_STDERR" >&2
exit "${FAKE_CTL_RC:-0}"
"""
# As a real wineserver, it removes its socket when it ends: a later prefix on a reused inode would otherwise
# find a stale socket, and its runner call -k before that server wrote its pid (a run hung for 60 s).
FAKE_WINESERVER64 = r"""#!/bin/sh
case "$1" in -f|-k)
    set -- "$1" $(stat -Lc '%d %i' "$WINEPREFIX")
    d="${TMPDIR:-/tmp}/$(cat "$WINEPREFIX/wineserver")/server-$(printf '%x' "$2")-$(printf '%x' "$3")";;
esac
case "$1" in
-f)
    # the pid before the socket: the runner may call -k as soon as the socket is there
    echo $$ > "$WINEPREFIX/.fake-server.pid"
    mkdir -p "$d" && : > "$d/socket"
    exec sleep 60;;
-k) kill "$(cat "$WINEPREFIX/.fake-server.pid")" 2>/dev/null; rm -f "$d/socket"; exit 0;;
esac
exit 0
"""


class FakeWine:
    def __init__(self, root):
        self.dir = root / "wine"
        self.argv_dir = root / "argv"
        self.server_dir = f"svccert-fake-{uuid.uuid4().hex[:12]}"
        self.dir.mkdir()
        self.argv_dir.mkdir()
        for name, text in (("wine64", FAKE_WINE64), ("wineserver64", FAKE_WINESERVER64)):
            p = self.dir / name
            p.write_text(text)
            p.chmod(p.stat().st_mode | stat.S_IXUSR)
        self.env = dict(os.environ, SVCCERT_WINE_DIR=str(self.dir), SVCCERT_CACHE=str(root / "cache"),
                        TMPDIR=str(runs_dir(root)), FAKE_WINE_ARGV_DIR=str(self.argv_dir),
                        FAKE_WINE_SERVER_DIR=self.server_dir, SVCCERT_JOBS="2")

    def controller_argvs(self):
        """Each controller started, as its list of words (the loader first)."""
        return [p.read_text().splitlines() for p in sorted(self.argv_dir.glob("argv.*")) if p.suffix != ".tmp"]

    def run(self, *argv, timeout=60, **kw):
        """svccert unconfined: the stand-in lives in the test's directory, which no sandbox shows."""
        return subprocess.run([str(SVCCERT), argv[0], "--no-sandbox", *argv[1:]], capture_output=True, text=True,
                              timeout=timeout, env=kw.pop("env", self.env), **kw)


@pytest.fixture
def fake_wine(tmp_path, built):
    return FakeWine(tmp_path)
