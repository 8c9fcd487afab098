"""sc_judge_files: several runs of one candidate (one trace per shape) merged into one verdict per rule."""
import ctypes

import pytest

from rules_util import (APPID, LIB, ComTrace, com_exe, com_service, judge_file, judge_files, rule, rules_md_ids)

ORDER = ["n/a", "pass", "warn", "error", "fail"]


def write(tmp_path, name, tr):
    p = tmp_path / f"{name}.jsonl"
    p.write_text(tr.text())
    return p


def merged(tmp_path, *traces, config=None):
    paths = [write(tmp_path, f"run{i}", tr) for i, tr in enumerate(traces)]
    res, err = judge_files(paths, config)
    assert res is not None, err
    return res, paths


def exe_with_a_leftover_cookie():
    """An embedding server that exits without revoking its second class: com.revoke.all fails."""
    tr = com_exe()
    tr.com_register(60, clsid="{99999999-2222-3333-4444-555555555555}", tid=11)
    return tr


def crashed_exe():
    """An embedding server that crashes: com.revoke.all is an error."""
    tr = com_exe(revoke_at=None, exit_at=2000)
    [e for e in tr.events if e["ev"] == "process_exit"][0].update(code=0xC0000005, how="crash")
    return tr


def user_server():
    tr = com_exe(embedding=False, window=True, revoke_at=None, exit_at=None)
    tr.events = [e for e in tr.events if e["ev"] != "end"]
    tr.ctl_close(12000)
    tr.com_revoke(12005, 1, tid=11)
    tr.process_exit(12010)
    tr.end(12100)
    return tr


def test_the_result_has_the_runs_on_top_and_in_every_rule(tmp_path):
    res, paths = merged(tmp_path, com_service(), com_exe(), user_server())
    assert list(res)[:5] == ["verdict", "strict", "thresholds", "expect_controls", "runs"]
    assert set(res) >= {"rules", "counts"}
    assert [r["trace"] for r in res["runs"]] == [str(p) for p in paths]
    assert [r["shape"] for r in res["runs"]] == ["service", "embedding", "user"]
    for run in res["runs"]:
        assert run["verdict"] in ("pass", "fail") and sum(run["counts"].values()) == len(rules_md_ids())
        assert run["info"]["shape"] == run["shape"] and "error" not in run
    assert [r["id"] for r in res["rules"]] == rules_md_ids()
    for r in res["rules"]:
        assert [x["run"] for x in r["runs"]] == [0, 1, 2]
        assert [x["shape"] for x in r["runs"]] == ["service", "embedding", "user"]
        assert all(set(x) == {"run", "shape", "verdict", "message"} for x in r["runs"])
        # the merged verdict is the worst of the runs' (n/a only when all are)
        assert r["verdict"] == max((x["verdict"] for x in r["runs"]), key=ORDER.index)
    assert sum(res["counts"].values()) == len(rules_md_ids())


def test_fail_wins_and_the_failing_run_speaks(tmp_path):
    res, _ = merged(tmp_path, com_service(), exe_with_a_leftover_cookie(), user_server())
    r = rule(res, "com.revoke.all")
    assert [x["verdict"] for x in r["runs"]] == ["pass", "fail", "pass"]
    assert r["verdict"] == "fail"
    assert r["message"].startswith("Run 1 (embedding): ") and "{99999999" in r["message"]
    assert r["evidence"] and {e["run"] for e in r["evidence"]} == {1}
    assert res["verdict"] == "fail"


def test_fail_beats_error(tmp_path):
    res, _ = merged(tmp_path, crashed_exe(), exe_with_a_leftover_cookie())
    r = rule(res, "com.revoke.all")
    assert [x["verdict"] for x in r["runs"]] == ["error", "fail"] and r["verdict"] == "fail"
    assert "Run 0" not in r["message"]


def test_error_beats_pass(tmp_path):
    res, _ = merged(tmp_path, com_service(), crashed_exe())
    r = rule(res, "com.revoke.all")
    assert [x["verdict"] for x in r["runs"]] == ["pass", "error"] and r["verdict"] == "error"
    assert r["message"].startswith("Run 1 (embedding): ") and "crashed" in r["message"]
    assert res["verdict"] == "fail"


def test_warn_beats_pass_and_fails_only_under_strict(tmp_path):
    quiet = com_exe()
    quiet.com_security(20, sd="0x1234", tid=11)
    res, _ = merged(tmp_path, com_service(), quiet)
    r = rule(res, "sec.com.null-descriptor")
    assert [x["verdict"] for x in r["runs"]] == ["warn", "pass"] and r["verdict"] == "warn"
    res, _ = merged(tmp_path, com_service(), quiet, config={"strict": True})
    assert rule(res, "sec.com.null-descriptor")["verdict"] == "fail" and res["strict"] is True


def test_pass_beats_na_and_keeps_the_passing_runs_evidence(tmp_path):
    res, _ = merged(tmp_path, com_service(), com_exe())
    r = rule(res, "com.revoke.when-idle")
    assert [x["verdict"] for x in r["runs"]] == ["n/a", "pass"] and r["verdict"] == "pass"
    assert {e["run"] for e in r["evidence"]} == {1}
    assert "belongs to the SCM" in r["runs"][0]["message"]


def test_every_passing_run_gives_its_evidence_tagged_with_its_index(tmp_path):
    one, _ = judge_file(write(tmp_path, "alone", com_exe()))
    two = com_exe()
    res, _ = merged(tmp_path, com_service(), two)
    r = rule(res, "com.revoke.all")
    assert [x["verdict"] for x in r["runs"]] == ["pass", "pass"]
    alone = rule(one, "com.revoke.all")["evidence"]
    assert [e["run"] for e in r["evidence"]].count(1) == len(alone)
    assert [e["run"] for e in r["evidence"]].count(0) >= 1
    assert [{k: v for k, v in e.items() if k != "run"} for e in r["evidence"] if e["run"] == 1] == alone
    assert list(r["evidence"][0])[0] == "run"
    assert r["message"].startswith("Run 0 (service): ") and " Run 1 (embedding): " in r["message"]


def test_all_na_stays_na(tmp_path):
    res, _ = merged(tmp_path, com_exe(), user_server())
    for rid in ("atl.run.order", "atl.quit.on-stop", "svc.dispatcher", "svc.stopped.last"):
        r = rule(res, rid)
        assert r["verdict"] == "n/a" and [x["verdict"] for x in r["runs"]] == ["n/a", "n/a"], rid
        assert "Run 0 (embedding)" in r["message"] and "Run 1 (user)" in r["message"]


def test_one_trace_gives_sc_judge_files_the_verdicts_of_sc_judge_file(tmp_path):
    for tr in (com_service(), com_exe(), exe_with_a_leftover_cookie(), crashed_exe(), user_server()):
        p = write(tmp_path, "one", tr)
        single, _ = judge_file(p)
        res, _ = judge_files([p])
        assert res["verdict"] == single["verdict"] and res["counts"] == single["counts"]
        assert res["thresholds"] == single["thresholds"]
        for a, b in zip(res["rules"], single["rules"]):
            assert (a["id"], a["verdict"], a["message"]) == (b["id"], b["verdict"], b["message"])
            assert [{k: v for k, v in e.items() if k != "run"} for e in a["evidence"]] == b["evidence"]
            assert all(e["run"] == 0 for e in a["evidence"])
        assert res["runs"][0]["info"] == single["trace"]


def test_a_missing_file_among_several_errs_its_rules_and_says_so(tmp_path):
    good = write(tmp_path, "good", com_service())
    res, err = judge_files([good, tmp_path / "nope.jsonl"])
    assert res is not None, err
    run = res["runs"][1]
    assert run["shape"] is None and run["verdict"] == "error" and "cannot read" in run["error"]
    assert run["counts"]["error"] == len(rules_md_ids())
    for r in res["rules"]:
        assert r["runs"][1]["verdict"] == "error" and "cannot read" in r["runs"][1]["message"]
        assert r["verdict"] in ("error", "fail"), r
    r = rule(res, "svc.dispatcher")
    assert r["runs"][0]["verdict"] == "pass" and r["verdict"] == "error"
    assert r["message"].startswith("Run 1: ") and "nope.jsonl" in r["message"]
    assert res["verdict"] == "fail"


def test_an_unusable_trace_keeps_the_shape_its_header_gave(tmp_path):
    tr = com_exe()
    text = tr.text().splitlines()
    text.insert(2, "{not json")
    p = tmp_path / "bad.jsonl"
    p.write_text("\n".join(text))
    res, _ = judge_files([p, write(tmp_path, "good", com_exe())])
    assert res["runs"][0]["shape"] == "embedding" and "line 3" in res["runs"][0]["error"]


def test_overall_verdict_follows_the_merged_counts(tmp_path):
    for traces in ((com_service(), com_exe()), (com_exe(), user_server()), (com_service(),)):
        for cfg in (None, {"strict": True}):
            res, _ = merged(tmp_path, *traces, config=cfg)
            c = res["counts"]
            want = "fail" if c["fail"] or c["error"] or (res["strict"] and c["warn"]) else "pass"
            assert res["verdict"] == want


def test_a_clean_pair_of_runs_can_pass(tmp_path):
    """An embedding and a user run of a server that does everything right: no rule fails or errs."""
    runs = []
    for tr in (com_exe(), user_server()):
        tr.com_security(20, sd="0x1234", tid=11)
        tr.registry(5, appids=[{"appid": APPID, "local_service": None, "run_as": None}], services=[])
        runs.append(tr)
    res, _ = merged(tmp_path, *runs)
    assert {r["id"]: r["verdict"] for r in res["rules"] if r["verdict"] not in ("pass", "n/a")} == {}
    assert res["verdict"] == "pass"


def test_bad_arguments_and_configs_are_refused(tmp_path):
    p = write(tmp_path, "t", com_exe())
    res, err = judge_files([], None)
    assert res is None and "no trace paths" in err
    res, err = judge_files([p, None], None)
    assert res is None and "path 1" in err
    res, err = judge_files([p], {"thresholds": {"nope": 1}})
    assert res is None and "nope" in err
    buf = ctypes.create_string_buffer(64)
    assert LIB.sc_judge_files(None, 2, None, buf, 64) is None and buf.value


@pytest.mark.parametrize("n", [2, 5])
def test_the_same_run_repeated_merges_to_itself(tmp_path, n):
    tr = ComTrace()
    tr.boot(10)
    tr.end(100, reason="deadline")
    p = write(tmp_path, "same", tr)
    single, _ = judge_file(p)
    res, _ = judge_files([p] * n)
    assert [r["verdict"] for r in res["rules"]] == [r["verdict"] for r in single["rules"]]
    assert all(len(r["evidence"]) == n * len(s["evidence"]) for r, s in zip(res["rules"], single["rules"]))


def test_runs_that_exercised_nothing_merge_into_an_error_with_each_reason(tmp_path):
    """Issue 11 (10): no run judged anything, so the merged run cannot pass; each run's reason is given."""
    runs = []
    for shape in ("user", "user"):
        tr = ComTrace(service_name=None, service_type=None, shape=shape)
        tr.process_start(10)
        tr.process_exit(20, code=3)
        tr.end(40)
        runs.append(write(tmp_path, f"r{len(runs)}", tr))
    res, err = judge_files(runs)
    assert res is not None, err
    assert res["verdict"] == "error"
    assert res["verdict_reason"].startswith("Run 0 (user): nothing was exercised") and "; Run 1 (user): " in \
        res["verdict_reason"]
    assert "code 3" in res["verdict_reason"]
    assert all(run["verdict"] == "error" and run["verdict_reason"].startswith("nothing was exercised")
               for run in res["runs"])


def test_one_run_that_judged_something_keeps_the_merged_run_judged(tmp_path):
    tr = ComTrace(service_name=None, service_type=None, shape="user")
    tr.process_start(10)
    tr.process_exit(20, code=3)
    tr.end(40)
    res, _ = judge_files([write(tmp_path, "idle", tr), write(tmp_path, "good", com_service())])
    assert res["verdict"] != "error" and "verdict_reason" not in res
