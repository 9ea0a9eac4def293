"""The report as JSON: :meth:`Report.as_dict`, for machines."""

from __future__ import annotations

import json
from pathlib import Path

from analysis.report import Report
from graph.export import atomic_write

__all__ = ["render_json"]


def render_json(report: Report, out: Path) -> None:
    with atomic_write(out) as handle:
        json.dump(report.as_dict(), handle, indent=1, ensure_ascii=False)
        handle.write("\n")
