"""What the reference's sources must not hold, for people who copy them: Wine knowledge on the start
path, and argv rewritten with string literals."""
import re

from paths import REPO

REF = REPO / "ref"


def test_only_the_installer_names_rpcss():
    """The dependency is declared at install (CreateService's lpDependencies); the service neither
    polls nor waits for COM's RPC service, which Windows always runs before it."""
    named = sorted(p.name for p in REF.glob("*.[ch]") if re.search(r"rpcss", p.read_text(), re.I))
    assert named == ["install.c"], named


def test_main_leaves_argv_as_the_runtime_gave_it():
    text = (REF / "main.c").read_text()
    assert not re.search(r"\bargv\s*\[[^]]*\]\s*=[^=]", text)
    assert "(wchar_t *)L\"" not in text
