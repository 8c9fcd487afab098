"""`svccert explain RULE`, the help text the engine gives every report (sc_rules_json), `svccert --version`
and the tool object of report.json: the catalog's words, the reference's lines as they are now."""
import importlib.machinery
import importlib.util
import json
import re
import shutil
import subprocess

import pytest

from catalog import RULES_DOC, catalog_ids
from conftest import REPO, SVCCERT
from rules_util import good_service, rules_json

LABELS = (("requires", "Requires"), ("why", "Why"), ("mistakes", "Common mistakes"), ("in_trace", "In a trace"))


def gen_module():
    loader = importlib.machinery.SourceFileLoader("gen_rule_help", str(REPO / "tools" / "gen-rule-help"))
    spec = importlib.util.spec_from_loader("gen_rule_help", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def section(rule_id):
    """The catalog's four paragraphs of one rule, read here independently of the generator."""
    text = RULES_DOC.read_text(encoding="utf-8")
    start = text.index(f"### {rule_id} — ")
    end = text.find("\n### ", start + 1)
    body = text[start:end if end > 0 else None]
    out = {}
    for key, label in LABELS:
        m = re.search(rf"^\*\*{re.escape(label)}:\*\* (.*?)(?:\n\n|\Z)", body, re.M | re.S)
        assert m, f"{rule_id}: no {label} paragraph"
        out[key] = " ".join(m.group(1).split())
    return out


def explain(*args):
    return subprocess.run([str(SVCCERT), "explain", *args], capture_output=True, text=True, timeout=30)


def printed_places(out):
    """[(file, first, [(line number, text)])] as explain prints them."""
    places = []
    for line in out.splitlines():
        m = re.match(r"^(ref/[\w.]+), lines (\d+)-(\d+):$", line)
        if m:
            places.append((m.group(1), int(m.group(2)), []))
            continue
        m = re.match(r"^ *(\d+) \| (.*)$", line)
        if m and places:
            places[-1][2].append((int(m.group(1)), m.group(2)))
    return places


def test_explain_prints_the_catalog_source_and_the_reference_lines_as_they_are():
    r = explain("svc.dispatcher")
    assert r.returncode == 0, r.stderr
    flat = " ".join(r.stdout.split())
    for key, label in LABELS:
        assert f"{label}: {section('svc.dispatcher')[key]}" in flat
    assert "StartServiceCtrlDispatcherW function" in r.stdout
    assert "https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-startservicectrldispatcherw" in r.stdout
    places = printed_places(r.stdout)
    assert places, r.stdout
    for file, first, lines in places:
        src = (REPO / file).read_text().splitlines()
        assert lines and lines[0][0] == first
        for n, text in lines:
            assert src[n - 1] == text, f"{file}:{n}"
    assert any("StartServiceCtrlDispatcherW" in t for _, _, lines in places for _, t in lines)


def test_every_rule_has_its_four_paragraphs_and_a_marked_place_in_the_reference():
    by_id = {r["id"]: r for r in rules_json()}
    assert list(by_id) == catalog_ids()
    for rid, r in by_id.items():
        want = section(rid)
        for key, _ in LABELS:
            assert r[key] == want[key], (rid, key)
        assert r["summary"] and r["requires"].startswith(r["summary"]) and r["summary"].endswith("."), rid
        assert r["reference"], f"{rid}: no place in ref/ names it"
        for p in r["reference"]:
            src = (REPO / p["file"]).read_text().splitlines()
            assert p["text"] == "\n".join(src[p["first"] - 1:p["last"]]) + "\n", (rid, p["file"], p["first"])
            assert rid in p["text"], (rid, p)


def test_the_help_text_is_one_markdown_text_with_all_of_it():
    for r in rules_json():
        h = r["help"]
        for key, label in LABELS:
            assert f"**{label}:** {r[key]}" in h
        assert f"[{r['source']}]({r['url']})" in h
        for p in r["reference"]:
            assert f"`{p['file']}`, lines {p['first']}–{p['last']}:\n\n```c\n{p['text']}```" in h


def test_the_generator_follows_the_code_when_it_moves(tmp_path):
    gen = gen_module()
    shutil.copytree(REPO / "ref", tmp_path / "ref")
    (tmp_path / "docs").mkdir()
    shutil.copy(RULES_DOC, tmp_path / "docs" / "rules.md")
    _, _, rules = gen.generate(tmp_path)
    ids = [rid for rid, _ in rules]

    def where(rid):
        srcs = [(f"ref/{p.name}", p.read_text()) for p in sorted((tmp_path / "ref").glob("*.[ch]"))]
        return [(f, a, b) for f, a, b, _ in gen.places(ids, srcs)[rid]]

    before = where("svc.dispatcher")
    main = tmp_path / "ref" / "main.c"
    main.write_text("\n" * 7 + main.read_text())
    after = where("svc.dispatcher")
    assert after == [(f, a + 7, b + 7) for f, a, b in before]
    # and the build's output is the generator's, written where ninja compiles it from
    out = tmp_path / "t.c"
    assert subprocess.run([str(REPO / "tools" / "gen-rule-help"), str(tmp_path), str(out)]).returncode == 0
    a, b = after[0][1], after[0][2]
    assert f'{{ "ref/main.c", {a}, {b},' in out.read_text()
    assert (tmp_path / "t.c.d").read_text().split(":")[0] == str(out)


def test_the_generator_refuses_a_rule_without_its_paragraphs(tmp_path):
    (tmp_path / "docs").mkdir()
    shutil.copytree(REPO / "ref", tmp_path / "ref")
    text = RULES_DOC.read_text(encoding="utf-8")
    start = text.index("### svc.status.type — ")
    why = text.index("**Why:**", start)
    text = text[:why] + "Why " + text[why + len("**Why:**"):]
    (tmp_path / "docs" / "rules.md").write_text(text, encoding="utf-8")
    r = subprocess.run([str(REPO / "tools" / "gen-rule-help"), str(tmp_path), "--check"], capture_output=True,
                       text=True)
    assert r.returncode == 1
    assert "svc.status.type (no Why)" in r.stderr
    assert subprocess.run([str(REPO / "tools" / "gen-rule-help"), str(REPO), "--check"]).returncode == 0


@pytest.mark.parametrize("typed, meant", [("svc.dispatch", "svc.dispatcher"), ("dispatcher", "svc.dispatcher"),
                                          ("com.revoke.al", "com.revoke.all"), ("svc.stoped.last", "svc.stopped.last")])
def test_an_unknown_rule_is_one_line_exit_2_with_the_closest_ids(typed, meant):
    r = explain(typed)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert f"unknown rule '{typed}'" in r.stderr
    m = re.search(r"did you mean (.*)\?\)$", r.stderr.strip())
    assert m and m.group(1).split(", ")[0] == meant, r.stderr


def test_an_id_close_to_none_says_where_the_list_is():
    r = explain("zzzzzzzz")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "did you mean" not in r.stderr and "svccert rules" in r.stderr


def test_explain_without_a_rule_is_a_usage_error():
    for args in ((), ("svc.dispatcher", "svc.status.type")):
        r = explain(*args)
        assert r.returncode == 2 and "usage: svccert explain RULE" in r.stderr


def test_version_comes_from_the_version_file():
    base = (REPO / "VERSION").read_text().strip()
    r = subprocess.run([str(SVCCERT), "--version"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0
    m = re.fullmatch(r"svccert (\S+)\n", r.stdout)
    assert m and (m.group(1) == base or m.group(1).startswith(base + "+g")), r.stdout


def test_a_clone_without_git_gets_the_version_file_alone(tmp_path):
    (tmp_path / "VERSION").write_text("9.8.7\n")
    out = tmp_path / "version.h"
    subprocess.run(["sh", str(REPO / "tools" / "gen-version"), str(tmp_path), str(out)], check=True,
                   env={"PATH": "/usr/bin:/bin", "GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert '#define SVCCERT_VERSION "9.8.7"' in out.read_text()


def test_report_names_the_tool_version_and_the_wine_of_the_trace(tmp_path):
    t = good_service()
    t.header["source"] = "wine"
    t.header["source_version"] = "wine-8.0 (Debian 8.0~repack-4)"
    trace = tmp_path / "trace.jsonl"
    trace.write_text(t.text())
    r = subprocess.run([str(SVCCERT), "judge", str(trace), "--out", str(tmp_path / "out")], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode in (0, 1, 3), r.stderr
    tool = json.loads((tmp_path / "out" / "report.json").read_text())["tool"]
    version = subprocess.run([str(SVCCERT), "--version"], capture_output=True, text=True).stdout.split()[1]
    assert tool == {"name": "svccert", "version": version, "wine": "wine-8.0 (Debian 8.0~repack-4)"}
    # a trace from no Wine names none: never a version the runs did not run under
    t.header["source"] = "synthetic"
    trace.write_text(t.text())
    subprocess.run([str(SVCCERT), "judge", str(trace), "--out", str(tmp_path / "o2")], capture_output=True)
    assert json.loads((tmp_path / "o2" / "report.json").read_text())["tool"]["wine"] is None
