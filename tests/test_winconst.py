"""Every Windows constant the project writes next to its value agrees with mingw-w64's SDK headers."""
from pathlib import Path

import pytest

import winsdk

REPO = Path(__file__).resolve().parent.parent
# where the project names constants: code, docs, tests (the raw Wine logs under tests/data are Wine's words)
WHERE = ("harness", "conformance", "docs", "ref", "cli", "reports", "tests", "README.md")
SUFFIXES = (".c", ".h", ".md", ".py", "")
HERE = {Path(__file__).resolve(), Path(winsdk.__file__).resolve()}


@pytest.fixture(scope="module")
def sdk():
    missing = [h for h in winsdk.HEADERS if not (winsdk.SDK / h).exists()]
    if missing:
        pytest.fail(f"mingw-w64's headers are missing ({', '.join(missing)}): tools/deps.sh installs mingw-w64-x86-64-dev")
    return winsdk.load()


def project_files():
    for top in WHERE:
        p = REPO / top
        if p.is_file():
            yield p
            continue
        for f in sorted(p.rglob("*")):
            if f.is_file() and f.suffix in SUFFIXES and "data" not in f.relative_to(REPO).parts \
                    and f.resolve() not in HERE:
                yield f


def test_the_sdk_headers_come_from_the_test_command():
    deps = (REPO / "tools" / "deps.sh").read_text()
    assert "mingw-w64-x86-64-dev" in deps.split("pkgs=", 1)[1].splitlines()[0]
    assert "tools/run-tests" in (REPO / ".ci" / "run").read_text()
    assert "deps.sh" in (REPO / "tools" / "run-tests").read_text()


def test_the_headers_are_read_as_the_compiler_reads_them(sdk):
    # one of each form: _HRESULT_TYPEDEF_, __MSABI_LONG, a plain #define, an enum member, an implicit enum
    # member, a #define made of other names
    assert sdk["CO_E_OBJISREG"] == {0x800401FC} and sdk["CO_E_OBJNOTREG"] == {0x800401FB}
    assert sdk["ERROR_SERVICE_NOT_ACTIVE"] == {1062}
    assert sdk["SERVICE_STOP_PENDING"] == {3}
    assert sdk["CLSCTX_LOCAL_SERVER"] == {4} and sdk["REGCLS_SINGLEUSE"] == {0}
    assert sdk["ROTFLAGS_ALLOWANYCLIENT"] == {2}
    assert sdk["CLSCTX_SERVER"] == {0x15}


SAMPLES = [
    ("#define HP_CO_E_OBJISREG 0x800401FBu", "CO_E_OBJISREG"),
    ('    {"CO_E_OBJISREG", 0x800401FB},', "CO_E_OBJISREG"),
    ("    case 0x800401FB: return \"CO_E_OBJISREG\";", "CO_E_OBJISREG"),
    ("(0x800401F0) and `CO_E_OBJISREG` (0x800401FB). So", "CO_E_OBJISREG"),
    ("| `SERVICE_STOPPED` | 4 |", "SERVICE_STOPPED"),
    ("MK_E_UNAVAILABLE = 0x800401E4", "MK_E_UNAVAILABLE"),
    ("CO_E_OBJISREG, E_INVALIDARG = 0x800401FB, 0x80070057", "CO_E_OBJISREG"),
    ("failed with 1063 (ERROR_SERVICE_NOT_ACTIVE)", "ERROR_SERVICE_NOT_ACTIVE"),
    ('    "EOAC_APPID": 4,', "EOAC_APPID"),
]


@pytest.mark.parametrize("line, name", SAMPLES)
def test_a_wrong_pair_is_found_in_every_form_the_project_writes(sdk, line, name):
    found = winsdk.pairs_in_text(line, sdk)
    assert [p[1] for p in found if p[3] & winsdk.MASK not in sdk[p[1]]] == [name]


def test_right_pairs_and_other_numbers_pass(sdk):
    text = "\n".join([
        "#define HP_CO_E_OBJISREG 0x800401FCu",
        "EOAC_ACCESS_CONTROL = 0x4, EOAC_APPID = 0x8",          # the 0x4 before EOAC_APPID is not its value
        "RegOpenKeyExW(HKEY_LOCAL_MACHINE, root, 0, KEY_READ, &k)",
        "(svc_cfg.pause ? SERVICE_ACCEPT_PAUSE_CONTINUE : 0);",
        "failed with -2147220996 (CO_E_OBJISREG)",             # signed and unsigned are the same HRESULT
        '"1.006:0030:0034:trace:msg:peek_message got type 6 msg 12 (WM_QUIT) hwnd (nil)"',
        "src: main.c:233 SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN",   # a source line, not a value
    ])
    found = winsdk.pairs_in_text(text, sdk)
    assert {p[1] for p in found} == {"CO_E_OBJISREG", "EOAC_ACCESS_CONTROL", "EOAC_APPID"}
    assert winsdk.wrong([("t", p) for p in found], sdk) == []


def test_every_constant_the_project_names_is_the_sdks(sdk):
    found = [(str(f.relative_to(REPO)), p) for f in project_files()
             for p in winsdk.pairs_in_text(f.read_text(encoding="utf-8", errors="replace"), sdk)]
    assert winsdk.wrong(found, sdk) == []
    # the scan reaches the places that name constants: a scan that found nothing would check nothing
    tops = {where.split("/")[0] for where, _ in found}
    assert {"harness", "conformance", "docs", "tests"} <= tops, tops
    names = {p[1] for _, p in found}
    assert {"CO_E_OBJISREG", "CO_E_NOTINITIALIZED", "E_INVALIDARG", "REGCLS_MULTIPLEUSE", "CLSCTX_LOCAL_SERVER",
            "EOAC_APPID", "ROTFLAGS_ALLOWANYCLIENT", "ERROR_SERVICE_SPECIFIC_ERROR"} <= names, names
