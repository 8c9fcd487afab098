"""The parser's COM events (docs/wine-hooks.md, "COM"), on excerpts of real Wine 8 logs of the reference."""
from parser_util import DATA, body, of, parse_file, parse_text

CLSID = "{1DF5B9B1-88A6-4370-A9BD-DB5066A3B378}"
EMBED_SERVER, EMBED_CLIENT = 0x14C, 0x140
SVC_SERVER, SVC_CLIENT = 0x128, 0x118
USER_SERVER = 0x19C


def _parse(tmp_path, name, **kw):
    rc, err, events = parse_file(DATA / name, tmp_path / "trace.jsonl", **kw)
    assert rc == 0, err
    return body(events)


def test_embedding_server_is_the_candidate_and_its_start_is_recorded(tmp_path):
    ev = _parse(tmp_path, "com_embedding.log")
    start = of(ev, "process_start")
    assert len(start) == 1
    assert start[0]["pid"] == EMBED_SERVER and start[0]["parent_pid"] == EMBED_CLIENT
    assert start[0]["cmdline"] == '"C:\\t\\svcref.exe" -Embedding'
    assert start[0]["image"] == "C:\\t\\svcref.exe"


def test_embedding_com_sequence(tmp_path):
    ev = _parse(tmp_path, "com_embedding.log")
    com = [e["ev"] for e in ev if e["pid"] == EMBED_SERVER and e["ev"] not in ("marker", "debugstr")]
    assert com == ["process_start", "com_init", "com_security", "com_register", "com_resume",
                   "quit_received", "com_revoke"]
    init, = of(ev, "com_init")
    assert init["model"] == "multithreaded" and init["flags"] == 0
    sec, = of(ev, "com_security")
    assert sec["sd"] == "0x140015420" and sec["auth_level"] == 6 and sec["imp_level"] == 2
    assert sec["capabilities"] == 0 and sec["result"] is None
    reg, = of(ev, "com_register")
    assert reg["clsid"] == CLSID and reg["context"] == 4 and reg["flags"] == 5
    assert reg["cookie"] is None and reg["result"] is None
    rev, = of(ev, "com_revoke")
    assert rev["cookie"] == 1
    # one event per call: the second CoInitializeEx line ("Initializing ...") is no event
    assert len(of(ev, "com_init")) == 1


def test_client_records_become_cli_events(tmp_path):
    ev = _parse(tmp_path, "com_embedding.log")
    acts = [e for e in ev if e["ev"].startswith("cli_")]
    assert [e["ev"] for e in acts] == ["cli_activate", "cli_activate", "cli_lock", "cli_lock",
                                       "cli_rot_lookup", "cli_release", "cli_release", "cli_done"]
    assert all(e["pid"] == EMBED_CLIENT for e in acts)
    a = acts[0]
    assert a["clsid"] == CLSID and a["ok"] == 1 and a["hr"] == 0 and a["instance"] == 0
    assert a["context"] == 4 and a["elapsed_ms"] > 1000
    assert acts[2]["lock"] == 1 and acts[2]["hr"] == 0x80004001    # Wine 8's LockServer proxy stub
    assert [e["remaining"] for e in acts if e["ev"] == "cli_release"] == [1, 0]
    # the server revoked after the last release had been asked for (the record follows the call)
    revoke, = of(ev, "com_revoke")
    assert revoke["seq"] > acts[5]["seq"]


def test_service_shape_registers_after_security_and_before_running(tmp_path):
    ev = _parse(tmp_path, "com_service.log", service="svcref")
    mine = [e for e in ev if e["pid"] == SVC_SERVER]
    names = [e["ev"] for e in mine if e["ev"] in ("com_security", "com_register", "rot_register", "com_resume")
             or (e["ev"] == "status" and e["state"] == 4)]
    assert names == ["com_security", "com_register", "rot_register", "com_resume", "status"]
    rot, = of(ev, "rot_register")
    assert rot["flags"] == 3                      # ALLOWANYCLIENT | REGISTRATIONKEEPSALIVE
    start, = of(ev, "process_start")
    assert start["cmdline"] == '"C:\\t\\svcref.exe" --rot'
    quit_, = of(ev, "quit_received")
    revoke, = of(ev, "com_revoke")
    stopped = [e for e in mine if e["ev"] == "status" and e["state"] == 1]
    assert quit_["seq"] < revoke["seq"] < stopped[0]["seq"]
    assert {e["pid"] for e in ev if e["ev"].startswith("cli_")} == {SVC_CLIENT}


def test_user_started_server_window(tmp_path):
    ev = _parse(tmp_path, "com_user.log", pid=USER_SERVER)
    win, = of(ev, "window")
    assert win["visible"] is True and win["title"] == "svcref COM server" and win["pid"] == USER_SERVER
    # user32's IME initializes COM (apartment) on the same thread before the reference does
    assert [e["model"] for e in of(ev, "com_init")] == ["apartment", "multithreaded"]
    assert of(ev, "quit_received") and of(ev, "com_revoke")
    # both comclient processes' records are kept, each with its own pid
    assert len({e["pid"] for e in ev if e["ev"].startswith("cli_")}) == 2


def test_synthetic_shapes(tmp_path):
    lines = [
        '1.000:0020:0024:trace:process:NtCreateUserProcess L"\\\\??\\\\C:\\\\s.exe" image L"C:\\\\s.exe" '
        'cmdline L"C:\\\\s.exe /Embedding" parent (nil)',
        '1.001:0020:0024:trace:process:NtCreateUserProcess L"\\\\??\\\\C:\\\\s.exe" pid 0030 tid 0034 handles 0x6c/0x70',
        "1.002:0030:0034:trace:ole:CoInitializeEx 0000000000000000, 0x2",
        "1.003:0030:0034:fixme:ole:CoInitializeSecurity 0000000000000000, -1, 0000000000000000, "
        "0000000000000000, 2, 3, 0000000000000000, 0x8, 0000000000000000 stub",
        "1.004:0030:0034:trace:ole:CoRegisterClassObject {aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}, "
        "0000000140010020, 0x4, 0x1, 000000000021F898",
        "1.005:0030:0034:trace:ole:RunningObjectTableImpl_Register 000000020B909280, 0x2, "
        "000000014000D020, 000000000034E350, 0000000140015458",
        "1.006:0030:0034:trace:msg:peek_message got type 6 msg 12 (WM_QUIT) hwnd (nil) wp 0 lp 0",
        "1.007:0030:0034:trace:ole:CoRevokeClassObject 0x2a",
        '1.008:0020:0024:warn:debugstr:OutputDebugStringA "svccert-cli cli_bogus%zz ok=1"',
        '1.009:0020:0024:warn:debugstr:OutputDebugStringA "svccert-cli nonsense"',
    ]
    ev = body(parse_text(tmp_path, "\n".join(lines) + "\n"))
    kinds = [e["ev"] for e in ev]
    assert kinds[:7] == ["process_start", "com_init", "com_security", "com_register", "rot_register",
                         "quit_received", "com_revoke"]
    assert of(ev, "com_init")[0]["model"] == "apartment"
    sec = of(ev, "com_security")[0]
    assert sec["sd"] == "0x0" and sec["capabilities"] == 8 and sec["auth_level"] == 2
    assert of(ev, "com_register")[0]["clsid"] == "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}"
    assert of(ev, "rot_register")[0]["flags"] == 2
    assert of(ev, "com_revoke")[0]["cookie"] == 42
    bad = [e for e in ev if e["ev"] == "harness"]
    assert bad and all(e["action"] == "bad_ctl_record" for e in bad)


def test_no_embedding_word_no_candidate(tmp_path):
    lines = [
        '1.000:0020:0024:trace:process:NtCreateUserProcess L"\\\\??\\\\C:\\\\s.exe" image L"C:\\\\s.exe" '
        'cmdline L"C:\\\\s.exe -Embeddingx" parent (nil)',
        '1.001:0020:0024:trace:process:NtCreateUserProcess L"\\\\??\\\\C:\\\\s.exe" pid 0030 tid 0034 handles 0x6c/0x70',
        "1.002:0030:0034:trace:ole:CoInitializeEx 0000000000000000, 0x2",
    ]
    ev = body(parse_text(tmp_path, "\n".join(lines) + "\n"))
    assert not of(ev, "com_init")
    assert any(e["ev"] == "harness" and e["action"] == "no_candidate_process" for e in ev)
