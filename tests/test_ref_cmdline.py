"""The reference's plain-C installer helpers, built for the host: argument quoting by CommandLineToArgvW's
rules (image path, LocalServer32) and the stop wait of Microsoft's service-control sample."""
import ctypes
import subprocess

import pytest

from paths import BUILD, NINJA_FILE, REPO

LIB = BUILD / "libsvcrefhost.so"


@pytest.fixture(scope="module")
def lib():
    subprocess.run(["ninja", "-C", str(REPO), "-f", NINJA_FILE, str(LIB.relative_to(REPO))], check=True,
                   capture_output=True)
    so = ctypes.CDLL(str(LIB))
    so.cmdline_append.argtypes = [ctypes.c_wchar_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t),
                                  ctypes.c_wchar_p, ctypes.c_int]
    so.cmdline_append.restype = ctypes.c_int
    so.stopwait_interval.argtypes = [ctypes.c_ulong]
    so.stopwait_interval.restype = ctypes.c_ulong
    so.stopwait_step.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    so.stopwait_step.restype = ctypes.c_int
    so.stopwait_begin.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    return so


def build(lib, words, force_first=True, cap=4096):
    buf = ctypes.create_unicode_buffer(cap)
    n = ctypes.c_size_t(0)
    for i, w in enumerate(words):
        if not lib.cmdline_append(buf, cap, ctypes.byref(n), w, 1 if force_first and i == 0 else 0):
            return None
    assert len(buf.value) == n.value
    return buf.value


def argv_of(line):
    """CommandLineToArgvW's documented reading of the arguments after the program name: blanks split
    outside quotes; 2n backslashes before a quote give n and toggle quoting, 2n+1 give n and a quote;
    other backslashes are literal."""
    out, cur, have, quoted, i = [], [], False, False, 0
    while i < len(line):
        c = line[i]
        if c == "\\":
            j = i
            while j < len(line) and line[j] == "\\":
                j += 1
            k = j - i
            if j < len(line) and line[j] == '"':
                cur.append("\\" * (k // 2))
                if k % 2:
                    cur.append('"')
                    i = j + 1
                else:
                    i = j
                have = True
                continue
            cur.append("\\" * k)
            have, i = True, j
            continue
        if c == '"':
            quoted, have = not quoted, True
        elif c in " \t" and not quoted:
            if have:
                out.append("".join(cur))
            cur, have = [], False
        else:
            cur.append(c)
            have = True
        i += 1
    if have:
        out.append("".join(cur))
    return out


EXE = "C:\\Program Files\\svc ref\\svcref.exe"


@pytest.mark.parametrize("word, quoted", [
    ("--init-ms", "--init-ms"),
    ("a b", '"a b"'),
    ("", '""'),
    ('say "hi"', '"say \\"hi\\""'),
    ("C:\\dir with space\\", '"C:\\dir with space\\\\"'),
    ('back\\"slash', '"back\\\\\\"slash"'),
    ("C:\\plain\\path\\", "C:\\plain\\path\\"),
    ("tab\there", '"tab\there"'),
])
def test_one_word_is_quoted_by_commandlinetoargvw_rules(lib, word, quoted):
    assert build(lib, [EXE, word]) == f'"{EXE}" {quoted}'


@pytest.mark.parametrize("words", [
    ["--start", "pending"],
    ["a b", "", 'x"y', "z\\", "w\\\\", 'q\\\\"r', "end with space\\\\"],
    ["\\\\server\\share dir\\", '"', "\\"],
])
def test_words_read_back_unchanged(lib, words):
    line = build(lib, [EXE, *words])
    assert line.startswith(f'"{EXE}" ')
    assert argv_of(line[len(EXE) + 3:]) == words


def test_program_path_is_always_quoted(lib):
    assert build(lib, ["C:\\t\\svcref.exe"]) == '"C:\\t\\svcref.exe"'


def test_too_small_a_buffer_fails_and_keeps_what_was_there(lib):
    buf = ctypes.create_unicode_buffer(16)
    n = ctypes.c_size_t(0)
    assert lib.cmdline_append(buf, 16, ctypes.byref(n), "abc", 0) == 1
    assert lib.cmdline_append(buf, 16, ctypes.byref(n), "a much longer word", 0) == 0
    assert (buf.value, n.value) == ("abc", 3)
    assert lib.cmdline_append(buf, 16, ctypes.byref(n), "x y z 1234", 0) == 0   # 12 quoted + space: no room
    assert lib.cmdline_append(buf, 16, ctypes.byref(n), "x y z 12", 0) == 1    # 10 quoted + space + 3 = 14
    assert buf.value == 'abc "x y z 12"'


@pytest.mark.parametrize("hint, interval", [(0, 1000), (5000, 1000), (15000, 1500), (60000, 6000),
                                            (200000, 10000)])
def test_poll_interval_is_a_tenth_of_the_wait_hint_within_1_to_10_s(lib, hint, interval):
    assert lib.stopwait_interval(hint) == interval


DONE, POLL, STALLED = 0, 1, 2


def test_a_stop_that_keeps_advancing_is_waited_for_past_a_minute(lib):
    w = ctypes.create_string_buffer(64)
    lib.stopwait_begin(w, 1, 0)
    # a checkpoint every 2 s under a 3 s hint, for two minutes: never given up (the old fixed 60 s poll did)
    for t in range(2000, 120001, 2000):
        assert lib.stopwait_step(w, 0, t // 2000 + 1, 3000, t) == POLL
    assert lib.stopwait_step(w, 1, 0, 0, 121000) == DONE


def test_a_checkpoint_standing_still_longer_than_the_hint_is_given_up(lib):
    w = ctypes.create_string_buffer(64)
    lib.stopwait_begin(w, 4, 1000)
    assert lib.stopwait_step(w, 0, 4, 3000, 3000) == POLL
    assert lib.stopwait_step(w, 0, 4, 3000, 4000) == POLL
    assert lib.stopwait_step(w, 0, 4, 3000, 4001) == STALLED
    # going back is no progress either
    lib.stopwait_begin(w, 4, 0)
    assert lib.stopwait_step(w, 0, 2, 1000, 1500) == STALLED
