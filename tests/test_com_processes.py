"""Under Wine: every server process COM launches for an activation is in the trace, with its own events,
and the client leaves none behind; a failed duplicate registration does not hide the later cookies."""
import pytest

from conftest import run_trace
from paths import WIN

pytestmark = pytest.mark.wine

CO_E_OBJISREG = 0x800401FC
REGCLS_SUSPENDED = 0x4


def of(ev, name, pid=None):
    return [e for e in ev if e["ev"] == name and (pid is None or e["pid"] == pid)]


def test_a_single_use_server_gets_a_traced_process_per_activation_and_none_is_left(tmp_path, built):
    r, ev = run_trace(tmp_path, WIN / "broken" / "com_single_use.exe", "--shape", "embedding", "--register")
    assert ev and ev[-1]["ev"] == "end" and ev[-1]["reason"] == "complete", r.stderr
    client = of(ev, "ctl_client_start")[0]["client_pid"]
    starts = of(ev, "process_start")
    # three activations and the LockServer probe's CoGetClassObject, each launched by the client
    assert len(starts) == 4 and all(s["parent_pid"] == client and "-Embedding" in s["cmdline"] for s in starts)
    acts = of(ev, "cli_activate")
    assert [a["ok"] for a in acts] == [1, 1, 1, 1] and acts[-1]["via"] == "factory"
    for s in starts:
        reg, = of(ev, "com_register", s["pid"])
        assert (reg["result"], reg["cookie"], reg["flags"]) == (0, 1, REGCLS_SUSPENDED)   # REGCLS_SINGLEUSE is 0
        assert [(v["cookie"], v["result"]) for v in of(ev, "com_revoke", s["pid"])] == [(1, 0)]
        # each left by itself once its instance went: nothing for the controller to end
        assert [(x["how"], x["code"]) for x in of(ev, "process_exit", s["pid"])] == [("exit", 0)]
    assert not of(ev, "ctl_kill")


def test_a_duplicate_registration_leaves_the_later_cookie_known(tmp_path, built):
    r, ev = run_trace(tmp_path, WIN / "broken" / "com_dup_register.exe", "--shape", "embedding", "--register")
    assert ev and ev[-1]["ev"] == "end", r.stderr
    regs = of(ev, "com_register")
    assert [(g["result"], g["cookie"]) for g in regs] == [(0, 1), (CO_E_OBJISREG, None), (0, 2)]
    assert sorted((v["cookie"], v["result"]) for v in of(ev, "com_revoke")) == [(1, 0), (2, 0)]
