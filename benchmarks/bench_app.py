"""App benchmark in a real browser: how fast the app answers, as an analyst sees it.

    .venv/bin/python benchmarks/bench_app.py --seeds            # the bundled sample graph
    .venv/bin/python benchmarks/bench_app.py --nodes 50000      # a synthetic 50,000-node graph
        [--store PATH] [--app PATH/TO/ui/app.py] [--chromium /usr/bin/chromium]

Fills a SQLite store (or reuses ``--store``), then, twice — once right after the ingest (which
keeps the first page's analyses, as `chokepoint ingest` does; with ``--no-precompute``, nothing
kept yet) and once more on a restarted server (what every later start sees) —
starts a real Streamlit server and drives Debian's Chromium through Playwright:

- cold first load: from starting the server to the Overview drawn in the browser;
- first render of every page: a new browser tab opening the page's URL, until the page's
  script has finished (and, on Explore, the picture exists); the tabs share one browser
  profile, so Streamlit's own scripts, fetched on the first page, come from the browser's
  cache afterwards, as they do for an analyst moving between pages;
- one interaction per page, with the widgets an analyst uses (another perspective, another
  depth, another target, a scenario built and run, another report size): a second after the
  page is drawn, the steps before the input are taken (open the drop-down, type to filter it)
  untimed, then the input itself (the option chosen, the key pressed, the button clicked) is
  timed until the rerun it starts has finished — the app's answer to the input, not the
  speed of the driver's clicks.

Goals: cold first load ≤ 5 s, first render ≤ 3 s, interaction ≤ 1 s.  ``--app`` runs the
same measurements against another checkout's app, its ingest step included (for before/after
figures).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from graph.model import Batch, Node, NodeKind, Relationship, RelKind  # noqa: E402
from graph.sqlite_store import SQLiteStore  # noqa: E402

APP = ROOT / "ui" / "app.py"
GOALS = {"cold": 5.0, "render": 3.0, "interaction": 1.0}
PAUSE = 1.0
"""Seconds between a page being drawn and the interaction starting (a person reads first)."""
PAGES = [("Overview", ""), ("Explore", "explore"), ("Chokepoints", "chokepoints"),
         ("Scenarios", "scenarios"), ("Reports", "reports"), ("Data", "data")]
FRAME = 'iframe[data-testid="stIFrame"]'
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage",
                 # Nothing but this machine answers.  Not Playwright's request routing: any
                 # route turns the browser's cache off, and every tab would then fetch all
                 # of Streamlit's scripts again, which no analyst's browser does.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]


def synthetic_graph(nodes: int, seed: int) -> nx.MultiDiGraph:
    from bench_capacity import layered_supply_graph

    return layered_supply_graph(nodes, seed)


def as_batch(graph: nx.MultiDiGraph) -> Batch:
    keep = ("share", "group", "min_required")
    nodes = [Node(n, NodeKind(a["kind"]), str(a.get("name", n)))
             for n, a in graph.nodes(data=True)]
    rels = [Relationship(u, v, RelKind(k), **{f: d[f] for f in keep if d.get(f) is not None})
            for u, v, k, d in graph.edges(keys=True, data=True)]
    return Batch("synthetic", nodes, rels, origin="benchmarks/bench_app.py")


def fill_store(path: Path, nodes: int | None, seed: int) -> None:
    with SQLiteStore(path) as store:
        if not store.is_empty():
            print(f"reusing {path}")
            return
        start = time.perf_counter()
        if nodes is None:
            from ui.context import load_seeds

            load_seeds(store)
        else:
            store.apply(as_batch(synthetic_graph(nodes, seed)))
        stats = store.stats()
        print(f"wrote {sum(stats['nodes'].values()):,} nodes to {path} in "
              f"{time.perf_counter() - start:.1f} s")


def fresh_version(path: Path) -> None:
    """Forget what an earlier run of the app kept, as a new ingest run does."""
    with SQLiteStore(path) as store:
        try:
            store.drop_results()
        except AttributeError:  # a store interface without kept results
            pass


PRECOMPUTE = """
import sys, time
from graph.sqlite_store import SQLiteStore
from ui.app_results import precompute
with SQLiteStore(sys.argv[1]) as store:
    start, cpu = time.perf_counter(), time.process_time()
    names = precompute(store)
    each = [n for n in names if n.startswith("perspective-of:")]
    names = [n for n in names if n not in each] + ([f"{len(each)} perspectives"] if each else [])
    print(f"precomputed after the ingest ({', '.join(names)}): "
          f"{time.perf_counter() - start:.1f} s wall, {time.process_time() - cpu:.1f} s CPU")
"""


def precompute(path: Path, app: Path) -> None:
    """What `chokepoint ingest` does after writing: keep the app's first-page analyses (and
    the compiled graph) — with the code of the app measured, in a process of its own."""
    root = app.resolve().parents[1]
    subprocess.run([sys.executable, "-c", PRECOMPUTE, str(path)], check=True, cwd=str(root),
                   env={**os.environ, "PYTHONPATH": str(root)})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(app: Path, store: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "CHOKEPOINT_STORE": str(store),
           "PYTHONPATH": str(app.resolve().parents[1])}
    env.pop("CHOKEPOINT_APP_ALLOW_INGEST", None)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env,
            cwd=str(app.resolve().parents[1]))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"streamlit exited; see {log}") from None
            time.sleep(0.05)
    raise SystemExit(f"streamlit not healthy after 120 s; see {log}")


def stop_server(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def settled(page, title: str, timeout_s: float = 900) -> None:
    """The page's script has finished a run that drew ``title`` (and Explore's picture).

    Checked on every animation frame in the page, not by the driver's polling, whose
    intervals grow to a second and would add up to that to every figure."""
    page.wait_for_function(
        """title => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
            return [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === title);
        }""", arg=title, timeout=timeout_s * 1000)
    if title == "Explore":
        page.wait_for_function(
            """sel => { const f = document.querySelector(sel);
                        const w = f && f.contentWindow;
                        return w && w.network
                               && w.document.querySelector('#mynetwork canvas'); }""",
            arg=FRAME, timeout=timeout_s * 1000)


class RunWatch:
    """When the browser received each "script finished" message from the server.

    Read off the page's websocket (Streamlit's own messages, decoded with its protobuf
    classes): a rerun that starts and ends between two looks at the page is still seen,
    which the page's "running" attribute cannot promise (a fast rerun may never show it)."""

    def __init__(self, page) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._message = ForwardMsg
        done = ForwardMsg.ScriptFinishedStatus
        self._ok = {done.FINISHED_SUCCESSFULLY, done.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
        self.finished: list[float] = []
        page.on("websocket", lambda socket: socket.on("framereceived", self._frame))

    def _frame(self, payload: bytes | str) -> None:
        if isinstance(payload, str):
            return
        message = self._message()
        try:
            message.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - not one of Streamlit's messages
            return
        if message.WhichOneof("type") == "script_finished" and \
                message.script_finished in self._ok:
            self.finished.append(time.perf_counter())


WATCHES: dict[int, RunWatch] = {}


def new_page(context):
    """A new tab whose reruns are watched."""
    page = context.new_page()
    WATCHES[id(page)] = RunWatch(page)
    return page


def rerun_done(page, since: float, timeout_s: float = 900) -> None:
    """Wait until a run that finished after ``since`` has been received and drawn (the page
    no longer shows a script running)."""
    deadline = time.perf_counter() + timeout_s
    watch = WATCHES[id(page)]
    while time.perf_counter() < deadline:
        if any(t > since for t in watch.finished) and page.get_by_test_id("stApp") \
                .get_attribute("data-test-script-state") == "notRunning":
            return
        page.wait_for_timeout(5)
    raise TimeoutError(f"no rerun finished within {timeout_s:.0f} s")


def interactions(store: Path) -> dict[str, Callable]:  # type: ignore[type-arg]
    """Each page's main interaction, by widget labels both old and new apps carry."""
    with SQLiteStore(store) as opened:
        nodes = opened.nodes()
    names = {n.id: n.name for n in nodes}
    countries = [n.id for n in nodes if n.kind == NodeKind.COUNTRY]
    industry = names[next(n.id for n in nodes if n.kind == NodeKind.INDUSTRY
                          and n.id != sorted(i.id for i in nodes
                                             if i.kind == NodeKind.INDUSTRY)[0])]

    # Each interaction prepares what a person does before the input that changes something
    # (opening a drop-down, typing to filter it, choosing countries) and returns that input;
    # only the input and the rerun it starts are timed.
    def pick(page, label: str, option: str) -> Callable[[], None]:
        box = page.get_by_role("combobox", name=label)
        box.click()
        page.keyboard.type(option.strip("()"))  # filters the list: the option is in view
        choice = page.get_by_role("option", name=re.compile(re.escape(option))).first
        choice.wait_for()
        return choice.click

    def overview(page) -> Callable[[], None]:
        return pick(page, "Seen from", f"({countries[1]})")

    def explore(page) -> Callable[[], None]:
        slider = page.get_by_role("slider").first
        slider.focus()
        return lambda: slider.press("ArrowRight")

    def chokepoints(page) -> Callable[[], None]:
        return pick(page, "Target", industry)

    def scenarios(page) -> Callable[[], None]:
        pick(page, "Disrupt countries", f"({countries[0]})")()  # in a form: no rerun yet
        page.keyboard.press("Escape")
        run = page.get_by_role("button", name="Build and run")
        run.wait_for()
        return run.click

    def reports(page) -> Callable[[], None]:
        box = page.get_by_role("spinbutton", name=re.compile("Chokepoints and inputs"))
        box.fill("10")
        return lambda: box.press("Enter")

    def data(page) -> Callable[[], None]:
        link = page.get_by_test_id("stSidebarNav").get_by_role("link", name="Data")
        link.wait_for()
        return link.click

    return {"Overview": overview, "Explore": explore, "Chokepoints": chokepoints,
            "Scenarios": scenarios, "Reports": reports, "Data": data}


def one_pass(app: Path, store: Path, chromium: str, log: Path, label: str) -> dict:
    from playwright.sync_api import sync_playwright

    figures: dict[str, float] = {}
    actions = interactions(store)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        started = time.perf_counter()
        proc, url = start_server(app, store, log)
        try:
            page = new_page(context)
            page.goto(url)
            settled(page, "Overview")
            figures["cold first load"] = time.perf_counter() - started
            page.close()
            for title, path in PAGES:
                page = new_page(context)
                began = time.perf_counter()
                page.goto(f"{url}/{path}")
                settled(page, title)
                figures[f"render {title}"] = time.perf_counter() - began
                time.sleep(PAUSE)  # nobody acts in the instant a page appears
                commit = actions[title](page)
                began = time.perf_counter()
                commit()
                rerun_done(page, began)
                figures[f"interact {title}"] = time.perf_counter() - began
                page.close()
        finally:
            stop_server(proc)
            browser.close()
    print(f"\n{label}")
    for name, seconds in figures.items():
        goal = GOALS["cold" if name.startswith("cold") else
                     "render" if name.startswith("render") else "interaction"]
        print(f"  {name:<24} {seconds:7.2f} s   goal ≤ {goal:.0f} s"
              + ("" if seconds <= goal else "   OVER"), flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--nodes", type=int, default=50_000)
    size.add_argument("--seeds", action="store_true", help="the bundled seeds instead")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", type=Path, help="SQLite file to use (kept; reused if full)")
    parser.add_argument("--app", type=Path, default=APP, help="the app's entry script")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH",
                                                             "/usr/bin/chromium"))
    parser.add_argument("--no-precompute", action="store_true",
                        help="measure the first pass as after `chokepoint ingest "
                             "--no-precompute` (the app computes its first page itself)")
    args = parser.parse_args()
    path = args.store or Path(tempfile.mkdtemp(prefix="bench-app-")) / "graph.db"
    fill_store(path, None if args.seeds else args.nodes, args.seed)
    log = path.with_suffix(".server.log")
    print(f"app {args.app}; server log {log}")
    fresh_version(path)
    if args.no_precompute:
        label = "right after an ingest --no-precompute (nothing kept yet)"
    else:
        precompute(path, args.app)
        label = "right after an ingest (which kept the first page's analyses)"
    one_pass(args.app, path, args.chromium, log, label)
    one_pass(args.app, path, args.chromium, log, "a restarted server (results kept)")


if __name__ == "__main__":
    main()
