"""The layers, read from the built objects: which file calls which (nm's undefined against defined
symbols), no call cycle between files inside a part, and dependencies between parts pointing one way."""
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "build"

# Each part and the parts it may call; anything else is a dependency pointing the wrong way.
PARTS = {
    "conformance": (BUILD / "conformance", "nm", set()),
    "parse": (BUILD / "harness" / "parse", "nm", set()),
    "run": (BUILD / "harness" / "run", "nm", {"parse"}),
    "reports": (BUILD / "reports", "nm", {"conformance"}),
    "cli": (BUILD / "cli", "nm", {"run", "parse", "conformance", "reports"}),
    "win": (BUILD / "win" / "harness", "x86_64-w64-mingw32-nm", set()),
    "ref": (BUILD / "win" / "ref", "x86_64-w64-mingw32-nm", set()),
}


def symbols(nm, obj):
    """(defined, undefined) global symbols of one object file."""
    out = subprocess.run([nm, "-P", str(obj)], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        if f[1] == "U":
            undefined.add(f[0])
        elif f[1] in "TDBRGSVW" or f[1] in "C":
            defined.add(f[0])
    return defined, undefined


def objects():
    """{(part, file stem): (defined, undefined)} for every object of every part."""
    found = {}
    for part, (d, nm, _) in PARTS.items():
        objs = sorted(d.glob("*.o"))
        assert objs, f"no objects under {d}: build first (ninja)"
        for o in objs:
            found[(part, o.stem)] = symbols(nm, o)
    return found


def call_graph(objs):
    """Edges caller -> callee between files, from undefined symbols to where they are defined."""
    where = {}
    for key, (defined, _) in objs.items():
        for s in defined:
            where.setdefault(s, set()).add(key)
    edges = {k: set() for k in objs}
    for key, (_, undefined) in objs.items():
        for s in undefined:
            for target in where.get(s, ()):
                # the reference and the Windows helpers are separate programs: link only within a part
                if target != key and (target[0] == key[0] or key[0] not in ("win", "ref")):
                    edges[key].add(target)
    return edges


def cycles(edges):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in edges:
        if v not in index:
            visit(v)
    return out


@pytest.fixture(scope="module")
def graph():
    r = subprocess.run(["ninja", "-C", str(REPO)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return call_graph(objects())


def test_no_call_cycle_between_files(graph):
    found = cycles(graph)
    assert not found, "files that call each other in a circle: " + "; ".join(
        " <-> ".join(f"{p}/{f}" for p, f in c) for c in found)


def test_parts_depend_one_way(graph):
    wrong = sorted({(a[0], b[0], a[1], b[1]) for a, targets in graph.items() for b in targets
                    if b[0] != a[0] and b[0] not in PARTS[a[0]][2]})
    assert not wrong, "calls against the direction of the layers: " + ", ".join(
        f"{pa}/{fa} -> {pb}/{fb}" for pa, pb, fa, fb in wrong)


def test_the_checker_sees_a_cycle():
    """A test that cannot fail is a defect: the same code on a made-up graph with a cycle."""
    edges = {("x", "a"): {("x", "b")}, ("x", "b"): {("x", "c")}, ("x", "c"): {("x", "a")}, ("x", "d"): set()}
    assert cycles(edges) == [[("x", "a"), ("x", "b"), ("x", "c")]]
