"""A private Wine prefix for tests that must run Windows programs outside the harness."""
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from paths import BUILD

SVCCERT = BUILD / "svccert"
WINE = Path(os.environ.get("SVCCERT_WINE_DIR", "/usr/lib/wine"))


def template():
    """The prefix template every run clones, booted first when this machine has none yet: a test
    must not depend on an earlier test (or an earlier svccert run) having made it."""
    r = subprocess.run([str(SVCCERT), "prefix"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"svccert prefix failed: {r.stderr}"
    return r.stdout.strip()


class Prefix:
    """Hard-link clone of the template, its own wineserver, everything killed by pid on exit."""

    def __init__(self, winedebug="-all"):
        self.dir = Path(tempfile.mkdtemp(prefix="svccert-test."))
        self.path = self.dir / "pfx"
        self.log = self.dir / "raw.log"
        self.env = dict(os.environ, WINEPREFIX=str(self.path), WINEDEBUG=winedebug,
                        WINESERVER=str(WINE / "wineserver64"), WINEDLLOVERRIDES="mscoree,mshtml=")
        self.env.pop("DISPLAY", None)
        self.server = None

    def __enter__(self):
        tpl = template()
        subprocess.run(["cp", "-al", tpl, str(self.path)], check=True)
        for reg in glob.glob(os.path.join(tpl, "*.reg")):
            dst = self.path / os.path.basename(reg)
            dst.unlink()
            shutil.copyfile(reg, dst)
        (self.path / "drive_c" / "t").mkdir()
        with open(self.log, "ab") as log:
            self.server = subprocess.Popen([str(WINE / "wineserver64"), "-f", "-p"], env=self.env,
                                           stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        time.sleep(0.2)
        return self

    def settle(self, timeout=90):
        """Waits for the prefix's own services to finish starting: a program that calls
        StartServiceCtrlDispatcher meanwhile can be handed one of their control pipes by Wine. RpcSs is
        started first, as the controller does (on Windows it always runs; Wine starts it on demand)."""
        end = time.monotonic() + timeout
        self.run("sc", "start", "RpcSs")
        while time.monotonic() < end:
            _, out = self.run("sc", "query", "RpcSs")
            if "RUNNING" in out:
                return
            time.sleep(0.2)
        raise AssertionError("the prefix's services did not settle")

    def put(self, host_file):
        """Copies a file to C:\\t\\ and returns its Windows path."""
        shutil.copy(host_file, self.path / "drive_c" / "t")
        return "C:\\t\\" + os.path.basename(host_file)

    def run(self, *argv, timeout=60):
        """Runs a Windows program; output goes through files, never a pipe Wine could hold open."""
        out = self.dir / "out.txt"
        with open(out, "wb") as o, open(self.log, "ab") as log:
            p = subprocess.run([str(WINE / "wine64"), *argv], env=self.env, stdout=o, stderr=log,
                               stdin=subprocess.DEVNULL, timeout=timeout)
        return p.returncode, out.read_text(errors="replace")

    def __exit__(self, *exc):
        subprocess.run([str(WINE / "wineserver64"), "-k"], env=self.env, timeout=30,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.server:
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        for pid in leftovers(self.path):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


def leftovers(prefix):
    """Pids of processes still running with this WINEPREFIX."""
    want = f"WINEPREFIX={prefix}".encode()
    pids = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/environ", "rb") as f:
                if want in f.read().split(b"\0"):
                    pids.append(int(d.rsplit("/", 1)[1]))
        except OSError:
            pass
    return [p for p in pids if p != os.getpid()]
