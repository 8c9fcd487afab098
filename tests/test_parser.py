"""The raw-log parser (harness/parse/): every accepted line shape, process selection, waits,
process exit, the real Wine logs in tests/data, and garbage that must never crash it."""
import json
import os
import random
import subprocess

import pytest

from parser_util import (CAND, CTL, CTL_T, DATA, DISP, MAIN, SVC, SVCPARSE, Log, body, lib, of,
                         parse_file, parse_text, read_jsonl, started)


def check_shape(events):
    """Header first, end last, seq strictly increasing, raw == seq wherever raw is given."""
    assert events[0]["ev"] == "header" and events[0]["seq"] == 0 and events[0]["t"] == 0
    assert events[-1]["ev"] == "end"
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs)), "seq must rise strictly"
    for e in events:
        assert {"ev", "seq", "t", "pid", "tid"} <= set(e)
        if "raw" in e:
            assert e["raw"] == e["seq"]
    assert events[-1]["events"] == len(events) - 1


# ---------------------------------------------------------------- API, header, end

def test_library_exports_the_api():
    so = lib()
    assert hasattr(so, "hp_parse") and hasattr(so, "hp_parse_files")
    out = subprocess.run(["nm", "-D", "--defined-only", str(so._name)], capture_output=True, text=True).stdout
    exported = sorted(line.split()[-1] for line in out.splitlines() if " T " in line)
    assert exported == ["hp_parse", "hp_parse_files"]


def test_minimal_header_and_end(tmp_path):
    events = parse_text(tmp_path, started().text(), service="probe")
    check_shape(events)
    h = events[0]
    assert h["schema"] == "svccert-trace/1" and h["source"] == "wine"
    assert h["candidate"] == {"service_name": "probe"}
    assert (h["pid"], h["tid"]) == (0, 0)
    assert events[-1]["reason"] == "complete"


def test_header_json_is_kept_and_names_the_service(tmp_path):
    log = Log()
    log.first_thread(CAND, MAIN)
    log.client(5000, CAND, MAIN, "service_handle_control", 'L"MySvc" control 0 data 0000000000000000 data_size 0')
    header = json.dumps({"ev": "bogus", "seq": 99, "source_version": "wine-8.0",
                         "candidate": {"path": "C:\\x.exe", "service_name": "mysvc", "service_type": 16}})
    events = parse_text(tmp_path, log.text(), header=header)
    h = events[0]
    assert h["ev"] == "header" and h["seq"] == 0
    assert h["source_version"] == "wine-8.0" and h["candidate"]["path"] == "C:\\x.exe"
    assert list(h)[:7] == ["ev", "seq", "t", "pid", "tid", "schema", "source"]
    # the header's service name found the candidate (case-insensitively)
    assert [e["pid"] for e in of(events, "control_in")] == [CAND]


def test_bad_header_json_fails_with_a_reason(tmp_path):
    raw = tmp_path / "raw.log"
    raw.write_text(started().text())
    rc, err, _ = parse_file(raw, tmp_path / "t.jsonl", header="{not json")
    assert rc == -1 and "header_json" in err
    rc, err, _ = parse_file(raw, tmp_path / "t.jsonl", header="[1, 2]")
    assert rc == -1 and "not a JSON object" in err


def test_missing_input_file_fails_with_a_reason(tmp_path):
    rc, err, _ = parse_file(tmp_path / "nope.log", tmp_path / "t.jsonl")
    assert rc == -1 and "cannot open" in err and "nope.log" in err


def test_unwritable_output_fails_with_a_reason(tmp_path):
    raw = tmp_path / "raw.log"
    raw.write_text(started().text())
    rc, err, _ = parse_file(raw, tmp_path / "no" / "dir" / "t.jsonl")
    assert rc == -1 and "cannot create" in err


def test_empty_file(tmp_path):
    events = parse_text(tmp_path, b"")
    check_shape(events)
    assert [e["ev"] for e in events] == ["header", "harness", "end"]
    assert events[1]["action"] == "no_candidate_process"


# ---------------------------------------------------------------- candidate client lines

def service_session():
    log = started()
    lines = {}
    lines["disp"] = log.client(1100, CAND, MAIN, "StartServiceCtrlDispatcherW", "000000000021FD20")
    lines["ready"] = log.client(1101, CAND, MAIN, "service_run_main_thread", "Starting 1 services running as process 288")
    lines["ctl0"] = log.client(1102, CAND, DISP, "service_handle_control",
                               'L"probe" control 0 data 000000000034A59C data_size 14')
    lines["main"] = log.client(1103, CAND, SVC, "service_thread", "000000000034A050")
    lines["reg"] = log.client(1103, CAND, SVC, "RegisterServiceCtrlHandlerExW",
                              'L"probe" 0000000140001584 0000000000000000')
    lines["st1"] = log.client(1104, CAND, SVC, "SetServiceStatus",
                              "00000000010A1EE0 0x10 0x2 0 0 0 0x1 0xbb8")
    lines["st2"] = log.client(1600, CAND, SVC, "SetServiceStatus",
                              "00000000010A1EE0 0x10 0x4 0x3 0 0 0 0")
    lines["ctl1"] = log.client(2000, CAND, DISP, "service_handle_control",
                               'L"probe" control 1 data 0000000000000000 data_size 0')
    lines["st3"] = log.client(2001, CAND, DISP, "SetServiceStatus",
                              "00000000010A1EE0 0x10 0x1 0 0x42a 0x7 0 0")
    return log, lines


def test_service_channel_lines(tmp_path):
    log, n = service_session()
    events = parse_text(tmp_path, log.text())
    check_shape(events)
    by_seq = {e["seq"]: e for e in events}
    d = by_seq[n["disp"]]
    assert (d["ev"], d["pid"], d["tid"], d["table"], d["t"]) == ("dispatcher", CAND, MAIN, "0x21fd20", 1100.0)
    assert "t_est" not in d
    r = by_seq[n["ready"]]
    assert (r["ev"], r["count"]) == ("dispatcher_ready", 1)
    c = by_seq[n["ctl0"]]
    assert (c["ev"], c["service"], c["control"], c["tid"]) == ("control_in", "probe", 0, DISP)
    m = by_seq[n["main"]]
    assert (m["ev"], m["service"], m["tid"]) == ("service_main", "probe", SVC)
    h = by_seq[n["reg"]]
    assert (h["ev"], h["service"], h["handler"], h["context"], h["handle"]) == \
        ("handler_register", "probe", "0x140001584", "0x0", None)
    s1 = by_seq[n["st1"]]
    assert {k: s1[k] for k in ("ev", "handle", "type", "state", "controls", "win32_exit", "specific_exit",
                               "checkpoint", "wait_hint")} == \
        {"ev": "status", "handle": "0x10a1ee0", "type": 16, "state": 2, "controls": 0, "win32_exit": 0,
         "specific_exit": 0, "checkpoint": 1, "wait_hint": 3000}
    assert (by_seq[n["st2"]]["state"], by_seq[n["st2"]]["controls"]) == (4, 3)
    s3 = by_seq[n["st3"]]
    assert (s3["state"], s3["win32_exit"], s3["specific_exit"], s3["tid"]) == (1, 1066, 7, DISP)
    assert by_seq[n["ctl1"]]["control"] == 1


def test_ansi_dispatcher_and_short_status_line(tmp_path):
    log = started()
    a = log.client(1100, CAND, MAIN, "StartServiceCtrlDispatcherA", "0000000140005100")
    log.client(1101, CAND, SVC, "SetServiceStatus", "00000000010A1EE0 0x10 0x2")   # cut short: ignored
    events = parse_text(tmp_path, log.text())
    assert [(e["seq"], e["table"]) for e in of(events, "dispatcher")] == [(a, "0x140005100")]
    assert of(events, "status") == []


def test_null_service_name(tmp_path):
    log = started()
    log.client(1103, CAND, SVC, "RegisterServiceCtrlHandlerExW", "(null) 0000000140001584 0000000000000010")
    (h,) = of(parse_text(tmp_path, log.text()), "handler_register")
    assert (h["service"], h["handler"], h["context"]) == (None, "0x140001584", "0x10")


def test_service_main_without_a_start_request_names_no_service(tmp_path):
    log = started()
    log.client(1103, CAND, SVC, "service_thread", "000000000034A050")
    events = parse_text(tmp_path, log.text())
    assert of(events, "service_main")[0]["service"] is None


def test_other_processes_service_lines_are_filtered(tmp_path):
    log, _ = service_session()
    # Wine's own services and services.exe print the same kinds of lines
    log.client(1200, 0x44, 0x60, "SetServiceStatus", "00000000010A1F00 0x30 0x4 0x5 0 0 0 0")
    log.client(1201, 0x44, 0x5c, "service_handle_control", 'L"winedevice" control 0 data 0 data_size 66')
    log.client(1202, 0x38, 0x58, "svcctl_SetServiceStatus", "(00000000010A6270, 00000000010A5B74)")
    log.dbg(1203, 0x44, 0x60, "svcref rule=x.y from elsewhere")
    events = parse_text(tmp_path, log.text())
    assert {e["pid"] for e in body(events)} <= {CAND, CTL}
    assert [s["type"] for s in of(events, "status")] == [16, 16, 16]
    assert of(events, "marker") == []


# ---------------------------------------------------------------- debug strings, markers, ctl records

def test_debugstr_escapes_are_decoded(tmp_path):
    log = started()
    a = log.dbg(1100, CAND, SVC, r'say \"hi\" \\ back\nnew\ttab\rcr \xc3\xa9 \xe9 \x01 100% \q')
    events = parse_text(tmp_path, log.text())
    d = [e for e in events if e["seq"] == a][0]
    assert d["ev"] == "debugstr" and d["tid"] == SVC
    # a valid UTF-8 pair stays one character; a lone high byte is read as Latin-1
    assert d["text"] == 'say "hi" \\ back\nnew\ttab\rcr \u00e9 \u00e9 \x01 100% q'
    assert "truncated" not in d


def test_wide_debugstr_and_truncation(tmp_path):
    log = started()
    w = log.client(1100, CAND, SVC, "OutputDebugStringW", r'L"w \00e9\4e2d \d83d\de00 \"q\""', cls="warn",
                   chan="seh")
    cut = log.dbg(1101, CAND, SVC, "abc" * 10)
    log.lines[-1] += "..."        # Wine's mark for a string it cut at ~300 bytes
    events = parse_text(tmp_path, log.text())
    by_seq = {e["seq"]: e for e in events}
    assert by_seq[w]["text"] == 'w \u00e9\u4e2d \U0001F600 "q"'
    assert by_seq[cut]["text"] == "abc" * 10 and by_seq[cut]["truncated"] is True


def test_other_seh_lines_are_not_debug_strings(tmp_path):
    log = started()
    log.client(1100, CAND, SVC, "dispatch_exception", '"plain"', cls="warn", chan="seh")
    events = parse_text(tmp_path, log.text())
    assert of(events, "debugstr") == []


def test_markers(tmp_path):
    log = started()
    m = log.dbg(1100, CAND, SVC, r"svcref rule=svc.handler.immediate registered \"first\" at 0ms")
    bare = log.dbg(1101, CAND, SVC, "svcref rule=svc.dispatcher")
    old = log.dbg(1102, CAND, SVC, "svcref: rule svc.handler.immediate")
    empty = log.dbg(1103, CAND, SVC, "svcref rule= nothing")
    events = parse_text(tmp_path, log.text())
    by_seq = {e["seq"]: e for e in events}
    assert (by_seq[m]["ev"], by_seq[m]["rule"], by_seq[m]["text"]) == \
        ("marker", "svc.handler.immediate", 'registered "first" at 0ms')
    assert (by_seq[bare]["ev"], by_seq[bare]["rule"], by_seq[bare]["text"]) == ("marker", "svc.dispatcher", "")
    assert by_seq[old]["ev"] == "debugstr"
    assert by_seq[empty]["ev"] == "debugstr"


def test_ctl_records_values(tmp_path):
    log = started()
    a = log.ctl(1100, "ctl_control control=1 ok=1 error=0 elapsed_ms=0.412 state=3 controls=0 checkpoint=1 "
                      "wait_hint=3000 win32_exit=-5 specific_exit=- note=caf%C3%A9%20ok%25 odd=%zz% plain=abc")
    b = log.ctl(1101, "ctl_wait what=running outcome=reached elapsed_ms=12.0")
    c = log.ctl(1102, "ctl_future thing=1 ev=ctl_fake seq=5 pid=7 junk =novalue bare")
    d = log.ctl(1103, "not_ctl x=1")
    e = log.ctl(1104, "ctl_query state=4 service_pid=288 long=" + "a" * 40)
    log.lines[-1] += "..."        # Wine cut the record
    events = parse_text(tmp_path, log.text())
    by_seq = {x["seq"]: x for x in events}
    ca = by_seq[a]
    assert ca["ev"] == "ctl_control" and (ca["pid"], ca["tid"]) == (CTL, CTL_T)
    assert (ca["control"], ca["ok"], ca["error"], ca["state"], ca["wait_hint"], ca["win32_exit"]) == \
        (1, 1, 0, 3, 3000, -5)
    assert isinstance(ca["control"], int) and ca["elapsed_ms"] == pytest.approx(0.412)
    assert isinstance(ca["elapsed_ms"], float)
    assert ca["specific_exit"] is None
    assert ca["note"] == "caf\u00e9 ok%" and ca["odd"] == "%zz%" and ca["plain"] == "abc"
    assert by_seq[b]["ev"] == "ctl_wait" and by_seq[b]["elapsed_ms"] == 12.0
    cc = by_seq[c]
    assert cc["ev"] == "ctl_future" and cc["thing"] == 1 and cc["seq"] == c and cc["pid"] == CTL
    assert "junk" not in cc and "bare" not in cc
    assert (by_seq[d]["ev"], by_seq[d]["action"]) == ("harness", "bad_ctl_record")
    ce = by_seq[e]
    assert ce["ev"] == "ctl_query" and ce["truncated"] is True and ce["state"] == 4
    assert "long" not in ce     # the cut token is not trusted


def test_ctl_lines_from_other_processes_are_not_controller_records(tmp_path):
    log = started()
    fake = log.dbg(1100, CAND, SVC, "svccert-ctl ctl_exit service_pid=288 code=0")
    log.dbg(1101, 0x300, 0x304, "svccert-ctl ctl_exit service_pid=288 code=1")
    events = parse_text(tmp_path, log.text())
    assert [e["seq"] for e in of(events, "ctl_exit")] == []
    assert [e["seq"] for e in of(events, "debugstr")] == [fake]
    assert {e["pid"] for e in of(events, "ctl_install") + of(events, "ctl_start")} == {CTL}


# ---------------------------------------------------------------- which process is the candidate

def two_services(service_pid_record=True):
    """Two processes both running a service; the controller names the second one."""
    log = Log()
    log.ctl(900, "ctl_install ok=1 error=0")
    for pid, tid, name in ((0x44, 0x48, "other"), (CAND, MAIN, "probe")):
        log.first_thread(pid, tid)
        log.client(1000, pid, tid, "service_handle_control", f'L"{name}" control 0 data 0 data_size 0')
        log.client(1001, pid, tid, "SetServiceStatus", "00000000010A1EE0 0x10 0x4 0x1 0 0 0 0")
    if service_pid_record:
        log.ctl(1002, "ctl_query state=4 service_pid=0")
        log.ctl(1003, f"ctl_start ok=1 service_pid={CAND}")
    return log


def test_candidate_from_controller_service_pid(tmp_path):
    events = parse_text(tmp_path, two_services().text(), service="other")
    assert {e["pid"] for e in of(events, "status")} == {CAND}


def test_candidate_given_by_caller_wins(tmp_path):
    events = parse_text(tmp_path, two_services().text(), pid=0x44)
    assert {e["pid"] for e in of(events, "status")} == {0x44}


def test_candidate_from_start_request_name(tmp_path):
    events = parse_text(tmp_path, two_services(False).text(), service="PROBE")
    assert {e["pid"] for e in of(events, "status")} == {CAND}
    assert [e["ev"] for e in body(events) if e["pid"] == CTL] == ["ctl_install"]


def test_candidate_from_services_exe_start_message(tmp_path):
    # the service table may name the service differently from its installed name
    log = Log()
    log.first_thread(0x44, 0x48)
    log.client(990, 0x44, 0x48, "service_handle_control", 'L"early" control 0 data 0 data_size 0')
    log.client(995, 0x38, 0x94, "process_send_start_message", '00000000010A5C50 L"Probe" 00000000010A8970 0')
    log.first_thread(CAND, MAIN)
    log.client(1000, CAND, MAIN, "service_handle_control", 'L"tablename" control 0 data 0 data_size 0')
    log.client(1001, CAND, MAIN, "SetServiceStatus", "00000000010A1EE0 0x10 0x2 0 0 0 0x1 0x3e8")
    events = parse_text(tmp_path, log.text(), service="probe")
    assert [(e["pid"], e["wait_hint"]) for e in of(events, "status")] == [(CAND, 1000)]


def test_no_candidate_keeps_controller_events(tmp_path):
    events = parse_text(tmp_path, two_services(False).text())
    assert of(events, "status") == []
    assert [e["ev"] for e in body(events)] == ["ctl_install", "harness"]
    assert of(events, "harness")[0]["action"] == "no_candidate_process"


def test_controller_is_first_printer_of_a_record(tmp_path):
    log = Log()
    log.dbg(800, 0x500, 0x504, "svccert-ctl ctl_install ok=1")
    log.ctl(900, "ctl_start ok=1 service_pid=288")    # another process: not the controller
    events = parse_text(tmp_path, log.text())
    assert [(e["ev"], e["pid"]) for e in body(events)] == [("ctl_install", 0x500), ("harness", 0)]


# ---------------------------------------------------------------- tid -> pid, time

def test_thread_ids_map_to_processes(tmp_path):
    log = started()
    w1 = log.select(MAIN)                 # init_first_thread told us MAIN
    log.wakeup(MAIN)
    w2 = log.select(SVC)                  # new_thread from a candidate thread
    log.wakeup(SVC)
    log.srv(0x140, "get_thread_info( handle=0040, access=00000000 )")
    log.srv(0x140, f"get_thread_info() = 0 {{ pid={CAND:04x}, tid=0150, teb=1, exit_code=259 }}")
    w3 = log.select(0x150)                # get_thread_info named 0150
    log.wakeup(0x150)
    log.client(1200, CAND, 0x160, "service_thread", "0")   # a client line names 0160
    w4 = log.select(0x160)
    log.wakeup(0x160)
    log.new_thread(MAIN, 0x170, process="0040")           # a thread made in another process
    log.select(0x170)
    log.wakeup(0x170)
    log.select(0x180)                                      # never named
    log.wakeup(0x180)
    events = parse_text(tmp_path, log.text())
    assert [(w["seq"], w["tid"]) for w in of(events, "wait")] == [(w1, MAIN), (w2, SVC), (w3, 0x150), (w4, 0x160)]


def test_reused_thread_id_after_death(tmp_path):
    log = started()
    log.client(1100, CAND, 0x200, "service_thread", "0")
    log.killed(0x200)
    log.first_thread(0x300, 0x200)       # the id now belongs to another process
    log.select(0x200)
    log.wakeup(0x200)
    events = parse_text(tmp_path, log.text())
    assert of(events, "wait") == []


def test_times_and_estimates(tmp_path):
    log = Log()
    early = log.first_thread(CAND, MAIN)              # no timestamp seen yet
    log.select(MAIN, data="{}", timeout="0")
    log.wakeup(MAIN)
    c = log.client(5000.0, CAND, MAIN, "StartServiceCtrlDispatcherW", "0")
    w = log.select(MAIN)
    log.srv(0x999, "noise( a=1 )")
    end = log.wakeup(MAIN)
    nxt = log.client(5007.0, CAND, MAIN, "service_run_main_thread", "Starting 1 services running as process 288")
    events = parse_text(tmp_path, log.text(), pid=CAND)
    by_seq = {e["seq"]: e for e in events}
    assert early < c
    first_wait = of(events, "wait")[0]
    assert first_wait["t"] == 0.0 and first_wait["t_est"] is True and first_wait["t_next"] == 5000.0
    assert by_seq[c]["t"] == 5000.0 and "t_est" not in by_seq[c]
    wt = by_seq[w]
    assert (wt["t"], wt["t_est"], wt["t_next"], wt["t_end"], wt["seq_end"], wt["t_end_next"]) == \
        (5000.0, True, 5007.0, 5000.0, end, 5007.0)
    assert by_seq[nxt]["t"] == 5007.0


def test_timestamp_formats(tmp_path):
    log = Log()
    log.first_thread(CAND, MAIN)
    log.add(f"  94.073:{CAND:04x}:{MAIN:04x}:trace:service:StartServiceCtrlDispatcherW 0000000000000010")
    log.add(f"12345.5:{CAND:04x}:{MAIN:04x}:trace:service:StartServiceCtrlDispatcherW 0000000000000020\r")
    log.add(f"{CAND:04x}:{MAIN:04x}:trace:service:StartServiceCtrlDispatcherW 0000000000000030")
    events = parse_text(tmp_path, log.text(), pid=CAND)
    d = of(events, "dispatcher")
    assert [(e["t"], e["table"], e.get("t_est", False)) for e in d] == \
        [(94073.0, "0x10", False), (12345500.0, "0x20", False), (12345500.0, "0x30", True)]


# ---------------------------------------------------------------- waits

def test_waits_that_block_and_waits_that_do_not(tmp_path):
    log = started()
    log.client(1100, CAND, SVC, "service_thread", "0")
    log.select(SVC, reply="0")                         # signaled at once
    log.select(SVC, reply="TIMEOUT", timeout="0")      # polled
    log.select(SVC, reply="KERNEL_APC")                # APC delivered at once
    a = log.select(SVC, data="{WAIT_ALL,handles={0058,005c}}", timeout="+0.2999976")
    a_end = log.wakeup(SVC, "TIMEOUT")
    b = log.select(SVC, data="{WAIT,handles={0060,0064}}", timeout="1dd7a0db6c61fdd (+59.9993809)")
    b_end = log.wakeup(SVC, 1)
    c = log.select(SVC, data="{}", timeout="+0.2000000", flags=3)     # SleepEx(200, TRUE)
    log.wakeup(SVC, 258)
    d = log.select(SVC, data="{WAIT,handles={0068}}", flags=3)
    log.wakeup(SVC, 192)                                              # user APC
    e = log.select(SVC, data="{WAIT,handles={006c,0070}}")
    log.wakeup(SVC, 129)                                              # abandoned mutex #1
    f = log.select(SVC, data="{SIGNAL_AND_WAIT,signal=0074,wait=0078}", timeout="+0.1200000")
    log.wakeup(SVC, 0)
    g = log.select(SVC, data="{KEYED_EVENT_WAIT,handle=007c,key=1234}")
    log.wakeup(SVC, 0)
    h = log.select(SVC, data="{WAIT,handles={0080}}", timeout="1dd7a0db6c61fdd (-0.0000100)")
    log.wakeup(SVC, "TIMEOUT")
    events = parse_text(tmp_path, log.text())
    waits = {w["seq"]: w for w in of(events, "wait")}
    assert sorted(waits) == [a, b, c, d, e, f, g, h]
    assert (waits[a]["handles"], waits[a]["all"], waits[a]["timeout_ms"], waits[a]["result"], waits[a]["seq_end"]) == \
        (["0x58", "0x5c"], True, pytest.approx(299.9976), "timeout", a_end)
    assert (waits[b]["all"], waits[b]["timeout_ms"], waits[b]["result"], waits[b]["index"], waits[b]["seq_end"]) == \
        (False, pytest.approx(59999.3809), "signaled", 1, b_end)
    assert (waits[c]["handles"], waits[c]["alertable"], waits[c]["result"], waits[c]["timeout_ms"]) == \
        ([], True, "timeout", 200.0)
    assert waits[a]["alertable"] is False
    assert waits[d]["result"] == "apc"
    assert (waits[e]["result"], waits[e]["index"]) == ("abandoned", 1)
    assert (waits[f]["handles"], waits[f]["signal"]) == (["0x78"], "0x74")
    assert (waits[g]["handles"], waits[g]["keyed"]) == (["0x7c"], "wait")
    assert waits[h]["timeout_ms"] == 0
    assert all(w["pid"] == CAND and w["tid"] == SVC and w["t_est"] for w in waits.values())
    assert all("suspend" not in w for w in waits.values())


def test_kernel_apc_does_not_end_a_wait(tmp_path):
    log = started()
    a = log.select(DISP, data="{WAIT,handles={0034}}")
    log.wakeup(DISP, 256)                                      # an async I/O completion interrupts
    log.select(DISP, reply="KERNEL_APC", data="{WAIT,handles={0034}}")
    end = log.select(DISP, reply="0", data="{WAIT,handles={0034}}") + 1
    b = log.select(DISP, data="{WAIT,handles={0038}}", cookie="0179e63c")
    log.wakeup(DISP, 256)
    log.select(DISP, data="{WAIT,handles={0038}}", cookie="0179e63c")   # blocks again
    b_end = log.wakeup(DISP, 0)
    events = parse_text(tmp_path, log.text())
    waits = of(events, "wait")
    assert [(w["seq"], w["seq_end"], w["result"]) for w in waits] == [(a, end, "signaled"), (b, b_end, "signaled")]


def test_nested_suspend_wait_inside_a_wait(tmp_path):
    log = started()
    outer = log.select(MAIN, data="{WAIT,handles={0040,0044}}")
    ctx = "{{machine=x86_64,rip=17000ebe4,rsp=0021f618}}"
    inner = log.select(MAIN, data="{}", timeout="0", cookie="67fedd1c", contexts=ctx)
    inner_end = log.wakeup(MAIN, 258)
    outer_end = log.wakeup(MAIN, 1)
    events = parse_text(tmp_path, log.text())
    waits = {w["seq"]: w for w in of(events, "wait")}
    assert (waits[inner]["seq_end"], waits[inner]["suspend"]) == (inner_end, True)
    assert (waits[outer]["seq_end"], waits[outer]["index"], "suspend" in waits[outer]) == (outer_end, 1, False)


def test_thread_killed_in_a_wait_never_woke(tmp_path):
    log = started()
    w = log.select(SVC, data="{WAIT,handles={0058}}")
    log.srv(DISP, "select( flags=2, cookie=0179e63c, timeout=infinite, size=8, prev_apc=0000, result={}, "
                  "data={WAIT,handles={0034}}, contexts={} )")     # killed before the reply
    log.killed(DISP)
    log.killed(SVC)
    log.srv(MAIN, "select( flags=2, cookie=0179e63c, timeout=infinite, size=8, prev_apc=0000, result={}, "
                  "data={WAIT,handles={0034}}, contexts={} )")     # the log ends before the reply
    events = parse_text(tmp_path, log.text())
    waits = {x["seq"]: x for x in of(events, "wait")}
    assert list(waits) == [w]
    assert (waits[w]["t_end"], waits[w]["seq_end"], waits[w]["result"]) == (None, None, None)


def test_unfinished_wait_is_still_written(tmp_path):
    log = started()
    w = log.select(SVC, data="{WAIT,handles={0058}}")
    log.client(3000, CTL, CTL_T, "QueryServiceStatusEx", "0")
    events = parse_text(tmp_path, log.text())
    wait = of(events, "wait")[0]
    assert (wait["seq"], wait["t_end"], wait["result"], wait["t_next"]) == (w, None, None, 3000.0)
    check_shape(events)


# ---------------------------------------------------------------- process exit

def test_normal_exit(tmp_path):
    log = started()
    log.srv(MAIN, "terminate_process( handle=0000, exit_code=3 )")
    log.killed(DISP, 3)
    log.killed(SVC, 3)
    log.srv(MAIN, "terminate_process() = 0 { self=1 }")
    log.srv(MAIN, "terminate_process( handle=ffffffff, exit_code=3 )")
    log.srv(MAIN, "terminate_process() = 0 { self=1 }")
    last = log.killed(MAIN, 3)
    log.client(2000, CTL, CTL_T, "QueryServiceStatusEx", "0")
    log.srv(CAND, "*process killed*")
    events = parse_text(tmp_path, log.text())
    (x,) = of(events, "process_exit")
    assert (x["seq"], x["pid"], x["tid"], x["code"], x["how"], x["t_next"]) == (last, CAND, MAIN, 3, "exit", 2000.0)
    assert "by_pid" not in x


def test_last_thread_exit_is_an_exit(tmp_path):
    log = started()
    log.killed(DISP)
    log.killed(SVC)
    log.srv(MAIN, "terminate_thread( handle=fffffffe, exit_code=0 )")
    last = log.killed(MAIN)
    log.srv(CAND, "*process killed*")
    (x,) = of(parse_text(tmp_path, log.text()), "process_exit")
    assert (x["seq"], x["how"], x["code"]) == (last, "exit", 0)


def test_killed_by_the_controller(tmp_path):
    log = started()
    log.srv(CTL_T, "open_process( pid=0120, access=00100401, attributes=00000000 )")
    log.srv(CTL_T, "open_process() = 0 { handle=0040 }")
    log.srv(CTL_T, "terminate_process( handle=0040, exit_code=9 )")
    log.killed(MAIN, 9)
    log.killed(DISP, 9)
    last = log.killed(SVC, 9)
    log.srv(CTL_T, "terminate_process() = 0 { self=0 }")
    log.srv(CAND, "*process killed*")
    (x,) = of(parse_text(tmp_path, log.text()), "process_exit")
    assert (x["seq"], x["tid"], x["code"], x["how"], x["by_pid"]) == (last, SVC, 9, "killed", CTL)


def test_killed_at_server_shutdown(tmp_path):
    log = started()
    for tid in (MAIN, DISP, SVC):
        log.killed(tid, 1)
    log.add("wineserver: exiting (pid=4096)")
    pk = log.srv(CAND, "*process killed*")
    (x,) = of(parse_text(tmp_path, log.text()), "process_exit")
    assert (x["how"], x["code"], x["seq"] < pk) == ("killed", 1, True)
    assert "by_pid" not in x


def test_crash_from_wine_message(tmp_path):
    log = started()
    log.add(f"wine: Unhandled page fault on write access to 0000000000000000 at address 0000000140001974 "
            f"(thread {SVC:04x}), starting debugger...")
    log.srv(0x504, "terminate_process( handle=0030, exit_code=-1073741819 )")
    for tid in (MAIN, DISP, SVC):
        log.killed(tid, -1073741819)
    log.srv(0x504, "terminate_process() = 0 { self=0 }")
    log.srv(CAND, "*process killed*")
    (x,) = of(parse_text(tmp_path, log.text()), "process_exit")
    assert (x["how"], x["code"]) == ("crash", 3221225477)
    assert "page fault on write access" in x["detail"]


def test_crash_from_seh_error_and_second_chance_exception(tmp_path):
    log = started()
    log.client(1500, CAND, SVC, "NtRaiseException", "Unhandled exception code c0000005 flags 0 addr 0x1",
               cls="err", chan="seh")
    log.killed(MAIN, 5)
    log.killed(DISP, 5)
    log.killed(SVC, 5)
    x = of(parse_text(tmp_path, log.text()), "process_exit")[0]      # the log ends before the server's word
    assert (x["how"], x["code"], x["detail"]) == ("crash", 5, "Unhandled exception code c0000005 flags 0 addr 0x1")

    log = started()
    log.srv(SVC, "queue_exception_event( first=0, code=c0000005, flags=00000000, record=00000000, "
                 "address=140001974, len=16, params={00000001,00000000} )")
    for tid in (MAIN, DISP, SVC):
        log.killed(tid, -1073741819)
    log.srv(CAND, "*process killed*")
    x = of(parse_text(tmp_path, log.text()), "process_exit")[0]
    assert x["how"] == "crash"


def test_crash_message_about_another_process_is_ignored(tmp_path):
    log = started()
    log.add("wine: Unhandled page fault on read access to 0 at address 0 (thread 0888), starting debugger...")
    log.srv(MAIN, "terminate_process( handle=ffffffff, exit_code=0 )")
    for tid in (DISP, SVC, MAIN):
        log.killed(tid)
    log.srv(CAND, "*process killed*")
    assert of(parse_text(tmp_path, log.text()), "process_exit")[0]["how"] == "exit"


def test_an_unknown_thread_showing_up_cancels_an_early_exit(tmp_path):
    log = started()
    for tid in (MAIN, DISP, SVC):
        log.killed(tid)
    late = log.client(1500, CAND, 0x1f0, "SetServiceStatus", "00000000010A1EE0 0x10 0x1 0 0 0 0 0")
    last = log.killed(0x1f0, 4)
    log.srv(CAND, "*process killed*")
    events = parse_text(tmp_path, log.text())
    (x,) = of(events, "process_exit")
    assert (x["seq"], x["code"]) == (last, 4)
    assert of(events, "status")[0]["seq"] == late


def test_a_thread_ending_is_not_the_process_ending(tmp_path):
    log = started()
    log.srv(SVC, "terminate_thread( handle=fffffffe, exit_code=0 )")
    log.killed(SVC)
    log.ctl(3000, "ctl_query state=1 service_pid=288")
    events = parse_text(tmp_path, log.text())
    assert of(events, "process_exit") == []


def test_process_killed_without_seen_threads(tmp_path):
    log = Log()
    log.ctl(900, f"ctl_start ok=1 service_pid={CAND}")
    pk = log.srv(CAND, "*process killed*")
    after = log.client(950, CAND, MAIN, "SetServiceStatus", "00000000010A1EE0 0x10 0x4 0x1 0 0 0 0")
    events = parse_text(tmp_path, log.text())
    (x,) = of(events, "process_exit")
    assert (x["seq"], x["code"], x["how"], x["tid"]) == (pk, None, "killed", 0)
    assert after not in [e["seq"] for e in events]   # a reused pid is not the candidate any more


# ---------------------------------------------------------------- real Wine logs (cut from runs of Wine 8.0)

def real(tmp_path, name, **kw):
    rc, err, events = parse_file(DATA / name, tmp_path / (name + ".jsonl"), **kw)
    assert rc == 0, err
    check_shape(events)
    return events


def test_sample_probe_log(tmp_path):
    raw = (DATA / "sample_probe.log").read_text()
    # Wine's own services report their status too
    assert sum(1 for line in raw.splitlines() if ":trace:service:SetServiceStatus " in line
               and ":0120:" not in line) >= 5
    events = real(tmp_path, "sample_probe.log", service="probe")
    assert {e["pid"] for e in body(events)} == {0x120}
    assert [s["state"] for s in of(events, "status")] == [2, 2, 4]
    assert [s["checkpoint"] for s in of(events, "status")] == [1, 2, 0]
    assert {s["tid"] for s in of(events, "status")} == {0x130}
    (main,) = of(events, "service_main")
    (reg,) = of(events, "handler_register")
    assert (main["tid"], main["service"], reg["tid"], reg["handler"]) == (0x130, "probe", 0x130, "0x140001584")
    assert reg["t"] - main["t"] < 100
    (x,) = of(events, "process_exit")
    assert (x["how"], x["by_pid"], x["code"]) == ("killed", 0x38, 0)      # services.exe at shutdown
    # the service thread blocked on its stop event until it was killed
    last_wait = [w for w in of(events, "wait") if w["tid"] == 0x130][-1]
    assert (last_wait["handles"], last_wait["result"], last_wait["t_end"]) == (["0x58"], None, None)


def test_real_stop_run(tmp_path):
    events = real(tmp_path, "tsvc_stop.log")
    cand = of(events, "service_main")[0]["pid"]
    ctl = [e["ev"] for e in body(events) if e["ev"].startswith("ctl_")]
    assert ctl == ["ctl_install", "ctl_start", "ctl_query", "ctl_control", "ctl_wait", "ctl_exit", "ctl_uninstall"]
    assert {e["pid"] for e in body(events) if e["ev"].startswith("ctl_")} == {0x20}
    assert of(events, "ctl_start")[0]["service_pid"] == cand == 264
    assert of(events, "ctl_install")[0]["image_path"] == "C:\\svc.exe x"
    (m,) = of(events, "marker")
    assert (m["rule"], m["text"]) == ("svc.handler.immediate", 'registered "first" \\ 100% done\n\x01\u00e9t\u00e9')
    assert [s["state"] for s in of(events, "status")] == [2, 2, 4, 3, 1]
    stop_pending = of(events, "status")[3]
    assert stop_pending["tid"] == of(events, "control_in")[1]["tid"]     # reported from the handler
    big = [d for d in of(events, "debugstr") if d["text"].startswith("svccert-ctl ctl_big")][0]
    assert big["truncated"] is True and big["pid"] == cand
    svc_waits = [w for w in of(events, "wait") if w["tid"] == of(events, "service_main")[0]["tid"]]
    kinds = [(w["timeout_ms"] is not None and round(w["timeout_ms"] / 10) * 10, w["all"], w["result"])
             for w in svc_waits if w["handles"] != ["0x34"] and w["handles"] != ["0x58"]]
    assert (300, False, "timeout") in kinds           # WaitForSingleObject(ev, 300)
    assert (200, False, "timeout") in kinds           # SleepEx(200, TRUE)
    assert (150, True, "timeout") in kinds            # WaitForMultipleObjects(all, 150)
    assert (120, False, "timeout") in kinds           # SignalObjectAndWait(.., 120)
    (x,) = of(events, "process_exit")
    assert (x["how"], x["code"]) == ("exit", 0)
    assert x["seq"] < of(events, "ctl_exit")[0]["seq"]


def test_real_crash_run(tmp_path):
    events = real(tmp_path, "tsvc_crash.log")
    (x,) = of(events, "process_exit")
    assert (x["how"], x["code"]) == ("crash", 3221225477)
    assert "Unhandled page fault" in x["detail"]
    assert of(events, "ctl_exit")[0]["code"] == x["code"]
    assert any(w.get("suspend") for w in of(events, "wait"))     # the debugger stopped the threads


def test_real_kill_run(tmp_path):
    events = real(tmp_path, "tsvc_kill.log")
    (x,) = of(events, "process_exit")
    assert (x["how"], x["code"], x["by_pid"]) == ("killed", 9, 0x20)
    assert x["t_est"] is True and x["t_next"] - x["t"] > 400     # a quiet half second: the bound tells
    assert of(events, "ctl_kill")[0]["seq"] > x["seq"]


def test_real_exit_while_running(tmp_path):
    events = real(tmp_path, "tsvc_exit3.log")
    (x,) = of(events, "process_exit")
    assert (x["how"], x["code"]) == ("exit", 3)
    assert [s["state"] for s in of(events, "status")] == [2, 2, 4]
    assert of(events, "ctl_control")[0]["ok"] == 0


# ---------------------------------------------------------------- garbage never crashes it

@pytest.mark.parametrize("seed", range(6))
def test_random_bytes(tmp_path, seed):
    rnd = random.Random(seed)
    data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 200000)))
    events = parse_text(tmp_path, data, pid=0x120, service="probe")
    check_shape(events)


@pytest.mark.parametrize("seed", range(6))
def test_mangled_real_log(tmp_path, seed):
    rnd = random.Random(seed)
    lines = (DATA / "tsvc_stop.log").read_bytes().split(b"\n")
    for _ in range(300):
        k = rnd.randrange(len(lines))
        op = rnd.randrange(4)
        if op == 0:
            lines[k] = lines[k][:rnd.randrange(len(lines[k]) + 1)]
        elif op == 1 and lines[k]:
            b = bytearray(lines[k])
            for _ in range(4):
                b[rnd.randrange(len(b))] = rnd.choice(b'{}()",=\\ :*%xL0\x00\xff')
            lines[k] = bytes(b)
        elif op == 2:
            lines.insert(k, lines[rnd.randrange(len(lines))])
        else:
            del lines[k]
    data = b"\n".join(lines)
    data = data[:rnd.randrange(len(data))]
    events = parse_text(tmp_path, data)
    check_shape(events)


def test_truncated_last_line_is_reported(tmp_path):
    data = (DATA / "tsvc_kill.log").read_bytes()
    cut = data[:data.index(b"svccert-ctl ctl_query") + 10]
    events = parse_text(tmp_path, cut)
    check_shape(events)
    assert [e["action"] for e in of(events, "harness")] == ["log_truncated"]


def test_huge_lines(tmp_path):
    log = started()
    big = ",".join(["00"] * 350000)
    log.srv(SVC, f"write( async={{handle=0030}}, pos=00000000, data={{{big}}} )")
    log.dbg(1100, CAND, SVC, "x" * (1 << 20))
    w = log.select(SVC, data="{WAIT,handles={" + ",".join(["0034"] * 100000) + "}}")
    log.wakeup(SVC)
    after = log.client(1200, CAND, SVC, "SetServiceStatus", "00000000010A1EE0 0x10 0x4 0x1 0 0 0 0")
    events = parse_text(tmp_path, log.text())
    assert len(of(events, "debugstr")[0]["text"]) == 1 << 20
    assert [e["seq"] for e in of(events, "status")] == [after]
    assert [x["seq"] for x in of(events, "wait")] == [w]


def test_odd_but_harmless_lines(tmp_path):
    log = started()
    for junk in ["", ":", "::::::", "0124:", "0124: ", "0124: *", "0124: *wakeup", "0124: select(",
                 "0124: select() = ", "ffffffffffffffffff: select( x=1 )", "1.:0120:0124:trace:a:b c",
                 f"123456789.999:{CAND:04x}:{SVC:04x}:trace:service:SetServiceStatus 1 2 3 4 5 6 7 8",
                 "99999999999999.999:0120:0130:trace:service:SetServiceStatus 1 2 3 4 5 6 7 8",
                 f"1.000:{CAND:04x}:{SVC:04x}:bogus:service:SetServiceStatus 1 2 3 4 5 6 7 8",
                 f"1.000:{CAND:04x}:{SVC:04x}:trace:service:OutputDebugStringA \"",
                 f"1.000:{CAND:04x}:{SVC:04x}:warn:debugstr:OutputDebugStringA no quotes",
                 f"1.000:{CAND:04x}:{SVC:04x}:warn:debugstr:OutputDebugStringA \"unterminated \\x4",
                 "wine: (thread zzzz)", "wine: (thread "]:
        log.add(junk)
    events = parse_text(tmp_path, log.text())
    check_shape(events)
    d = of(events, "debugstr")
    assert [(x["text"], x.get("truncated")) for x in d] == [("unterminated x4", True)]
    assert [(s["state"], s["t"]) for s in of(events, "status")] == [(3, 123456789999.0)]


# ---------------------------------------------------------------- the command line

def test_cli_reads_a_pipe_like_a_file(tmp_path):
    if not SVCPARSE.exists():
        pytest.fail(f"{SVCPARSE} is not built")
    f = tmp_path / "a.jsonl"
    r = subprocess.run([str(SVCPARSE), str(DATA / "sample_probe.log"), "-o", str(f), "--service", "probe"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with open(DATA / "sample_probe.log", "rb") as src:
        piped = subprocess.run(f"cat | {SVCPARSE} - -o - --service probe", shell=True, stdin=src,
                               capture_output=True)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.decode() == f.read_text()
    assert len(read_jsonl(f)) > 20


def test_cli_options_and_errors(tmp_path):
    hdr = tmp_path / "h.json"
    hdr.write_text('{"source_version": "wine-8.0"}')
    out = tmp_path / "o.jsonl"
    r = subprocess.run([str(SVCPARSE), str(DATA / "tsvc_stop.log"), "-o", str(out), "--pid", "0x44",
                        "--header", f"@{hdr}", "--end-reason", "deadline"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    events = read_jsonl(out)
    assert events[0]["source_version"] == "wine-8.0" and events[-1]["reason"] == "deadline"
    assert of(events, "status") == []          # pid 0x44 is not the service here
    r = subprocess.run([str(SVCPARSE), str(DATA / "tsvc_stop.log")], capture_output=True, text=True)
    assert r.returncode == 2 and "usage" in r.stderr
    r = subprocess.run([str(SVCPARSE), str(tmp_path / "missing.log"), "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 1 and "cannot open" in r.stderr
    r = subprocess.run([str(SVCPARSE), str(DATA / "tsvc_stop.log"), "-o", str(out), "--header", "[]"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "header_json" in r.stderr
    assert os.path.getsize(out) == 0 or read_jsonl(out)[0]["ev"] == "header"
