"""conformance/hostile/MANIFEST read and checked: each hostile candidate's name, its own words (with the
placeholders a test fills in) and what it attacks."""
import re
from pathlib import Path

MANIFEST = Path(__file__).resolve().parent.parent / "conformance" / "hostile" / "MANIFEST"
# What a test fills in: its own host directory and secret file (Windows form), its listener, its tag.
PLACEHOLDERS = {"host", "secret", "port", "tag"}


class ManifestError(ValueError):
    pass


def parse_line(line):
    cols = [c.strip() for c in line.split("|", 2)]
    if len(cols) != 3 or not cols[0] or not cols[2]:
        raise ManifestError(f"not NAME | OPTIONS | WHAT: {line!r}")
    name, words, what = cols
    unknown = set(re.findall(r"{(\w*)}", words)) - PLACEHOLDERS
    if unknown:
        raise ManifestError(f"{name}: unknown placeholder(s) {sorted(unknown)}")
    return name, words.split(), what


def manifest(path=MANIFEST):
    """{name: (words, what)} in file order; ManifestError names the line at fault."""
    rows = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            name, words, what = parse_line(line)
        except ManifestError as e:
            raise ManifestError(f"{path.name}:{n}: {e}") from None
        if name in rows:
            raise ManifestError(f"{path.name}:{n}: {name} is listed twice")
        rows[name] = (words, what)
    return rows


def fill(words, **values):
    """The candidate's words with the test's values in place of their placeholders."""
    return [w.format(**values) for w in words]
