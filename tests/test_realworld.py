"""Under Wine: the real-world corpus, Wine 8.0's own services and COM servers from Debian's wine64, each
checked from a copy as a user would, gets exactly the verdict conformance/realworld/MANIFEST gives for
every rule (what is right by the documentation, read from each program's log and source)."""
import json
import shutil
import subprocess

import pytest

from conftest import SVCCERT, run_env, run_trace
from realworld_manifest import WINE_PE, manifest

ENTRIES = manifest()

# Where svccert at b527573 gives another verdict than the MANIFEST, by the issue-11 class that explains it
# ("entry:rule" words). A listed verdict that still differs makes the entry xfail; one that now agrees
# fails the test until its word goes: remove a class's line when its fix is merged.
KNOWN_WRONG = {
}
# Checks outside the MANIFEST, named in KNOWN_WRONG as "NAME:driven".
ELSEWHERE = {"iexplore_registered_elsewhere"}


def known_wrong(name):
    """{rule: issue-11 class} of the entry's verdicts svccert is known to get wrong today."""
    out = {}
    for cls, words in KNOWN_WRONG.items():
        for word in words.split():
            entry, _, rule = word.partition(":")
            if entry == name:
                out[rule] = cls
    return out


def expected_status(expected):
    """svccert check's exit status for these verdicts: 1 a rule failed, 3 one could not be judged, else 0."""
    verdicts = set(expected.values())
    return 1 if "fail" in verdicts else 3 if "error" in verdicts else 0


def diff_table(entry, got, rules, known):
    rows = [f"  {'rule':30} {'got':6} {'wanted':6} evidence"]
    for rule in rules:
        tag = f" [issue 11 class {known[rule]}]" if rule in known else ""
        rows.append(f"  {rule:30} {got.get(rule, '-'):6} {entry.expected[rule]:6} {entry.evidence[rule]}{tag}")
    return "\n".join(rows)


def test_known_wrong_names_entries_and_rules_of_the_manifest():
    for cls, words in KNOWN_WRONG.items():
        for word in words.split():
            entry, _, rule = word.partition(":")
            known = (entry in ENTRIES and rule in ENTRIES[entry].expected) or (entry in ELSEWHERE and rule == "driven")
            assert known, f"class {cls}: {word} is in no entry"


@pytest.mark.wine
@pytest.mark.parametrize("name", list(ENTRIES))
def test_wine_program_gets_every_verdict_of_its_manifest_entry(tmp_path, built, name):
    entry = ENTRIES[name]
    source = WINE_PE / entry.program
    assert source.is_file(), f"{source} missing: Debian's wine64 package provides it"
    candidate = tmp_path / "candidate" / entry.program
    candidate.parent.mkdir()
    shutil.copyfile(source, candidate)
    out = tmp_path / "out"
    r = subprocess.run([str(SVCCERT), "check", str(candidate), "--out", str(out), "--timeout", "150",
                        *entry.options], capture_output=True, text=True, timeout=400, env=run_env(tmp_path))
    assert (out / "report.json").exists(), f"{name}: no report (exit {r.returncode}): {r.stderr.strip()}"
    report = json.loads((out / "report.json").read_text())
    got = {x["id"]: x["verdict"] for x in report["rules"]}
    assert set(got) == set(entry.expected), f"{name}: the report's rules are not the catalog's"

    wrong = [rule for rule in entry.expected if got[rule] != entry.expected[rule]]
    known = known_wrong(name)
    unexplained = [rule for rule in wrong if rule not in known]
    fixed = [rule for rule in known if rule not in wrong]
    assert not unexplained, (f"{name} ({entry.what}): verdicts other than the MANIFEST's\n"
                             + diff_table(entry, got, unexplained, known)
                             + f"\nreport: {out / 'report.json'}")
    assert not fixed, (f"{name}: now right, so remove from KNOWN_WRONG: "
                       + ", ".join(f"{rule} (class {known[rule]})" for rule in fixed))
    if wrong:
        pytest.xfail(f"{name}: issue 11 not yet fixed here\n" + diff_table(entry, got, wrong, known))
    assert r.returncode == expected_status(entry.expected), (r.returncode, r.stdout[-2000:])
    for rule in report["rules"]:
        if rule["verdict"] != "n/a":
            assert rule["evidence"], f"{name}: {rule['id']} ({rule['verdict']}) has no evidence"


@pytest.mark.wine
def test_a_changed_copy_keeping_wines_builtin_marker_is_refused(tmp_path, built):
    """Wine 8 maps an image carrying the "Wine builtin DLL" marker from its own install, by file name, so a
    changed copy that keeps the marker would run as Wine's builtin, not as itself: svccert refuses it (exit 2,
    one line) rather than drive another binary silently. Without the marker the changed copy runs as itself."""
    image = (WINE_PE / "termsv.exe").read_bytes()
    name, renamed = "TermService".encode("utf-16-le"), "TermServicX".encode("utf-16-le")
    assert image.count(name) == 1 and image[0x40:0x50] == b"Wine builtin DLL"
    changed = image.replace(name, renamed)
    marked = tmp_path / "marked"
    marked.mkdir()
    (marked / "termsv.exe").write_bytes(changed)
    r, events = run_trace(marked, marked / "termsv.exe", "--no-pause", name="marked")
    assert r.returncode == 2 and not events, (r.returncode, r.stderr)
    assert r.stderr.strip() == (f"svccert: termsv.exe carries Wine's builtin marker: Wine would run its own termsv.exe "
                                f"({WINE_PE / 'termsv.exe'}), not this file")
    unmarked = tmp_path / "unmarked"
    unmarked.mkdir()
    (unmarked / "termsv.exe").write_bytes(changed[:0x40] + bytes(16) + changed[0x50:])
    r, events = run_trace(unmarked, unmarked / "termsv.exe", "--no-pause", name="unmarked")
    assert {e["service"] for e in events if e["ev"] == "handler_register"} == {"TermServicX"}, r.stderr


@pytest.mark.wine
def test_a_class_served_by_another_file_of_the_same_name_is_not_driven(tmp_path, built):
    """Only the candidate's own copy may be driven (issue 11, class 9): with no registration of its own, a copy
    of iexplore.exe checked for InternetExplorer, whose LocalServer32 names C:\\Program Files\\Internet
    Explorer\\iexplore.exe, must not get the verdicts of that other file's process: the run ends in a harness
    error saying which file COM started for which class."""
    candidate = tmp_path / "candidate" / "iexplore.exe"
    candidate.parent.mkdir()
    shutil.copyfile(WINE_PE / "iexplore.exe", candidate)
    out = tmp_path / "out"
    r = subprocess.run([str(SVCCERT), "check", str(candidate), "--out", str(out), "--timeout", "150", "--shape",
                        "embedding", "--clsid", "{0002DF01-0000-0000-C000-000000000046}"],
                       capture_output=True, text=True, timeout=400, env=run_env(tmp_path))
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else {"runs": []}
    others = set()
    for run in report["runs"]:
        for line in open(run["trace"]) if run.get("trace") else ():
            e = json.loads(line)
            if e.get("ev") == "process_start" and e["image"].lower().endswith("\\iexplore.exe") \
                    and e["image"].lower() != "c:\\svccert\\candidate\\iexplore.exe":
                others.add(e["image"])
    wrong = bool(others) or r.returncode == 0
    if wrong and "iexplore_registered_elsewhere" in known_wrong_entries():
        pytest.xfail(f"issue 11 class 9b: drove {sorted(others)}, exit {r.returncode}")
    assert not wrong, f"drove {sorted(others)} and exited {r.returncode}: {r.stdout[-1500:]}"
    assert r.returncode == 3 and report["runs"][0]["run_error"].startswith(
        "COM started C:\\Program Files\\Internet Explorer\\iexplore.exe for {0002DF01-0000-0000-C000-000000000046}, "
        "not the candidate"), (r.returncode, report["runs"])
    assert "iexplore_registered_elsewhere" not in known_wrong_entries(), "now right: remove 9b from KNOWN_WRONG"


def known_wrong_entries():
    return {w.partition(":")[0] for words in KNOWN_WRONG.values() for w in words.split()}


@pytest.mark.wine
def test_the_registry_scan_takes_no_class_of_another_file_of_the_same_name(tmp_path, built):
    """The scan names the candidate's classes by the file their LocalServer32 runs, not by its name: a copy of
    iexplore.exe with no registration of its own serves none of the classes of C:\\Program Files\\Internet
    Explorer\\iexplore.exe, so with no --clsid the client has nothing to activate."""
    candidate = tmp_path / "candidate" / "iexplore.exe"
    candidate.parent.mkdir()
    shutil.copyfile(WINE_PE / "iexplore.exe", candidate)
    r, events = run_trace(tmp_path, candidate, "--shape", "embedding")
    scans = [e for e in events if e["ev"] == "com_registry"]
    assert scans, r.stderr
    assert [c["clsid"] for s in scans for c in s["classes"]] == [], scans
    assert [e["outcome"] for e in events if e["ev"] == "ctl_client"] == ["no_class"]
