"""The graph and its compiled supply models, kept in a file per store and data version, so
that an app server started after an ingest (or restarted) loads them instead of reading and
compiling the graph again.

Why a file, and why this one.  At 50,000 nodes the first page that needs the graph paid for
reading it (about 2 s of CPU, after making the read build dictionaries straight from the
rows) and compiling the supply model, the structure and the capacity model (about 2 s), then
its own analysis.  Loading the same four objects back from this file takes 1.2–1.7 s (the
graph alone 0.6–1.1 s).  Compiling only what one page needs (the Explore page's rings
need the SPOFs of one node, not the whole model) was the other way considered; it would have
helped one page, while every other page (chokepoints, scenarios, perspectives, reports) needs
the whole model anyway.

Where: ``$CHOKEPOINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/chokepoint/compiled``, else
``~/.cache/chokepoint/compiled`` (``CHOKEPOINT_CACHE_DIR=off`` keeps nothing).  One file per store,
``compiled-<digest of the store's URL>.pickle``, holding one data version (the next version
replaces it) in two parts: the graph, then the three models, so that a page that needs only
the graph (Explore, centred on an industry, whose SPOFs are kept in the store) loads only
that.  Written by the commands that write data (with the app's kept results, see
:func:`ui.app_results.precompute`) and by the app when it had to compile the graph itself;
only for graphs of at least :data:`MIN_NODES` nodes (smaller ones read faster than that).

Loaded in small pieces.  Each part is written as a series of pickles sharing one memo: the
graph's node, successor and predecessor tables, and the models' big tables, a few thousand
entries at a time.  Unpickling one whole part is a single call that holds the interpreter
for up to a second; in pieces, no step holds it for more than a few tens of milliseconds, so
the app can load a new data version in the background (:func:`preload`) while it goes on
answering the people using it.

Safety.  Loading a pickle runs whatever the file says, so a file is read only if it is a
regular file owned by this user that no one else can read or write, in a directory owned by
this user that no one else can write; files are written with mode 0600 (a directory it makes
is made 0700) through a temporary file and a rename.  Its header must name this format, this
store, this data version, these versions of Python and NetworkX and this code (a digest of
the ``graph`` and ``analysis`` sources): a stale, foreign, truncated or corrupt file is
ignored — and replaced by the next write — never an error.  Nothing is ever unpickled from a
store: the results kept in a store (which may be a shared Neo4j server) are JSON.  Deleting
the directory clears the cache.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import os
import pickle
import stat
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from graph.memory import collector_paused, keep_long_lived

if TYPE_CHECKING:
    import networkx as nx

    from analysis.capacity import CapacityModel
    from analysis.semantics import SupplyModel
    from analysis.structure import SupplyStructure
    from graph.store import Store

__all__ = ["Compiled", "CACHE_ENV", "MIN_NODES", "cache_dir", "compile_graph", "load",
           "load_graph", "load_models", "preload", "save", "path_for"]

CACHE_ENV = "CHOKEPOINT_CACHE_DIR"
MIN_NODES = 5_000
"""Graphs smaller than this are not written: reading and compiling them takes well under a
second."""
FORMAT = 2
MAGIC = b"chokepoint compiled graph\n"
MAX_HEADER = 4096
KEEP_DAYS = 30
"""Files of other stores untouched for this long are removed when a file is written."""

log = logging.getLogger("chokepoint.cache")


class Compiled(NamedTuple):
    """The graph and the models the app compiles from it."""

    graph: nx.MultiDiGraph
    supply: SupplyModel
    structure: SupplyStructure
    capacity: CapacityModel


def compile_graph(graph: nx.MultiDiGraph) -> Compiled:
    """``graph`` with its supply model, compiled structure and capacity model."""
    from analysis.capacity import CapacityModel
    from analysis.semantics import build_supply_model
    from analysis.structure import compile_structure

    with collector_paused():  # hundreds of thousands of records built, none of them garbage
        supply = build_supply_model(graph)
        return Compiled(graph, supply, compile_structure(supply), CapacityModel(supply))


def cache_dir() -> Path | None:
    """The cache directory (not created here); ``None`` when caching is off or the platform
    cannot tell who owns a file."""
    if not hasattr(os, "geteuid"):
        return None
    explicit = os.environ.get(CACHE_ENV, "").strip()
    if explicit.lower() == "off":
        return None
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "chokepoint" / "compiled"  # a folder of its own, made private


def _store_digest(store: Store) -> str:
    return hashlib.sha256(str(store.url).encode("utf-8")).hexdigest()


def path_for(store: Store) -> Path | None:
    """The cache file of ``store`` (``None`` when caching is off)."""
    folder = cache_dir()
    return None if folder is None else folder / f"compiled-{_store_digest(store)[:32]}.pickle"


@functools.cache
def _code_digest() -> str:
    """A digest of the code that builds and defines what the file holds."""
    import analysis
    import graph

    digest = hashlib.sha256()
    for package in (graph, analysis):
        root = Path(package.__file__).resolve().parent
        for source in sorted(root.glob("*.py")):
            digest.update(f"{package.__name__}/{source.name}\0".encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()


def _header(store: Store, version: str) -> dict[str, Any]:
    import networkx as nx

    return {"format": FORMAT, "store": _store_digest(store), "version": version,
            "python": f"{sys.implementation.name} {sys.version_info[:3]}",
            "networkx": nx.__version__, "pickle": pickle.HIGHEST_PROTOCOL,
            "code": _code_digest()}


def _private_dir(folder: Path) -> bool:
    """Whether ``folder`` is a directory of this user that no one else can write."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


GRAPH, MODELS = "graph", "models"
"""The file's two parts: a page that needs only the graph loads only the first."""


def load_graph(store: Store, version: str) -> nx.MultiDiGraph | None:
    """The graph :func:`save` kept for ``store`` at ``version``; ``None`` when there is none,
    or it is stale, foreign or unreadable (said in the log).  Taken from a :func:`preload`
    of it if there is one (waiting for it to finish)."""
    found = _claim(store, version, GRAPH)
    return _load(store, version, GRAPH) if found is _NONE else found


def load_models(store: Store, version: str
                ) -> tuple[SupplyModel, SupplyStructure, CapacityModel] | None:
    """The supply model, structure and capacity model :func:`save` kept for ``store`` at
    ``version``, as :func:`load_graph` does for the graph."""
    found = _claim(store, version, MODELS)
    return _load(store, version, MODELS) if found is _NONE else found


_NONE = object()


class _Preload:
    """Parts of one file being loaded in the background, each handed to the first who asks."""

    def __init__(self, parts: tuple[str, ...], busy: Callable[[], bool] | None) -> None:
        self.parts = parts
        self.done = {part: threading.Event() for part in parts}
        self.values: dict[str, Any] = {}
        self.busy = busy
        self.wanted = threading.Event()

    def give_way(self) -> None:
        """Between two pieces: wait while the process is busy with something else (unless
        that something waits for this load)."""
        while self.busy is not None and not self.wanted.is_set() and self.busy():
            self.wanted.wait(GIVE_WAY_S)

    def run(self, store: Store, version: str) -> None:
        for part in self.parts:
            try:
                started = time.perf_counter()
                with collector_paused():
                    self.values[part] = _load(store, version, part, self.give_way)
                    keep_long_lived()  # as the app does with what it keeps
                log.info("loaded the compiled %s in the background in %.1f s", part,
                         time.perf_counter() - started)
            except Exception:  # noqa: BLE001 - the page that needs it loads it itself
                log.exception("preloading the compiled graph failed")
                self.values[part] = _NONE
            finally:
                self.done[part].set()


_preloads: dict[tuple[str, str], _Preload] = {}
_preloads_lock = threading.Lock()


GIVE_WAY_S = 0.02
PRELOAD_MAX_BYTES = 1 << 30
"""Files larger than this (about 750,000 nodes; memory several times that once loaded) are
not loaded ahead of need."""


def preload(store: Store, version: str, parts: tuple[str, ...] = (GRAPH, MODELS),
            busy: Callable[[], bool] | None = None) -> bool:
    """Start loading ``parts`` of the file kept for ``store`` at ``version`` in a background
    thread, for the next :func:`load_graph` / :func:`load_models` to take; whether it
    started (not when caching is off, there is no file, or these are under way already).

    The file is read in small pieces (see the module's notes), so the thread never holds
    the interpreter for long; between two pieces it waits while ``busy()`` says the process
    has other work (a page being drawn), unless a caller is waiting for this very load.  A
    preload of an older version of the same store is dropped."""
    path = path_for(store)
    if path is None or version == "empty" or not parts or not path.is_file():
        return False
    if path.stat().st_size > PRELOAD_MAX_BYTES:
        return False  # a graph this big is loaded only by a page that needs it
    key = (str(path), version)
    with _preloads_lock:
        if key in _preloads:
            return False
        for other in [k for k in _preloads if k[0] == key[0]]:
            del _preloads[other]
        job = _preloads[key] = _Preload(tuple(parts), busy)
    threading.Thread(target=job.run, args=(store, version), name="chokepoint-preload",
                     daemon=True).start()
    return True


def _claim(store: Store, version: str, part: str) -> Any:
    """The preloaded ``part`` (waiting for it), or :data:`_NONE` when none was preloaded or
    it was taken already."""
    path = path_for(store)
    with _preloads_lock:
        job = _preloads.get((str(path), version)) if path is not None else None
    if job is None or part not in job.parts:
        return _NONE
    job.wanted.set()  # no more giving way: someone waits
    job.done[part].wait()
    with _preloads_lock:
        value = job.values.pop(part, _NONE)
        if all(p not in job.values and job.done[p].is_set() for p in job.parts):
            _preloads.pop((str(path), version), None)
    return value


def load(store: Store, version: str) -> Compiled | None:
    """The graph and models :func:`save` kept (``None`` as :func:`load_graph` says)."""
    graph = load_graph(store, version)
    models = load_models(store, version) if graph is not None else None
    return None if models is None else Compiled(graph, *models)


def _load(store: Store, version: str, part: str,
          between: Callable[[], None] | None = None) -> Any:
    path = path_for(store)
    if path is None or version == "empty":
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(
            os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("ignoring the compiled-graph cache %s: %s", path, exc)
        return None
    try:
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            reason = _refusal(path, info)
            if reason is None:
                reason, value = _read(file, info.st_size, _header(store, version), part,
                                      between)
                if reason is None:
                    return value
    except Exception as exc:  # noqa: BLE001 - a cache: whatever is wrong, compile instead
        reason = f"unreadable ({type(exc).__name__}: {exc})"
    log.warning("ignoring the compiled-graph cache %s: %s", path, reason)
    return None


def _refusal(path: Path, info: os.stat_result) -> str | None:
    """Why the file ``path`` (whose status is ``info``) must not be unpickled, if it must not."""
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if info.st_uid != os.geteuid():
        return "owned by another user"
    if info.st_mode & 0o077:
        return f"others may read or write it (mode {stat.S_IMODE(info.st_mode):o})"
    if not _private_dir(path.parent):
        return "its directory is not this user's alone"
    return None


def _read(file: Any, size: int, expected: dict[str, Any], part: str,
          between: Callable[[], None] | None = None) -> tuple[str | None, Any]:
    """``(None, the part)``, or ``(why not, None)``."""
    if file.read(len(MAGIC)) != MAGIC:
        return "not a compiled-graph cache file", None
    line = file.readline(MAX_HEADER)
    if not line.endswith(b"\n"):
        return "no header", None
    header = json.loads(line)
    if header != expected:
        stale = [k for k in expected if header.get(k) != expected[k]]
        return f"stale ({', '.join(stale)} differ)", None
    line = file.readline(MAX_HEADER)
    sizes = json.loads(line) if line.endswith(b"\n") else None
    if not (isinstance(sizes, dict) and all(isinstance(sizes.get(p), int) and sizes[p] >= 0
                                            for p in (GRAPH, MODELS))):
        return "no sizes", None
    if file.tell() + sizes[GRAPH] + sizes[MODELS] != size:
        return "truncated or padded", None
    if part == MODELS:
        file.seek(sizes[GRAPH], os.SEEK_CUR)
    data = io.BytesIO(file.read(sizes[part]))
    with collector_paused():  # a million objects made, none of them garbage
        value = _Reader(data, between).value()
        if data.tell() != sizes[part]:
            return "unexpected contents", None
    import networkx as nx

    if part == GRAPH and not isinstance(value, nx.MultiDiGraph):
        return "unexpected contents", None
    if part == MODELS and not (isinstance(value, tuple) and len(value) == 3):
        return "unexpected contents", None
    return None, value


# -- a part in pieces ------------------------------------------------------------------------
PIECE = 2048
"""Entries of a big table per pickle: a few tens of milliseconds to load at most."""

WHOLE, SAME, TABLE, ROWS, OBJECT, GRAPH_OF, SEQUENCE = range(7)
"""What each pickle of a part announces: a value as it is; the same object as an earlier
table or object; a dictionary, then its items in slices; a list or tuple, then its slices;
an object of this code, then its attributes one by one; a NetworkX graph, then its node,
successor and predecessor tables; a tuple of values, then each."""


def _pieces(value: Any) -> bytes:
    """``value`` as a series of pickles sharing one memo (read back by :class:`_Reader`)."""
    buffer = io.BytesIO()
    _Writer(pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)).value(value, top=True)
    return buffer.getvalue()


class _Writer:
    def __init__(self, pickler: pickle.Pickler) -> None:
        self.put = pickler.dump  # one memo throughout: what was written once is referred to
        self.split: dict[int, int] = {}  # id of a table or object written in pieces → its number
        self.kept: list[Any] = []  # those objects, alive until the end (their ids stay theirs)

    def _number(self, value: Any) -> None:
        self.split[id(value)] = len(self.kept)
        self.kept.append(value)

    def value(self, value: Any, *, top: bool = False) -> None:
        import networkx as nx

        if id(value) in self.split:
            self.put((SAME, self.split[id(value)]))
        elif top and type(value) is tuple:
            self.put((SEQUENCE, len(value)))
            for item in value:
                self.value(item)
        elif isinstance(value, nx.MultiDiGraph):
            self._number(value)
            self.put((GRAPH_OF, type(value), value.graph))
            for table in (value._node, value._adj, value._pred):
                self.value(table)
        elif type(value) is dict and len(value) > PIECE:
            self._number(value)
            items = list(value.items())
            self.put((TABLE, -(-len(items) // PIECE)))
            for start in range(0, len(items), PIECE):
                self.put(items[start:start + PIECE])
        elif type(value) in (list, tuple) and len(value) > PIECE:
            self._number(value)
            self.put((ROWS, -(-len(value) // PIECE), type(value) is tuple))
            for start in range(0, len(value), PIECE):
                self.put(list(value[start:start + PIECE]))
        elif _ours(value):
            self._number(value)
            names = list(vars(value))
            self.put((OBJECT, type(value), names))
            for name in names:
                self.value(vars(value)[name])
        else:
            self.put((WHOLE, value))


def _ours(value: Any) -> bool:
    """An object of this code's classes, with its attributes in a plain ``__dict__``."""
    kind = type(value)
    return (kind.__module__.split(".")[0] in ("analysis", "graph") and hasattr(value, "__dict__")
            and not hasattr(kind, "__slots__") and kind.__reduce_ex__ is object.__reduce_ex__
            and kind.__reduce__ is object.__reduce__
            and getattr(kind, "__getstate__", None) is getattr(object, "__getstate__", None)
            and not hasattr(value, "__setstate__"))


class _Reader:
    def __init__(self, file: Any, between: Callable[[], None] | None = None) -> None:
        load = pickle.Unpickler(file).load
        if between is None:
            self.next = load
        else:
            def next_piece() -> Any:
                between()
                return load()

            self.next = next_piece
        self.made: list[Any] = []

    def value(self) -> Any:
        head = self.next()
        tag = head[0]
        if tag == WHOLE:
            return head[1]
        if tag == SAME:
            return self.made[head[1]]
        if tag == SEQUENCE:
            return tuple(self.value() for _ in range(head[1]))
        if tag == GRAPH_OF:
            graph = head[1]()
            self.made.append(graph)
            graph.graph.update(head[2])
            for table in (graph._node, graph._adj, graph._pred):  # _succ is _adj
                table.update(self.value())
            return graph
        if tag == TABLE:
            table: dict[Any, Any] = {}
            self.made.append(table)
            for _ in range(head[1]):
                table.update(self.next())
            return table
        if tag == ROWS:
            rows: list[Any] = []
            self.made.append(rows)  # a tuple is made once complete: no earlier reference to it
            for _ in range(head[1]):
                rows.extend(self.next())
            if head[2]:
                rows = tuple(rows)  # type: ignore[assignment]
                self.made[-1] = rows
            return rows
        if tag == OBJECT:
            made = object.__new__(head[1])
            self.made.append(made)
            attributes = made.__dict__
            for name in head[2]:
                attributes[name] = self.value()
            return made
        raise ValueError(f"unknown piece {tag!r}")


def save(store: Store, version: str, compiled: Compiled) -> Path | None:
    """Keep ``compiled`` (``store``'s graph at ``version`` and its models) for later loads;
    the file written, or ``None`` (caching off, a small graph, or a failure, logged: a cache
    never stops what it serves)."""
    path = path_for(store)
    if path is None or version == "empty" or compiled.graph.number_of_nodes() < MIN_NODES:
        return None
    started = time.perf_counter()
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    try:
        with collector_paused():
            graph = _pieces(compiled.graph)
            models = _pieces(tuple(compiled)[1:])
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private_dir(path.parent):
            log.warning("not keeping the compiled graph: %s is not this user's alone",
                        path.parent)
            return None
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                     | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(MAGIC)
            file.write(json.dumps(_header(store, version), sort_keys=True).encode() + b"\n")
            file.write(json.dumps({GRAPH: len(graph), MODELS: len(models)}).encode() + b"\n")
            file.write(graph)
            file.write(models)
        os.replace(temporary, path)
    except Exception as exc:  # noqa: BLE001 - a cache: the caller goes on without it
        log.warning("could not keep the compiled graph in %s: %s", path, exc)
        temporary.unlink(missing_ok=True)
        return None
    _prune(path)
    log.info("kept the compiled graph in %s (%.1f MB, %.1f s)", path,
             path.stat().st_size / 1e6, time.perf_counter() - started)
    return path


def _prune(kept: Path) -> None:
    """Remove other stores' files untouched for :data:`KEEP_DAYS` days, and temporary files
    left by interrupted writes a day ago."""
    now = time.time()
    for other in kept.parent.glob("*compiled-*"):
        try:
            age = now - other.stat().st_mtime
            if other != kept and (age > KEEP_DAYS * 86400
                                  or (other.suffix == ".tmp" and age > 86400)):
                other.unlink()
        except OSError:
            continue
