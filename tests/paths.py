"""Where the tests find the tree and the build: build/, or the directory SVCCERT_BUILD names (the
sanitizer build, build-asan/, made by tools/run-tests --asan)."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("SVCCERT_BUILD") or REPO / "build")
# The top-level ninja file that makes BUILD: build.ninja, or asan.ninja for the sanitizer build.
NINJA_FILE = "asan.ninja" if BUILD.name == "build-asan" else "build.ninja"
# The Windows programs (reference, controller, client, broken candidates) are built by build.ninja only.
WIN = REPO / "build" / "win"
# True when the sanitizer runtime is preloaded (tools/run-tests --asan).
SANITIZED = "libasan" in os.environ.get("LD_PRELOAD", "")
