"""The parser's COM events (docs/wine-hooks.md, "COM"), on excerpts of real Wine 8 logs of the reference."""
import json

import pytest

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


# ---------------------------------------------------------------- +relay: results, calls +ole does not show, cookies

from parser_util import CAND, CTL, CTL_T, MAIN, SVC, Log, started   # noqa: E402

RELAY_SERVER = 0x11C
REG = "combase.CoRegisterClassObject"
OLE_REG = "{1df5b9b1-88a6-4370-a9bd-db5066a3b378}, 000000014000E048, 0x4, 0x5, 000000000021F898"
CO_E_OBJISREG, E_INVALIDARG, E_OUTOFMEMORY = 0x800401FC, 0x80070057, 0x8007000E
CO_E_OBJNOTREG = 0x800401FB


def _strictly_ordered(events):
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs))


def _ole_reg(clsid="1df5b9b1", flags=5):
    return f"{{{clsid}-88a6-4370-a9bd-db5066a3b378}}, 000000014000E048, 0x4, {flags:#x}, 000000000021F898"


def _register(log, t, tid=MAIN, retval="00000000", flags=5, clsid="1df5b9b1"):
    """CoRegisterClassObject as +relay and +ole print it; returns the +ole line's number (the event's seq)."""
    log.call(t, CAND, tid, REG, "140010040", "14000e048", "00000004", f"{flags:08x}", "0021f898")
    seq = log.client(t, CAND, tid, "CoRegisterClassObject", _ole_reg(clsid, flags), chan="ole")
    log.ret(t + 1, CAND, tid, REG, retval)
    return seq


def test_relay_real_excerpt_gives_results_cookie_and_the_calls_ole_missed(tmp_path):
    ev = _parse(tmp_path, "com_relay.log", pid=RELAY_SERVER)
    assert [e["ev"] for e in ev] == ["com_init", "com_security", "com_register", "com_resume", "com_revoke"]
    init, sec, reg, res, rev = ev
    # no +ole line for these two: the relay Call is the event, its Ret the result
    assert (init["seq"], init["model"], init["flags"], init["result"]) == (1, "multithreaded", 0, 0)
    assert sec["seq"] == 3 and sec["raw"] == 3
    assert {k: sec[k] for k in ("sd", "auth_services", "auth_level", "imp_level", "auth_list", "capabilities",
                                "result")} == {"sd": "0x140016420", "auth_services": -1, "auth_level": 6,
                                               "imp_level": 2, "auth_list": "0x0", "capabilities": 0,
                                               "result": 0}
    # +ole printed these: its event stays (same seq as without relay) and gets the Ret's result
    assert reg["seq"] == 6 and reg["clsid"] == CLSID and (reg["context"], reg["flags"]) == (4, 5)
    assert (reg["result"], reg["cookie"], reg["cookie_source"]) == (0, 1, "wine-counter")
    assert (res["seq"], res["result"]) == (8, 0)
    assert (rev["seq"], rev["cookie"], rev["result"]) == (11, 1, 0)
    assert all(e["pid"] == RELAY_SERVER and e["tid"] == 0x120 for e in ev)


def _with_relay(lines, pid_tid):
    """com_embedding.log with +relay Call/Ret lines around the server's COM calls, as RelayInclude gives them."""
    args = {"CoInitializeEx": "00000000,00000000",
            "CoInitializeSecurity": "140015420,ffffffff,00000000,00000000,00000006,100000002,00000000,100000000,00000000",
            "CoRegisterClassObject": "140010040,14000d048,00000004,00000005,0021f898",
            "CoResumeClassObjects": "", "CoRevokeClassObject": "00000001"}
    out, pending = [], None
    for line in lines:
        head = line.split(":ole:")[0] if ":ole:" in line else None
        func = line.split(":ole:")[1].split(" ")[0] if head else None
        stamp = line[:len(line.split(pid_tid)[0]) + len(pid_tid)] if pid_tid in line else None
        if head and pid_tid in head and func in args and "Initializing" not in line:
            out.append(f"{stamp}:Call combase.{func}({args[func]}) ret=140003108")
            out.append(line)
            pending = f"{stamp}:Ret  combase.{func}() retval=00000000 ret=140003108"
            if func == "CoInitializeEx":
                continue      # its second line ("Initializing ...") is still inside the call
        else:
            out.append(line)
        if pending:
            out.append(pending)
            pending = None
    return out


def test_relay_only_adds_results_to_a_real_log(tmp_path):
    plain = _parse(tmp_path, "com_embedding.log")
    lines = (DATA / "com_embedding.log").read_text().splitlines()
    relayed = _with_relay(lines, "014c:0150")
    assert len(relayed) == len(lines) + 10
    ev = body(parse_text(tmp_path, "\n".join(relayed) + "\n"))
    _strictly_ordered(ev)
    added = {"seq", "raw", "result", "cookie", "cookie_source"}
    strip = [{k: v for k, v in e.items() if k not in added} for e in ev]
    assert strip == [{k: v for k, v in e.items() if k not in added} for e in plain]
    com = {e["ev"]: e for e in ev if e["ev"].startswith("com_")}
    assert set(com) == {"com_init", "com_security", "com_register", "com_resume", "com_revoke"}
    assert all(e["result"] == 0 for e in com.values())
    assert com["com_register"]["cookie"] == 1 and com["com_revoke"]["cookie"] == 1
    # every event, the COM ones too, still comes from the line it came from without relay
    assert [relayed[e["seq"] - 1] for e in ev] == [lines[p["seq"] - 1] for p in plain]


def test_relay_failures_set_the_result_and_take_no_cookie(tmp_path):
    log = started()
    log.call(1100, CAND, MAIN, "combase.CoInitializeEx", "00000000", "00000002")
    log.ret(1101, CAND, MAIN, "combase.CoInitializeEx", "80010106")          # RPC_E_CHANGED_MODE
    _register(log, 1200, flags=0, retval="800401fc")                          # CO_E_OBJISREG
    _register(log, 1300, flags=0, clsid="2df5b9b1")
    _register(log, 1400, retval="1080070057")    # E_INVALIDARG; the upper half of RAX is garbage
    _register(log, 1500, clsid="3df5b9b1")
    ev = body(parse_text(tmp_path, log.text()))
    init, = of(ev, "com_init")
    assert (init["model"], init["flags"], init["result"]) == ("apartment", 2, 0x80010106)
    regs = of(ev, "com_register")
    assert [r["result"] for r in regs] == [CO_E_OBJISREG, 0, E_INVALIDARG, 0]
    # the refusals come before Wine takes a number: the successes are 1 and 2
    assert [r["cookie"] for r in regs] == [None, 1, None, 2]
    assert ["cookie_source" in r for r in regs] == [False, True, False, True]


def test_a_duplicate_class_takes_no_number_and_later_cookies_stay_known(tmp_path):
    """A second registration of a class the process has (REGCLS_SINGLEUSE) fails with CO_E_OBJISREG before
    Wine takes a number: the next class gets 2, and the revokes name 1 and 2."""
    log = started()
    _register(log, 1200, flags=0)
    _register(log, 1300, flags=0, retval="800401fc")
    _register(log, 1400, flags=0, clsid="2df5b9b1")
    for t, cookie in ((1500, "00000001"), (1600, "00000002")):
        log.call(t, CAND, MAIN, "combase.CoRevokeClassObject", cookie)
        log.ret(t + 1, CAND, MAIN, "combase.CoRevokeClassObject")
    ev = body(parse_text(tmp_path, log.text()))
    regs = of(ev, "com_register")
    assert [(r["result"], r["cookie"]) for r in regs] == [(0, 1), (CO_E_OBJISREG, None), (0, 2)]
    assert regs[2]["cookie_source"] == "wine-counter"
    assert [(r["cookie"], r["result"]) for r in of(ev, "com_revoke")] == [(1, 0), (2, 0)]


def test_a_failure_no_registration_returns_stops_the_counter(tmp_path):
    """CoRegisterClassObject never answers CO_E_OBJNOTREG (that is CoRevokeClassObject's): whether the call
    took a number is unknown, so no later cookie is guessed."""
    log = started()
    _register(log, 1200, retval="800401fb")
    _register(log, 1300, clsid="2df5b9b1")
    regs = of(parse_text(tmp_path, log.text()), "com_register")
    assert [(r["result"], r["cookie"]) for r in regs] == [(CO_E_OBJNOTREG, None), (0, None)]


def test_a_failure_after_the_number_or_an_unseen_result_stops_the_counter(tmp_path):
    log = started()
    _register(log, 1200, retval="8007000e")     # E_OUTOFMEMORY: before or after the number? unknown
    _register(log, 1300, clsid="2df5b9b1")
    regs = of(parse_text(tmp_path, log.text()), "com_register")
    assert [(r["result"], r["cookie"]) for r in regs] == [(E_OUTOFMEMORY, None), (0, None)]

    log = started()
    _register(log, 1200)
    log.client(1250, CAND, MAIN, "CoRegisterClassObject", _ole_reg("2df5b9b1"), chan="ole")   # no relay for it
    _register(log, 1300, clsid="3df5b9b1")
    regs = of(parse_text(tmp_path, log.text()), "com_register")
    assert [(r["result"], r["cookie"]) for r in regs] == [(0, 1), (None, None), (0, None)]


def test_unmatched_calls_keep_a_null_result(tmp_path):
    log = started()
    sec = log.call(1100, CAND, MAIN, "combase.CoInitializeSecurity", "0", "ffffffff", "0", "0", "2", "3", "0",
                   "8", "0")
    log.ctl(1101, "ctl_note what=during_the_call")
    log.ret(1102, CAND, MAIN, "combase.CoResumeClassObjects", "00000000")       # not the open call
    log.call(1200, CAND, SVC, REG, "140010040", "14000e048", "00000004", "00000005", "0021f898")
    reg = log.client(1200, CAND, SVC, "CoRegisterClassObject", OLE_REG, chan="ole")
    log.killed(SVC)                                  # the thread died inside the call
    log.ret(1300, CAND, SVC, REG, "00000000")        # a reused thread id: no open call any more
    events = parse_text(tmp_path, log.text())
    ev = body(events)
    _strictly_ordered(events)
    s, = of(ev, "com_security")
    assert (s["seq"], s["sd"], s["auth_level"], s["imp_level"], s["capabilities"], s["result"]) == \
        (sec, "0x0", 2, 3, 8, None)
    r, = of(ev, "com_register")
    assert (r["seq"], r["result"], r["cookie"]) == (reg, None, None) and "cookie_source" not in r
    note, = of(ev, "ctl_note")
    assert note["seq"] == sec + 1                  # held behind the open call, then written in order
    assert not of(ev, "com_resume")


def test_a_ret_closes_the_calls_unwound_inside_it(tmp_path):
    log = started()
    init = log.call(1100, CAND, MAIN, "combase.CoInitializeEx", "0", "0")
    res = log.call(1101, CAND, MAIN, "combase.CoResumeClassObjects")
    log.ret(1102, CAND, MAIN, "combase.CoInitializeEx", "00000001")            # S_FALSE
    ev = body(parse_text(tmp_path, log.text()))
    assert [(e["ev"], e["seq"], e["result"]) for e in ev if e["ev"].startswith("com_")] == \
        [("com_init", init, 1), ("com_resume", res, None)]


def test_cookie_counter_follows_revokes_multipleuse_and_overlap(tmp_path):
    log = started()
    _register(log, 1100, flags=1)                                 # REGCLS_MULTIPLEUSE: 1
    log.call(1150, CAND, MAIN, "combase.CoRevokeClassObject", "100000001")
    log.ret(1151, CAND, MAIN, "combase.CoRevokeClassObject", "00000000")
    _register(log, 1200, flags=1)                                 # the class was revoked: a new one, 2
    # two threads registering at once: the numbers 3 and 4 are theirs, in an order the log does not show
    log.call(1300, CAND, MAIN, REG, "140010040", "14000e048", "00000004", "00000000", "0021f898")
    log.call(1301, CAND, SVC, REG, "140010050", "14000e058", "00000004", "00000000", "0021f8a0")
    log.client(1302, CAND, SVC, "CoRegisterClassObject", _ole_reg("2df5b9b1", 0), chan="ole")
    log.client(1303, CAND, MAIN, "CoRegisterClassObject", _ole_reg("3df5b9b1", 0), chan="ole")
    log.ret(1304, CAND, MAIN, REG)
    log.ret(1305, CAND, SVC, REG)
    _register(log, 1400, flags=0, clsid="4df5b9b1")               # 5
    # REGCLS_MULTIPLEUSE again for a class still registered: Wine returns S_OK without a number
    _register(log, 1500, flags=1)
    _register(log, 1600, flags=0, clsid="5df5b9b1")
    ev = body(parse_text(tmp_path, log.text()))
    rev, = of(ev, "com_revoke")
    assert (rev["cookie"], rev["result"]) == (1, 0)                # the cookie argument's low 32 bits
    assert [r["cookie"] for r in of(ev, "com_register")] == [1, 2, None, None, 5, None, None]
    assert all(r["result"] == 0 for r in of(ev, "com_register"))


def test_other_relay_lines_are_not_com_calls(tmp_path):
    log = started()
    log.add(f"1.100:{CAND:04x}:{MAIN:04x}:Call PE DLL (proc=00006FFFFFC41234,module=00006FFFFFC40000 "
            f"L\"combase.dll\",reason=PROCESS_ATTACH,res=000000000021FD20)")
    log.add(f"1.101:{CAND:04x}:{MAIN:04x}:Ret  PE DLL (proc=00006FFFFFC41234,module=00006FFFFFC40000 "
            f"L\"combase.dll\",reason=PROCESS_ATTACH,res=000000000021FD20) retval=1")
    log.call(1102, CAND, MAIN, "kernel32.CreateFileW", '0021f000 L"a,b) ret=x"', "80000000")
    log.ret(1103, CAND, MAIN, "kernel32.CreateFileW", "00000048")
    log.call(1104, 0x300, 0x304, "combase.CoInitializeSecurity", *["0"] * 9)   # not the candidate
    log.ret(1105, 0x300, 0x304, "combase.CoInitializeSecurity")
    bad = log.call(1106, CAND, MAIN, "combase.CoInitializeEx", "zz", "0")       # not hex: no event of its own
    log.ret(1107, CAND, MAIN, "combase.CoInitializeEx")
    log.call(1108, CAND, MAIN, "ole32.CoResumeClassObjects")
    log.ret(1109, CAND, MAIN, "ole32.CoResumeClassObjects", "80004001")
    ev = body(parse_text(tmp_path, log.text()))
    assert [e["ev"] for e in ev if e["pid"] == CAND] == ["com_resume"]
    assert of(ev, "com_resume")[0]["result"] == 0x80004001
    assert bad not in [e["seq"] for e in ev]


GOLDEN = [("com_embedding.log", {}), ("com_service.log", {"service": "svcref"}),
          ("com_user.log", {"pid": USER_SERVER}), ("tsvc_stop.log", {})]


@pytest.mark.parametrize("name,kw", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_logs_without_relay_parse_exactly_as_before(tmp_path, name, kw):
    # tests/data/golden_*.jsonl were written by the parser before it read relay lines
    out = tmp_path / "trace.jsonl"
    rc, err, _ = parse_file(DATA / name, out, **kw)
    assert rc == 0, err
    assert out.read_bytes() == (DATA / ("golden_" + name.replace(".log", ".jsonl"))).read_bytes()


# ---------------------------------------------------------------- the controller's registry scans

APPID = "{0ABFC2D1-1111-2222-3333-444455556666}"
EXE_PATH = '"C:\\svccert\\candidate\\svcref.exe"'
ENC_PATH = "%22C:%5Csvccert%5Ccandidate%5Csvcref.exe%22"


def _scan(log, t, when="after_register", counts=(1, 1, 1, 1)):
    log.ctl(t, "ctl_reg_class clsid=%7B1df5b9b1-88a6-4370-a9bd-db5066a3b378%7D "
               f"appid=%7B0abfc2d1-1111-2222-3333-444455556666%7D local_server32={ENC_PATH}")
    log.ctl(t + 1, "ctl_reg_appid appid=%7B0ABFC2D1-1111-2222-3333-444455556666%7D local_service=svcref run_as=- "
                   "service_params=-")
    log.ctl(t + 2, "ctl_reg_exe exe=svcref.exe appid=0abfc2d1-1111-2222-3333-444455556666")
    log.ctl(t + 3, f"ctl_reg_service name=svcref image_path={ENC_PATH}%20-service")
    c, a, x, s = counts
    return log.ctl(t + 4, f"ctl_reg_done when={when} classes={c} appids={a} exes={x} services={s}")


def test_registry_scan_becomes_one_com_registry_event(tmp_path):
    log = started()
    done = _scan(log, 2000)
    ev = body(parse_text(tmp_path, log.text()))
    assert not [e for e in ev if e["ev"].startswith("ctl_reg_")]
    reg, = of(ev, "com_registry")
    assert (reg["seq"], reg["pid"], reg["tid"], reg["when"]) == (done, CTL, CTL_T, "after_register")
    assert reg["classes"] == [{"clsid": CLSID, "appid": APPID, "local_server32": EXE_PATH}]
    assert reg["appids"] == [{"appid": APPID, "local_service": "svcref", "run_as": None, "service_params": None}]
    assert reg["exe_appids"] == [{"exe": "svcref.exe", "appid": APPID}]
    assert reg["services"] == [{"name": "svcref", "image_path": EXE_PATH + " -service", "service_dll": None}]
    assert "truncated" not in reg


def test_a_class_hosted_by_a_shared_host_shows_its_appid_service_and_dll(tmp_path):
    """What the controller records for a --clsid whose AppID's LocalService runs in svchost (Wine 8's BITS)."""
    log = started()
    bits, appid = "{4991D34B-80A1-4291-83B6-3328366B9097}", "{69AD4AEE-51BE-439B-A92C-86AE490E8B30}"
    log.ctl(2000, "ctl_reg_class clsid=%7B4991D34B-80A1-4291-83B6-3328366B9097%7D "
                  "appid=%7B69AD4AEE-51BE-439B-A92C-86AE490E8B30%7D local_server32=-")
    log.ctl(2001, "ctl_reg_appid appid=%7B69AD4AEE-51BE-439B-A92C-86AE490E8B30%7D local_service=BITS run_as=- "
                  "service_params=-")
    log.ctl(2002, "ctl_reg_service name=BITS image_path=C:%5Cwindows%5Csystem32%5Csvchost.exe%20-k%20netsvcs "
                  "service_dll=C:%5Cwindows%5Csystem32%5Cqmgr.dll")
    log.ctl(2003, "ctl_reg_done when=after_register classes=1 appids=1 exes=0 services=1")
    reg, = of(body(parse_text(tmp_path, log.text())), "com_registry")
    assert reg["classes"] == [{"clsid": bits, "appid": appid, "local_server32": None}]
    assert reg["appids"] == [{"appid": appid, "local_service": "BITS", "run_as": None, "service_params": None}]
    assert reg["services"] == [{"name": "BITS", "image_path": "C:\\windows\\system32\\svchost.exe -k netsvcs",
                                "service_dll": "C:\\windows\\system32\\qmgr.dll"}]
    assert "truncated" not in reg


def test_two_scans_and_empty_values(tmp_path):
    log = started()
    first = _scan(log, 2000)
    log.ctl(3000, "ctl_reg_class clsid=%7B1df5b9b1-88a6-4370-a9bd-db5066a3b378%7D appid=- local_server32=-")
    log.ctl(3001, "ctl_reg_service name=1 image_path=-")
    second = log.ctl(3002, "ctl_reg_done when=after_run classes=1 appids=0 exes=0 services=1")
    third = log.ctl(3003, "ctl_reg_done when=after_run classes=0 appids=0 exes=0 services=0")
    regs = of(body(parse_text(tmp_path, log.text())), "com_registry")
    assert [(r["seq"], r["when"]) for r in regs] == [(first, "after_register"), (second, "after_run"),
                                                     (third, "after_run")]
    assert len(regs[0]["classes"]) == 1 and len(regs[0]["services"]) == 1
    assert regs[1]["classes"] == [{"clsid": CLSID, "appid": None, "local_server32": None}]
    assert regs[1]["services"] == [{"name": "1", "image_path": None, "service_dll": None}]    # a name stays a string
    assert regs[1]["appids"] == [] and regs[1]["exe_appids"] == []
    assert [regs[2][k] for k in ("classes", "appids", "exe_appids", "services")] == [[], [], [], []]
    assert not any("truncated" in r for r in regs)


def test_a_cut_or_missing_record_marks_the_scan_truncated(tmp_path):
    log = started()
    log.ctl(2000, "ctl_reg_appid appid=%7B0ABFC2D1-1111-2222-3333-444455556666%7D local_service=svcref "
                  "run_as=- service_params=" + "x" * 40)
    log.lines[-1] += "..."                       # Wine cut the record
    cut = log.ctl(2001, "ctl_reg_done when=after_register classes=0 appids=1 exes=0 services=0")
    lost = log.ctl(2002, "ctl_reg_done when=after_run classes=1 appids=0 exes=0 services=0")   # a class went missing
    whole = _scan(log, 2100, when="after_run")
    regs = of(body(parse_text(tmp_path, log.text())), "com_registry")
    assert [(r["seq"], r.get("truncated")) for r in regs] == [(cut, True), (lost, True), (whole, None)]
    assert regs[0]["appids"] == [{"appid": APPID, "local_service": "svcref", "run_as": None,
                                  "service_params": None}]


def test_a_scan_without_its_done_is_reported_not_written(tmp_path):
    log = started()
    log.ctl(2000, "ctl_reg_class clsid=%7B1df5b9b1-88a6-4370-a9bd-db5066a3b378%7D appid=- local_server32=-")
    log.ctl(2001, "ctl_reg_exe exe=svcref.exe appid=-")
    other = log.ctl(2002, "ctl_register how=regserver what=self ok=1 error=0 exit=0 outcome=exited elapsed_ms=1.5")
    ev = body(parse_text(tmp_path, log.text()))
    assert not of(ev, "com_registry")
    assert of(ev, "ctl_register")[0]["seq"] == other          # not a ctl_reg_* record
    h, = [e for e in of(ev, "harness") if e["action"] == "registry_incomplete"]
    assert h["detail"].startswith("2 ")


# ---------------------------------------------------------------- the candidate the controller started

def _launch(log, t, pid=CAND, tid=MAIN, parent=CTL, parent_tid=CTL_T):
    log.client(t, parent, parent_tid, "NtCreateUserProcess",
               'L"\\\\??\\\\C:\\\\svccert\\\\candidate\\\\svcref.exe" image L"C:\\\\svccert\\\\candidate\\\\svcref.exe" '
               'cmdline L"\\"C:\\\\svccert\\\\candidate\\\\svcref.exe\\" -user" parent (nil)', chan="process")
    return log.client(t + 1, parent, parent_tid, "NtCreateUserProcess",
                      f'L"\\\\??\\\\C:\\\\svccert\\\\candidate\\\\svcref.exe" pid {pid:04x} tid {tid:04x} '
                      "handles 0x6c/0x70", chan="process")


def test_ctl_launch_names_the_candidate_and_its_start_is_recorded(tmp_path):
    log = Log()
    log.ctl(900, "ctl_register how=regserver what=self ok=1 error=0 exit=0 outcome=exited elapsed_ms=3.0")
    log.ctl(901, "ctl_kill server_pid=768 ok=1")                   # server_pid, but not a launch
    log.ctl(902, "ctl_launch ok=0 error=2 server_pid=- cmdline=x")
    log.ctl(903, "ctl_watch what=stay server_pid=800 outcome=alive elapsed_ms=1.0 code=-")
    start = _launch(log, 1000)
    log.ctl(1002, f"ctl_launch ok=1 error=0 server_pid={CAND} cmdline={ENC_PATH}%20-user")
    reg = log.client(1010, CAND, MAIN, "CoRegisterClassObject", OLE_REG, chan="ole")
    log.ctl(1020, f"ctl_close server_pid={CAND} windows=1")
    ev = body(parse_text(tmp_path, log.text()))
    ps, = of(ev, "process_start")
    assert (ps["seq"], ps["pid"], ps["tid"], ps["parent_pid"]) == (start, CAND, MAIN, CTL)
    assert ps["cmdline"] == EXE_PATH + " -user" and ps["image"] == "C:\\svccert\\candidate\\svcref.exe"
    assert [(e["seq"], e["pid"]) for e in of(ev, "com_register")] == [(reg, CAND)]
    assert not [e for e in of(ev, "harness") if e["action"] == "no_candidate_process"]


def test_only_a_successful_launch_by_the_controller_counts(tmp_path):
    log = Log()
    log.ctl(899, f"ctl_launch ok=0 error=5 server_pid={CAND} cmdline=x")
    log.ctl(900, "ctl_launch ok=0 error=2 server_pid=- cmdline=x")
    log.ctl(901, f"ctl_watch what=exit server_pid={CAND} outcome=exited elapsed_ms=1.0 code=0")
    log.dbg(902, 0x300, 0x304, f"svccert-ctl ctl_launch ok=1 error=0 server_pid={CAND} cmdline=x")  # not the controller
    log.ctl(903, f"ctl_launch ok=1 error=0 cmdline=x server_pid={CAND}")
    log.lines[-1] += "..."                        # cut: the last word is not trusted
    log.client(1010, CAND, MAIN, "CoRegisterClassObject", OLE_REG, chan="ole")
    ev = body(parse_text(tmp_path, log.text()))
    assert not of(ev, "com_register")
    assert [e["action"] for e in of(ev, "harness")] == ["no_candidate_process"]


def test_a_service_pid_still_comes_before_a_launch(tmp_path):
    log = Log()
    log.ctl(900, "ctl_launch ok=1 error=0 server_pid=768 cmdline=x")
    log.ctl(901, f"ctl_start ok=1 error=0 service_pid={CAND}")
    log.client(1010, CAND, MAIN, "CoRegisterClassObject", OLE_REG, chan="ole")
    log.client(1011, 768, 0x304, "CoRegisterClassObject", OLE_REG, chan="ole")
    ev = body(parse_text(tmp_path, log.text()))
    assert [e["pid"] for e in of(ev, "com_register")] == [CAND]


def test_a_mangled_guid_is_null_not_a_failed_parse(tmp_path):
    log = started()
    log.client(1100, CAND, MAIN, "CoRegisterClassObject", _ole_reg("1df5b9b1", 5).replace("4370", "43\u00fd0"),
               chan="ole")
    raw = log.text().encode("latin-1")          # a lone 0xfd byte, not UTF-8, where a hex digit belongs
    reg, = of(parse_text(tmp_path, raw), "com_register")
    assert reg["clsid"] is None and reg["flags"] == 5


# ---------------------------------------------------------------- a service process that never reached its dispatcher

SCM_PID, SCM_T = 0x38, 0x3C      # services.exe
IMAGE_HEADER = {"candidate": {"service_name": "svctest", "image_path": "C:\\svccert\\candidate\\svcref.exe"}}


def test_the_scm_start_of_the_candidate_image_names_the_candidate_last(tmp_path):
    log = Log()
    log.ctl(900, "ctl_note what=settled elapsed_ms=1.0")
    _launch(log, 950, pid=0x100, tid=0x104)                               # the controller's: its registration
    start = _launch(log, 1000, parent=SCM_PID, parent_tid=SCM_T)           # the SCM's: the service process
    reg = log.client(1010, CAND, MAIN, "CoRegisterClassObject", OLE_REG, chan="ole")
    ev = body(parse_text(tmp_path, log.text(), header=json.dumps(IMAGE_HEADER)))
    ps, = of(ev, "process_start")
    assert (ps["seq"], ps["pid"], ps["parent_pid"]) == (start, CAND, SCM_PID)
    assert [(e["seq"], e["pid"]) for e in of(ev, "com_register")] == [(reg, CAND)]
    assert not [e for e in of(ev, "harness") if e["action"] == "no_candidate_process"]


def test_a_start_of_the_image_by_the_controller_or_another_image_names_no_candidate(tmp_path):
    log = Log()
    log.ctl(900, "ctl_note what=settled elapsed_ms=1.0")
    _launch(log, 1000)                                                     # by the controller only
    log.client(1010, CAND, MAIN, "CoRegisterClassObject", OLE_REG, chan="ole")
    other = dict(IMAGE_HEADER, candidate={"service_name": "svctest", "image_path": "C:\\elsewhere\\svcref.exe"})
    for header in (IMAGE_HEADER, other):
        ev = body(parse_text(tmp_path, log.text(), header=json.dumps(header)))
        assert not of(ev, "com_register") and not of(ev, "process_start")
        assert [e["action"] for e in of(ev, "harness")] == ["no_candidate_process"]


# ---------------------------------------------------------------- every process COM launched for an activation

CLI_PID, CLI_T = 0x200, 0x204


def _embed_launch(log, t, pid, tid, exe="svcref.exe", parent=CLI_PID, parent_tid=CLI_T):
    path = f"C:\\\\svccert\\\\candidate\\\\{exe}"
    log.client(t, parent, parent_tid, "NtCreateUserProcess",
               f'L"\\\\??\\\\{path}" image L"{path}" cmdline L"\\"{path}\\" -Embedding" parent (nil)', chan="process")
    return log.client(t + 1, parent, parent_tid, "NtCreateUserProcess",
                      f'L"\\\\??\\\\{path}" pid {pid:04x} tid {tid:04x} handles 0x6c/0x70', chan="process")


def _single_use_server(log, t, pid, tid):
    """A REGCLS_SINGLEUSE server's life: register (flags 0), one instance, revoke, exit."""
    log.first_thread(pid, tid)
    log.call(t, pid, tid, REG, "140010040", "14000e048", "00000004", "00000000", "0021f898")
    reg = log.client(t, pid, tid, "CoRegisterClassObject", _ole_reg(flags=0), chan="ole")
    log.ret(t + 1, pid, tid, REG)
    log.call(t + 50, pid, tid, "combase.CoRevokeClassObject", "00000001")
    log.ret(t + 51, pid, tid, "combase.CoRevokeClassObject")
    log.srv(tid, "terminate_process( handle=00000000, exit_code=0 )")
    log.killed(tid)
    log.srv(pid, "*process killed*")
    return reg


def test_every_single_use_process_is_followed_with_its_own_events_and_cookies(tmp_path):
    log = Log()
    log.ctl(900, f"ctl_client_start client_pid={CLI_PID} cmdline=x")
    servers = [(0x300 + 0x10 * i, 0x304 + 0x10 * i) for i in range(4)]   # 3 activations and the LockServer probe
    starts, regs = [], []
    for i, (pid, tid) in enumerate(servers):
        starts.append(_embed_launch(log, 1000 + 200 * i, pid, tid))
        regs.append(_single_use_server(log, 1010 + 200 * i, pid, tid))
        log.dbg(1020 + 200 * i, CLI_PID, CLI_T, f"svccert-cli cli_activate clsid=x ok=1 hr=0 instance={i}")
    _embed_launch(log, 2000, 0x500, 0x504, exe="other.exe")             # another program's server: not followed
    log.first_thread(0x500, 0x504)
    log.client(2010, 0x500, 0x504, "CoRegisterClassObject", _ole_reg(clsid="2df5b9b1", flags=0), chan="ole")
    events = parse_text(tmp_path, log.text())
    _strictly_ordered(events)
    ev = body(events)
    pids = [p for p, _ in servers]
    assert [(e["seq"], e["pid"], e["parent_pid"]) for e in of(ev, "process_start")] == \
        [(s, p, CLI_PID) for s, p in zip(starts, pids)]
    assert [(e["seq"], e["pid"], e["tid"], e["cookie"], e["result"]) for e in of(ev, "com_register")] == \
        [(r, p, t, 1, 0) for r, (p, t) in zip(regs, servers)]       # Wine numbers each process's cookies anew
    assert [(e["pid"], e["cookie"], e["result"]) for e in of(ev, "com_revoke")] == [(p, 1, 0) for p in pids]
    assert [(e["pid"], e["code"], e["how"]) for e in of(ev, "process_exit")] == [(p, 0, "exit") for p in pids]
    assert not [e for e in ev if e["pid"] == 0x500]


def test_the_user_started_server_and_the_servers_com_launched_after_it(tmp_path):
    """A single-use class of a user-started server is used up by the first activation: COM launches the
    candidate's image with -Embedding for the next; both are the candidate's processes."""
    log = Log()
    _launch(log, 1000)
    log.ctl(1002, f"ctl_launch ok=1 error=0 server_pid={CAND} cmdline={ENC_PATH}%20-user")
    log.client(1010, CAND, MAIN, "CoRegisterClassObject", OLE_REG, chan="ole")
    start = _embed_launch(log, 1100, 0x300, 0x304)
    reg = log.client(1110, 0x300, 0x304, "CoRegisterClassObject", OLE_REG, chan="ole")
    ev = body(parse_text(tmp_path, log.text(), header=json.dumps(IMAGE_HEADER)))
    assert [(e["pid"], e["parent_pid"]) for e in of(ev, "process_start")] == [(CAND, CTL), (0x300, CLI_PID)]
    assert of(ev, "process_start")[1]["seq"] == start
    assert [(e["seq"], e["pid"]) for e in of(ev, "com_register")][1] == (reg, 0x300)


def _foreign_launch(log, t, pid, tid):
    """COM's launch of another file of the candidate's name: the class's registration names the prefix's copy."""
    path = "C:\\\\Program Files\\\\Svcref\\\\svcref.exe"
    log.client(t, CLI_PID, CLI_T, "NtCreateUserProcess",
               f'L"\\\\??\\\\{path}" image L"{path}" cmdline L"\\"{path}\\" -Embedding" parent (nil)', chan="process")
    return log.client(t + 1, CLI_PID, CLI_T, "NtCreateUserProcess",
                      f'L"\\\\??\\\\{path}" pid {pid:04x} tid {tid:04x} handles 0x6c/0x70', chan="process")


def test_a_server_the_controller_found_to_be_another_file_is_never_followed(tmp_path):
    """Only the candidate's own copy may be judged (issue 11, class 9b): the controller's ctl_error
    what=foreign_server names the process COM launched from another file, which the trace leaves out."""
    log = Log()
    log.ctl(900, f"ctl_client_start client_pid={CLI_PID} cmdline=x")
    _foreign_launch(log, 1000, 0x300, 0x304)
    log.first_thread(0x300, 0x304)
    log.client(1010, 0x300, 0x304, "CoRegisterClassObject", OLE_REG, chan="ole")
    log.ctl(1020, "ctl_error what=foreign_server error=0 server_pid=768 clsid=%7B1DF5B9B1-88A6-4370-A9BD-DB5066A3B378%7D "
            "killed=1 name=C:%5CProgram%20Files%5CSvcref%5Csvcref.exe")
    ev = body(parse_text(tmp_path, log.text(), header=json.dumps(IMAGE_HEADER)))
    assert not of(ev, "process_start") and not of(ev, "com_register")
    assert [e["action"] for e in of(ev, "harness")] == ["no_candidate_process"]
    # the candidate's own copy, launched after the other one, is the candidate, and it alone
    start = _embed_launch(log, 1100, 0x400, 0x404)
    reg = log.client(1110, 0x400, 0x404, "CoRegisterClassObject", OLE_REG, chan="ole")
    ev = body(parse_text(tmp_path, log.text(), header=json.dumps(IMAGE_HEADER)))
    assert [(e["seq"], e["pid"]) for e in of(ev, "process_start")] == [(start, 0x400)]
    assert [(e["seq"], e["pid"]) for e in of(ev, "com_register")] == [(reg, 0x400)]
