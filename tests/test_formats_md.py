"""report.md, the summary for a CI job page: the verdict and counts, a table of the rules not passed, n/a collapsed."""
from formats_util import failing_service, judge_formats


def test_summary_verdict_table_and_collapsed_na(tmp_path, built):
    r, out, report = judge_formats(tmp_path, failing_service(), "json,md")
    md = (out / "report.md").read_text()
    lines = md.splitlines()
    assert lines[0] == "## svccert: fail"
    c = report["counts"]
    assert f"fail {c['fail']}" in md and f"error {c['error']}" in md and f"n/a {c['n/a']}" in md
    rows = [x for x in lines if x.startswith("| ") and not x.startswith("| Verdict")]
    shown = [x["id"] for x in report["rules"] if x["verdict"] in ("fail", "warn", "error")]
    assert [row.split("`")[1] for row in rows] == shown
    assert rows[0].startswith("| ❌ fail | [`svc.checkpoint.monotonic`](https://")
    assert f"<details><summary>{c['n/a']} rules not applicable</summary>" in md
    # every row is one line of a table: no stray pipe or line break from a message
    assert all(row.count(" | ") == 2 and row.endswith(" |") for row in rows)
    assert len(lines) < 40


def test_a_message_cannot_break_the_table(tmp_path, built):
    """The candidate's own strings reach the page: markup in them is escaped, not rendered."""
    r, out, report = judge_formats(tmp_path, failing_service(), "json,md", candidate_name="a|b<script>.exe")
    md = (out / "report.md").read_text()
    assert "<script>" not in md and "a\\|b&lt;script&gt;.exe" in md
