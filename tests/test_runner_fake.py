"""The runner's whole path (template, clone, environment, the controller's command line, shutdown, the
trace) against a stand-in for Wine (conftest's fake_wine): no Windows program runs, so these are unit tests."""
import gzip
import json
import os
import resource
import signal
import subprocess

import pytest

from conftest import SVCCERT, SVCREF, read_trace, ref_runs
from parser_util import DATA, parse_file

CLSIDS = [f"{{1DF5B9B1-88A6-4370-A9BD-DB5066A3B3{i:02X}}}" for i in range(8)]


def header(path):
    return read_trace(path)[0]


def test_every_option_at_its_maximum_reaches_the_controller(tmp_path, fake_wine):
    reg = tmp_path / "server.reg"
    reg.write_text("REGEDIT4\r\n")
    args = [f"a{i}" for i in range(32)]
    image = [f"i{i}" for i in range(32)]
    opts = [w for a in args for w in ("--arg", a)] + [w for a in image for w in ("--image-arg", a)]
    opts += [w for c in CLSIDS for w in ("--clsid", c)]
    opts += ["--register-cmd", "/Service", "--reg", str(reg), "--activate", "--no-pause", "--no-stop"]
    out = tmp_path / "max.jsonl"
    r = fake_wine.run("trace", str(SVCREF), "-o", str(out), *opts)
    assert r.returncode == 0, r.stderr
    [argv] = fake_wine.controller_argvs()
    pairs = list(zip(argv, argv[1:]))
    assert [v for o, v in pairs if o == "--arg"] == args
    assert [v for o, v in pairs if o == "--clsid"] == CLSIDS
    assert {"--activate", "--no-pause", "--no-stop", "--register-cmd", "--reg-file"} <= set(argv)
    assert next(v for o, v in pairs if o == "--image").endswith(" " + " ".join(image))
    h = header(out)
    assert h["candidate"]["args"] == args and h["candidate"]["image_args"] == image
    assert h["run"]["clsids"] == CLSIDS and h["run"]["activate"] is True


def test_header_says_what_the_source_cannot_show_and_its_version(tmp_path, fake_wine):
    out = tmp_path / "t.jsonl"
    r = fake_wine.run("trace", str(SVCREF), "-o", str(out))
    assert r.returncode == 0, r.stderr
    h = header(out)
    assert h["source_version"] == "wine-8.0-fake (svccert tests)"
    assert set(h["limits"]) == {"lockserver", "runas", "rot_allow_any_client", "class_suspend"}
    assert all(isinstance(v, str) and v.startswith("Wine 8") for v in h["limits"].values())
    assert read_trace(out)[-1]["ev"] == "end"


def test_an_unconfined_run_says_so(tmp_path, fake_wine):
    out = tmp_path / "t.jsonl"
    assert fake_wine.run("trace", str(SVCREF), "-o", str(out)).returncode == 0    # --no-sandbox (fake_wine)
    box = header(out)["sandbox"]
    assert (box["enabled"], box["network"], box["limits_by"]) == (False, True, "none")
    assert "unconfined" in box["note"]


@pytest.mark.parametrize("cmd", ["check", "trace"])
def test_no_sandbox_to_be_had_is_one_line_and_exit_2(tmp_path, built, cmd):
    env = dict(os.environ, SVCCERT_BWRAP=str(tmp_path / "no-bwrap"))
    r = subprocess.run([str(SVCCERT), cmd, str(SVCREF), "--out" if cmd == "check" else "-o", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert "no sandbox" in r.stderr and "--no-sandbox" in r.stderr
    assert not (tmp_path / "o").exists()


def _check_watch(tmp_path, fake_wine, *opts):
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"thresholds": {"revoke_after_idle_ms": 15000}}')
    out = tmp_path / "out"
    r = fake_wine.run("check", str(SVCREF), "--shape", "user", "--out", str(out), *opts)
    assert r.returncode in (1, 3), r.stderr
    [argv] = fake_wine.controller_argvs()
    return header(out / "trace.user.jsonl")["run"]["watch_ms"], argv[argv.index("--watch-ms") + 1]


def test_check_watches_past_the_configured_revoke_threshold(tmp_path, fake_wine):
    watch, word = _check_watch(tmp_path, fake_wine, "--config", str(tmp_path / "cfg.json"))
    assert watch >= 17000 and word == str(watch)


def test_check_keeps_the_default_watch_and_a_given_one(tmp_path, fake_wine):
    assert _check_watch(tmp_path, fake_wine)[0] == 12000
    for p in fake_wine.argv_dir.iterdir():
        p.unlink()
    watch, _ = _check_watch(tmp_path, fake_wine, "--config", str(tmp_path / "cfg.json"), "--watch-ms", "5000")
    assert watch == 5000


def test_reference_check_makes_the_manifests_runs(tmp_path, fake_wine):
    out = tmp_path / "out"
    r = fake_wine.run("check", "--out", str(out))
    # nothing ran: svc.dispatcher fails, most rules cannot be judged
    assert r.returncode in (1, 3) and "svccert:" not in r.stderr, r.stderr
    report = json.loads((out / "report.json").read_text())
    runs = ref_runs("check")
    assert [x["name"] for x in report["runs"]] == list(runs)
    for name, want in runs.items():
        h = header(out / f"trace.{name}.jsonl")
        assert h["run"]["shape"] == want["shape"] and h["run"]["register"] == want["register"], name
        assert h["run"]["activate"] == ("--activate" in want["options"]), name
        words = want["start_args"]
        assert h["candidate"]["args"] == (words[1:] if words[:1] in (["+"], ["="]) else words), name
        assert (out / f"trace.{name}.raw.log.gz").exists() and not (out / f"trace.{name}.raw.log").exists()
    assert [x["raw_log"] for x in report["runs"]] == [str(out / f"trace.{n}.raw.log.gz") for n in runs]


def test_reference_check_start_args_follow_the_users(tmp_path, fake_wine):
    out = tmp_path / "out"
    fake_wine.run("check", "--out", str(out), "--arg", "--mine")
    args = {n: header(out / f"trace.{n}.jsonl")["candidate"]["args"] for n in ref_runs("check")}
    assert args == {"service": ["--mine"], "activation": ["--mine"], "register-failure": ["--mine", "--com-fail-register"],
                    "embedding": ["--mine"], "user": ["-user", "--rot"]}


def test_a_run_that_cannot_be_made_exits_3(tmp_path, fake_wine):
    env = dict(fake_wine.env, SVCCERT_WINE_DIR=str(tmp_path / "no-wine"))
    r = fake_wine.run("trace", str(SVCREF), "-o", str(tmp_path / "t.jsonl"), env=env)
    assert r.returncode == 3 and "Wine is not installed" in r.stderr
    r = fake_wine.run("prefix", env=env)
    assert r.returncode == 3
    r = fake_wine.run("check", str(SVCREF), "--out", str(tmp_path / "o"), env=env)
    assert r.returncode == 3 and "no run wrote a trace" in r.stderr


def test_side_files_are_named_beside_the_trace(tmp_path, fake_wine):
    out = tmp_path / "named.jsonl"
    assert fake_wine.run("trace", str(SVCREF), "-o", str(out)).returncode == 0
    assert (tmp_path / "named.raw.log.gz").exists() and (tmp_path / "named.ctl.log").exists()


def _trace_with_log(tmp_path, fake_wine, log, *opts, **kw):
    out = tmp_path / "t.jsonl"
    env = dict(fake_wine.env, FAKE_CTL_STDERR=str(log))
    r = fake_wine.run("trace", str(SVCREF), "-o", str(out), *opts, env=env, **kw)
    return r, out


# what a Wine line says for the events whose kind it names
SAYS = {"status": b":trace:service:SetServiceStatus ", "control_in": b":trace:service:service_handle_control ",
        "dispatcher": b":trace:service:StartServiceCtrlDispatcher", "ctl_start": b"svccert-ctl ctl_start ",
        "ctl_install": b"svccert-ctl ctl_install ", "ctl_control": b"svccert-ctl ctl_control "}


def test_the_raw_log_is_kept_compressed_and_its_lines_resolve(tmp_path, fake_wine):
    log = DATA / "tsvc_stop.log"
    r, out = _trace_with_log(tmp_path, fake_wine, log)
    assert r.returncode == 0, r.stderr
    # the .gz and not the plain log, and no temporary file left beside it
    assert sorted(p.name for p in tmp_path.glob("t.*")) == ["t.ctl.log", "t.jsonl", "t.raw.log.gz"]
    kept = gzip.decompress((tmp_path / "t.raw.log.gz").read_bytes())
    assert kept == log.read_bytes()
    lines = kept.split(b"\n")
    named = [e for e in read_trace(out) if e["ev"] in SAYS and "raw" in e]
    assert {e["ev"] for e in named} == set(SAYS)
    for e in named:
        line = lines[e["raw"] - 1]
        assert SAYS[e["ev"]] in line and f":{e['pid']:04x}:{e['tid']:04x}:".encode() in line, (e, line)


def test_keep_raw_keeps_the_plain_log_too(tmp_path, fake_wine):
    log = DATA / "tsvc_stop.log"
    r, out = _trace_with_log(tmp_path, fake_wine, log, "--keep-raw")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "t.raw.log").read_bytes() == log.read_bytes()
    assert gzip.decompress((tmp_path / "t.raw.log.gz").read_bytes()) == log.read_bytes()


def test_judge_of_a_saved_run_names_its_kept_raw_log(tmp_path, fake_wine):
    r, out = _trace_with_log(tmp_path, fake_wine, DATA / "tsvc_stop.log")
    assert r.returncode == 0, r.stderr
    judge = lambda: (subprocess.run([str(SVCCERT), "judge", str(out), "--out", str(tmp_path / "j")],
                                    capture_output=True, text=True, timeout=60),
                     json.loads((tmp_path / "j" / "report.json").read_text()))
    j, report = judge()
    assert "svccert:" not in j.stderr, j.stderr
    assert report["runs"][0]["raw_log"] == str(tmp_path / "t.raw.log.gz")
    # a run saved before logs were kept compressed: its plain log is the evidence
    (tmp_path / "t.raw.log").write_bytes(gzip.decompress((tmp_path / "t.raw.log.gz").read_bytes()))
    (tmp_path / "t.raw.log.gz").unlink()
    j, report = judge()
    assert report["runs"][0]["raw_log"] == str(tmp_path / "t.raw.log")


def test_a_raw_log_that_cannot_be_kept_leaves_no_gz_and_says_why(tmp_path, fake_wine):
    """A full disk, as a file-size limit: the log itself fits, its .gz (of incompressible bytes) does not."""
    limit = 1 << 20
    log = tmp_path / "noise.log"
    log.write_bytes(b"junk\n" + os.urandom(limit - 8 - 5))

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)      # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    r, out = _trace_with_log(tmp_path, fake_wine, log, preexec_fn=small_files)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.glob("t.*")) == ["t.ctl.log", "t.jsonl"]
    why = f"cannot keep the raw log as {tmp_path / 't.raw.log.gz'}: File too large"
    assert r.stderr.splitlines() == [f"svccert: {why}"]
    notes = [e for e in read_trace(out) if e["ev"] == "harness" and e["action"] == "raw_not_kept"]
    assert len(notes) == 1 and notes[0]["detail"].startswith(why)
    assert read_trace(out)[-1]["ev"] == "end"
