"""Under Wine: the harness drives only the candidate's own copy (never a service of the prefix that runs a
file of the same name), a start it could not make is an error with its Win32 code, a service is installed
as own- or share-process as asked, and its Parameters reach it before it starts."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SVCCERT, WIN, run_env, run_trace
from trace_util import of
from wine_util import Prefix

BROKEN = WIN / "broken"
WINE_PE = Path("/usr/lib/x86_64-linux-gnu/wine/x86_64-windows")
SHORT = ["--start-timeout", "5000", "--stop-timeout", "5000", "--pause-timeout", "1000", "--exit-timeout", "3000",
         "--timeout", "90"]


def wine_program(tmp_path, name):
    """A copy of one of Wine's own programs (Debian's wine64 package), as a user would check it."""
    src = WINE_PE / name
    if not src.exists():
        pytest.fail(f"{src} is missing: Debian's wine64 package provides it")
    dst = tmp_path / name
    shutil.copy(src, dst)
    return dst


def check(tmp_path, candidate, *opts, out="out"):
    out = tmp_path / out
    r = subprocess.run([str(SVCCERT), "check", str(candidate), "--out", str(out), *opts], capture_output=True,
                       text=True, timeout=300, env=run_env(tmp_path))
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else None
    return r, report, out


@pytest.mark.wine
def test_a_service_of_the_prefix_with_the_candidates_name_is_never_driven(tmp_path, built):
    """Wine's plugplay.exe: the prefix runs its own PlugPlay (C:\\windows\\system32\\plugplay.exe) from boot."""
    r, ev = run_trace(tmp_path, wine_program(tmp_path, "plugplay.exe"), *SHORT)
    assert r.returncode == 0, r.stderr
    [inst] = of(ev, "ctl_install")
    assert inst["ok"] and not inst["adopted"] and inst["name"] == "plugplay_svccert", inst
    assert inst["image_path"].strip('"').lower() == "c:\\svccert\\candidate\\plugplay.exe"
    taken = [n for n in of(ev, "ctl_note") if n["what"] == "name_taken"]
    assert taken and taken[0]["image_path"].lower() == "c:\\windows\\system32\\plugplay.exe"
    assert ev[0]["candidate"]["service_name"] == "plugplay_svccert"
    [start] = of(ev, "ctl_start")
    assert start["ok"] == 1, start
    # the process judged is the one the run started, from the candidate's copy
    pid = next(q["service_pid"] for q in of(ev, "ctl_query") if q.get("service_pid"))
    [ps] = [p for p in of(ev, "process_start") if p["pid"] == pid]
    assert ps["image"].lower() == "c:\\svccert\\candidate\\plugplay.exe"
    assert of(ev, "service_main") and all(e["pid"] == pid for e in of(ev, "service_main"))
    assert ev[-1]["reason"] == "complete"


@pytest.mark.wine
@pytest.mark.parametrize("via_reg", [False, True])
def test_a_name_another_program_holds_fails_the_run_with_one_line(tmp_path, built, via_reg):
    """--service-name PlugPlay: never adopted, not even after a --reg that points its ImagePath at the
    candidate (services.exe read its configuration at boot; the registry change runs nothing)."""
    opts = ["--service-name", "PlugPlay"]
    if via_reg:
        reg = tmp_path / "image.reg"
        reg.write_text("REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\PlugPlay]\r\n"
                       "\"ImagePath\"=\"C:\\\\svccert\\\\candidate\\\\plugplay.exe\"\r\n")
        opts += ["--reg", str(reg)]
    r, ev = run_trace(tmp_path, wine_program(tmp_path, "plugplay.exe"), *SHORT, *opts)
    assert r.returncode == 3, r.stdout + r.stderr
    assert len(r.stderr.splitlines()) == 1 and "'PlugPlay' belongs to another program" in r.stderr, r.stderr
    [inst] = of(ev, "ctl_install")
    assert not inst["ok"] and inst["error"] == 1073
    assert not of(ev, "ctl_start") and not of(ev, "ctl_query") and not of(ev, "service_main")
    assert ev[-1]["reason"] == "error"


@pytest.mark.wine
def test_the_service_the_candidates_registration_installed_is_still_adopted(tmp_path, built):
    """The other side of the rule: a service of the run's name that runs the candidate's own copy (its
    registration installed it, spelling the path its own way) is the candidate's, and is driven."""
    cand = tmp_path / "svcref.exe"
    shutil.copy(WIN / "svcref.exe", cand)
    r, ev = run_trace(tmp_path, cand, *SHORT, "--register-cmd", "install --name svcref")
    assert r.returncode == 0, r.stderr
    [inst] = of(ev, "ctl_install")
    assert inst["ok"] and inst["adopted"] and inst["name"] == "svcref", inst
    assert of(ev, "ctl_start")[0]["ok"] == 1 and of(ev, "service_main")


@pytest.mark.wine
def test_the_image_path_comparison_is_by_file_not_by_name(tmp_path, built):
    with Prefix() as p:
        ctl = p.put(WIN / "svcctl.exe")
        cand = p.put(WIN / "broken" / "crash.exe")
        other = p.path / "drive_c" / "other"
        other.mkdir()
        shutil.copy(WIN / "broken" / "crash.exe", other / "crash.exe")
        cases = {
            '"C:\\t\\crash.exe" -service --x': "same",
            "C:\\t\\crash.exe -service": "same",
            "c:\\T\\CRASH.EXE": "same",
            "C:/t/crash.exe": "same",
            "\\??\\C:\\t\\crash.exe": "same",
            "%SystemDrive%\\t\\crash.exe": "same",
            "C:\\t\\..\\t\\crash.exe": "same",
            "C:\\other\\crash.exe": "other",
            "crash.exe": "other",
            "C:\\t\\missing.exe": "other",
            "": "other",
        }
        for cmd, want in cases.items():
            rc, out = p.run(ctl, "--runs-file", cmd, cand)
            assert out.strip() == want and rc == (0 if want == "same" else 1), (cmd, out, rc)


@pytest.mark.wine
def test_a_share_process_service_is_installed_and_judged_as_one(tmp_path, built):
    r, report, out = check(tmp_path, BROKEN / "share_process.exe", "--service-type", "share", *SHORT)
    assert r.returncode == 0, r.stdout + r.stderr
    verdicts = {x["id"]: x["verdict"] for x in report["rules"]}
    assert verdicts["svc.status.type"] == "pass" and verdicts["svc.dispatcher"] == "pass", r.stdout
    ev = [json.loads(line) for line in (out / "trace.service.jsonl").read_text().splitlines()]
    assert ev[0]["candidate"]["service_type"] == 32
    assert of(ev, "ctl_install")[0]["service_type"] == 32
    assert {s["type"] for s in of(ev, "status")} == {32}
    # installed the only way there was before --service-type, its correct reports were a warning
    r, report, _ = check(tmp_path, BROKEN / "share_process.exe", *SHORT, out="own")
    assert {x["id"]: x["verdict"] for x in report["rules"]}["svc.status.type"] == "warn", r.stdout


@pytest.mark.wine
def test_the_service_reads_its_parameters_as_given(tmp_path, built):
    r, ev = run_trace(tmp_path, BROKEN / "params_echo.exe", *SHORT, "--param", "Greeting=hello world",
                      "--param-dword", "Count=0x10", "--param-expand", "Home=%SystemRoot%", "--param-multi",
                      "Words=a", "--param-multi", "Words=b")
    assert r.returncode == 0, r.stderr
    said = {d["text"] for d in of(ev, "debugstr") if d["text"].startswith("params_echo")}
    assert said == {"params_echo Greeting=sz:hello world", "params_echo Count=dword:16",
                    "params_echo Home=expand_sz:%SystemRoot%", "params_echo Words=multi_sz:a|b"}, said
    assert [(p["name"], p["type"], p["ok"]) for p in of(ev, "ctl_param")] == [
        ("Greeting", "sz", 1), ("Count", "dword", 1), ("Home", "expand_sz", 1), ("Words", "multi_sz", 1)]
    # written before the service started
    assert max(p["seq"] for p in of(ev, "ctl_param")) < of(ev, "ctl_start")[0]["seq"]


@pytest.mark.wine
def test_an_exe_com_server_checked_as_a_service_gets_a_hint(tmp_path, built):
    """Wine's dllhost.exe imports CoRegisterClassObject and not StartServiceCtrlDispatcher."""
    r, report, _ = check(tmp_path, wine_program(tmp_path, "dllhost.exe"), *SHORT)
    assert r.returncode != 0
    hints = [line for line in r.stdout.splitlines() if line.startswith("hint:")]
    assert len(hints) == 1 and "--shape embedding" in hints[0], r.stdout
    assert "--shape embedding" in report["runs"][0]["hint"]


@pytest.mark.wine
def test_a_run_that_exercised_nothing_exits_non_zero_with_one_line(tmp_path, built):
    """A program that registers no class and exits at once, checked as an EXE COM server: nothing was exercised,
    so the run is not a pass; the reason is one line."""
    r, report, _ = check(tmp_path, BROKEN / "console.exe", "--shape", "embedding", *SHORT)
    assert r.returncode == 3, r.stdout + r.stderr
    assert report["verdict"] == "error" and report["verdict_reason"].startswith("nothing was exercised")
    reasons = [line for line in r.stdout.splitlines() if line.startswith("reason: ")]
    assert len(reasons) == 1 and "nothing was exercised" in reasons[0], r.stdout
    assert not any(line.startswith("verdict: pass") for line in r.stdout.splitlines())
