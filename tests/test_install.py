"""`ninja install` with PREFIX and DESTDIR: the files in the places tools/install names, and an installed svccert
that runs from there alone — moved elsewhere, with the clone hidden — and checks the installed reference."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import REPO, run_env

PREFIX = "/usr/local"
WIN_FILES = ("svcref.exe", "svcctl.exe", "comclient.exe", "svcs0.dll")


def install(dest, prefix=PREFIX):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVCCERT_")}
    env.update(DESTDIR=str(dest), PREFIX=prefix)
    r = subprocess.run(["ninja", "-C", str(REPO), "install"], capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    return dest / prefix.lstrip("/")


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    return install(tmp_path_factory.mktemp("stage"))


def clean_env():
    """No variable that could point the installed command back at the clone."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SVCCERT_") and k != "LD_LIBRARY_PATH"}


def hidden(argv):
    """argv run with the clone (sources and build) replaced by an empty directory."""
    return ["bwrap", "--dev-bind", "/", "/", "--tmpfs", str(REPO), *argv]


def test_install_puts_each_file_where_the_fhs_expects_it(staged):
    assert os.access(staged / "bin" / "svccert", os.X_OK)
    for lib in ("libsvcconform.so", "libsvctrace.so"):
        assert (staged / "lib" / "svccert" / lib).is_file()
    for f in WIN_FILES:
        assert (staged / "lib" / "svccert" / "win" / f).read_bytes() == (REPO / "build" / "win" / f).read_bytes()
    assert (staged / "share" / "svccert" / "RUNS").read_text() == (REPO / "ref" / "RUNS").read_text()
    for doc in ("README.md", "rules.md", "trace-format.md", "wine-hooks.md"):
        assert (staged / "share" / "doc" / "svccert" / doc).is_file()
    # nothing of the build's own tree (objects, broken candidates) goes along
    assert not list(staged.rglob("*.o")) and not (staged / "lib" / "svccert" / "win" / "broken").exists()


def test_a_relative_prefix_is_refused(tmp_path):
    env = dict(clean_env(), DESTDIR=str(tmp_path), PREFIX="usr/local")
    r = subprocess.run(["ninja", "-C", str(REPO), "install"], capture_output=True, text=True, env=env)
    assert r.returncode != 0 and "PREFIX must be an absolute path" in r.stdout + r.stderr
    assert not any(tmp_path.iterdir())


def test_the_installed_command_runs_moved_and_without_the_clone(staged, tmp_path):
    moved = tmp_path / "elsewhere" / "opt" / "svccert"
    shutil.copytree(staged, moved, symlinks=True)
    exe = str(moved / "bin" / "svccert")
    ldd = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout
    assert f"{moved}/bin/../lib/svccert/libsvcconform.so" in ldd and str(REPO) not in ldd, ldd
    want = (REPO / "VERSION").read_text().strip()
    r = subprocess.run(hidden([exe, "--version"]), capture_output=True, text=True, env=clean_env(), timeout=30)
    assert r.returncode == 0 and r.stdout.startswith(f"svccert {want}"), r.stdout + r.stderr
    r = subprocess.run(hidden([exe, "rules"]), capture_output=True, text=True, env=clean_env(), timeout=30)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 29 and "svc.dispatcher" in r.stdout, r.stderr
    r = subprocess.run(hidden([exe, "explain", "svc.dispatcher"]), capture_output=True, text=True, env=clean_env(),
                       timeout=30)
    assert r.returncode == 0, r.stderr
    assert "Requires:" in r.stdout and "StartServiceCtrlDispatcherW(table)" in r.stdout
    # the clone really was out of reach
    r = subprocess.run(hidden(["ls", str(REPO)]), capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == ""


@pytest.mark.wine
def test_the_installed_command_checks_the_installed_reference(built, tmp_path):
    inst = install(tmp_path / "stage", prefix="/opt/svccert-test")
    out = tmp_path / "report"
    env = dict(clean_env(), TMPDIR=run_env(tmp_path)["TMPDIR"])
    r = subprocess.run([str(inst / "bin" / "svccert"), "check", "--out", str(out)], capture_output=True, text=True,
                       env=env, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["candidate"]["path"] == str(inst / "lib" / "svccert" / "win" / "svcref.exe")
    # the runs of the installed manifest, one trace each
    names = [line.split("|")[0].strip() for line in (REPO / "ref" / "RUNS").read_text().splitlines()
             if line.strip() and not line.startswith("#") and "check" in line.split("|")[1]]
    assert [run["name"] for run in report["runs"]] == names
    loader = os.environ.get("SVCCERT_WINE_DIR", "/usr/lib/wine") + "/wine64"
    wine = subprocess.run([loader, "--version"], capture_output=True, text=True).stdout.strip()
    version = subprocess.run([str(inst / "bin" / "svccert"), "--version"], capture_output=True, text=True).stdout
    assert report["tool"] == {"name": "svccert", "version": version.split()[1], "wine": wine}
