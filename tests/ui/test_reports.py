"""Every report format, read back: the content is there and nothing from the data can run."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from analysis.report import Report, build_report
from graph.model import Node, NodeKind, Relationship, RelKind
from graph.networkx_view import to_networkx
from ui.reports import RENDERERS, format_for, render, render_bytes

SCRIPT = "<script>alert(1)</script>"
FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd", "-1+2", "@SUM(1)"]
HOSTILE = [SCRIPT, *FORMULAS]


def hostile_graph():
    """An industry needing one chip per hostile name, each from its own supplier in TW (every
    other chip also, a little, from one in the US, so that charts have distinct bars);
    one supplier has a CJK name and one an en dash and a pipe."""
    nodes = [Node("industry", NodeKind.INDUSTRY, SCRIPT),
             Node("TW", NodeKind.COUNTRY, "Taiwan"), Node("US", NodeKind.COUNTRY, "USA"),
             Node("tsmc", NodeKind.SUPPLIER, "台积电 – Fab | 18", as_of="2024-01-01",
                  sources=("seeds",)),
             Node("us-fab", NodeKind.SUPPLIER, "US fab")]
    rels = [Relationship("tsmc", "TW", RelKind.LOCATED_IN, share=1.0),
            Relationship("us-fab", "US", RelKind.LOCATED_IN, share=1.0)]
    for i, name in enumerate(FORMULAS):
        nodes.append(Node(f"chip-{i}", NodeKind.CHIP, name, sources=("seeds",)))
        rels += [Relationship("industry", f"chip-{i}", RelKind.REQUIRES),
                 Relationship(f"chip-{i}", "tsmc", RelKind.SUPPLIED_BY, share=0.9)]
        if i % 2:
            rels.append(Relationship(f"chip-{i}", "us-fab", RelKind.SUPPLIED_BY, share=0.1))
    return to_networkx(nodes, rels)


@pytest.fixture(scope="module")
def report() -> Report:
    return build_report(hostile_graph(), perspective="TW", generated="2025-05-01",
                        provenance=[{"run_id": "r1", "source": "=cmd", "status": "ok"}])


def all_text(report: Report) -> list[str]:
    return [str(v) for t in report.tables for row in t.rows for v in row if isinstance(v, str)]


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_every_format_is_registered_and_found_from_the_file_suffix() -> None:
    assert set(RENDERERS) == {"html", "pdf", "xlsx", "csv", "json", "md"}
    assert format_for(Path("r.HTML")) == "html"
    assert format_for(Path("r.zip")) == "csv"
    assert format_for(Path("r.txt")) is None


def test_html_has_no_script_and_shows_hostile_names_as_text(report: Report,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    render(report, "html", out)
    page = out.read_text(encoding="utf-8")
    parsed = Collector()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert not [name for name, _ in parsed.attributes if name.startswith("on")]
    assert all(value.startswith("data:image/png;base64,")
               for name, value in parsed.attributes if name in ("src", "href") and value)
    text = "".join(parsed.text)
    for name in HOSTILE:
        assert name in text
    assert "&lt;script&gt;" in page and SCRIPT not in page
    assert parsed.tags.count("img") >= 2  # the subgraph and at least one chart


def test_csv_stacks_the_tables_and_quotes_formula_like_cells(report: Report,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    render(report, "csv", out)
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    names = [r[1] for r in rows if r and r[0] == "table"]
    assert names == ["summary", *(t.name for t in report.tables)]
    cells = {cell for row in rows for cell in row}
    for name in FORMULAS:
        assert "'" + name in cells
        assert name not in cells
    assert SCRIPT in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_csv_zip_holds_one_file_per_table(report: Report, tmp_path: Path) -> None:
    out = tmp_path / "r.zip"
    render(report, "csv", out)
    with zipfile.ZipFile(out) as archive:
        assert set(archive.namelist()) == {"summary.csv",
                                           *(f"{t.name}.csv" for t in report.tables)}
        text = archive.read("chokepoints.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(report.table("chokepoints").columns)
    assert len(rows) == 1 + len(report.table("chokepoints").rows)


def test_xlsx_has_a_summary_and_a_sheet_per_table_and_no_formulas(report: Report,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    render(report, "xlsx", out)
    book = load_workbook(out)
    assert book.sheetnames[0] == "Summary"
    assert len(book.sheetnames) == 1 + len(report.tables)
    values = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                values.add(cell.value)
    for name in HOSTILE:
        assert name in values
    assert "=cmd" in values
    sheet = book["Top chokepoints"]
    assert sheet["B2"].value == "id"
    assert isinstance(sheet["F3"].value, int | float) and sheet["F3"].number_format == "0.0%"


def test_pdf_opens_with_the_summary_first_and_lists_the_chokepoints(report: Report,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    render(report, "pdf", out)
    pages = [p.extract_text() for p in PdfReader(out).pages]
    assert "Executive summary" in pages[0]
    assert "top chokepoint" in pages[0]
    rest = " ".join(pages[1:])
    assert "Top chokepoints" in rest and "Methodology" in rest
    assert "@SUM(1)" in rest and "alert(1)" in rest


def test_json_is_the_report_as_a_dict(report: Report, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    render(report, "json", out)
    assert json.loads(out.read_text(encoding="utf-8")) == report.as_dict()


def test_markdown_escapes_pipes_and_html(report: Report) -> None:
    text = render_bytes(report, "md").decode("utf-8")
    assert "台积电 – Fab \\| 18" in text
    assert "<script>" not in text and "&lt;script&gt;" in text
    header = next(line for line in text.splitlines() if line.startswith("| rank"))
    assert header.count(" | ") == len(report.table("chokepoints").columns) - 1


def test_a_failed_render_leaves_no_file(report: Report, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.reports.as_html as as_html

    def boom(_: object) -> bytes:
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(as_html, "subgraph_png", boom)
    with pytest.raises(RuntimeError):
        render(report, "html", tmp_path / "r.html")
    assert list(tmp_path.iterdir()) == []


def test_every_text_cell_of_the_report_survives_every_format(report: Report) -> None:
    assert set(HOSTILE) <= set(all_text(report))
    for fmt in RENDERERS:
        assert render_bytes(report, fmt)


# -- the command line, end to end -------------------------------------------------------------
@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    from graph.model import Batch
    from graph.sqlite_store import SQLiteStore

    graph = hostile_graph()
    nodes = [Node(n, NodeKind(a["kind"]), a["name"], as_of=a.get("as_of"))
             for n, a in graph.nodes(data=True)]
    rels = [Relationship(u, v, RelKind(k), share=d.get("share"))
            for u, v, k, d in graph.edges(keys=True, data=True)]
    path = tmp_path / "graph.db"
    with SQLiteStore(path) as store:
        store.apply(Batch("test", nodes, rels))
    return path


def run_cli(*args: str):
    from click.testing import CliRunner

    from ui.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_report_command_writes_the_format_its_suffix_names(store_path: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "out" / "report.xlsx"
    result = run_cli("--store", str(store_path), "report", "--out", str(out), "--top", "3")
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book["Top chokepoints"].max_row >= 3
    assert "Ingest runs (newest first)" in book.sheetnames
    assert book["Summary"]["B3"].value == "SQLite store graph.db"


def test_the_report_command_includes_a_scenario_and_a_perspective(store_path: Path,
                                                                 tmp_path: Path) -> None:
    scenario = tmp_path / "tw.yaml"
    scenario.write_text("name: Taiwan cut\ndisrupt:\n  - {country: TW}\n", encoding="utf-8")
    out = tmp_path / "report.json"
    result = run_cli("--store", str(store_path), "report", "--out", str(out), "--scenario",
                     str(scenario), "--perspective", "tw", "--target", "industry")
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    tables = {t["name"]: t for t in document["tables"]}
    loss = tables["scenario"]["columns"].index("capacity loss")
    assert tables["scenario"]["rows"][0][loss] == pytest.approx(1.0)
    assert tables["perspective"]["title"] == "Self-sufficiency of TW"
    assert document["parameters"]["targets"] == ["industry"]


def test_the_report_command_refuses_an_unknown_suffix_and_writes_nothing(
        store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    result = run_cli("--store", str(store_path), "report", "--out", str(out))
    assert result.exit_code != 0
    assert "--format" in result.output
    assert not out.exists()


def test_an_explicit_format_wins_over_the_suffix(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    result = run_cli("--store", str(store_path), "report", "--out", str(out), "--format", "md")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# AI supply-chain chokepoint report")


@pytest.mark.parametrize("long_name", [("Very long supplier name " * 420)[:10_000],
                                       "X" * 10_000], ids=["words", "one-word"])
def test_a_ten_thousand_character_name_survives_every_format(long_name: str) -> None:
    """A table row must fit on a PDF page: the PDF shows the start of the name, and every
    data format keeps it whole."""
    nodes = [Node("industry", NodeKind.INDUSTRY, long_name),
             Node("chip", NodeKind.CHIP, long_name),
             Node("fab", NodeKind.SUPPLIER, long_name),
             Node("TW", NodeKind.COUNTRY, "Taiwan")]
    rels = [Relationship("industry", "chip", RelKind.REQUIRES),
            Relationship("chip", "fab", RelKind.SUPPLIED_BY, share=1.0),
            Relationship("fab", "TW", RelKind.LOCATED_IN, share=1.0)]
    report = build_report(to_networkx(nodes, rels), perspective="TW", generated="2025-05-01")
    out = {fmt: render_bytes(report, fmt, "report.zip" if fmt == "csv" else None)
           for fmt in RENDERERS}
    pages = PdfReader(io.BytesIO(out["pdf"])).pages
    assert "chokepoint" in "".join(p.extract_text() for p in pages).lower()
    assert long_name in json.dumps(json.loads(out["json"]), ensure_ascii=False)
    assert long_name in out["md"].decode("utf-8")
    assert long_name in out["html"].decode("utf-8")
    with zipfile.ZipFile(io.BytesIO(out["csv"])) as archive:
        assert any(long_name in archive.read(n).decode("utf-8") for n in archive.namelist())
    sheets = load_workbook(io.BytesIO(out["xlsx"])).worksheets
    assert any(cell.value == long_name for s in sheets for row in s.iter_rows() for cell in row)
