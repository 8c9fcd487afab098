"""Containment under Wine: each hostile candidate of conformance/hostile/MANIFEST runs in svccert's sandbox,
gets a complete report before its deadline, and leaves the host as it was: nothing written or read outside
the run, no connection out, the template unchanged, no process left, every limit held. Without the sandbox
these tests fail: that is what they are for. The resource attacks are never started by an svccert that has
no limits to give them (they would harm the machine the tests share)."""
import glob
import hashlib
import json
import os
import re
import secrets
import signal
import socket
import stat
import subprocess
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from conftest import SVCCERT, WIN, raw_text, read_trace, run_env, runs_dir, spec_rule_ids
from hostile_manifest import fill, manifest

pytestmark = pytest.mark.wine

HOSTILE = WIN / "hostile"
CANDIDATES = manifest()
VERDICTS = {"pass", "fail", "warn", "error", "n/a"}
TIMEOUT_S = 60
# How long past its own deadline svccert may take before `timeout` kills it: the runner's shutdown
# (wineserver -k, reaping) and the judging come after the deadline.
HARD_MARGIN_S = 60
SHORT = ["--start-timeout", "10000", "--stop-timeout", "3000", "--pause-timeout", "1000",
         "--exit-timeout", "2000", "--timeout", str(TIMEOUT_S)]
# The attack runs while the controller dwells in RUNNING: long enough for a one-shot attack to finish
# before STOP, and longer than any resource attack takes to reach its limit.
DWELL_ONE_SHOT = ["--dwell", "3000"]
DWELL_RESOURCE = ["--dwell", "30000"]
# Small limits keep the resource tests fast; the MANIFEST's sizes are a few times these, so that a limit
# that does not hold shows in the candidate's own progress lines while the harm stays bounded.
LIMITS = {"memory_mib": 1024, "pids": 64, "disk_mib": 256, "log_mib": 16}
LIMIT_OPTS = ["--memory-limit", str(LIMITS["memory_mib"]), "--pids-limit", str(LIMITS["pids"]),
              "--disk-limit", str(LIMITS["disk_mib"]), "--log-limit", str(LIMITS["log_mib"])]
SAMPLE_S = 0.1
# Processes of the harness, not of Wine or the candidate: left out when the run's processes are counted.
WRAPPERS = {"svccert", "timeout", "bwrap", "sh", "sleep"}


def win_path(path):
    """A host path as the candidate writes it after a drive or prefix: \\tmp\\..."""
    return str(path).replace("/", "\\")


def tree_digest(root):
    """Every entry under root (root too): a file's mode and SHA-256, a link's target, a directory's mode.
    Nothing is skipped, so that a file added, removed, changed or re-moded shows."""
    root = Path(root)
    out = {}

    def one(p):
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            return ("link", os.readlink(p))
        if stat.S_ISREG(st.st_mode):
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            return ("file", st.st_mode, h.hexdigest())
        return ("other", st.st_mode)

    out["."] = one(root)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            out[os.path.relpath(p, root)] = one(p)
    return out


def changed(before, after):
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def marked_processes(tmp_path, tag):
    """Processes of this test's runs: their environment names a prefix in its runs directory (as
    tests/test_harness.py finds them), or they carry its tag (a host program leave_child started with an
    environment of its own)."""
    marks = (f"WINEPREFIX={runs_dir(tmp_path)}/".encode(), f"SVCCERT_RUN={runs_dir(tmp_path)}/".encode(),
             tag.encode())
    found = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/environ", "rb") as f:
                env = f.read()
            with open(d + "/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if any(m in env or m in cmd for m in marks):
            found.append(int(d[6:]))
    return found


def comm(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def descendants(root):
    """Every process below root, with its command name."""
    parent, comm = {}, {}
    for d in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(d) as f:
                text = f.read()
        except OSError:
            continue
        pid = int(d.split("/")[2])
        head, _, rest = text.rpartition(")")
        comm[pid] = head.partition("(")[2]
        parent[pid] = int(rest.split()[1])
    below, todo = {}, [root]
    while todo:
        p = todo.pop()
        for c, pp in parent.items():
            if pp == p and c not in below:
                below[c] = comm.get(c, "")
                todo.append(c)
    return below


class Listener:
    """A TCP listener on the host's 127.0.0.1 that counts what it accepts, until closed."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._done.is_set():
            try:
                conn, addr = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(1)
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            conn.close()
            self.accepted.append((addr, data))

    def close(self):
        self._done.set()
        self._thread.join(5)
        self.sock.close()


class Host:
    """What one test owns outside the run: a directory with a planted secret, a listener, a tag."""

    def __init__(self, tmp_path, cache, identity):
        self.tmp_path = tmp_path
        self.identity = identity
        self.dir = identity.owned_dir(tmp_path / "host")
        # hex: random, and unchanged by every escaping on its way into a log
        self.secret = secrets.token_hex(24)
        self.secret_file = self.dir / "secret"
        self.secret_file.write_text(self.secret)
        self.secret_file.chmod(0o644)
        self.tag = f"svccert-containment-{uuid.uuid4().hex}"
        self.listener = Listener()
        identity.owned_dir(runs_dir(tmp_path))
        self.env = identity.env(dict(run_env(tmp_path), SVCCERT_CACHE=str(cache)))

    def words(self, name):
        return fill(CANDIDATES[name][0], host=win_path(self.dir), secret=win_path(self.secret_file),
                    port=self.listener.port, tag=self.tag)

    def close(self):
        self.listener.close()
        # whatever a run left behind was started by this test: end it, by pid
        for pid in marked_processes(self.tmp_path, self.tag):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


# An ordinary user for the runs of the "user" identity: the sandbox must hold as root (CI) and as an
# ordinary user (a developer's machine, through user namespaces).
NOBODY = 65534


class Identity:
    """Who runs svccert: root as the tests do, or an ordinary user; for the user, a copy of what svccert
    needs (the command, its libraries, the Windows helpers, the candidates) in a directory it can read,
    and a world-writable base for everything a test owns."""

    def __init__(self, name, base):
        self.name = name
        self.base = base
        if name == "root":
            self.prefix, self.svccert, self.hostile, self.win = [], SVCCERT, HOSTILE, None
            return
        bin_dir = base / "bin"
        shutil.copytree(SVCCERT.parent / "win", bin_dir / "win", ignore=shutil.ignore_patterns("obj", "*.o", "*.d"))
        for f in ("svccert", "libsvctrace.so", "libsvcconform.so"):
            shutil.copy2(SVCCERT.parent / f, bin_dir / f)
        for d in [base, *base.rglob("*")]:
            d.chmod(0o777 if d.is_dir() else d.stat().st_mode | 0o755)
        self.prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        self.svccert, self.hostile, self.win = bin_dir / "svccert", bin_dir / "win" / "hostile", bin_dir / "win"

    def env(self, env):
        if self.name == "root":
            return env
        return dict(env, HOME=str(self.base), SVCCERT_WIN_DIR=str(self.win))

    def owned_dir(self, path):
        """A directory the identity owns (Wine refuses a prefix whose directory another user owns)."""
        path.mkdir(parents=True, exist_ok=True)
        if self.name != "root":
            os.chown(path, NOBODY, NOBODY)
        return path


@pytest.fixture(scope="module", params=["root", "user"])
def identity(request, tmp_path_factory):
    if request.param == "root" and os.geteuid():
        pytest.skip("the root identity needs the tests to run as root")
    if request.param == "user" and not os.geteuid():
        # pytest's own temporary directories are the caller's alone: the user gets a base of its own
        base = Path(tempfile.mkdtemp(prefix="svccert-user."))
        base.chmod(0o777)
        yield Identity("user", base)
        shutil.rmtree(base, ignore_errors=True)
        return
    yield Identity("root", tmp_path_factory.mktemp("root"))


@pytest.fixture(scope="module")
def template(identity):
    """(cache, template) private to this module and identity: a candidate that escapes tampers with a
    template of its own, never with the one every other svccert run on the machine clones."""
    if not SVCCERT.exists() or not HOSTILE.exists():
        pytest.fail(f"not built: {SVCCERT} or {HOSTILE}; run ninja first")
    cache = identity.owned_dir(identity.base / "cache")
    tmp = identity.owned_dir(identity.base / "boot")
    r = subprocess.run([*identity.prefix, "timeout", "-k", "10", "300", str(identity.svccert), "prefix"],
                       capture_output=True, text=True,
                       env=identity.env(dict(os.environ, SVCCERT_CACHE=str(cache), TMPDIR=str(tmp))))
    assert r.returncode == 0, r.stderr
    path = Path(r.stdout.strip().splitlines()[-1])
    assert path.is_dir() and str(path).startswith(str(cache)), r.stdout
    return cache, path


@pytest.fixture
def host(request, tmp_path, template, identity):
    where = tmp_path if identity.name == "root" else identity.owned_dir(identity.base / request.node.name)
    h = Host(where, template[0], identity)
    yield h
    h.close()


def require_sandbox():
    """Fails, without starting anything, when svccert has no limits to give a resource attack."""
    usage = subprocess.run([str(SVCCERT), "--help"], capture_output=True, text=True, timeout=30).stdout
    missing = [o for o in LIMIT_OPTS[::2] if o not in usage]
    if missing:
        pytest.fail(f"svccert has no sandbox limits ({', '.join(missing)} missing from its usage): a resource "
                    "attack is not started without them")


class Result:
    pass


def run_contained(host, template, name, *opts):
    """Runs `svccert check` on the hostile candidate under a hard timeout, watching its processes, and
    gathers everything the assertions look at."""
    tpl = template[1]
    before = tree_digest(tpl)
    out = host.identity.owned_dir(host.tmp_path / "out")
    argv = [*host.identity.prefix, str(host.identity.svccert), "check", str(host.identity.hostile / f"{name}.exe"),
            "--out", str(out),
            *[a for w in host.words(name) for a in ("--image-arg", w)], *SHORT, *opts]
    hard = TIMEOUT_S + HARD_MARGIN_S
    res = Result()
    res.name = name
    res.identity = host.identity
    res.max_procs, res.proc_names = 0, set()
    t0 = time.monotonic()
    p = subprocess.Popen(["timeout", "-k", "10", str(hard), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=host.env)
    done = threading.Event()

    def sample():
        # the run's processes, found both ways: by their marks, and below svccert (a sandbox may give
        # them another WINEPREFIX); the harness's own wrappers are not Wine's or the candidate's
        while not done.is_set():
            mine = descendants(p.pid)
            mine.update({pid: comm(pid) for pid in marked_processes(host.tmp_path, host.tag) if pid not in mine})
            mine = {pid: c for pid, c in mine.items() if c not in WRAPPERS}
            if len(mine) > res.max_procs:
                res.max_procs = len(mine)
            res.proc_names |= set(mine.values())
            done.wait(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = p.communicate(timeout=hard + 30)
    finally:
        done.set()
        sampler.join(10)
        if p.poll() is None:
            p.kill()
            p.wait()
    res.wall = time.monotonic() - t0
    res.rc = p.returncode
    res.stdout, res.stderr = stdout, stderr
    res.left = marked_processes(host.tmp_path, host.tag)
    res.host_files = sorted(os.listdir(host.dir))
    res.runs_left = sorted(x.name for x in runs_dir(host.tmp_path).glob("svccert-run.*"))
    res.runs_bytes = sum(f.stat().st_size for f in runs_dir(host.tmp_path).rglob("*")
                         if f.is_file() and not f.is_symlink())
    res.accepted = list(host.listener.accepted)
    res.template_changed = changed(before, tree_digest(tpl))
    res.out = out
    report_file = out / "report.json"
    res.report = json.loads(report_file.read_text()) if report_file.exists() else None
    runs = (res.report or {}).get("runs") or []
    res.traces = [Path(r["trace"]) for r in runs if r.get("trace")]
    res.raw_logs = [Path(r["raw_log"]) for r in runs if r.get("raw_log")]
    res.events = [e for t in res.traces if t.exists() for e in read_trace(t)]
    res.raw = b"".join(raw_text(r) for r in res.raw_logs if r.exists())
    res.artifacts = sorted({f for f in out.rglob("*") if f.is_file()} | set(res.traces) | set(res.raw_logs)) \
        if out.exists() else []
    return res


def complete(res):
    """Problems with the report itself: it must exist, be whole, and come before the hard timeout."""
    if res.rc in (124, 137) or res.wall > TIMEOUT_S + HARD_MARGIN_S:
        return [f"svccert did not finish: killed by the hard timeout after {res.wall:.0f} s (status {res.rc})"]
    problems = []
    if res.rc not in (0, 1, 3):
        problems.append(f"exit status {res.rc}, not 0/1/3: {res.stderr.decode(errors='replace').strip()}")
    if res.report is None:
        return problems + ["no report.json"]
    got = {r["id"]: r.get("verdict") for r in res.report.get("rules", [])}
    if sorted(got) != sorted(spec_rule_ids()):
        problems.append(f"the report's rules are not the catalog's: {sorted(set(spec_rule_ids()) ^ set(got))}")
    bad = {k: v for k, v in got.items() if v not in VERDICTS}
    if bad:
        problems.append(f"rules without a verdict: {bad}")
    if not res.events or res.events[0].get("ev") != "header" or res.events[-1].get("ev") != "end":
        problems.append("the run's trace is not complete (header ... end)")
    return problems


def contained(res, host):
    """Problems with containment that any candidate could cause."""
    problems = complete(res)
    if f"hostile {res.name} running".encode() not in res.raw:
        problems.append(f"the candidate never said it was running: its attack was not tried ({res.raw_logs})")
    if res.host_files != ["secret"]:
        problems.append(f"written outside the run, in the test's own directory: {res.host_files}")
    secret = host.secret.encode()
    leaked = [str(f) for f in res.artifacts if f.exists() and secret in f.read_bytes()]
    leaked += [s for s, text in (("stdout", res.stdout), ("stderr", res.stderr)) if secret in text]
    if leaked:
        problems.append(f"the planted secret is in the run's artifacts: {leaked}")
    if res.accepted:
        problems.append(f"the host's listener accepted connections: {res.accepted}")
    if res.template_changed:
        problems.append(f"the template changed: {res.template_changed[:10]}")
    if res.left:
        names = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                 for pid in res.left if Path(f"/proc/{pid}/cmdline").exists()}
        problems.append(f"processes of the run were left: {names}")
    if res.runs_left:
        problems.append(f"the run's prefix was left on disk: {res.runs_left}")
    return problems


def limits_here(identity):
    """What `svccert sandbox` says, for this identity, of enforcing memory and process limits."""
    r = subprocess.run([*identity.prefix, str(identity.svccert), "sandbox"], capture_output=True, text=True,
                       timeout=60, env=identity.env(dict(os.environ)))
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def require_limits(host):
    """Memory and process limits are a cgroup's where the identity can make one, else watched from /proc
    and the kernel's RLIMIT_NPROC: either way they hold, and `svccert sandbox` says which."""
    assert limits_here(host.identity)["limits_by"] in ("cgroup", "watch")


def sandboxed(res, **limits):
    """Problems with the report's account of the sandbox: on, no network, the limits asked for, each
    enforced, and by what (a cgroup, or a watch where the identity can make none)."""
    box = (res.report or {}).get("sandbox")
    if not isinstance(box, dict):
        return ["the report has no sandbox object"]
    problems = []
    by = limits_here(res.identity)["limits_by"]
    enforced = box.get("enforced") or {}
    if not all(enforced.get(k) is True for k in ("memory", "pids", "disk", "raw_log")):
        problems.append(f"the report says a limit was not enforced: {enforced}")
    if box.get("limits_by") != by:
        problems.append(f"the report's limits are by {box.get('limits_by')}, this machine's by {by}")
    if by == "watch" and not box.get("note"):
        problems.append("the report does not say the memory and process limits were only watched")
    if box.get("enabled") is not True or box.get("network") is not False:
        problems.append(f"the report's sandbox is not enabled without network: {box}")
    for k, v in limits.items():
        if (box.get("limits") or {}).get(k) != v:
            problems.append(f"the report's sandbox limit {k} is {(box.get('limits') or {}).get(k)}, asked {v}")
    return problems


def said(res, what):
    """The numbers of the candidate's lines "hostile NAME WHAT...=N" in the raw log, in order."""
    return [int(x) for x in re.findall(rf"hostile {res.name} {what}=(\d+)".encode(), res.raw)]


def limit_events(res, which):
    return [e for e in res.events if e.get("ev") == "harness" and e.get("action") == "limit"
            and e.get("limit") == which]


def lines(res, what):
    return re.findall(rf"hostile {res.name} {what}\b".encode(), res.raw)


def check(problems):
    assert not problems, "\n".join(problems)


def test_escape_write_is_contained(host, template):
    res = run_contained(host, template, "escape_write", *DWELL_ONE_SHOT)
    problems = contained(res, host)
    tried = lines(res, "wrote")
    if len(tried) != host.words("escape_write").count("--path"):
        problems.append(f"the candidate tried {len(tried)} of its paths")
    check(problems + sandboxed(res))


def test_read_secret_is_contained(host, template):
    res = run_contained(host, template, "read_secret", *DWELL_ONE_SHOT)
    problems = contained(res, host)
    if len(lines(res, "read")) != 2:
        problems.append("the candidate did not try both of its paths")
    check(problems + sandboxed(res))


def test_connect_out_is_contained(host, template):
    res = run_contained(host, template, "connect_out", *DWELL_ONE_SHOT)
    problems = contained(res, host)
    if not lines(res, "connect"):
        problems.append("the candidate never tried to connect")
    check(problems + sandboxed(res))


def test_network_is_an_opt_in_the_report_records(host, template):
    """--network keeps the host's network: the same connection goes through, and the report says so."""
    res = run_contained(host, template, "connect_out", *DWELL_ONE_SHOT, "--network")
    problems = complete(res)
    if not res.accepted:
        problems.append("with --network the host's listener accepted nothing")
    box = (res.report or {}).get("sandbox") or {}
    if (box.get("enabled"), box.get("network")) != (True, True):
        problems.append(f"the report's sandbox does not say the network was kept: {box}")
    check(problems)


def test_tamper_prefix_is_contained(host, template):
    res = run_contained(host, template, "tamper_prefix", *DWELL_ONE_SHOT)
    problems = contained(res, host)
    if len(lines(res, "appended")) != 2:
        problems.append("the candidate did not try both files")
    check(problems + sandboxed(res))


def test_leave_child_is_contained(host, template):
    res = run_contained(host, template, "leave_child", *DWELL_ONE_SHOT)
    problems = contained(res, host)
    if not lines(res, "child"):
        problems.append("the candidate never tried to start its child")
    check(problems + sandboxed(res))


def test_process_storm_is_contained(host, template):
    require_sandbox()
    require_limits(host)
    res = run_contained(host, template, "process_storm", *DWELL_RESOURCE, *LIMIT_OPTS)
    problems = contained(res, host)
    pids = LIMITS["pids"]
    if res.max_procs > pids:
        problems.append(f"{res.max_procs} processes of the run at once, over the limit of {pids}")
    if max(said(res, "started n"), default=0) > pids:
        problems.append(f"the candidate started {max(said(res, 'started n'))} children, over the limit of {pids}")
    if not limit_events(res, "pids"):
        problems.append("the run reached its process limit without a pids limit event")
    check(problems + sandboxed(res, pids=pids))


def test_memory_hog_is_contained(host, template):
    require_sandbox()
    require_limits(host)
    res = run_contained(host, template, "memory_hog", *DWELL_RESOURCE, *LIMIT_OPTS)
    problems = contained(res, host)
    mib = LIMITS["memory_mib"]
    got = said(res, "committed mib")
    if got and got[-1] > mib:
        problems.append(f"the candidate was given {got[-1]} MiB, over the limit of {mib}")
    if not limit_events(res, "memory"):
        problems.append(f"no memory limit event (the candidate said {got} MiB)")
    check(problems + sandboxed(res, memory_mib=mib))


def test_disk_fill_is_contained(host, template):
    require_sandbox()
    res = run_contained(host, template, "disk_fill", *DWELL_RESOURCE, *LIMIT_OPTS)
    problems = contained(res, host)
    mib = LIMITS["disk_mib"]
    got = said(res, "wrote mib")
    if got and got[-1] > mib:
        problems.append(f"the candidate wrote {got[-1]} MiB, over the limit of {mib}")
    if not limit_events(res, "disk"):
        problems.append(f"no disk limit event (the candidate said {got} MiB)")
    if res.runs_bytes > (mib << 20):
        problems.append(f"{res.runs_bytes} bytes left in the runs directory")
    check(problems + sandboxed(res, disk_mib=mib))


def test_debug_flood_is_contained(host, template):
    require_sandbox()
    res = run_contained(host, template, "debug_flood", *DWELL_RESOURCE, *LIMIT_OPTS)
    problems = contained(res, host)
    cap = LIMITS["log_mib"] << 20
    if not res.raw_logs:
        problems.append("the report names no raw log")
    big = {str(r): len(raw_text(r)) for r in res.raw_logs if r.exists() and len(raw_text(r)) > cap}
    if big:
        problems.append(f"raw log over the limit of {cap} bytes: {big}")
    if not limit_events(res, "raw_log"):
        problems.append("the trace does not say the raw log was cut (no raw_log limit event)")
    check(problems + sandboxed(res, log_mib=LIMITS["log_mib"]))
