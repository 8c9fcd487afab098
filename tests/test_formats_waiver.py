"""A waiver shows in every format, never silently (issue 12): the downgraded rule's reason and original verdict in
report.json, JUnit's properties, SARIF's suppressions (and the log still validates), the HTML and the Markdown."""
import json
import xml.etree.ElementTree as ET

from formats_util import failing_service, judge_formats
from test_formats_sarif import schema_errors, validate

RULE = "svc.checkpoint.monotonic"
REASON = "the vendor's checkpoint reset is fixed in 2.1 (TICKET-42)"


def test_a_downgrade_is_recorded_in_every_format(tmp_path, built):
    cfg = tmp_path / "waivers.json"
    cfg.write_text(json.dumps({"waivers": [{"rule": RULE, "policy": "downgrade", "reason": REASON}]}))
    r, out, report = judge_formats(tmp_path, failing_service(), "json,junit,sarif,html,md", "--config", str(cfg))
    assert r.returncode != 1, r.stdout + r.stderr          # the only failure was downgraded
    rule = next(x for x in report["rules"] if x["id"] == RULE)
    assert (rule["verdict"], rule["original_verdict"], rule["waiver"]["reason"]) == ("warn", "fail", REASON)

    props = {p.get("name"): p.get("value") for p in ET.parse(out / "report.junit.xml").iter("property")}
    assert any(REASON in (v or "") for k, v in props.items() if k and RULE in k), props

    sarif = json.loads((out / "report.sarif").read_text())
    waived = [x for x in sarif["runs"][0]["results"] if x.get("ruleId") == RULE]
    assert waived and all(s["kind"] == "external" and s["justification"] == REASON
                          for x in waived for s in x.get("suppressions", [])) and waived[0].get("suppressions")
    assert schema_errors(out / "report.sarif") == []
    lines, bad = validate([out / "report.sarif"], tmp_path)
    assert lines == [] and bad == [], lines

    html = (out / "report.html").read_text()
    assert "TICKET-42" in html and "downgrade" in html
    md = (out / "report.md").read_text()
    assert "TICKET-42" in md, md
    assert "waived" in r.stdout and REASON in r.stdout
