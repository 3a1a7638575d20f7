"""Fixtures for tests that need the development Central System.

``dev_cs`` starts tools/dev_cs.py on free 127.0.0.1 ports for one test and
yields a ``dev_cs_client.DevCsServer``: ``ws_url`` / ``url_for(cp_id)``,
``frames_log`` and the control helpers ``call``, ``raw``, ``config``,
``messages``, ``transactions``, ``frames``, ``status``, ``cps``,
``disconnect``, ``wait_for_cp``, ``wait_for_message``, and the profile
wrappers over ``call``: ``trigger_message``, ``reserve_now``,
``cancel_reservation``, ``send_local_list``, ``get_local_list_version``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS_DIR = REPO_ROOT / "tools"
if str(TOOLS_DIR) not in sys.path:
    sys.path.insert(0, str(TOOLS_DIR))

from dev_cs_client import DevCsServer  # noqa: E402


@pytest.fixture
def dev_cs(tmp_path):
    stderr_path = tmp_path / "dev_cs.stderr"
    with open(stderr_path, "w") as stderr:
        server = DevCsServer.start(frames_log=tmp_path / "frames.jsonl", stderr=stderr)
        server.stderr_path = stderr_path
        try:
            yield server
        finally:
            rc = server.stop()
    # A crash or unclean exit of the server is a test failure in its own right.
    assert rc == 0, f"dev_cs.py exited with {rc}; stderr:\n{stderr_path.read_text()}"
