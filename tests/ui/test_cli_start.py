"""The command line starts fast: it loads only what the command it runs needs."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

HEAVY = ("matplotlib", "reportlab", "openpyxl", "pandas", "numpy", "streamlit", "pyvis",
         "networkx", "dd", "neo4j", "yaml", "croniter")


def modules_loaded_by(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=REPO, check=True, timeout=120)
    return set(done.stdout.split())


# Standard-library modules only some commands need, each a few milliseconds of every start.
ON_DEMAND = ("tempfile", "subprocess", "logging", "difflib")


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    loaded = modules_loaded_by("import ui.cli")
    assert not loaded & set(HEAVY)
    assert not loaded & set(ON_DEMAND)


def test_stats_loads_no_heavy_library(tmp_path) -> None:
    from graph.sqlite_store import SQLiteStore

    store = tmp_path / "g.db"
    SQLiteStore(store).close()
    loaded = modules_loaded_by(
        "from click.testing import CliRunner\nfrom ui.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['--store', {str(store)!r}, 'stats'])\n"
        "assert r.exit_code == 0, r.output")
    assert not loaded & set(HEAVY)


def test_the_defaults_written_out_for_a_fast_start_match_the_analysis() -> None:
    from analysis.chokepoints import DEFAULT_KINDS
    from analysis.cutsets import DEFAULT_NODE_BUDGET
    from ui.cli_analyze import NODE_BUDGET_TEXT
    from ui.cli_scenario import DEFAULT_KINDS_TEXT

    assert NODE_BUDGET_TEXT == f"{DEFAULT_NODE_BUDGET:,}"
    assert DEFAULT_KINDS_TEXT == ",".join(DEFAULT_KINDS)


def test_cut_sets_load_neither_networkx_nor_rich_and_match_the_graph_path(tmp_path) -> None:
    """`analyze cutsets` reads the store without NetworkX; its answer, including which sets
    rest on assumptions, is the one computed on the NetworkX graph."""
    import csv
    import io

    from analysis.cutsets import minimal_cut_sets
    from analysis.trust import cut_sets_resting
    from graph.sqlite_store import SQLiteStore

    store = tmp_path / "g.db"
    subprocess.run([sys.executable, "-m", "ui.cli", "--store", str(store), "seed"],
                   capture_output=True, cwd=REPO, check=True, timeout=120)
    db = SQLiteStore(store)
    graph = db.read_graph()
    db.close()
    target = "cn-logistics"  # some of its cut sets rest on assumptions, some do not
    probe = ("from click.testing import CliRunner\nfrom ui.cli import cli\n"
             f"r = CliRunner().invoke(cli, ['--store', {str(store)!r}, 'analyze', 'cutsets', "
             f"'--target', {target!r}, '--max-order', '2', '--format', 'csv'])\n"
             "assert r.exit_code == 0, r.output\nprint(r.output)")
    done = subprocess.run([sys.executable, "-c",
                           probe + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
                          capture_output=True, text=True, cwd=REPO, check=True, timeout=120)
    *lines, modules = done.stdout.strip().split("\n")
    loaded = set(modules.split())
    assert "networkx" not in loaded and "rich" not in loaded
    rows = list(csv.reader(io.StringIO("\n".join(lines))))[1:]
    expected = minimal_cut_sets(graph, target, max_order=2)
    flags = cut_sets_resting(graph, target, expected.cut_sets)
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (str(len(s)), ";".join(s), str(f)) for s, f in zip(expected.cut_sets, flags, strict=True)]
    assert {r[3] for r in rows} == {"True", "False"}
