"""The service options (--service-name, --service-type, --param*) and what a run the harness could not make
says, against the stand-in for Wine (conftest's fake_wine): the controller's command line, the header, the
controller's log read back (the service it really installed, its ctl_error), the exit status and the one
line of reason. No Windows program runs."""
import json
import os
import subprocess

import pytest

from conftest import SVCCERT, SVCREF, read_trace


def _trace(fake_wine, tmp_path, *opts, log=None, rc=0):
    env = dict(fake_wine.env)
    if log is not None:
        # the controller is a Windows program: its lines end in CRLF
        (tmp_path / "ctl.out").write_bytes("".join(f"{i:10.3f} svccert-ctl {rec}\r\n" for i, rec in enumerate(log)).encode())
        env.update(FAKE_CTL_STDOUT=str(tmp_path / "ctl.out"), FAKE_CTL_RC=str(rc))
    out = tmp_path / "t.jsonl"
    r = fake_wine.run("trace", str(SVCREF), "-o", str(out), *opts, env=env)
    return r, out


def _pairs(argv, opt):
    return [v for o, v in zip(argv, argv[1:]) if o == opt]


def test_service_options_reach_the_controller_and_the_header(tmp_path, fake_wine):
    r, out = _trace(fake_wine, tmp_path, "--service-name", "Fixed", "--service-type", "share",
                    "--param", "Greeting=hello world", "--param-dword", "Count=0x10", "--param-expand",
                    "Home=%SystemRoot%\\x", "--param-multi", "Words=a", "--param-multi", "Words=b=c",
                    "--param", "Sub\\Key\\Name=v")
    assert r.returncode == 0, r.stderr
    [argv] = fake_wine.controller_argvs()
    assert "--fixed-name" in argv and _pairs(argv, "--service-type") == ["share"]
    want = ["sz:Greeting=hello world", "dword:Count=0x10", "expand_sz:Home=%SystemRoot%\\x", "multi_sz:Words=a",
            "multi_sz:Words=b=c", "sz:Sub\\Key\\Name=v"]
    assert _pairs(argv, "--param") == want
    h = read_trace(out)[0]
    assert h["candidate"]["service_type"] == 32 and h["candidate"]["service_name"] == "Fixed"
    assert h["run"]["params"] == want


def test_a_name_of_the_file_may_be_replaced_a_given_one_not(tmp_path, fake_wine):
    r, out = _trace(fake_wine, tmp_path)
    assert r.returncode == 0, r.stderr
    [argv] = fake_wine.controller_argvs()
    assert "--fixed-name" not in argv and _pairs(argv, "--service-type") == ["own"]
    assert read_trace(out)[0]["candidate"]["service_type"] == 16


@pytest.mark.parametrize("opts", [
    ["--service-type", "both"], ["--param", "NoValue"], ["--param", "=x"], ["--param", "\\Name=x"],
    ["--param", "Name\\=x"], ["--param", "A\\\\B=x"], ["--param-dword", "N=-1"], ["--param-dword", "N=4294967296"],
    ["--param-dword", "N=12abc"], ["--param-dword", "N="], ["--service-name", "a/b"], ["--service-name", "a\\b"],
    ["--service-name", ""], ["--service-name", "x" * 257],
])
def test_bad_service_options_get_one_line_and_exit_2(tmp_path, built, opts):
    r = subprocess.run([str(SVCCERT), "trace", str(SVCREF), "-o", str(tmp_path / "t.jsonl"), *opts],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert "bad value for --" + opts[0].lstrip("-") in r.stderr
    assert not (tmp_path / "t.jsonl").exists()


def test_too_many_params_are_refused(tmp_path, built):
    opts = [w for i in range(33) for w in ("--param", f"P{i}=v")]
    r = subprocess.run([str(SVCCERT), "trace", str(SVCREF), *opts], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--param" in r.stderr


def test_the_service_the_controller_installed_is_the_one_the_header_names(tmp_path, fake_wine):
    """A name another program of the prefix held: the controller installed under its own, and said so."""
    r, out = _trace(fake_wine, tmp_path, log=[
        "ctl_note what=name_taken error=1073 name=svcref image_path=C:%5Cwindows%5Csystem32%5Csvcref.exe",
        "ctl_install ok=1 error=0 adopted=0 name=svcref_svccert image_path=%22C:%5Csvccert%5Ccandidate%5Csvcref.exe%22 "
        "service_type=32 start_type=3"])
    assert r.returncode == 0, r.stderr
    h = read_trace(out)[0]
    assert h["candidate"]["service_name"] == "svcref_svccert" and h["candidate"]["service_type"] == 32
    assert read_trace(out)[-1]["reason"] == "complete"


@pytest.mark.parametrize("log, says", [
    (["ctl_start ok=0 error=1056 elapsed_ms=3.0", "ctl_error what=start error=1056"],
     "StartService failed with error 1056 (ERROR_SERVICE_ALREADY_RUNNING"),
    (["ctl_note what=name_taken error=1073 name=PlugPlay image_path=C:%5Cw%5Cplugplay.exe",
      "ctl_install ok=0 error=1073 adopted=0 name=PlugPlay image_path=- service_type=- start_type=-",
      "ctl_error what=install error=1073 name=PlugPlay"],
     "the service name 'PlugPlay' belongs to another program of the prefix"),
    (["ctl_error what=param error=5 name=Greeting"], "parameter Greeting could not be written (error 5"),
    (["ctl_note what=name_taken error=0 name=Other image_path=C:%5Cother.exe",
      "ctl_error what=local_service error=1073 name=Other"],
     "the AppID's LocalService 'Other' runs another program than the candidate"),
    (["ctl_error what=foreign_server error=0 server_pid=248 clsid=%7B0002DF01-0000-0000-C000-000000000046%7D killed=1 "
      "name=C:%5CProgram%20Files%5CInternet%20Explorer%5Ciexplore.exe"],
     "COM started C:\\Program Files\\Internet Explorer\\iexplore.exe for {0002DF01-0000-0000-C000-000000000046}, not "
     "the candidate: register the candidate's copy (--reg or --register)"),
    ([], "the controller could not make the run"),
])
def test_a_run_the_harness_could_not_make_ends_in_error_with_one_line(tmp_path, fake_wine, log, says):
    r, out = _trace(fake_wine, tmp_path, log=log, rc=3)
    assert r.returncode == 3, r.stdout + r.stderr
    assert len(r.stderr.splitlines()) == 1 and says in r.stderr, r.stderr
    ev = read_trace(out)
    assert ev[-1]["reason"] == "error"
    assert says.split(" (")[0] in [e["detail"] for e in ev if e["ev"] == "harness" and e["action"] == "controller_failed"][0]


def test_check_of_a_run_the_harness_could_not_make_exits_3_and_says_why(tmp_path, fake_wine):
    (tmp_path / "ctl.out").write_text("1.0 svccert-ctl ctl_start ok=0 error=1056 elapsed_ms=3.0\n"
                                      "1.1 svccert-ctl ctl_error what=start error=1056\n")
    env = dict(fake_wine.env, FAKE_CTL_STDOUT=str(tmp_path / "ctl.out"), FAKE_CTL_RC="3")
    r = fake_wine.run("check", str(SVCREF), "--shape", "service", "--out", str(tmp_path / "o"), env=env)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "run service: error: StartService failed with error 1056" in r.stdout
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["runs"][0]["run_error"].startswith("StartService failed with error 1056")


# A PE32+ image with just an import directory (and optionally a delay-load one), enough for the import
# reader: the hint for a service run must come from what the program imports, never from its name.
def make_pe(path, imports, delay=None):
    sect_rva, sect_off = 0x1000, 0x200
    data = bytearray(0x800)
    strings = bytearray()

    def put_str(b):
        off = 0x400 + len(strings)
        strings.extend(b + b"\0")
        return off

    def name_table(fns, at):
        for i, fn in enumerate(fns + [None]):
            val = 0 if fn is None else sect_rva + put_str(b"\0\0" + fn.encode())
            data[at + 8 * i:at + 8 * i + 8] = val.to_bytes(8, "little")
        return sect_rva + at

    tables = 0x200
    for i, (dll, fns) in enumerate(imports.items()):
        d = 20 * i
        int_rva = name_table(fns, tables)
        tables += 8 * (len(fns) + 1)
        data[d:d + 4] = int_rva.to_bytes(4, "little")
        data[d + 12:d + 16] = (sect_rva + put_str(dll.encode())).to_bytes(4, "little")
        data[d + 16:d + 20] = int_rva.to_bytes(4, "little")
    delay_rva = 0
    if delay:
        base = 0x100
        for i, (dll, fns) in enumerate(delay.items()):
            d = base + 32 * i
            int_rva = name_table(fns, tables)
            tables += 8 * (len(fns) + 1)
            data[d:d + 4] = (1).to_bytes(4, "little")
            data[d + 4:d + 8] = (sect_rva + put_str(dll.encode())).to_bytes(4, "little")
            data[d + 16:d + 20] = int_rva.to_bytes(4, "little")
        delay_rva = sect_rva + base
    data[0x400:0x400 + len(strings)] = strings
    head = bytearray(sect_off)
    head[0:2] = b"MZ"
    head[0x3c:0x40] = (0x40).to_bytes(4, "little")
    head[0x40:0x44] = b"PE\0\0"
    coff = 0x44
    head[coff:coff + 2] = (0x8664).to_bytes(2, "little")
    head[coff + 2:coff + 4] = (1).to_bytes(2, "little")
    head[coff + 16:coff + 18] = (240).to_bytes(2, "little")
    head[coff + 18:coff + 20] = (0x22).to_bytes(2, "little")
    opt = coff + 20
    head[opt:opt + 2] = (0x20b).to_bytes(2, "little")
    head[opt + 108:opt + 112] = (16).to_bytes(4, "little")
    head[opt + 112 + 8:opt + 112 + 12] = sect_rva.to_bytes(4, "little")
    head[opt + 112 + 12:opt + 112 + 16] = (20 * (len(imports) + 1)).to_bytes(4, "little")
    if delay:
        head[opt + 112 + 13 * 8:opt + 112 + 13 * 8 + 4] = delay_rva.to_bytes(4, "little")
        head[opt + 112 + 13 * 8 + 4:opt + 112 + 13 * 8 + 8] = (32 * (len(delay) + 1)).to_bytes(4, "little")
    sec = opt + 240
    head[sec:sec + 8] = b".idata\0\0"
    head[sec + 8:sec + 12] = len(data).to_bytes(4, "little")
    head[sec + 12:sec + 16] = sect_rva.to_bytes(4, "little")
    head[sec + 16:sec + 20] = len(data).to_bytes(4, "little")
    head[sec + 20:sec + 24] = sect_off.to_bytes(4, "little")
    path.write_bytes(bytes(head) + bytes(data))
    return path


def _service_run_without_dispatcher(candidate, dispatcher=False):
    """A service-shape trace in which StartService gave 1053 (the process never reached its dispatcher)."""
    ev = [{"ev": "header", "seq": 0, "t": 0, "pid": 0, "tid": 0, "schema": "svccert-trace/1", "source": "wine",
           "run": {"shape": "service"}, "controller": {},
           "candidate": {"path": str(candidate), "service_name": "x", "service_type": 16}},
          {"ev": "ctl_install", "seq": 1, "t": 1, "pid": 8, "tid": 9, "ok": 1, "error": 0, "adopted": 0, "name": "x"},
          {"ev": "process_start", "seq": 2, "t": 2, "pid": 20, "tid": 21, "image": "C:\\x.exe", "cmdline": "C:\\x.exe",
           "parent_pid": 4}]
    if dispatcher:
        ev.append({"ev": "dispatcher", "seq": 3, "t": 3, "pid": 20, "tid": 21, "table": "0x1"})
    ev += [{"ev": "ctl_start", "seq": 4, "t": 10003, "pid": 8, "tid": 9, "ok": 0, "error": 1053, "elapsed_ms": 10000},
           {"ev": "process_exit", "seq": 5, "t": 10004, "pid": 20, "tid": 21, "code": 0, "how": "killed"},
           {"ev": "end", "seq": 6, "t": 10005, "pid": 0, "tid": 0, "reason": "complete", "events": 6}]
    return "".join(json.dumps(e) + "\n" for e in ev)


def _judge(tmp_path, text):
    trace = tmp_path / "saved.jsonl"
    trace.write_text(text)
    r = subprocess.run([str(SVCCERT), "judge", str(trace), "--out", str(tmp_path / "out")], capture_output=True,
                       text=True, timeout=60)
    return r, json.loads((tmp_path / "out" / "report.json").read_text())


COM = {"ole32.dll": ["CoInitializeEx", "CoRegisterClassObject"], "kernel32.dll": ["ExitProcess"]}


@pytest.mark.parametrize("imports, delay, hint", [
    (COM, None, True),
    ({"combase.dll": ["CoRegisterClassObject"]}, None, True),
    ({"kernel32.dll": ["ExitProcess"]}, {"ole32.dll": ["CoRegisterClassObject"]}, True),
    (dict(COM, **{"advapi32.dll": ["StartServiceCtrlDispatcherW"]}), None, False),
    (COM, {"sechost.dll": ["StartServiceCtrlDispatcherA"]}, False),
    ({"kernel32.dll": ["ExitProcess"]}, None, False),
])
def test_a_service_run_of_an_exe_com_server_hints_at_the_embedding_shape(tmp_path, built, imports, delay, hint):
    # the file's name says nothing: the hint comes from its imports alone
    pe = make_pe(tmp_path / "service.exe", imports, delay)
    r, report = _judge(tmp_path, _service_run_without_dispatcher(pe))
    said = [line for line in r.stdout.splitlines() if line.startswith("hint:")]
    if hint:
        assert len(said) == 1 and "--shape embedding" in said[0] and "CoRegisterClassObject" in said[0], r.stdout
        assert "--shape embedding" in report["runs"][0]["hint"]
    else:
        assert not said and "hint" not in report["runs"][0], r.stdout


def test_no_hint_once_the_candidate_reached_its_dispatcher(tmp_path, built):
    pe = make_pe(tmp_path / "server.exe", COM)
    r, report = _judge(tmp_path, _service_run_without_dispatcher(pe, dispatcher=True))
    assert "hint:" not in r.stdout and "hint" not in report["runs"][0]


@pytest.mark.parametrize("damage", ["truncated", "import_rva_outside", "thunks_unterminated"])
def test_a_damaged_import_table_gives_no_hint_and_no_crash(tmp_path, built, damage):
    pe = make_pe(tmp_path / "server.exe", COM)
    b = bytearray(pe.read_bytes())
    if damage == "truncated":
        b = b[:0x300]
    elif damage == "import_rva_outside":
        opt = 0x44 + 20
        b[opt + 112 + 8:opt + 112 + 12] = (0x7ffffff0).to_bytes(4, "little")
    else:
        b[0x400:] = b"\xff" * (len(b) - 0x400)
    pe.write_bytes(bytes(b))
    r, report = _judge(tmp_path, _service_run_without_dispatcher(pe))
    assert r.returncode in (1, 3) and "hint:" not in r.stdout and not r.stderr, r.stdout + r.stderr


def test_an_engine_verdict_of_error_is_said_and_exits_3(tmp_path, built, monkeypatch):
    """Until the engine writes its own reason, a run that ended on a harness error stands for it."""
    text = _service_run_without_dispatcher(make_pe(tmp_path / "x.exe", {"kernel32.dll": ["ExitProcess"]}))
    lines = text.replace('"error": 1053', '"error": 1056').splitlines()
    end = json.loads(lines[-1])
    end["reason"] = "error"
    note = {"ev": "harness", "seq": 5, "t": 10004, "pid": 0, "tid": 0, "action": "controller_failed",
            "detail": "StartService failed with error 1056 (ERROR_SERVICE_ALREADY_RUNNING)"}
    lines = lines[:-2] + [json.dumps(note), json.dumps(end)]
    r, report = _judge(tmp_path, "\n".join(lines) + "\n")
    assert r.returncode == 3, r.stdout
    assert "run saved: error: StartService failed with error 1056" in r.stdout
