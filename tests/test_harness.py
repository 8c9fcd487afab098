"""The harness against hostile candidates and bad input: always a complete trace or a one-line error,
always within the deadline, never a process left behind."""
import glob
import struct
import subprocess
import time

import pytest

from conftest import BUILD, WIN, SVCCERT, SVCREF, run_trace, runs_dir
from trace_util import of

BROKEN = WIN / "broken"
SHORT = ["--start-timeout", "3000", "--stop-timeout", "3000", "--pause-timeout", "1000",
         "--exit-timeout", "2000", "--timeout", "60"]


def run_processes(tmp_path):
    """Processes that still belong to this test's runs (their WINEPREFIX lies in its runs directory)."""
    mine = (f"WINEPREFIX={runs_dir(tmp_path)}/".encode(), f"SVCCERT_RUN={runs_dir(tmp_path)}/".encode())
    left = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/environ", "rb") as f:
                env = f.read()
                if any(m in env for m in mine):
                    left.append(d)
        except OSError:
            pass
    return left


def hostile(tmp_path, name, *extra):
    t0 = time.monotonic()
    r, ev = run_trace(tmp_path, BROKEN / f"{name}.exe", *SHORT, *extra, name=name)
    wall = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert ev[0]["ev"] == "header" and ev[-1]["ev"] == "end", "trace is not complete"
    assert [e["seq"] for e in ev] == sorted(e["seq"] for e in ev)
    assert not run_processes(tmp_path), "a process of the run was left behind"
    assert not list(runs_dir(tmp_path).glob("svccert-run.*")), "the run's prefix was left on disk"
    return ev, wall


def cand_exit(ev):
    pid = [q["service_pid"] for q in of(ev, "ctl_query") if q.get("service_pid")]
    pid = pid[0] if pid else next((e["pid"] for e in of(ev, "service_main")), None)
    return [e for e in of(ev, "process_exit") if e["pid"] == pid]


@pytest.mark.wine
def test_crash_is_recorded_as_a_crash_with_its_exception_code(tmp_path, built):
    ev, _ = hostile(tmp_path, "crash")
    exits = cand_exit(ev)
    assert exits and exits[0]["how"] == "crash" and exits[0]["code"] == 0xC0000005, exits
    assert not [s for s in of(ev, "status") if s["state"] == 1]


@pytest.mark.wine
def test_hang_in_service_main_is_cut_off_and_killed(tmp_path, built):
    ev, _ = hostile(tmp_path, "hang_main")
    assert len(of(ev, "service_main")) >= 1
    start = of(ev, "ctl_start")[0]
    waited = of(ev, "ctl_wait")
    # Wine's StartService gives up after 10 s with no status; otherwise the controller's wait times out.
    assert (start["ok"] == 0 and start["error"] == 1053) or waited[0]["outcome"] == "timeout"
    assert [h for h in of(ev, "harness") if h["action"] == "kill"] or \
        [e for e in cand_exit(ev) if e["how"] == "killed"]


@pytest.mark.wine
def test_no_dispatcher_is_recorded_and_the_process_is_gone(tmp_path, built):
    ev, _ = hostile(tmp_path, "no_dispatcher")
    assert not of(ev, "dispatcher") and not of(ev, "service_main")
    start = of(ev, "ctl_start")[0]
    assert start["ok"] == 0 and start["error"] == 1053


@pytest.mark.wine
def test_ignored_stop_is_recorded_and_the_service_killed(tmp_path, built):
    ev, _ = hostile(tmp_path, "ignore_stop")
    stop = [c for c in of(ev, "ctl_control") if c["control"] == 1]
    assert stop and stop[0]["ok"] == 1
    assert [w for w in of(ev, "ctl_wait") if w["what"] == "stopped"][0]["outcome"] == "timeout"
    assert not [s for s in of(ev, "status") if s["state"] == 1]
    killed = [h for h in of(ev, "harness") if h["action"] == "kill"]
    assert killed or [e for e in cand_exit(ev) if e["how"] == "killed"]


@pytest.mark.wine
def test_console_program_is_not_a_service(tmp_path, built):
    ev, _ = hostile(tmp_path, "console")
    assert not of(ev, "dispatcher")
    assert of(ev, "ctl_start")[0]["ok"] == 0


@pytest.mark.wine
def test_deadline_ends_the_run_and_says_so(tmp_path, built):
    t0 = time.monotonic()
    r, ev = run_trace(tmp_path, BROKEN / "ignore_stop.exe", "--timeout", "8", "--stop-timeout", "60000",
                      "--exit-timeout", "60000")
    wall = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert ev[-1]["ev"] == "end" and ev[-1]["reason"] == "deadline"
    assert [h for h in of(ev, "harness") if h["action"] == "deadline"]
    assert wall < 8 + 20, f"the run took {wall:.1f} s past an 8 s deadline"
    assert not run_processes(tmp_path)


def _pe32(path):
    """A copy of the reference with the header of a 32-bit PE."""
    data = bytearray(SVCREF.read_bytes())
    off = struct.unpack_from("<I", data, 0x3C)[0]
    struct.pack_into("<H", data, off + 4, 0x14C)
    struct.pack_into("<H", data, off + 24, 0x10B)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("make, says", [
    (lambda p: p / "missing.exe", "No such file"),
    (lambda p: (p / "notes.exe").write_text("not a program") and p / "notes.exe", "not a Windows executable"),
    (lambda p: (p / "dos.exe").write_bytes(b"MZ" + b"\0" * 200) and p / "dos.exe", "not a PE executable"),
    (_pe32_maker := (lambda p: _pe32(p / "x86.exe")), "32-bit PE"),
    (lambda p: p, "not a regular file"),
])
@pytest.mark.parametrize("cmd", ["trace", "check"])
def test_bad_input_gets_one_line_and_exit_2(tmp_path, built, make, says, cmd):
    cand = make(tmp_path)
    r = subprocess.run([str(SVCCERT), cmd, str(cand), "--out" if cmd == "check" else "-o",
                        str(tmp_path / "o")], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and lines[0].startswith("svccert: "), r.stderr
    assert "Traceback" not in r.stderr


def test_bad_usage_exits_2(built):
    for argv in (["trace"], ["frobnicate"], ["trace", "x.exe", "--timeout", "zero"], []):
        r = subprocess.run([str(SVCCERT), *argv], capture_output=True, text=True, timeout=30)
        assert r.returncode == 2, argv
        assert r.stderr


@pytest.mark.parametrize("cmd, opts, says", [
    ("trace", ["--shape", "service,user"], "one shape"),
    ("check", ["--shape", "service,sideways"], "unknown shape 'sideways'"),
    ("trace", ["--clsid", "not-a-guid"], "bad value for --clsid"),
    ("check", ["--clsid", "{1DF5B9B1-88A6-4370-A9BD-DB5066A3B37}"], "bad value for --clsid"),
    ("trace", ["--reg", "/nonexistent/server.reg"], "/nonexistent/server.reg"),
    ("check", ["--reg", "/nonexistent/server.reg"], "/nonexistent/server.reg"),
    ("check", ["--instances", "0"], "bad value for --instances"),
])
def test_bad_com_options_get_one_line_and_exit_2(tmp_path, built, cmd, opts, says):
    r = subprocess.run([str(SVCCERT), cmd, str(SVCREF), *opts, "--out" if cmd == "check" else "-o",
                        str(tmp_path / "o")], capture_output=True, text=True, timeout=30)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and says in lines[0], r.stderr
    assert not (tmp_path / "o").exists() or cmd == "check"
