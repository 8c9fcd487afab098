"""The reference as a COM server under Wine 8, in its three shapes, proven from Wine's own log."""
import subprocess
import time

import pytest

from parser_util import REPO, parse_file
from wine_util import WINE, Prefix
from paths import WIN

pytestmark = pytest.mark.wine

SVCREF = WIN / "svcref.exe"
COMCLIENT = WIN / "comclient.exe"
CLSID = "{1DF5B9B1-88A6-4370-A9BD-DB5066A3B378}"
APPID = "{0ABF6263-6CC4-4F9A-A5E7-9862512810BE}"
DEBUG = "+timestamp,+pid,+service,+ole,warn+debugstr,+msg,+process"
QUIET = "+timestamp,+pid,warn+debugstr,+process"   # for clients: +ole while busy-waiting floods the log


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
        out["svc_cli"] = p.run(cli, "--clsid", CLSID, "--instances", "2", "--hold-ms", "300", "--rot")
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
        raw = p.log.read_bytes()
    for name, part, kw in (("embed", raw[:mark1], {}), ("svc", raw[mark1:mark2], {"service": "svcref"})):
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
