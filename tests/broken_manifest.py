"""conformance/broken/MANIFEST read and checked: each line's name, run options and expected verdicts,
every rule ID and pattern in it one that the catalog knows."""
from pathlib import Path

from catalog import catalog_ids

MANIFEST = Path(__file__).resolve().parent.parent / "conformance" / "broken" / "MANIFEST"
VERDICTS = {"pass", "fail", "warn", "error", "n/a"}


class ManifestError(ValueError):
    pass


def parse_expected(text, ids):
    """{rule ID or pattern ending in *: verdict alternatives joined by |}; a misspelt ID, a pattern that
    matches no rule, an unknown verdict or a rule named twice is a ManifestError."""
    out = {}
    for item in text.split():
        rule, sep, verdict = item.partition("=")
        if not sep:
            raise ManifestError(f"{item!r} is not RULE=VERDICT")
        if rule in out:
            raise ManifestError(f"{rule} is named twice")
        if rule.endswith("*"):
            if not any(i.startswith(rule[:-1]) for i in ids):
                raise ManifestError(f"pattern {rule} matches no rule of the catalog")
        elif rule not in ids:
            raise ManifestError(f"{rule} is not a rule of the catalog")
        bad = set(verdict.split("|")) - VERDICTS
        if not verdict or bad:
            raise ManifestError(f"{rule}: unknown verdict {verdict!r}")
        out[rule] = verdict
    return out


def parse_line(line, ids):
    cols = [c.strip() for c in line.split("|", 3)]
    if len(cols) != 4 or not cols[0]:
        raise ManifestError(f"not NAME | OPTIONS | EXPECTED | WHAT: {line!r}")
    name, opts, expected, what = cols
    return name, opts.split(), parse_expected(expected, ids), what


def manifest(path=MANIFEST):
    """[(name, options, expected, what)] in file order; ManifestError names the line at fault."""
    ids = set(catalog_ids())
    rows = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            rows.append(parse_line(line, ids))
        except ManifestError as e:
            raise ManifestError(f"{path.name}:{n}: {e}") from None
    return rows
