"""conformance/realworld/MANIFEST read and checked: each entry's Wine program, its svccert options and the
expected verdict of every rule of the catalog with its evidence."""
from pathlib import Path

from catalog import catalog_ids

HERE = Path(__file__).resolve().parent.parent / "conformance" / "realworld"
MANIFEST = HERE / "MANIFEST"
# Where Debian's wine64 puts Wine's 64-bit builtin programs and DLLs.
WINE_PE = Path("/usr/lib/x86_64-linux-gnu/wine/x86_64-windows")
VERDICTS = {"pass", "fail", "warn", "error", "n/a"}


class ManifestError(ValueError):
    pass


class Entry:
    def __init__(self, name, program, options, what):
        self.name, self.program, self.what = name, program, what
        self.options = [w.replace("{here}", str(HERE)) for w in options.split()]
        self.expected = {}      # rule ID: verdict
        self.evidence = {}      # rule ID: the line of evidence


def parse_entry(line):
    cols = [c.strip() for c in line.split("|", 3)]
    if len(cols) != 4 or not cols[0] or not cols[1] or not cols[3]:
        raise ManifestError(f"not NAME | PROGRAM | OPTIONS | WHAT: {line!r}")
    if "/" in cols[1] or not cols[1].lower().endswith(".exe"):
        raise ManifestError(f"{cols[0]}: PROGRAM is a file name of {WINE_PE}, not {cols[1]!r}")
    return Entry(*cols)


def parse_verdict(line, entry, ids):
    cols = [c.strip() for c in line.split("|", 2)]
    if len(cols) != 3 or not all(cols):
        raise ManifestError(f"not RULE | VERDICT | EVIDENCE: {line.strip()!r}")
    rule, verdict, evidence = cols
    if rule not in ids:
        raise ManifestError(f"{entry.name}: {rule} is not a rule of the catalog")
    if verdict not in VERDICTS:
        raise ManifestError(f"{entry.name}: {rule}: unknown verdict {verdict!r}")
    if rule in entry.expected:
        raise ManifestError(f"{entry.name}: {rule} is named twice")
    entry.expected[rule], entry.evidence[rule] = verdict, evidence


def manifest(path=MANIFEST):
    """{name: Entry} in file order, each naming every rule of the catalog once; ManifestError names the
    line at fault, or the entry with rules missing."""
    ids = catalog_ids()
    entries, entry = {}, None
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            if not line[0].isspace():
                entry = parse_entry(line)
                if entry.name in entries:
                    raise ManifestError(f"{entry.name} is listed twice")
                entries[entry.name] = entry
            elif entry is None:
                raise ManifestError("a verdict line before any entry")
            else:
                parse_verdict(line, entry, set(ids))
        except ManifestError as e:
            raise ManifestError(f"{path.name}:{n}: {e}") from None
    for e in entries.values():
        missing = [r for r in ids if r not in e.expected]
        if missing:
            raise ManifestError(f"{path.name}: {e.name} gives no verdict for {missing}")
    return entries
