"""Synthetic svccert traces for the rule engine's tests, judged through build/libsvcconform.so.

A test tells its story with a Trace: events are added in any order with their times, and seq numbers
are given by time (ties keep the order of writing) when the trace is judged, so a test can read the
seq of the event it expects the evidence to name afterwards.
"""
import ctypes
import json
import pathlib
import subprocess

from catalog import catalog_ids
from paths import BUILD, NINJA_FILE

ROOT = pathlib.Path(__file__).resolve().parent.parent
LIB_PATH = BUILD / "libsvcconform.so"

CAND = 1000      # the candidate's pid
CTL = 2000       # the controller's pid
MAIN = 11        # the candidate's main thread: the dispatcher, and the handler runs on it
SM = 12          # the ServiceMain thread
WORKER = 13      # another thread of the candidate
HANDLE = "0x5a5a"

STOPPED, START_PENDING, STOP_PENDING, RUNNING, CONTINUE_PENDING, PAUSE_PENDING, PAUSED = range(1, 8)
STOP, PAUSE, CONTINUE, INTERROGATE, SHUTDOWN = range(1, 6)
ACCEPT_STOP, ACCEPT_PAUSE_CONTINUE, ACCEPT_SHUTDOWN = 0x1, 0x2, 0x4
OWN_PROCESS = 0x10


def _build_lib():
    run = subprocess.run(["ninja", "-C", str(ROOT), "-f", NINJA_FILE, str(LIB_PATH.relative_to(ROOT))], capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError("cannot build libsvcconform.so:\n" + run.stdout + run.stderr)
    lib = ctypes.CDLL(str(LIB_PATH))
    for name in ("sc_judge_text", "sc_judge_file"):
        fn = getattr(lib, name)
        fn.restype = ctypes.c_void_p
        fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.sc_judge_files.restype = ctypes.c_void_p
    lib.sc_judge_files.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, ctypes.c_char_p, ctypes.c_char_p,
                                   ctypes.c_size_t]
    lib.sc_rules_json.restype = ctypes.c_void_p
    lib.sc_rules_json.argtypes = []
    lib.sc_free.restype = None
    lib.sc_free.argtypes = [ctypes.c_void_p]
    return lib


LIB = _build_lib()


def _take(ptr):
    if not ptr:
        return None
    try:
        return json.loads(ctypes.string_at(ptr).decode("utf-8"))
    finally:
        LIB.sc_free(ptr)


def _config_bytes(config):
    if config is None:
        return None
    return (config if isinstance(config, str) else json.dumps(config)).encode()


def judge_text(text, config=None):
    """Returns (result dict or None, error text)."""
    err = ctypes.create_string_buffer(512)
    res = _take(LIB.sc_judge_text(text.encode() if isinstance(text, str) else text, _config_bytes(config), err,
                                  len(err)))
    return res, err.value.decode()


def judge_file(path, config=None):
    err = ctypes.create_string_buffer(512)
    res = _take(LIB.sc_judge_file(str(path).encode(), _config_bytes(config), err, len(err)))
    return res, err.value.decode()


def judge_files(paths, config=None):
    """sc_judge_files over several trace files; returns (result dict or None, error text)."""
    err = ctypes.create_string_buffer(512)
    arr = (ctypes.c_char_p * max(len(paths), 1))(*[None if p is None else str(p).encode() for p in paths])
    res = _take(LIB.sc_judge_files(arr, len(paths), _config_bytes(config), err, len(err)))
    return res, err.value.decode()


def rules_json():
    return _take(LIB.sc_rules_json())


def rules_md_ids():
    """The rule IDs of the catalog (docs/rules.md), in its order."""
    return catalog_ids()


def rule(result, rule_id):
    found = [r for r in result["rules"] if r["id"] == rule_id]
    assert len(found) == 1, f"{rule_id} appears {len(found)} times"
    return found[0]


def timing(r, index=0):
    """The index-th timing entry of a rule's evidence."""
    entries = [e for e in r["evidence"] if "measured_ms" in e]
    assert len(entries) > index, f"{r['id']} has no timing evidence: {r['evidence']}"
    return entries[index]


def evidence_seqs(r):
    return [e["seq"] for e in r["evidence"] if "seq" in e]


class Trace:
    """A run of one candidate, told event by event."""

    def __init__(self, service_name="svctest", service_type=OWN_PROCESS, schema="svccert-trace/1", shape=None):
        cand = {"path": "/tmp/svctest.exe", "image_args": [], "args": [], "service_name": service_name}
        if service_type is not None:
            cand["service_type"] = service_type
        self.header = {"ev": "header", "seq": 0, "t": 0, "pid": 0, "tid": 0, "schema": schema, "source": "synthetic",
                       "source_version": "tests", "candidate": cand, "controller": {}}
        if shape is not None:       # None: a header without run, which the engine reads as the service shape
            self.header["run"] = {"shape": shape}
        self.events = []

    def add(self, ev, t, pid=CAND, tid=MAIN, **fields):
        e = {"ev": ev, "seq": None, "t": t, "pid": pid, "tid": tid}
        e.update(fields)
        self.events.append(e)
        return e

    # the candidate
    def dispatcher(self, t, tid=MAIN):
        return self.add("dispatcher", t, tid=tid, table="0x140003000")

    def service_main(self, t, tid=SM, service="svctest"):
        return self.add("service_main", t, tid=tid, service=service)

    def register(self, t, tid=SM, handle=None, service="svctest"):
        return self.add("handler_register", t, tid=tid, service=service, handler="0x140001500", context="0x0",
                        handle=handle)

    def status(self, t, state, tid=SM, controls=0, checkpoint=0, wait_hint=0, win32_exit=0, specific_exit=0,
               type=OWN_PROCESS, handle=HANDLE):
        return self.add("status", t, tid=tid, handle=handle, type=type, state=state, controls=controls,
                        win32_exit=win32_exit, specific_exit=specific_exit, checkpoint=checkpoint, wait_hint=wait_hint)

    def wait(self, t, t_end, tid=SM, timeout_ms=None, result="signaled"):
        return self.add("wait", t, tid=tid, timeout_ms=timeout_ms, handles=["0x44"], all=False, t_end=t_end,
                        seq_end=None, result=result if t_end is not None else None)

    def control_in(self, t, control, tid=MAIN):
        return self.add("control_in", t, tid=tid, service="svctest", control=control)

    def process_exit(self, t, code=0, how="exit"):
        return self.add("process_exit", t, tid=MAIN, code=code, how=how)

    # the controller
    def ctl_start(self, t, ok=True, error=0, elapsed_ms=20):
        return self.add("ctl_start", t, pid=CTL, tid=1, ok=ok, error=error, elapsed_ms=elapsed_ms)

    def ctl_control(self, sent, control, elapsed_ms=2, ok=True, error=0, delivered=True):
        """ControlService called at `sent`; the controller's record comes when it returned."""
        if delivered:
            self.control_in(sent + min(1, elapsed_ms), control)
        return self.add("ctl_control", sent + elapsed_ms, pid=CTL, tid=1, control=control, ok=ok, error=error,
                        elapsed_ms=elapsed_ms, state=0, controls=0, checkpoint=0, wait_hint=0, win32_exit=0,
                        specific_exit=0)

    def ctl_exit(self, t, code=0):
        return self.add("ctl_exit", t, pid=CTL, tid=1, service_pid=CAND, code=code)

    def harness(self, t, action, detail=""):
        return self.add("harness", t, pid=0, tid=0, action=action, detail=detail)

    def end(self, t, reason="complete"):
        return self.add("end", t, pid=0, tid=0, reason=reason, events=len(self.events))

    # pieces of common stories
    def boot(self, t=10, register=True):
        """The dispatcher connects at t; ServiceMain starts at t+5 and registers its handler 1 ms later."""
        self.add("ctl_install", 0, pid=CTL, tid=1, ok=True, error=0, name="svctest", image_path="C:\\svctest.exe",
                 service_type=OWN_PROCESS, start_type=3)
        self.dispatcher(t)
        self.add("dispatcher_ready", t + 1, count=1)
        self.control_in(t + 2, 0)
        sm = self.service_main(t + 5)
        if register:
            self.register(t + 6)
        self.ctl_start(t + 20)
        return sm

    def stop_cleanly(self, t, cleanup_ms=300, exit_ms=50):
        """STOP at t, answered by STOP_PENDING; STOPPED after cleanup_ms; the process exits exit_ms later."""
        self.ctl_control(t, STOP, elapsed_ms=3)
        self.status(t + 2, STOP_PENDING, tid=MAIN, checkpoint=1, wait_hint=2000)
        stopped = self.status(t + cleanup_ms, STOPPED)
        self.process_exit(t + cleanup_ms + exit_ms)
        self.ctl_exit(t + cleanup_ms + exit_ms + 5)
        self.end(t + cleanup_ms + exit_ms + 50)
        return stopped

    def text(self):
        order = sorted(range(len(self.events)), key=lambda i: (self.events[i]["t"], i))
        lines = [json.dumps(self.header)]
        for seq, i in enumerate(order, start=1):
            self.events[i]["seq"] = seq
            lines.append(json.dumps(self.events[i]))
        return "\n".join(lines) + "\n"

    def judge(self, config=None):
        res, err = judge_text(self.text(), config)
        assert res is not None, err
        return res


def cut_at_deadline(tr, t):
    """Ends the story with the harness's deadline at t: everything killed, the end line says so."""
    tr.harness(t, "deadline", "the run's deadline passed")
    tr.end(t + 10, reason="deadline")
    return tr


def end_by_itself(tr, t, end_after=10, **exit_fields):
    """Ends the story with the candidate's own exit at t (process_exit's fields: code, how) and a complete run."""
    tr.process_exit(t, **exit_fields)
    tr.end(t + end_after)
    return tr


def booted(t=10, register=True, cls=None):
    """A Trace (or cls) whose service has booted at t (Trace.boot)."""
    tr = (cls or Trace)()
    tr.boot(t, register=register)
    return tr


def judged(tr, rule_id, config=None):
    """The verdict of one rule on the story told so far."""
    return rule(tr.judge(config), rule_id)


def checkpoint_down():
    """Checkpoints 2 then 1 in START_PENDING (svc.checkpoint.monotonic fails), RUNNING, a clean STOP."""
    tr = Trace()
    tr.boot(10)
    tr.status(20, START_PENDING, checkpoint=2, wait_hint=3000)
    tr.status(400, START_PENDING, checkpoint=1, wait_hint=3000)
    tr.status(800, RUNNING, controls=ACCEPT_STOP | ACCEPT_SHUTDOWN)
    tr.stop_cleanly(2000)
    return tr


def good_service():
    """A well-behaved service: START_PENDING twice, RUNNING with STOP|SHUTDOWN, a clean requested stop."""
    tr = Trace()
    tr.boot(10)
    tr.status(20, START_PENDING, checkpoint=1, wait_hint=3000)
    tr.status(400, START_PENDING, checkpoint=2, wait_hint=3000)
    tr.status(800, RUNNING, controls=ACCEPT_STOP | ACCEPT_SHUTDOWN)
    tr.wait(801, 2004)
    tr.stop_cleanly(2000)
    return tr


# COM: the candidate as a COM server, the harness's COM client, the registry it left
CLI = 3000       # the harness's COM client process
CLSID = "{11111111-2222-3333-4444-555555555555}"
APPID = "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}"
CLSCTX_LOCAL_SERVER = 0x4
REGCLS_MULTIPLEUSE, REGCLS_SUSPENDED = 0x1, 0x4
EOAC_ACCESS_CONTROL, EOAC_APPID = 0x4, 0x8
ROTFLAGS_ALLOWANYCLIENT = 0x2
CO_E_WRONG_SERVER_IDENTITY = 0x80004015
ALL_HOOKS = ["service", "waits", "debugstr", "controller", "com", "registry", "com_client"]


class ComTrace(Trace):
    """A Trace whose source records the COM families too (hooks=None: a header without hooks)."""

    def __init__(self, hooks=ALL_HOOKS, exe="svctest.exe", **kw):
        super().__init__(**kw)
        if hooks is not None:
            self.header["hooks"] = list(hooks)
        self.header["candidate"]["image_path"] = "C:\\\\test\\\\" + exe
        self._cookie = 0

    def process_start(self, t, cmdline="C:\\\\test\\\\svctest.exe", image="C:\\\\test\\\\svctest.exe"):
        return self.add("process_start", t, tid=MAIN, image=image, cmdline=cmdline, parent_pid=1)

    def com_security(self, t, sd="0x0", capabilities=0, result=0, tid=SM):
        return self.add("com_security", t, tid=tid, sd=sd, auth_level=2, imp_level=3, capabilities=capabilities,
                        result=result)

    def com_register(self, t, clsid=CLSID, context=CLSCTX_LOCAL_SERVER, flags=REGCLS_MULTIPLEUSE, cookie="auto",
                     result=0, tid=SM):
        if cookie == "auto":
            self._cookie += 1
            cookie = self._cookie
        return self.add("com_register", t, tid=tid, clsid=clsid, context=context, flags=flags, cookie=cookie,
                        result=result)

    def com_resume(self, t, result=0, tid=SM):
        return self.add("com_resume", t, tid=tid, result=result)

    def com_revoke(self, t, cookie, result=0, tid=SM):
        return self.add("com_revoke", t, tid=tid, cookie=cookie, result=result)

    def rot_register(self, t, flags=ROTFLAGS_ALLOWANYCLIENT, result=0, tid=SM):
        return self.add("rot_register", t, tid=tid, flags=flags, result=result)

    def quit_received(self, t, tid=SM):
        return self.add("quit_received", t, tid=tid)

    def window(self, t, visible=True, title="Test server"):
        return self.add("window", t, tid=MAIN, visible=visible, title=title)

    def registry(self, t, classes=None, appids=None, exe_appids=None, services=None, when="after_run"):
        return self.add("com_registry", t, pid=0, tid=0,
                        classes=[{"clsid": CLSID, "appid": APPID, "local_server32": None}] if classes is None
                        else classes,
                        appids=[{"appid": APPID, "local_service": "svctest", "run_as": None, "service_params": None}]
                        if appids is None else appids,
                        exe_appids=[{"exe": "svctest.exe", "appid": APPID}] if exe_appids is None else exe_appids,
                        services=[{"name": "svctest", "image_path": "C:\\\\test\\\\svctest.exe"}] if services is None
                        else services, when=when)

    def cli_activate(self, t, clsid=CLSID, ok=True, hr=0, instance=0):
        return self.add("cli_activate", t, pid=CLI, tid=1, clsid=clsid, context=CLSCTX_LOCAL_SERVER, ok=ok, hr=hr,
                        elapsed_ms=5, instance=instance)

    def cli_release(self, t, instance=0, remaining=0):
        return self.add("cli_release", t, pid=CLI, tid=1, instance=instance, remaining=remaining)

    def cli_lock(self, t, lock=1, ok=True, hr=0):
        return self.add("cli_lock", t, pid=CLI, tid=1, lock=lock, ok=ok, hr=hr)

    # the controller of the embedding and user shapes
    def ctl_launch(self, t, ok=True, error=0, server_pid=CAND, cmdline="C:\\test\\svctest.exe"):
        return self.add("ctl_launch", t, pid=CTL, tid=1, ok=ok, error=error, server_pid=server_pid, cmdline=cmdline)

    def ctl_client(self, t, ok=True, exit=0, outcome="exited", elapsed_ms=900):
        return self.add("ctl_client", t, pid=CTL, tid=1, ok=ok, exit=exit, outcome=outcome, elapsed_ms=elapsed_ms)

    def ctl_watch(self, t, what="exit", outcome="exited", elapsed_ms=100, code=0, server_pid=CAND):
        return self.add("ctl_watch", t, pid=CTL, tid=1, what=what, server_pid=server_pid, outcome=outcome,
                        elapsed_ms=elapsed_ms, code=code)

    def ctl_close(self, t, windows=1, server_pid=CAND):
        return self.add("ctl_close", t, pid=CTL, tid=1, server_pid=server_pid, windows=windows)

    def ctl_kill(self, t, ok=True, server_pid=CAND):
        return self.add("ctl_kill", t, pid=CTL, tid=1, server_pid=server_pid, ok=ok)


def com_service():
    """A well-behaved ATL-style COM service: security, registration, RUNNING; a client comes and goes; STOP
    is answered by WM_QUIT on the loop thread, the revocation, then STOPPED."""
    tr = ComTrace()
    tr.boot(10)
    tr.status(20, START_PENDING, checkpoint=1, wait_hint=3000)
    tr.com_security(30)
    tr.com_register(40)
    tr.status(50, RUNNING, controls=ACCEPT_STOP | ACCEPT_SHUTDOWN)
    tr.registry(60)
    tr.cli_activate(100)
    tr.cli_release(200)
    tr.ctl_control(1000, STOP, elapsed_ms=3)
    tr.status(1002, STOP_PENDING, tid=MAIN, checkpoint=1, wait_hint=2000)
    tr.quit_received(1005)
    tr.com_revoke(1010, 1)
    tr.status(1100, STOPPED)
    tr.process_exit(1150)
    tr.ctl_exit(1155)
    tr.end(1200)
    return tr


def com_exe(embedding=True, revoke_at=1200, exit_at=1300, window=False):
    """A plain EXE server: started (with -Embedding in the embedding shape, or by the user in the user shape),
    registers, a client comes and goes at 1000; it revokes at revoke_at and exits at exit_at (None: never)."""
    tr = ComTrace(service_name=None, service_type=None, shape="embedding" if embedding else "user")
    tr.process_start(10, cmdline="C:\\\\test\\\\svctest.exe" + (" -Embedding" if embedding else ""))
    tr.add("com_init", 15, model="apartment")
    tr.com_register(50, tid=MAIN)
    if window:
        tr.window(60)
    tr.cli_activate(100)
    tr.cli_release(1000)
    if revoke_at is not None:
        tr.com_revoke(revoke_at, 1, tid=MAIN)
    if exit_at is not None:
        tr.process_exit(exit_at)
    tr.end((exit_at or revoke_at or 1000) + 100)
    return tr
