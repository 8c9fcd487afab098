"""The reference outside the harness: its own install/uninstall, and its answer when run from a console."""
import pytest

from conftest import BUILD, WIN, SVCREF, run_trace
from wine_util import Prefix

pytestmark = pytest.mark.wine

SVCCTL = WIN / "svcctl.exe"


@pytest.fixture(scope="module")
def template_ready(tmp_path_factory, built):
    """The harness makes the pre-booted template on its first run."""
    r, _ = run_trace(tmp_path_factory.mktemp("boot"), SVCREF, "--no-pause", name="boot")
    assert r.returncode == 0, r.stderr


def test_console_run_prints_usage_and_exits_2(template_ready):
    with Prefix() as p:
        p.settle()
        code, out = p.run(p.put(SVCREF), timeout=60)
        raw = p.log.read_text(errors="replace")
    assert code == 2, raw[-3000:]
    assert "this is a Windows service" in raw and "usage: svcref install" in raw


def test_help_prints_usage_and_exits_0(template_ready):
    with Prefix() as p:
        code, out = p.run(p.put(SVCREF), "--help")
    assert code == 0 and "usage: svcref install" in out


def test_install_run_and_uninstall_through_the_scm(template_ready):
    with Prefix() as p:
        ref = p.put(SVCREF)
        ctl = p.put(SVCCTL)
        code, out = p.run(ref, "install", "--name", "svcrefx", "--", "--init-ms", "1200", "--init-steps", "2")
        assert code == 0, out
        assert "installed service svcrefx" in out and "--init-ms 1200" in out
        # The controller drives the installed service; it keeps the installation (--keep).
        code, ctl_out = p.run(ctl, "--no-install", "--keep", "--name", "svcrefx", "--no-pause", timeout=120)
        assert code == 0, ctl_out
        assert "ctl_wait what=running outcome=reached" in ctl_out
        assert "ctl_query state=2 controls=0 checkpoint=1" in ctl_out
        assert "ctl_exit service_pid=" in ctl_out and "code=0" in ctl_out
        code, out = p.run(ref, "uninstall", "--name", "svcrefx")
        assert code == 0 and "removed service svcrefx" in out, out
        code, out = p.run(ref, "uninstall", "--name", "svcrefx")
        assert code == 1
