"""Every report: svc.status.handle, svc.status.type, svc.idle.checkpoint-zero."""
from rules_util import (ACCEPT_STOP, PAUSED, RUNNING, START_PENDING, STOPPED, WORKER, Trace, booted, end_by_itself,
                        evidence_seqs, good_service, judged, rule)


def _service(reg_handle=None, handles=("0x5a5a", "0x5a5a", "0x5a5a"), **trace_kw):
    """ServiceMain registers, then START_PENDING, RUNNING and STOPPED with the given handles."""
    tr = Trace(**trace_kw)
    tr.boot(10, register=False)
    tr.register(16, handle=reg_handle)
    sts = [tr.status(20, START_PENDING, checkpoint=1, wait_hint=1000, handle=handles[0]),
           tr.status(300, RUNNING, controls=ACCEPT_STOP, handle=handles[1])]
    tr.ctl_control(1000, 1)
    sts.append(tr.status(1001, STOPPED, handle=handles[2]))
    end_by_itself(tr, 1050)
    return tr, sts


# svc.status.handle

def test_handle_pass_when_registration_handle_is_not_observable():
    tr, sts = _service()
    r = judged(tr, "svc.status.handle")
    assert r["verdict"] == "pass"
    assert "not observable" in r["evidence"][0]["note"]
    assert r["evidence"][0]["ev"] == "handler_register"
    assert r["evidence"][1]["seq"] == sts[0]["seq"]
    assert "consistency" in r["message"]


def test_handle_pass_when_reports_use_the_registered_handle():
    tr, _ = _service(reg_handle="0x5A5A")
    r = judged(tr, "svc.status.handle")
    assert r["verdict"] == "pass"
    assert "0x5a5a" in r["message"] and "returned" in r["message"]


def test_handle_fail_when_a_report_uses_another_handle_than_registration_returned():
    tr, sts = _service(reg_handle="0x1234")
    r = judged(tr, "svc.status.handle")
    assert r["verdict"] == "fail"
    assert sts[0]["seq"] in evidence_seqs(r)
    assert "0x1234" in r["message"]


def test_handle_fail_on_a_null_handle():
    tr, sts = _service(handles=("0x5a5a", None, "0x5a5a"))
    r = judged(tr, "svc.status.handle")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [sts[1]["seq"]]
    assert "NULL" in r["message"]


def test_handle_fail_on_a_zero_handle():
    tr, sts = _service(handles=("0x0", "0x5a5a", "0x5a5a"))
    r = judged(tr, "svc.status.handle")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [sts[0]["seq"]]
    assert "NULL" in r["message"]


def test_handle_fail_when_reports_use_two_handles():
    tr, sts = _service(handles=("0x5a5a", "0x5a5a", "0x7777"))
    r = judged(tr, "svc.status.handle")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [sts[0]["seq"], sts[2]["seq"]]
    assert "two handle values" in r["message"]


def test_handle_fail_when_status_comes_before_registration():
    tr = booted(register=False)
    early = tr.status(12 + 5, START_PENDING, tid=WORKER, checkpoint=1, wait_hint=1000)
    tr.register(18)
    tr.status(300, RUNNING, controls=ACCEPT_STOP)
    tr.stop_cleanly(1000)
    r = judged(tr, "svc.status.handle")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [early["seq"]]
    assert "before any RegisterServiceCtrlHandler" in r["message"]


def test_handle_not_applicable_without_reports():
    tr = booted()
    end_by_itself(tr, 100)
    assert judged(tr, "svc.status.handle")["verdict"] == "n/a"


# svc.status.type

def test_type_pass_for_the_installed_type():
    res = good_service().judge()
    r = rule(res, "svc.status.type")
    assert r["verdict"] == "pass"
    assert r["evidence"][0]["type"] == 0x10


def test_type_warn_for_share_process_in_an_own_process_service():
    tr = good_service()
    odd = [e for e in tr.events if e["ev"] == "status"][2]
    odd["type"] = 0x20
    r = judged(tr, "svc.status.type")
    assert r["verdict"] == "warn"
    assert evidence_seqs(r) == [odd["seq"]]
    assert "0x20" in r["message"] and "0x10" in r["message"]


def test_type_interactive_only_if_installed_so():
    tr, _ = _service(service_type=0x110)
    for e in tr.events:
        if e["ev"] == "status":
            e["type"] = 0x110
    assert judged(tr, "svc.status.type")["verdict"] == "pass"
    tr, sts = _service()
    sts[0]["type"] = 0x110
    assert judged(tr, "svc.status.type")["verdict"] == "warn"


def test_type_falls_back_to_the_install_record():
    tr, _ = _service(service_type=None)
    r = judged(tr, "svc.status.type")       # boot() records ctl_install with type 0x10
    assert r["verdict"] == "pass"
    tr.events = [e for e in tr.events if e["ev"] != "ctl_install"]
    r = judged(tr, "svc.status.type")
    assert r["verdict"] == "error"
    assert "installed" in r["message"]


def test_type_not_applicable_without_reports():
    tr = booted()
    end_by_itself(tr, 100)
    assert judged(tr, "svc.status.type")["verdict"] == "n/a"


# svc.idle.checkpoint-zero

def test_idle_pass_cites_the_idle_reports():
    tr = good_service()
    r = judged(tr, "svc.idle.checkpoint-zero")
    assert r["verdict"] == "pass"
    idle = [e["seq"] for e in tr.events if e["ev"] == "status" and e["state"] in (RUNNING, STOPPED)]
    assert evidence_seqs(r) == [idle[0], idle[-1]]


def test_idle_fail_on_a_running_checkpoint():
    tr = good_service()
    running = [e for e in tr.events if e["ev"] == "status" and e["state"] == RUNNING][0]
    running["checkpoint"] = 3
    r = judged(tr, "svc.idle.checkpoint-zero")
    assert r["verdict"] == "fail"
    assert evidence_seqs(r) == [running["seq"]]
    assert r["evidence"][0]["checkpoint"] == 3


def test_idle_warn_on_a_stopped_wait_hint():
    tr = good_service()
    stopped = [e for e in tr.events if e["ev"] == "status" and e["state"] == STOPPED][0]
    stopped["wait_hint"] = 1000
    r = judged(tr, "svc.idle.checkpoint-zero")
    assert r["verdict"] == "warn"
    assert evidence_seqs(r) == [stopped["seq"]]


def test_idle_paused_counts_and_fail_outranks_warn():
    tr = good_service()
    tr.status(1500, PAUSED, wait_hint=10)
    tr.status(1600, RUNNING, controls=ACCEPT_STOP, checkpoint=1)
    r = judged(tr, "svc.idle.checkpoint-zero")
    assert r["verdict"] == "fail"
    assert len(evidence_seqs(r)) == 2
    assert "checkpoint 1" in r["message"]


def test_idle_not_applicable_with_only_pending_reports():
    tr = booted()
    tr.status(20, START_PENDING, checkpoint=1, wait_hint=1000)
    end_by_itself(tr, 100, how="crash")
    assert judged(tr, "svc.idle.checkpoint-zero")["verdict"] == "n/a"


# svc.status.handle: which registrations count (issue 11, class 1)

def _own_name_service(reg_handle=None, service_type=0x10, reg_name="MyOwnName"):
    """A service that registers its handler under a name of its own, not the installed one."""
    tr = Trace(service_type=service_type)
    tr.boot(10, register=False)
    reg = tr.register(16, handle=reg_handle, service=reg_name)
    sts = [tr.status(20, START_PENDING, checkpoint=1, wait_hint=1000, type=service_type),
           tr.status(300, RUNNING, controls=ACCEPT_STOP, type=service_type)]
    tr.ctl_control(1000, 1)
    sts.append(tr.status(1001, STOPPED, type=service_type))
    end_by_itself(tr, 1050)
    return tr, reg, sts


def test_handle_own_process_registration_under_another_name_counts():
    """Windows does not check the name an own-process service registers under: its reports use that handle."""
    tr, reg, _ = _own_name_service()
    r = judged(tr, "svc.status.handle")
    assert r["verdict"] == "pass", r["message"]
    assert "before any" not in r["message"] and f"seq {reg['seq']}" in r["message"]


def test_handle_own_process_visible_handle_under_another_name_passes():
    tr, reg, sts = _own_name_service(reg_handle="0x5A5A")
    r = judged(tr, "svc.status.handle")
    assert r["verdict"] == "pass" and "0x5a5a" in r["message"]
    assert evidence_seqs(r)[0] == reg["seq"]


def test_handle_before_any_registration_is_said_truly():
    tr = booted(register=False)
    early = tr.status(16, START_PENDING, checkpoint=1, wait_hint=1000)
    tr.register(17, service="Other")
    tr.status(20, RUNNING, controls=ACCEPT_STOP)
    end_by_itself(tr, 100)
    r = judged(tr, "svc.status.handle")
    assert r["verdict"] == "fail"
    assert f"seq {early['seq']}, thread {early['tid']}" in r["message"] and "before any" in r["message"]


def test_handle_not_returned_by_any_registration_fails_naming_them():
    tr, reg, sts = _own_name_service(reg_handle="0x1111")
    r = judged(tr, "svc.status.handle")
    assert r["verdict"] == "fail"
    assert "no registration before it returned" in r["message"]
    assert f"0x1111 (seq {reg['seq']}, thread {reg['tid']})" in r["message"]


def test_handle_share_process_registration_must_name_the_service():
    """In a shared process the name picks the service: another service's registration is not this one's."""
    tr, reg, sts = _own_name_service(service_type=0x20)
    r = judged(tr, "svc.status.handle")
    assert r["verdict"] == "fail"
    assert "named another service" in r["message"] and f"seq {reg['seq']}" in r["message"]


def test_handle_from_a_registration_whose_handle_is_not_shown_is_not_refused():
    """Two registrations, the second's handle not visible: a report with a handle the first did not return may be
    the second's, so only consistency is judged."""
    tr = booted(register=False)
    tr.register(16, handle="0x1111")
    tr.register(17, handle=None)
    tr.status(20, RUNNING, controls=ACCEPT_STOP, handle="0x2222")
    end_by_itself(tr, 100)
    r = judged(tr, "svc.status.handle")
    assert r["verdict"] == "pass", r["message"]
