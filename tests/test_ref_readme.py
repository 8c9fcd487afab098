"""ref/README.md, the reading guide, stays true as the code moves: each rule ID in it points at a function of
ref/ that holds that rule's marker (found as `svccert explain` finds it), and every rule of the catalog is
there; and each ref/ file's opening comment lists the rule points its body marks, no more, no fewer."""
import importlib.machinery
import importlib.util
import re

from catalog import catalog_ids
from conftest import REPO

REF = REPO / "ref"
# `rule.id` → [`function`](file.c): the guide's one form of a pointer into the code
POINTER = re.compile(r"`([a-z]+(?:\.[a-z0-9-]+)+)` → \[`(\w+)`\]\(([\w.]+\.[ch])\)")


def gen_module():
    loader = importlib.machinery.SourceFileLoader("gen_rule_help_readme", str(REPO / "tools" / "gen-rule-help"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


GEN = gen_module()


def sources(ref):
    return [(f"ref/{p.name}", p.read_text(encoding="utf-8")) for p in sorted(ref.glob("*.[ch]"))]


def function_lines(text, name):
    """(first, last), 1-based, of the function `name` defined in text: its comment above, its head, its body
    to the closing brace in column 0; None when the file defines no such function."""
    lines = text.splitlines()
    head = re.compile(rf"^[A-Za-z_].*\b{re.escape(name)}\s*\([^;]*$")
    for n, line in enumerate(lines):
        if not head.match(line):
            continue
        end = next((k for k in range(n, len(lines)) if lines[k] == "}"), None)
        if end is None or "{" not in "".join(lines[n:end]):
            continue
        spans = GEN.comment_spans(lines)
        first = spans[n - 1][0] if n > 0 and spans[n - 1] else n
        return first + 1, end + 1
    return None


def pointer_errors(readme, ref, ids):
    """Every way the guide's text fails to point each rule at lines of ref/ that hold its marker."""
    errors = []
    srcs = dict(sources(ref))
    marked = GEN.places(ids, list(srcs.items()))
    pointers = POINTER.findall(readme)
    mentioned = re.findall(r"(?<![\w.-])(" + "|".join(re.escape(i) for i in ids) + r")(?![\w-]|\.[\w])", readme)
    pointed = [rid for rid, _, _ in pointers]
    for rid in ids:
        if rid not in pointed:
            errors.append(f"{rid}: the guide does not point at it")
        if mentioned.count(rid) > pointed.count(rid):
            errors.append(f"{rid}: named in the guide without a pointer `{rid}` → [`function`](file.c)")
    for rid, func, file in pointers:
        if rid not in ids:
            errors.append(f"{rid}: not a rule of docs/rules.md")
            continue
        text = srcs.get(f"ref/{file}")
        if text is None:
            errors.append(f"{rid} → {file}: no such file in ref/")
            continue
        span = function_lines(text, func)
        if span is None:
            errors.append(f"{rid} → {file}: defines no function {func}")
            continue
        a, b = span
        if not any(f == f"ref/{file}" and first <= b and last >= a for f, first, last, _ in marked[rid]):
            errors.append(f"{rid} → {file} {func} (lines {a}-{b}): holds no marker of {rid}")
    return errors


def test_every_rule_of_the_guide_points_at_lines_that_hold_its_marker():
    readme = (REF / "README.md").read_text(encoding="utf-8")
    assert pointer_errors(readme, REF, catalog_ids()) == []


def test_the_check_sees_a_pointer_gone_wrong():
    ids = catalog_ids()
    readme = (REF / "README.md").read_text(encoding="utf-8")
    right = "`svc.dispatcher` → [`wmain`](main.c)"
    assert right in readme
    wrong = {
        "`svc.dispatcher` → [`svc_main`](service.c)": "holds no marker of svc.dispatcher",
        "`svc.dispatcher` → [`no_such_function`](main.c)": "defines no function no_such_function",
        "`svc.dispatcher` → [`wmain`](nothere.c)": "no such file",
        "`svc.dispatcher` (in main)": "does not point at it",
    }
    for text, says in wrong.items():
        errors = pointer_errors(readme.replace(right, text), REF, ids)
        assert any(says in e for e in errors), (text, errors)
    # a rule named only in passing is a pointer missing
    errors = pointer_errors(readme + "\nsee also svc.stopped.last\n", REF, ids)
    assert any("svc.stopped.last: named in the guide without a pointer" in e for e in errors), errors


def test_the_check_follows_the_code_when_it_moves(tmp_path):
    """A marker moved out of its function breaks the pointer; lines added above it do not."""
    ref = tmp_path / "ref"
    ref.mkdir()
    for name, text in sources(REF):
        (tmp_path / name).write_text(text, encoding="utf-8")
    readme = (REF / "README.md").read_text(encoding="utf-8")
    main = ref / "main.c"
    main.write_text("\n\n/* a comment */\n\n" + main.read_text(encoding="utf-8"), encoding="utf-8")
    assert pointer_errors(readme, ref, catalog_ids()) == []
    main.write_text(main.read_text(encoding="utf-8").replace("/* svc.dispatcher: connect", "/* connect"),
                    encoding="utf-8")
    assert any("svc.dispatcher → main.c wmain" in e for e in pointer_errors(readme, ref, catalog_ids()))


def header_points(text, ids):
    """The rule IDs a file's opening comment lists after "Rule points:", or None when it has no such line."""
    lines = text.splitlines()
    first = next(n for n, line in enumerate(lines) if line.strip())
    end = GEN.comment_spans(lines)[first][1]
    top = " ".join(lines[first:end + 1])
    m = re.search(r"Rule points: (.*)", top)
    if not m:
        return None
    return {i for i in ids if re.search(rf"(?<![\w.-]){re.escape(i)}(?![\w-]|\.[\w])", m.group(1))}


def test_each_file_of_the_reference_says_what_it_is_and_which_rule_points_it_holds():
    ids = catalog_ids()
    marked = GEN.places(ids, sources(REF))
    for path in sorted(REF.glob("*.[ch]")):
        text = path.read_text(encoding="utf-8")
        first = text.lstrip().splitlines()[0]
        assert first.startswith(f"/* {path.name}: "), f"{path.name}: the opening comment names the file"
        listed = header_points(text, ids)
        assert listed is not None, f"{path.name}: no 'Rule points:' in the opening comment"
        held = {rid for rid in ids for f, _, _, _ in marked[rid] if f == f"ref/{path.name}"}
        assert listed == held, f"{path.name}: lists {sorted(listed - held)} it does not mark, " \
                               f"omits {sorted(held - listed)} it marks"


def test_the_service_half_reads_without_the_com_half():
    """svc.h, and status.c which includes only it, say nothing of COM."""
    for name in ("svc.h", "status.c"):
        text = (REF / name).read_text(encoding="utf-8")
        body = text.split("*/", 1)[1]
        assert not re.search(r"com_|COM_|objbase|CoInitialize|com\.h|com_host\.h|rpcss", body, re.I), name
    assert re.findall(r'#include "([^"]+)"', (REF / "status.c").read_text()) == ["svc.h"]
    assert not (REF / "svcref.h").exists()


def test_a_files_list_of_rule_points_is_not_a_place_of_them():
    """`svccert explain` shows the code that honours a rule, never the opening comment that only lists it."""
    ids = catalog_ids()
    marked = GEN.places(ids, sources(REF))
    for path in sorted(REF.glob("*.[ch]")):
        lines = path.read_text(encoding="utf-8").splitlines()
        top = GEN.comment_spans(lines)[0][1] + 1
        for rid in ids:
            for f, first, _, _ in marked[rid]:
                assert f != f"ref/{path.name}" or first > top, f"{rid}: {path.name} line {first} is its heading"
