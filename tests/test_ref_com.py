"""The reference as a COM server under Wine 8, in its three shapes, proven from Wine's own log."""
import re
import subprocess
import time

import pytest

from parser_util import REPO, parse_file
from trace_util import service_main
from wine_util import WINE, Prefix
from paths import WIN

pytestmark = pytest.mark.wine

SVCREF = WIN / "svcref.exe"
COMCLIENT = WIN / "comclient.exe"
CLSID = "{1DF5B9B1-88A6-4370-A9BD-DB5066A3B378}"
APPID = "{0ABF6263-6CC4-4F9A-A5E7-9862512810BE}"
DEBUG = "+timestamp,+pid,+service,+ole,warn+debugstr,+msg,+process"
QUIET = "+timestamp,+pid,warn+debugstr,+process"   # for clients: +ole while busy-waiting floods the log
FIRST_CLIENT_MS = 5000   # the reference's documented wait for its first client (ATL's m_dwTimeOut)
OLE_TRACE = re.compile(r"([0-9a-f]{4}):[0-9a-f]{4}:trace:ole:(\w+)")
MARKER_LINE = re.compile(r"([0-9a-f]{4}):[0-9a-f]{4}:warn:\w+:OutputDebugString\w+ \"svcref rule=")
LONELY_LIMIT_S = 25      # far past that wait plus Wine's start-up: a server still there has not left


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    """One prefix for every shape; returns the parsed traces and what the programs said."""
    for p in (SVCREF, COMCLIENT):
        if not p.exists():
            pytest.fail(f"not built: {p}; run ninja first")
    out = {}
    tmp = tmp_path_factory.mktemp("com")
    with Prefix(winedebug=DEBUG) as p:
        p.settle()
        ref, cli = p.put(SVCREF), p.put(COMCLIENT)
        loud = p.env
        quiet = dict(loud, WINEDEBUG=QUIET)

        out["regserver"] = p.run(ref, "regserver")
        out["reg_clsid"] = p.run("reg", "query", rf"HKCR\CLSID\{CLSID}", "/s")
        out["reg_exe"] = p.run("reg", "query", r"HKCR\AppID\svcref.exe")
        out["embed_cli"] = p.run(cli, "--clsid", CLSID, "--instances", "2", "--hold-ms", "300", "--lock")
        time.sleep(1.5)
        out["fail"] = p.run(ref, "-Embedding", "--com-fail-register")
        mark1 = p.log.stat().st_size

        out["unreg"] = p.run(ref, "unregserver")
        out["reg_after_unreg"] = p.run("reg", "query", rf"HKCR\CLSID\{CLSID}")
        out["install"] = p.run(ref, "install", "--", "--rot")
        out["reg_appid"] = p.run("reg", "query", rf"HKCR\AppID\{APPID}")
        p.env = quiet
        # two rounds: the second activates after the service's count went to zero
        out["svc_cli"] = p.run(cli, "--clsid", CLSID, "--instances", "2", "--hold-ms", "300", "--rot",
                               "--rounds", "2")
        p.env = loud
        out["stop"] = p.run("sc", "stop", "svcref")
        time.sleep(1.5)
        out["uninstall"] = p.run(ref, "uninstall")
        mark2 = p.log.stat().st_size

        p.run("reg", "add", r"HKCU\Software\Wine\Drivers", "/v", "Graphics", "/d", "null", "/f")
        p.run(ref, "regserver")
        with open(p.log, "ab") as log:
            srv = subprocess.Popen([str(WINE / "wine64"), ref, "-user"], env=loud, stdout=log, stderr=log,
                                   stdin=subprocess.DEVNULL)
        time.sleep(2)
        p.env = quiet
        out["user_cli"] = p.run(cli, "--clsid", CLSID, "--hold-ms", "200")
        time.sleep(1.5)
        out["user_alive"] = srv.poll() is None
        out["close"] = p.run(cli, "--close-window", "svcref COM server")
        try:
            out["user_exit"] = srv.wait(timeout=15)
        except subprocess.TimeoutExpired:
            srv.kill()
            out["user_exit"] = None
        p.env = loud
        # launched as COM would launch it, but no client ever comes: it must leave by itself.
        # Last, so that a server which stays (and keeps its registration) cannot serve the runs above.
        mark_lonely = p.log.stat().st_size
        t0 = time.monotonic()
        try:
            out["lonely_rc"] = p.run(ref, "-Embedding", timeout=LONELY_LIMIT_S)[0]
        except subprocess.TimeoutExpired:
            out["lonely_rc"] = None
        out["lonely_s"] = time.monotonic() - t0
        mark3 = p.log.stat().st_size
        raw = p.log.read_bytes()
    out["svc_raw"] = raw[mark1:mark2].decode(errors="replace")
    # started straight from the command line, as COM would start it: the first marker names its process
    said = MARKER_LINE.search(raw[mark_lonely:mark3].decode(errors="replace"))
    lonely_pid = int(said.group(1), 16) if said else 0
    for name, part, kw in (("embed", raw[:mark1], {}), ("lonely", raw[mark_lonely:mark3], {"pid": lonely_pid}),
                           ("svc", raw[mark1:mark2], {"service": "svcref"})):
        (tmp / f"{name}.log").write_bytes(part)
        rc, err, ev = parse_file(tmp / f"{name}.log", tmp / f"{name}.jsonl", **kw)
        assert rc == 0, err
        out[name] = ev
    return out


def test_regserver_writes_a_consistent_registration(wine):
    assert wine["regserver"][0] == 0
    text = wine["reg_clsid"][1]
    assert APPID in text and '"C:\\t\\svcref.exe"' in text and "LocalServer32" in text
    assert APPID in wine["reg_exe"][1]
    assert wine["unreg"][0] == 0 and wine["reg_after_unreg"][0] != 0


def test_install_adds_local_service(wine):
    assert wine["install"][0] == 0
    assert "LocalService" in wine["reg_appid"][1] and "svcref" in wine["reg_appid"][1]


def test_activation_launches_embedding_server_which_revokes_and_exits(wine):
    ev = wine["embed"]
    assert wine["embed_cli"][0] == 0, wine["embed_cli"]
    start = [e for e in ev if e["ev"] == "process_start"]
    assert start and start[0]["cmdline"].endswith("-Embedding")
    cand = start[0]["pid"]
    acts = [e for e in ev if e["ev"] == "cli_activate"]
    # two instances, and the one the LockServer probe makes through its factory (Wine's proxy never locks)
    assert [a.get("via") for a in acts] == [None, None, "factory"] and all(a["ok"] == 1 for a in acts)
    mine = [e["ev"] for e in ev if e["pid"] == cand and e["ev"].startswith(("com_", "quit"))]
    assert mine == ["com_init", "com_security", "com_register", "com_resume", "quit_received", "com_revoke"]
    last_release = [e for e in ev if e["ev"] == "cli_release"][-1]
    revoke = [e for e in ev if e["ev"] == "com_revoke"][0]
    assert last_release["remaining"] == 0 and revoke["t"] - last_release["t"] < 1000


def test_failed_registration_gives_non_zero_exit(wine):
    assert wine["fail"][0] == 3


def test_service_registers_after_security_and_before_running(wine):
    ev = wine["svc"]
    assert wine["svc_cli"][0] == 0, wine["svc_cli"]
    assert "cli_rot_lookup ok=1" in wine["svc_cli"][1]
    names = [e["ev"] if e["ev"] != "status" else f"status{e['state']}" for e in ev
             if e["ev"] in ("com_security", "com_register", "com_resume", "rot_register", "com_revoke", "status")
             and not (e["ev"] == "status" and e["state"] == 2)]
    assert names[:5] == ["com_security", "com_register", "rot_register", "com_resume", "status4"], names
    assert names.index("com_revoke") < names.index("status1")
    assert [e["flags"] for e in ev if e["ev"] == "rot_register"] == [3]


def test_user_started_server_stays_until_its_window_closes(wine):
    assert wine["user_cli"][0] == 0
    assert wine["user_alive"]
    assert wine["user_exit"] == 0


def _markers(ev, pid, text):
    return [e for e in ev if e["ev"] == "marker" and e["pid"] == pid and e["text"].startswith(text)]


def test_service_count_never_suspends_and_a_second_round_is_served(wine):
    """CoReleaseServerProcess reaching zero suspends every class object on Windows (not under Wine,
    whose combase leaves it a FIXME): the service must never take that count to zero, and must serve a
    client that comes after its last one left."""
    ev = wine["svc"]
    assert wine["svc_cli"][0] == 0, wine["svc_cli"]
    pid = service_main(ev)["pid"]
    # Wine's +ole trace of the call itself: the service process never enters CoReleaseServerProcess
    traced = [m for m in OLE_TRACE.finditer(wine["svc_raw"]) if int(m.group(1), 16) == pid]
    assert traced, "no +ole trace from the service: the check below would prove nothing"
    calls = [m.group(0) for m in traced if m.group(2) == "CoReleaseServerProcess"]
    assert not calls, calls[:3]
    # its own bookkeeping: the count reached zero after each round, and that suspended nothing
    zero = _markers(ev, pid, "service: server count 0")
    assert len(zero) == 2, [e["text"] for e in ev if e["ev"] == "marker"]
    acts = [e for e in ev if e["ev"] == "cli_activate"]
    assert len(acts) == 4 and all(a["ok"] == 1 for a in acts), acts
    # the second round's activations come after the service saw its count reach zero, and are served
    assert [a for a in acts if a["seq"] > zero[0]["seq"]] == acts[2:]
    assert zero[0]["seq"] < acts[2]["seq"] < acts[3]["seq"] < zero[1]["seq"]
    assert not _markers(ev, pid, "no instance, no lock")


def test_embedding_server_whose_client_never_came_leaves_after_its_wait(wine):
    ev = wine["lonely"]
    assert wine["lonely_rc"] is not None, f"still running after {LONELY_LIMIT_S} s with no client"
    assert wine["lonely_rc"] == 0 and wine["lonely_s"] < FIRST_CLIENT_MS / 1000 + 10, wine["lonely_s"]
    armed = [e for e in ev if e["ev"] == "marker" and e["text"].startswith("launched for activation: the first")]
    assert len(armed) == 1, [e["text"] for e in ev if e["ev"] == "marker"]
    pid = armed[0]["pid"]
    left = _markers(ev, pid, f"launched for activation, no client within {FIRST_CLIENT_MS} ms")
    assert armed and left, [e["text"] for e in ev if e["ev"] == "marker"]
    waited = left[0]["t"] - armed[0]["t"]
    assert FIRST_CLIENT_MS - 100 <= waited <= FIRST_CLIENT_MS + 1500, waited
    revoke = [e for e in ev if e["ev"] == "com_revoke" and e["pid"] == pid]
    assert revoke and revoke[0]["seq"] > left[0]["seq"]
    # the process is gone once wine64 returns: its exit code and the run's time say it left by itself
    assert FIRST_CLIENT_MS / 1000 <= wine["lonely_s"], wine["lonely_s"]
