"""The project's own rule catalog, docs/rules.md: one `### <id> — <title>` heading per rule, in order."""
import re
from pathlib import Path

RULES_DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def catalog_ids():
    """Every rule ID docs/rules.md has a section for, in its order."""
    return re.findall(r"^### ([a-z]+(?:\.[a-z0-9-]+)+) — ", RULES_DOC.read_text(encoding="utf-8"), re.M)
