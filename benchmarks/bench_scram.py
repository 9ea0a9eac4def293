"""Minimal cut sets of SCRAM's Baobab1 fault tree (46,188 sets), here and in SCRAM.

Run: ``python benchmarks/bench_scram.py``.  Needs SCRAM (``apt-get install scram``, which
also installs its input models under /usr/share/scram/input); ``SCRAM_INPUT`` names another
copy of that ``input`` folder.  Without SCRAM or the model it says so and exits 0.

Prints, for the same model: our reading of the files and our cut sets (in process, every
order, only basic events may fail) and SCRAM's whole process, with the number of sets
each found.  For whole-process figures through the CLI, time ``chokepoint ingest openpsa``
once and then ``chokepoint analyze cutsets --target r1 --max-order 0 --fail-kinds
component --format csv`` against ``scram baobab1.xml baobab1-basic-events.xml``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.cutsets import minimal_cut_sets  # noqa: E402
from graph.networkx_view import to_networkx  # noqa: E402
from ingest.openpsa import read_openpsa_files  # noqa: E402

MODEL = ("Baobab/baobab1.xml", "Baobab/baobab1-basic-events.xml")


def main() -> None:
    folder = Path(os.environ.get("SCRAM_INPUT", "/usr/share/scram/input"))
    files = [folder / name for name in MODEL]
    scram = shutil.which("scram")
    if scram is None or not all(f.is_file() for f in files):
        print(f"skipped: needs the scram program and {', '.join(map(str, files))} "
              "(apt-get install scram, or SCRAM_INPUT=<its input folder>)")
        return
    start = time.perf_counter()
    batch = read_openpsa_files(files, source="openpsa:baobab1")
    graph = to_networkx(batch.nodes, batch.relationships)
    read = time.perf_counter() - start
    start = time.perf_counter()
    result = minimal_cut_sets(graph, "r1", max_order=None, fail_kinds=["component"])
    ours = time.perf_counter() - start
    print(f"chokepoint: read {read:.2f} s, cut sets {ours:.2f} s, {result.total:,} sets")
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.xml"
        start = time.perf_counter()
        subprocess.run([scram, *map(str, files), "-o", str(report)], check=True)
        theirs = time.perf_counter() - start
        found = re.search(r'products="(\d+)"', report.read_text())
    count = int(found.group(1)) if found else -1
    print(f"SCRAM whole process: {theirs:.2f} s, {count:,} sets")
    print(f"same number of sets: {count == result.total}; ours / SCRAM's: {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
