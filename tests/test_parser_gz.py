"""The parser reads a raw log kept gzip-compressed (trace.NAME.raw.log.gz) as it reads the plain one: the same
trace, its `raw` line numbers the lines of what zcat prints, and a damaged or cut .gz refused, never half-read."""
import gzip
import subprocess

import pytest

from parser_util import DATA, SVCPARSE, parse_file

LOGS = sorted(DATA.glob("*.log"))


def lines_of(path):
    data = path.read_bytes()
    return (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).split(b"\n")


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name)
def test_a_gz_log_gives_the_plain_logs_trace(tmp_path, log):
    gz = tmp_path / (log.name + ".gz")
    gz.write_bytes(gzip.compress(log.read_bytes()))
    rc, err, plain = parse_file(log, tmp_path / "plain.jsonl")
    assert rc == 0, err
    rc, err, packed = parse_file(gz, tmp_path / "packed.jsonl")
    assert rc == 0, err
    assert packed == plain
    # every raw line number resolves into the .gz's text, to the line the plain log has there
    kept, orig = lines_of(gz), lines_of(log)
    raws = [e["raw"] for e in packed if "raw" in e]
    # these two name no candidate without options: a header and an end, nothing to point at
    assert raws or log.name in ("com_relay.log", "sample_probe.log"), "no event has a raw line: nothing was checked"
    for n in raws:
        assert 1 <= n <= len(orig) and kept[n - 1] == orig[n - 1]


def test_svcparse_reads_a_gz_file_and_a_gz_pipe(tmp_path):
    log = DATA / "tsvc_stop.log"
    gz = tmp_path / "t.raw.log.gz"
    gz.write_bytes(gzip.compress(log.read_bytes()))
    want = subprocess.run([str(SVCPARSE), str(log), "-o", "-"], capture_output=True, check=True).stdout
    got = subprocess.run([str(SVCPARSE), str(gz), "-o", "-"], capture_output=True, check=True).stdout
    piped = subprocess.run([str(SVCPARSE), "-", "-o", "-"], input=gz.read_bytes(), capture_output=True, check=True)
    assert want and got == want and piped.stdout == want


def test_concatenated_members_read_as_one_log(tmp_path):
    text = (DATA / "tsvc_stop.log").read_bytes()
    half = text.index(b"\n", len(text) // 2) + 1
    gz = tmp_path / "two.gz"
    gz.write_bytes(gzip.compress(text[:half]) + gzip.compress(text[half:]))
    rc, err, two = parse_file(gz, tmp_path / "two.jsonl")
    rc2, err2, one = parse_file(DATA / "tsvc_stop.log", tmp_path / "one.jsonl")
    assert rc == 0 and rc2 == 0, (err, err2)
    assert two == one


@pytest.mark.parametrize("damage, says", [
    (lambda b: b[:len(b) // 2], "cut short"),                    # a write that never ended
    (lambda b: b + b"not gzip\n", "damaged"),                     # something after the stream
    (lambda b: b[:40] + bytes(x ^ 0x55 for x in b[40:80]) + b[80:], "damaged"),   # a corrupt block
])
def test_a_damaged_gz_is_refused_with_a_reason(tmp_path, damage, says):
    gz = tmp_path / "bad.gz"
    gz.write_bytes(damage(gzip.compress((DATA / "tsvc_stop.log").read_bytes())))
    rc, err, events = parse_file(gz, tmp_path / "bad.jsonl")
    assert rc == -1 and events is None
    assert err.startswith("cannot read the log: ") and says in err, err
    r = subprocess.run([str(SVCPARSE), str(gz), "-o", str(tmp_path / "b2.jsonl")], capture_output=True, text=True)
    assert r.returncode == 1 and says in r.stderr and r.stderr.count("\n") == 1, r.stderr


@pytest.mark.parametrize("head", [b"\x1f", b"\x1f\x1f", b"\x1fx"])
def test_a_plain_log_starting_with_gzips_first_byte_stays_plain(tmp_path, head):
    text = head + b"\n" + (DATA / "tsvc_stop.log").read_bytes()
    path = tmp_path / "odd.log"
    path.write_bytes(text)
    rc, err, events = parse_file(path, tmp_path / "odd.jsonl")
    assert rc == 0, err
    piped = subprocess.run([str(SVCPARSE), "-", "-o", "-"], input=text, capture_output=True, check=True).stdout
    assert piped.decode().count("\n") == len(events)
    # the extra first line moves every raw number by one, and they still resolve
    lines = text.split(b"\n")
    assert all(lines[e["raw"] - 1] for e in events if "raw" in e)
    assert max(e.get("raw", 0) for e in events) > 1
