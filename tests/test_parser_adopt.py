"""The parser follows the service the controller adopted (ctl_install ok=1 adopted=1 name=...): the
candidate is found by that name and the header names it."""
import json

from parser_util import CAND, CTL, DISP, MAIN, Log, of, parse_text

OTHER, OTHER_T = 0x300, 0x304      # a process that gets a start request for the caller's service name
HEADER = {"service_name": "probe", "candidate": {"path": "C:\\cand.exe", "service_name": "probe"}}


def adopted_log(install="ctl_install ok=1 error=0 adopted=1 name=Real%20Svc image_path=C%3A%5Ccand.exe",
                raw_install=None):
    """The controller installs (or adopts), then one process starts "probe" and the candidate "Real Svc"."""
    log = Log()
    if raw_install:
        log.add(raw_install)
    else:
        log.ctl(1000, install)
    log.first_thread(OTHER, OTHER_T)
    log.client(1100, OTHER, OTHER_T, "service_handle_control", 'L"probe" control 0 data 0000000000000000 data_size 0')
    log.first_thread(CAND, MAIN)
    log.new_thread(MAIN, DISP)
    log.client(1200, CAND, DISP, "service_handle_control", 'L"Real Svc" control 0 data 0000000000000000 data_size 0')
    return log


def test_adopted_service_is_followed_and_named_in_the_header(tmp_path):
    events = parse_text(tmp_path, adopted_log().text(), header=json.dumps(HEADER), service="probe")
    h = events[0]
    assert h["candidate"] == {"path": "C:\\cand.exe", "service_name": "Real Svc"}
    assert h["service_name"] == "Real Svc"
    assert [(e["pid"], e["service"]) for e in of(events, "control_in")] == [(CAND, "Real Svc")]
    install, = of(events, "ctl_install")
    assert (install["pid"], install["adopted"], install["name"]) == (CTL, 1, "Real Svc")


def test_adopted_name_fills_a_header_without_candidate(tmp_path):
    events = parse_text(tmp_path, adopted_log().text(), service="probe")
    assert events[0]["candidate"] == {"service_name": "Real Svc"}
    assert "service_name" not in events[0]
    assert [e["pid"] for e in of(events, "control_in")] == [CAND]


def test_a_service_the_controller_installed_is_not_adopted(tmp_path):
    for install in ("ctl_install ok=1 error=0 adopted=0 name=Real%20Svc",
                    "ctl_install ok=0 error=5 adopted=1 name=Real%20Svc",
                    "ctl_install ok=1 error=0 adopted=1 name=-"):
        events = parse_text(tmp_path, adopted_log(install).text(), header=json.dumps(HEADER))
        assert events[0]["candidate"]["service_name"] == "probe" and events[0]["service_name"] == "probe"
        assert [e["pid"] for e in of(events, "control_in")] == [OTHER], install


def test_a_cut_record_does_not_adopt(tmp_path):
    # Wine cut the record inside its last word: adopted=1 may be what is left of adopted=10
    raw = ('1000.000:0020:0024:warn:debugstr:OutputDebugStringA '
           '"svccert-ctl ctl_install ok=1 error=0 name=Real%20Svc adopted=1"...')
    events = parse_text(tmp_path, adopted_log(raw_install=raw).text(), header=json.dumps(HEADER))
    assert events[0]["candidate"]["service_name"] == "probe"
    assert of(events, "ctl_install")[0]["truncated"] is True


def test_only_the_controller_adopts(tmp_path):
    log = Log()
    log.ctl(900, "ctl_note what=first")
    log.dbg(1000, OTHER, OTHER_T, "svccert-ctl ctl_install ok=1 error=0 adopted=1 name=Real%20Svc")
    events = parse_text(tmp_path, log.text(), header=json.dumps(HEADER))
    assert events[0]["candidate"]["service_name"] == "probe"
