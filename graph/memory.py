"""Building large structures without the cyclic garbage collector in the way.

Reading a 50,000-node graph allocates over a million dictionaries and records, none of them
garbage; the collector's generational passes scan them again and again while they are made,
and took about two thirds of the time.  :func:`collector_paused` turns the collector off for
such a build (reference counting still frees everything at once) and back on afterwards,
unless something else had turned it off.

A long-running process that keeps what it built (the app keeps the graph and its compiled
models for as long as the data does not change) would still pay for them later: the
collector's next passes over the older generations scan every one of those objects again
(about a second at 50,000 nodes, more than once).  :func:`keep_long_lived` moves everything
alive at that moment out of the collector's sight (``gc.freeze``); reference counting still
frees those objects when they are dropped, but one held only in a reference cycle stays until
:func:`release_long_lived` gives it back to the collector.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "keep_long_lived", "release_long_lived"]

_lock = threading.Lock()


_pauses = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off while the block runs, in any thread: it comes back on when the
    last paused block ends, if it was on when the first began."""
    global _pauses, _resume
    with _lock:
        if not _pauses:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if not _pauses and _resume:
                gc.enable()


def keep_long_lived() -> None:
    """Leave every object alive now out of the collector's later passes (call it right after
    building, with the collector paused, what the process keeps for long)."""
    with _lock:
        gc.freeze()


def release_long_lived() -> None:
    """Give everything :func:`keep_long_lived` set aside back to the collector, collect what
    has become garbage since (one full pass), and set aside again what is still alive — for a
    process that has just dropped something big it had kept."""
    with _lock:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
