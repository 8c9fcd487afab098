"""The raw-log parser through ctypes (build/libsvctrace.so), and a builder for synthetic Wine logs."""
import ctypes
import json
from pathlib import Path

import pytest
from paths import BUILD

REPO = Path(__file__).resolve().parent.parent
LIB = BUILD / "libsvctrace.so"
SVCPARSE = BUILD / "svcparse"
DATA = REPO / "tests" / "data"

_lib = None


def lib():
    """The loaded library; a missing build fails the test (the build runs before the tests)."""
    global _lib
    if _lib is None:
        if not LIB.exists():
            pytest.fail(f"{LIB} is not built: run `ninja build/libsvctrace.so build/svcparse` first")
        so = ctypes.CDLL(str(LIB))
        so.hp_parse_files.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint,
                                      ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
        so.hp_parse_files.restype = ctypes.c_int
        _lib = so
    return _lib


def _b(s):
    return None if s is None else str(s).encode()


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def parse_file(in_path, out_path, header=None, pid=0, service=None):
    """(rc, err, events); events is None when the parse failed."""
    err = ctypes.create_string_buffer(512)
    rc = lib().hp_parse_files(_b(in_path), _b(out_path), _b(header), pid, _b(service), err, len(err))
    events = read_jsonl(out_path) if rc == 0 else None
    return rc, err.value.decode(), events


def parse_text(tmp_path, text, **kw):
    """Parses a log given as str or bytes; asserts success and returns the events."""
    raw = tmp_path / "raw.log"
    raw.write_bytes(text if isinstance(text, bytes) else text.encode())
    rc, err, events = parse_file(raw, tmp_path / "trace.jsonl", **kw)
    assert rc == 0, err
    return events


def of(events, ev, pid=None):
    return [e for e in events if e["ev"] == ev and (pid is None or e["pid"] == pid)]


def body(events):
    """The events between the header and the end."""
    assert events[0]["ev"] == "header" and events[-1]["ev"] == "end"
    return events[1:-1]


CTL, CTL_T = 0x20, 0x24          # controller process and thread
CAND, MAIN, DISP, SVC = 0x120, 0x124, 0x12C, 0x130   # candidate, its main, dispatcher, ServiceMain threads


class Log:
    """A synthetic raw log; each add returns the 1-based line number (the seq it gets)."""

    def __init__(self):
        self.lines = []

    def add(self, line):
        self.lines.append(line)
        return len(self.lines)

    def client(self, t, pid, tid, func, msg, cls="trace", chan="service"):
        return self.add(f"{t / 1000:.3f}:{pid:04x}:{tid:04x}:{cls}:{chan}:{func} {msg}")

    def dbg(self, t, pid, tid, escaped):
        """OutputDebugStringA with the text already escaped the way Wine prints it."""
        return self.client(t, pid, tid, "OutputDebugStringA", f'"{escaped}"', cls="warn", chan="debugstr")

    def ctl(self, t, record):
        return self.dbg(t, CTL, CTL_T, "svccert-ctl " + record)

    def call(self, t, pid, tid, func, *args, ret="140003108"):
        """A +relay Call line; args are the registers as Wine prints them (hex, no 0x)."""
        return self.add(f"{t / 1000:.3f}:{pid:04x}:{tid:04x}:Call {func}({','.join(args)}) ret={ret}")

    def ret(self, t, pid, tid, func, retval="00000000", ret="140003108"):
        """The +relay Ret line that closes a call."""
        return self.add(f"{t / 1000:.3f}:{pid:04x}:{tid:04x}:Ret  {func}() retval={retval} ret={ret}")

    def srv(self, tid, text):
        return self.add(f"{tid:04x}: {text}")

    def first_thread(self, pid, tid):
        self.srv(tid, "init_first_thread( unix_pid=1, unix_tid=1, debug_level=1, reply_fd=7, wait_fd=9 )")
        return self.srv(tid, f"init_first_thread() = 0 {{ pid={pid:04x}, tid={tid:04x}, server_start=1 (-0.0004010), "
                             "session_id=00000001, info_size=0, machines={8664,014c} }")

    def new_thread(self, creator, tid, process="ffffffff"):
        self.srv(creator, f"new_thread( process={process}, access=001fffff, flags=00000001, request_fd=11, "
                          "objattr={rootdir=0000,attributes=00000000,sd={},name=L\"\"} )")
        return self.srv(creator, f"new_thread() = 0 {{ tid={tid:04x}, handle=0048 }}")

    def select(self, tid, reply="PENDING", data="{WAIT,handles={0034}}", timeout="infinite",
               cookie="01a9e63c", flags=2, contexts="{}"):
        """A select request and its reply; returns the request's line number."""
        start = self.srv(tid, f"select( flags={flags}, cookie={cookie}, timeout={timeout}, size=8, prev_apc=0000, "
                              f"result={{}}, data={data}, contexts={contexts} )")
        self.srv(tid, f"select() = {reply} {{ call={{APC_NONE}}, apc_handle=0000, signaled=0, contexts={{}} }}")
        return start

    def wakeup(self, tid, signaled=0):
        return self.srv(tid, f"*wakeup* signaled={signaled}")

    def killed(self, tid, code=0):
        return self.srv(tid, f"*killed* exit_code={code}")

    def text(self):
        return "\n".join(self.lines) + "\n"


def started(t0=1000.0):
    """A log where the candidate's three threads exist and the controller has spoken."""
    log = Log()
    log.ctl(t0, "ctl_install ok=1 error=0 name=probe")
    log.first_thread(CAND, MAIN)
    log.new_thread(MAIN, DISP)
    log.new_thread(DISP, SVC)
    log.ctl(t0 + 1, f"ctl_start ok=1 error=0 elapsed_ms=12.5 service_pid={CAND}")
    return log
