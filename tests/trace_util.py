"""Reading a trace the way the lifecycle tests need: the candidate's events, its ServiceMain thread."""

STOPPED, START_PENDING, STOP_PENDING, RUNNING, CONTINUE_PENDING, PAUSE_PENDING, PAUSED = range(1, 8)
ERROR_SERVICE_SPECIFIC_ERROR = 1066


def of(events, ev):
    return [e for e in events if e["ev"] == ev]


def service_main(events):
    mains = of(events, "service_main")
    assert len(mains) == 1, f"expected one ServiceMain start, got {mains}"
    return mains[0]


def candidate(events):
    """The candidate's own events (those of the process that ran ServiceMain), in order."""
    pid = service_main(events)["pid"]
    return [e for e in events if e["pid"] == pid]


def statuses(events):
    return of(candidate(events), "status")


def states(events):
    return [s["state"] for s in statuses(events)]


def controls_sent(events):
    return [(c["control"], c["ok"]) for c in of(events, "ctl_control")]
