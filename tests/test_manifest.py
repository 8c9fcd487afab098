"""The MANIFESTs: the broken candidates' (every line valid against the catalog, one source and one build
statement per line, broken.ninja exactly what tools/gen-candidate-ninja writes from it), the hostile ones
and the real-world corpus's (every entry gives every rule of the catalog a verdict and its evidence)."""
import subprocess

import pytest

import hostile_manifest
import realworld_manifest
from broken_manifest import MANIFEST, ManifestError, manifest, parse_line
from catalog import catalog_ids

REPO = MANIFEST.parent.parent.parent


def test_every_line_names_known_rules_and_verdicts():
    rows = manifest()
    assert len(rows) >= 30


@pytest.mark.parametrize("expected, says", [
    ("svc.stoped.last=fail", "not a rule"),                    # misspelt ID
    ("svc.*=error svc.dispatcher=na", "unknown verdict"),      # misspelt exemption
    ("svcx.*=error", "matches no rule"),
    ("svc.dispatcher=fail svc.dispatcher=error", "named twice"),
    ("svc.dispatcher", "not RULE=VERDICT"),
])
def test_a_bad_line_is_refused(expected, says):
    with pytest.raises(ManifestError, match=says):
        parse_line(f"x | | {expected} | what", set(catalog_ids()))


def test_manifest_lists_every_broken_candidate_once():
    names = [m[0] for m in manifest()]
    sources = sorted(p.stem for p in MANIFEST.parent.glob("*.c") if p.stem not in ("kit", "com_kit"))
    assert sorted(names) == sources and len(set(names)) == len(names)


def test_every_fragment_is_generated_from_its_manifest():
    r = subprocess.run([str(REPO / "tools" / "gen-candidate-ninja"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, f"{r.stderr.strip()}: run tools/gen-candidate-ninja"


def test_hostile_manifest_lists_every_hostile_candidate_once():
    rows = hostile_manifest.manifest()
    sources = sorted(p.stem for p in hostile_manifest.MANIFEST.parent.glob("*.c") if p.stem != "hostile_kit")
    assert sorted(rows) == sources


@pytest.mark.parametrize("line, says", [
    ("x | --path {home}\\m | what", "unknown placeholder"),
    ("x | --path {host}\\m |", "not NAME | OPTIONS | WHAT"),
])
def test_a_bad_hostile_line_is_refused(line, says):
    with pytest.raises(hostile_manifest.ManifestError, match=says):
        hostile_manifest.parse_line(line)


def test_every_hostile_candidate_has_a_containment_test():
    import test_containment
    missing = [n for n in hostile_manifest.manifest() if not hasattr(test_containment, f"test_{n}_is_contained")]
    assert not missing, f"no test_NAME_is_contained in tests/test_containment.py for {missing}"


def test_realworld_manifest_names_every_rule_for_every_entry():
    entries = realworld_manifest.manifest()
    assert len(entries) >= 8
    for e in entries.values():
        assert list(e.expected) and set(e.expected) == set(catalog_ids()), e.name
        assert all(e.evidence.values()), e.name


@pytest.mark.parametrize("text, says", [
    ("x | x.exe | | what\n  svc.dispatcher | pass | log\n", "gives no verdict for"),
    ("x | x.exe | | what\n  svc.dispatchr | pass | log\n", "not a rule"),
    ("x | x.exe | | what\n  svc.dispatcher | na | log\n", "unknown verdict"),
    ("x | x.exe | | what\n  svc.dispatcher | pass |\n", "not RULE | VERDICT | EVIDENCE"),
    ("x | x.exe | | what\n  svc.dispatcher | pass | a\n  svc.dispatcher | fail | b\n", "named twice"),
    ("x | /usr/x.exe | | what\n", "PROGRAM is a file name"),
    ("  svc.dispatcher | pass | log\n", "before any entry"),
])
def test_a_bad_realworld_line_is_refused(tmp_path, text, says):
    path = tmp_path / "MANIFEST"
    path.write_text(text)
    with pytest.raises(realworld_manifest.ManifestError, match=says):
        realworld_manifest.manifest(path)
