"""A candidate carrying Wine's "Wine builtin DLL" marker, against a stand-in Wine install (conftest's fake_wine
plus a dll directory): Wine 8 runs its own installed builtin of that file name instead (server/mapping.c flags
the image, the loader maps the builtin found in its dll path), so a copy whose bytes differ from that builtin
is refused with one line, and a copy identical to it, or a file without the marker, or one Wine has no builtin
of, runs. No Windows program runs."""
import struct

from conftest import read_trace

MARKER = b"Wine builtin DLL\0"


def pe(marker=True, body=b""):
    """A 64-bit PE executable header (no sections: enough for the candidate check), marker at 0x40."""
    b = bytearray(0x200)
    b[0:2] = b"MZ"
    struct.pack_into("<I", b, 0x3C, 0x80)
    if marker:
        b[0x40:0x40 + len(MARKER)] = MARKER
    b[0x80:0x84] = b"PE\0\0"
    struct.pack_into("<HHIIIHH", b, 0x84, 0x8664, 0, 0, 0, 0, 0xF0, 0x22)
    struct.pack_into("<H", b, 0x98, 0x20B)
    return bytes(b) + body


class Install:
    """The stand-in Wine install: the loader names its dll directory as Debian's wine64 does
    (../x86_64-linux-gnu/wine beside it), which holds x86_64-unix/ntdll.so and the builtins."""

    def __init__(self, fake_wine, root):
        self.fake = fake_wine
        loader = fake_wine.dir / "wine64"
        loader.write_text(loader.read_text() + "# ../x86_64-linux-gnu/wine/x86_64-unix/ntdll.so\n")
        self.dll_dir = fake_wine.dir.parent / "x86_64-linux-gnu" / "wine"
        (self.dll_dir / "x86_64-unix").mkdir(parents=True)
        (self.dll_dir / "x86_64-unix" / "ntdll.so").write_bytes(b"\x7fELF")
        (self.dll_dir / "x86_64-windows").mkdir()
        self.root = root

    def builtin(self, name, data, where=None):
        d = where or self.dll_dir / "x86_64-windows"
        d.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(data)

    def check(self, name, data, env=None):
        cand = self.root / "cand" / name
        cand.parent.mkdir(exist_ok=True)
        cand.write_bytes(data)
        out = self.root / "t.jsonl"
        r = self.fake.run("trace", str(cand), "-o", str(out), env=dict(self.fake.env, **(env or {})))
        return r, out


def refused(r, name):
    return r.returncode == 2 and f"{name} carries Wine's builtin marker: Wine would run its own {name}" in r.stderr


def test_a_marked_copy_whose_bytes_differ_from_wines_builtin_is_refused_in_one_line(tmp_path, fake_wine):
    w = Install(fake_wine, tmp_path)
    w.builtin("termsv.exe", pe(body=b"wine's own"))
    r, out = w.check("termsv.exe", pe(body=b"changed"))
    assert refused(r, "termsv.exe"), (r.returncode, r.stderr)
    assert len(r.stderr.splitlines()) == 1 and str(w.dll_dir / "x86_64-windows" / "termsv.exe") in r.stderr
    assert not out.exists() and not fake_wine.controller_argvs()


def test_an_identical_copy_a_file_without_the_marker_and_a_name_wine_has_no_builtin_of_run(tmp_path, fake_wine):
    w = Install(fake_wine, tmp_path)
    w.builtin("termsv.exe", pe(body=b"wine's own"))
    for name, data in (("termsv.exe", pe(body=b"wine's own")),              # Wine's own bytes: the same program
                       ("termsv.exe", pe(marker=False, body=b"changed")),   # no marker: the file itself runs
                       ("other.exe", pe(body=b"changed"))):                 # no builtin of that name
        r, out = w.check(name, data)
        assert r.returncode == 0 and "builtin" not in r.stderr, (name, r.returncode, r.stderr)
        assert read_trace(out)[-1]["reason"] == "complete"


def test_wine_looks_the_name_up_in_lower_case_in_its_dll_path_in_order(tmp_path, fake_wine):
    w = Install(fake_wine, tmp_path)
    w.builtin("termsv.exe", pe(body=b"wine's own"))
    r, _ = w.check("TermSv.EXE", pe(body=b"changed"))
    assert refused(r, "TermSv.EXE"), r.stderr
    # WINEDLLPATH's directories come after Wine's own: its builtin wins over theirs
    extra = tmp_path / "extra"
    w.builtin("spoolsv.exe", pe(body=b"extra"), where=extra / "x86_64-windows")
    r, _ = w.check("spoolsv.exe", pe(body=b"changed"), env={"WINEDLLPATH": str(extra)})
    assert refused(r, "spoolsv.exe") and str(extra) in r.stderr, r.stderr
    r, _ = w.check("spoolsv.exe", pe(body=b"extra"), env={"WINEDLLPATH": str(extra)})
    assert r.returncode == 0, r.stderr
    w.builtin("spoolsv.exe", pe(body=b"wine's own"))
    r, _ = w.check("spoolsv.exe", pe(body=b"extra"), env={"WINEDLLPATH": str(extra)})
    assert refused(r, "spoolsv.exe") and str(w.dll_dir) in r.stderr, r.stderr


def test_a_builtin_wine_keeps_as_a_unix_library_is_never_the_candidate(tmp_path, fake_wine):
    w = Install(fake_wine, tmp_path)
    (w.dll_dir / "x86_64-unix" / "termsv.exe.so").write_bytes(b"\x7fELF")
    data = pe(body=b"same")
    r, _ = w.check("termsv.exe", data)
    assert refused(r, "termsv.exe"), r.stderr
