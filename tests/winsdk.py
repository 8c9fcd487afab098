"""The Windows constants of mingw-w64's SDK headers, read at test time, and the name/value pairs the project writes."""
import re
from pathlib import Path

SDK = Path("/usr/share/mingw-w64/include")
# the headers that define what the project names: error codes, services, COM, NT status, windows
HEADERS = ("winerror.h", "winsvc.h", "winnt.h", "ntstatus.h", "combaseapi.h", "objbase.h", "wtypesbase.h",
           "wtypes.h", "objidl.h", "objidlbase.h", "winuser.h", "winbase.h")
MASK = 0xFFFFFFFF

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUM = r"-?(?:0[xX][0-9A-Fa-f]+|\d+)[uUlL]{0,3}"
# wrappers around a value that change nothing of it: _HRESULT_TYPEDEF_(x), __MSABI_LONG(x), (DWORD)x ...
_WRAPPERS = re.compile(r"\b(?:_HRESULT_TYPEDEF_|_NDIS_ERROR_TYPEDEF_|__MSABI_LONG|__LONG32|MAKE_HRESULT_TYPEDEF)\b")
_CASTS = re.compile(r"\(\s*(?:HRESULT|NTSTATUS|DWORD|LONG|ULONG|UINT|int|unsigned|long|SCODE|WORD|BYTE)\s*\)")


def _number(tok):
    tok = tok.rstrip("uUlL")
    neg = tok.startswith("-")
    v = int(tok.lstrip("-"), 0) if not re.fullmatch(r"-?0\d+", tok) else int(tok.lstrip("-"), 8)
    return -v if neg else v


def _evaluate(body, defs, depth=0):
    """The value of a macro body or enum initializer, None when it is not a constant expression."""
    if depth > 8:
        return None
    body = _CASTS.sub(" ", _WRAPPERS.sub(" ", body.split("//")[0].split("/*")[0])).strip()
    if not body:
        return None
    out = []
    for tok in re.findall(r"0[xX][0-9A-Fa-f]+[uUlL]*|\d+[uUlL]*|[A-Za-z_][A-Za-z0-9_]*|<<|>>|[|&~()+\-]|\S", body):
        if re.fullmatch(r"0[xX][0-9A-Fa-f]+[uUlL]*|\d+[uUlL]*", tok):
            out.append(str(_number(tok)))
        elif _IDENT.fullmatch(tok):
            vals = defs.get(tok)
            if not vals or len(vals) != 1:
                return None
            out.append(f"({next(iter(vals))})")
        elif tok in ("|", "&", "~", "(", ")", "+", "-", "<<", ">>"):
            out.append(tok)
        else:
            return None
    try:
        return eval(" ".join(out), {"__builtins__": {}}) & MASK   # digits and operators only
    except Exception:
        return None


def load(headers=HEADERS):
    """{name: {values}} of every #define and enum member of the headers whose value is a constant."""
    raw = []   # (name, body) in header order
    for h in headers:
        text = (SDK / h).read_text(encoding="latin-1")
        text = re.sub(r"\\\n", " ", text)
        for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+(.+)$", text, re.M):
            raw.append((m.group(1), m.group(2)))
        for m in re.finditer(r"\benum\b[^{;]*\{([^}]*)\}", text):
            nxt = 0
            for item in m.group(1).split(","):
                item = re.sub(r"/\*.*?\*/|//.*", "", item, flags=re.S).strip()
                if not item or not _IDENT.match(item):
                    continue
                name, _, init = item.partition("=")
                name = name.strip()
                if init.strip():
                    raw.append((name, init))
                    v = _evaluate(init, {})
                    nxt = (v + 1) if v is not None else None
                elif nxt is not None:
                    raw.append((name, str(nxt)))
                    nxt += 1
    defs = {}
    # a name defined from other names needs those first: a few rounds settle every chain
    for _ in range(4):
        for name, body in raw:
            v = _evaluate(body, defs)
            if v is not None:
                defs.setdefault(name, set()).add(v)
    return defs


# --------------------------------------------------------------------- where the project names constants

# NAME = V, NAME: V, "NAME": V, NAME (V), `NAME` (V), NAME V, "NAME", 0xV, | NAME | V | (not C's "a ? NAME : 0")
_AFTER = re.compile(r"[`\"']?\)?(?::|[ \t]*(?:=|\||,(?=[ \t]*0[xX])|\())?[ \t]*[`\"(]?[ \t]*(" + _NUM + r")(?![\w.])")
# 0xV (NAME), 1062 `NAME`, 0xV: return "NAME", V | NAME; a short decimal before a name is too often
# something else (Wine prints "msg 12 (WM_QUIT)" in hex without 0x); a number after "file.c:" is a line
_BEFORE = re.compile(r"(?<![\w.])(?<!\w:)(-?0[xX][0-9A-Fa-f]+[uUlL]{0,3}|-?\d{3,}[uUlL]{0,3})[ \t]*(?:\(|:[^\"\n]{0,20}|\|)?[ \t]*[`\"]?$")
# the families a project prefix may stand before (HP_CO_E_OBJISREG, TRACE_EOAC_APPID); a project constant
# of another shape (HR_WAIT_TIMEOUT) is the project's own
_FAMILIES = ("E_", "S_", "CO_E_", "CO_S_", "RPC_E_", "MK_E_", "ERROR_", "REGCLS_", "CLSCTX_", "EOAC_", "ROTFLAGS_",
             "SERVICE_", "RPC_C_", "COINIT_", "STATUS_")


def _sdk_name(word, defs):
    """The SDK name a word is: itself, or after one project prefix (HP_CO_E_OBJISREG, TRACE_EOAC_APPID)."""
    if word in defs:
        return word
    head, _, rest = word.partition("_")
    if head and rest.startswith(_FAMILIES) and rest in defs:
        return rest
    return None


def pairs_in_text(text, defs):
    """(line number, name, value as written, value) for every SDK name written right next to a number."""
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        # Python: A, B = 0x1, 0x4
        m = re.match(r"^\s*([A-Z][A-Z0-9_]*(?:\s*,\s*[A-Z][A-Z0-9_]*)+)\s*=\s*(" + _NUM + r"(?:\s*,\s*" + _NUM +
                     r")+)\s*(?:#.*)?$", line)
        if m:
            names = [s.strip() for s in m.group(1).split(",")]
            vals = [s.strip() for s in m.group(2).split(",")]
            for name, val in zip(names, vals):
                sdk = _sdk_name(name, defs)
                if sdk:
                    found.append((n, sdk, val, _number(val)))
            continue
        for w in _IDENT.finditer(line):
            sdk = _sdk_name(w.group(0), defs)
            if not sdk or (w.start() and line[w.start() - 1] in "._"):
                continue
            after = _AFTER.match(line, w.end())
            before = _BEFORE.search(line[:w.start()])
            if after:
                found.append((n, sdk, after.group(1), _number(after.group(1))))
            elif before:
                found.append((n, sdk, before.group(1), _number(before.group(1))))
    return found


def wrong(found, defs):
    """The pairs whose value is not the SDK's, as readable lines."""
    return [f"{where}:{n}: {name} = {text}, the SDK says {' or '.join(hex(v) for v in sorted(defs[name]))}"
            for where, (n, name, text, v) in found if v & MASK not in defs[name]]
