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


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    loaded = modules_loaded_by("import ui.cli")
    assert not loaded & set(HEAVY)


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
