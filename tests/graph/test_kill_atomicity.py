"""A run killed with SIGKILL in the middle of writing leaves the store as it was.

The killing is real: a child process applies a 120,000-node batch, announces from inside the
write step (after 40,000 rows have gone into the open transaction) and is then SIGKILLed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from graph.model import Batch, Node, NodeKind, Relationship, RelKind
from graph.open import open_store
from graph.store import Store

HELPER = Path(__file__).with_name("apply_big_batch.py")
BIG = 120_000
PAUSE_AFTER = 40_000


def small_graph() -> Batch:
    return Batch("seed", [Node("tsmc", NodeKind.SUPPLIER, "TSMC"),
                          Node("TW", NodeKind.COUNTRY, "Taiwan")],
                 [Relationship("tsmc", "TW", RelKind.LOCATED_IN, share=1.0)])


def start_helper(url: str, pause_after: int | None) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop("CHOKEPOINT_TEST_PAUSE_AFTER_ROWS", None)
    if pause_after is not None:
        env["CHOKEPOINT_TEST_PAUSE_AFTER_ROWS"] = str(pause_after)
    return subprocess.Popen([sys.executable, str(HELPER), url, str(BIG)], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


@pytest.mark.slow
def test_a_run_killed_mid_write_leaves_the_store_as_it_was(store: Store) -> None:
    store.apply(small_graph(), run_id="run-1")
    before = (store.nodes(), store.relationships(), store.runs())
    url = store.url

    child = start_helper(url, PAUSE_AFTER)
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.startswith("paused"), (line, child.stderr.read() if child.stderr else "")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    with open_store(url) as reopened:
        assert (reopened.nodes(), reopened.relationships(), reopened.runs()) == before

    rerun = start_helper(url, None)
    out, err = rerun.communicate(timeout=540)
    assert rerun.returncode == 0, err[-3000:]
    assert out.split() == ["done", str(BIG + BIG // 4)]
    with open_store(url) as reopened:
        stats = reopened.stats()
    assert stats["nodes"]["component"] == BIG
    assert stats["relationships"]["LOCATED_IN"] == BIG // 4 + 1
