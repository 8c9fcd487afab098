"""A source's known limits reach a verdict only through the header's limits, quoted as the source wrote them;
without them, messages state only what the trace shows and name no source."""
import pytest

from rules_util import com_exe, com_service, rule

RUNAS = "RunAs identity is not enforced."
ROT = "ROTFLAGS_ALLOWANYCLIENT is not policed."
SUSPEND = "Class objects are not suspended when CoReleaseServerProcess reaches zero."


def notes(r):
    return [e["note"] for e in r["evidence"] if "note" in e]


def judged(tr, rid, limits=None):
    if limits is not None:
        tr.header["limits"] = limits
    res = tr.judge()
    assert "error" not in res["trace"], res["trace"]
    return rule(res, rid)


def test_runas_unexercised_quotes_the_source():
    r = judged(com_exe(), "com.runas.identity", {"runas": RUNAS})
    assert r["verdict"] == "n/a"
    assert f"(the source says: {RUNAS})" in r["message"]


def test_runas_without_the_limit_states_only_the_trace():
    r = judged(com_exe(), "com.runas.identity")
    assert r["message"] == "No class registration failed in this run."


def test_rot_allow_any_client_notes_the_sources_word_and_judges_the_registry():
    tr = com_service()
    tr.rot_register(70)
    r = judged(tr, "rot.allow-any-client", {"rot_allow_any_client": ROT})
    assert r["verdict"] == "pass"
    assert any(n.startswith(f"the source says: {ROT}") for n in notes(r))
    tr = com_service()
    tr.rot_register(70)
    r = judged(tr, "rot.allow-any-client")
    assert r["verdict"] == "pass" and not any("source says" in n for n in notes(r))


def test_when_idle_notes_class_suspend_only_when_declared():
    r = judged(com_exe(), "com.revoke.when-idle", {"class_suspend": SUSPEND})
    assert r["verdict"] == "pass"
    assert any(n.startswith(f"the source says: {SUSPEND}") for n in notes(r))
    assert not any("source says" in n for n in notes(judged(com_exe(), "com.revoke.when-idle")))


def test_unknown_limits_are_ignored_and_verdicts_do_not_move():
    plain = {r["id"]: r["verdict"] for r in com_exe().judge()["rules"]}
    tr = com_exe()
    tr.header["limits"] = {"some_future_limit": "Not known to this engine."}
    assert {r["id"]: r["verdict"] for r in tr.judge()["rules"]} == plain


@pytest.mark.parametrize("limits, words", [
    ("lockserver", "limits must be an object of sentences"),
    ({"lockserver": 1}, "\"lockserver\" is not a string"),
])
def test_a_malformed_limits_makes_the_trace_unusable(limits, words):
    tr = com_exe()
    tr.header["limits"] = limits
    res = tr.judge()
    assert words in res["trace"]["error"]
    assert {r["verdict"] for r in res["rules"]} == {"error"}


def test_no_message_names_a_source():
    """The engine knows nothing of Wine: no message or note of any rule names it."""
    for tr in (com_exe(), com_service()):
        tr.cli_lock(150, lock=1, ok=False, hr=0x80004001)
        for r in tr.judge()["rules"]:
            assert "Wine" not in r["message"], r
            assert not any("Wine" in n for n in notes(r)), r
