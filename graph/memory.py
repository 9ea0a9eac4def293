"""Building large structures without the cyclic garbage collector in the way.

Reading a 50,000-node graph allocates over a million dictionaries and records, none of them
garbage; the collector's generational passes scan them again and again while they are made,
and took about two thirds of the time.  :func:`collector_paused` turns the collector off for
such a build (reference counting still frees everything at once) and back on afterwards,
unless something else had turned it off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
