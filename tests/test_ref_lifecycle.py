"""The reference service under Wine's real SCM: each configuration proven from the trace Wine prints."""
import pytest

from conftest import SVCREF, ref_run_opts, ref_runs, run_trace
from trace_util import (ERROR_SERVICE_SPECIFIC_ERROR, PAUSED, RUNNING, START_PENDING, STOP_PENDING,
                        STOPPED, candidate, controls_sent, of, service_main, states, statuses)

pytestmark = pytest.mark.wine

ACCEPT_ALL = 0x1 | 0x2 | 0x4   # STOP | PAUSE_CONTINUE | SHUTDOWN

# the reference's configurations: ref/RUNS, the runs tagged lifecycle (image args, start args, options)
CONFIGS = ref_runs("lifecycle")


@pytest.fixture(scope="module")
def traces(tmp_path_factory, built):
    """One Wine run per configuration, shared by the tests below."""
    out = {}
    for name, run in CONFIGS.items():
        r, events = run_trace(tmp_path_factory.mktemp(name), SVCREF, *ref_run_opts(run), name=name)
        assert r.returncode == 0, f"{name}: svccert trace failed: {r.stderr}"
        out[name] = events
    return out


def _main_thread_calls(events):
    """Service calls and waits on the ServiceMain thread, in order (markers left out)."""
    main = service_main(events)
    return [e for e in candidate(events)
            if e["tid"] == main["tid"] and e["ev"] in ("handler_register", "status", "wait")
            and e["seq"] > main["seq"]]


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_first_call_on_service_main_thread_is_handler_registration(traces, config):
    calls = _main_thread_calls(traces[config])
    assert calls and calls[0]["ev"] == "handler_register", calls[:3]
    assert calls[0]["service"] == "svcref"
    assert calls[0]["t"] - service_main(traces[config])["t"] < 100


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_every_report_uses_one_handle_and_own_process_type(traces, config):
    reports = statuses(traces[config])
    assert reports
    assert len({s["handle"] for s in reports}) == 1
    assert all(s["type"] == 0x10 for s in reports)


def test_fast_lifecycle_runs_pause_continue_stop_and_uninstall(traces):
    ev = traces["fast"]
    assert states(ev) == [RUNNING, 6, PAUSED, 5, RUNNING, STOP_PENDING, STOPPED]
    assert statuses(ev)[0]["controls"] == ACCEPT_ALL
    assert controls_sent(ev) == [(2, 1), (3, 1), (4, 1), (1, 1)]
    stopped = statuses(ev)[-1]
    assert (stopped["win32_exit"], stopped["specific_exit"], stopped["controls"]) == (0, 0, 0)
    # the controller drives the service the reference's installer made, and leaves it to its owner
    assert (of(ev, "ctl_install")[0]["ok"], of(ev, "ctl_install")[0]["adopted"]) == (1, 1)
    assert not of(ev, "ctl_uninstall")
    assert of(ev, "ctl_exit")[0]["code"] == 0


def test_controls_are_answered_from_the_handler_thread_at_once(traces):
    ev = traces["fast"]
    main = service_main(ev)
    for ctl, pending in ((2, 6), (3, 5), (1, STOP_PENDING)):
        delivered = [c for c in of(candidate(ev), "control_in") if c["control"] == ctl][0]
        answer = [s for s in statuses(ev) if s["seq"] > delivered["seq"]][0]
        assert answer["state"] == pending
        assert answer["tid"] == delivered["tid"] != main["tid"]
    assert all(c["elapsed_ms"] < 1000 for c in of(ev, "ctl_control"))


def test_long_init_reports_start_pending_with_progress_from_the_init_thread(traces):
    ev = traces["long_init"]
    main = service_main(ev)
    pending = [s for s in statuses(ev) if s["state"] == START_PENDING]
    assert [s["checkpoint"] for s in pending] == [1, 2, 3]
    assert all(s["tid"] == main["tid"] for s in pending)
    assert all(s["controls"] == 0 and s["wait_hint"] > 0 for s in pending)
    assert pending[0]["t"] - main["t"] < 1000
    reports = statuses(ev)
    for prev, nxt in zip(reports, reports[1:]):
        if prev["state"] == START_PENDING:
            assert nxt["t"] - prev["t"] <= prev["wait_hint"], (prev, nxt)
    assert reports[len(pending)]["state"] == RUNNING and reports[len(pending)]["controls"] == ACCEPT_ALL


def test_running_with_no_controls_first_then_controls(traces):
    reports = statuses(traces["running_no_controls"])
    assert (reports[0]["state"], reports[0]["controls"]) == (RUNNING, 0)
    assert (reports[1]["state"], reports[1]["controls"]) == (RUNNING, ACCEPT_ALL)
    assert reports[1]["t"] - reports[0]["t"] >= 1400


def test_failing_init_stops_with_the_service_specific_code(traces):
    ev = traces["fail_init"]
    assert states(ev) == [STOPPED]
    stopped = statuses(ev)[-1]
    assert (stopped["win32_exit"], stopped["specific_exit"]) == (ERROR_SERVICE_SPECIFIC_ERROR, 42)
    assert not of(ev, "ctl_control") or all(c["control"] != 1 for c in of(ev, "ctl_control"))


def test_slow_stop_shows_stop_pending_with_rising_checkpoints_before_stopped(traces):
    ev = traces["slow_stop"]
    reports = statuses(ev)
    stop = [s for s in reports if s["state"] == STOP_PENDING]
    assert [s["checkpoint"] for s in stop] == [1, 2, 3, 4]
    assert all(s["wait_hint"] > 0 and s["controls"] == 0 for s in stop)
    assert reports[-1]["state"] == STOPPED and reports[-1]["seq"] > stop[-1]["seq"]
    assert reports[-1]["t"] - stop[0]["t"] >= 1900
    for prev, nxt in zip(stop, stop[1:] + [reports[-1]]):
        assert nxt["t"] - prev["t"] <= prev["wait_hint"]


def test_failure_while_running_stops_with_its_code_and_no_stop_control(traces):
    ev = traces["fail_run"]
    assert states(ev) == [RUNNING, STOPPED]
    assert all(c["control"] != 1 for c in of(ev, "ctl_control"))
    stopped = statuses(ev)[-1]
    assert (stopped["win32_exit"], stopped["specific_exit"]) == (ERROR_SERVICE_SPECIFIC_ERROR, 7)


def test_start_parameters_override_the_image_path(traces):
    stopped = statuses(traces["start_param"])[-1]
    assert (stopped["state"], stopped["win32_exit"], stopped["specific_exit"]) == (STOPPED, 1066, 9)


def test_bad_start_parameter_stops_with_invalid_parameter(traces):
    stopped = statuses(traces["bad_param"])
    assert [(s["state"], s["win32_exit"]) for s in stopped] == [(STOPPED, 87)]


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_stopped_is_the_last_report_and_the_process_exits(traces, config):
    ev = traces[config]
    reports = statuses(ev)
    assert reports[-1]["state"] == STOPPED
    assert reports[-1]["tid"] == service_main(ev)["tid"]
    later = [e for e in candidate(ev) if e["seq"] > reports[-1]["seq"] and e["ev"] in ("status", "handler_register")]
    assert not later
    exits = of(candidate(ev), "process_exit")
    assert exits and exits[0]["how"] == "exit" and exits[0]["code"] == 0, exits


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_every_rule_point_is_announced(traces, config):
    rules = {m["rule"] for m in of(candidate(traces[config]), "marker")}
    assert "svc.handler.immediate" in rules and "svc.stopped.exit-code" in rules
