"""Under Wine: the registry scan follows every --clsid's AppID, so a class whose LocalService a shared host
runs (Wine 8's own BITS, in svchost) is visible to the rules that judge it."""
import shutil
from pathlib import Path

import pytest

from conftest import run_trace

pytestmark = pytest.mark.wine

WINE_PE = Path("/usr/lib/x86_64-linux-gnu/wine/x86_64-windows")
BITS = "{4991D34B-80A1-4291-83B6-3328366B9097}"      # qmgr's BackgroundCopyManager, HKCR\CLSID in Wine 8
BITS_APPID = "{69AD4AEE-51BE-439B-A92C-86AE490E8B30}"


def test_a_clsid_served_by_svchost_shows_its_appid_service_and_dll(tmp_path, built):
    host = tmp_path / "svchost.exe"
    shutil.copyfile(WINE_PE / "svchost.exe", host)
    r, ev = run_trace(tmp_path, host, "--clsid", BITS, "--activate", "--service-name", "BITS", "--image-arg", "-k",
                      "--image-arg", "netsvcs", "--no-pause")
    scans = [e for e in ev if e["ev"] == "com_registry" and e["when"] == "after_register"]
    assert scans, r.stderr
    reg = scans[0]
    assert {"clsid": BITS, "appid": BITS_APPID, "local_server32": None} in reg["classes"]
    assert {"appid": BITS_APPID, "local_service": "BITS", "run_as": None, "service_params": None} in reg["appids"]
    bits = [s for s in reg["services"] if s["name"] == "BITS"]
    assert bits and bits[0]["image_path"].lower() == r"c:\windows\system32\svchost.exe -k netsvcs"
    assert bits[0]["service_dll"].lower() == r"c:\windows\system32\qmgr.dll"
