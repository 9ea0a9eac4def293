"""Hostile and faulty input is refused through the real command: exit 2, one clear message
naming the file (and row and column where there is one), nothing written, and — for input
built to exhaust resources — within 5 s of CPU and 512 MiB, measured with ``resource``."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from bounded import run_bounded
from click.testing import CliRunner, Result

from graph.store import Store
from ui.cli import cli

NODES = "id,kind,name\nh100,chip,H100\ntsmc,supplier,TSMC\ncuda,software,CUDA\n"
EDGES = "from,to,kind\nh100,tsmc,SUPPLIED_BY\n"


def ingest(store: Store | Path, path: Path, **env: str) -> Result:
    url = store.url if isinstance(store, Store) else str(store)
    return CliRunner().invoke(cli, ["--store", url, "ingest", "tabular", str(path),
                                    "--source", "hostile"], env=env)


def folder(tmp_path: Path, nodes: str | bytes, edges: str = EDGES) -> Path:
    path = tmp_path / "in"
    path.mkdir(exist_ok=True)
    (path / "nodes.csv").write_bytes(nodes.encode() if isinstance(nodes, str) else nodes)
    (path / "edges.csv").write_text(edges, encoding="utf-8")
    return path


def document(tmp_path: Path, text: str, suffix: str = ".json") -> Path:
    path = tmp_path / f"doc{suffix}"
    path.write_text(text, encoding="utf-8")
    return path


def assert_refused(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "internal error" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    """A store holding a small good graph under the same source, so 'unchanged' means
    something."""
    good = tmp_path / "good"
    good.mkdir()
    (good / "nodes.csv").write_text(NODES, encoding="utf-8")
    (good / "edges.csv").write_text(EDGES, encoding="utf-8")
    assert ingest(store, good).exit_code == 0
    return store


# -- input accepted that should be refused ---------------------------------------------------
STRICT_CASES = [
    ("a column named twice", "id,kind,name,name\nh100,chip,H100,Other\ntsmc,supplier,TSMC,T\n"
     "cuda,software,CUDA,C\n", ["nodes.csv:1:name", "twice"]),
    ("the id column twice", "id,kind,name,id\nh100,chip,H100,x\ntsmc,supplier,TSMC,tsmc\n"
     "cuda,software,CUDA,cuda\n", ["nodes.csv:1:id", "twice"]),
    ("an unterminated quote", NODES + 'ab,supplier,"AB\nb,chip,B\n', ["nodes.csv:5", "quote"]),
    ("an upper-case id for a chip", NODES + "AB,chip,AB chip\n", ["nodes.csv:5:id", "AB"]),
    ("min_required of 1e30", None, ["edges.csv:2:min_required", "1e30"]),
]


@pytest.mark.parametrize("case, nodes, fragments", STRICT_CASES, ids=[c[0] for c in STRICT_CASES])
def test_strict_tabular_input_is_refused(loaded: Store, tmp_path: Path, case: str,
                                         nodes: str | None, fragments: list[str]) -> None:
    before = loaded.snapshot()
    edges = EDGES
    if nodes is None:
        nodes, edges = NODES, "from,to,kind,min_required\nh100,cuda,REQUIRES,1e30\n"
    assert_refused(ingest(loaded, folder(tmp_path, nodes, edges)), *fragments)
    assert loaded.snapshot() == before


JSON_CASES = [
    ("a key twice in one object",
     '{"nodes": [{"id": "h100", "kind": "chip", "name": "H100", "id": "other"}], "edges": []}',
     ["doc.json", "'id'", "twice"]),
    ("NaN as a value",
     '{"nodes": [{"id": "h100", "kind": "chip", "name": "H", "failure_probability": NaN}], '
     '"edges": []}', ["doc.json", "NaN"]),
    ("min_required of 2**63",
     '{"nodes": [{"id": "h100", "kind": "chip", "name": "H"}, {"id": "cuda", "kind": '
     '"software", "name": "C"}], "edges": [{"from": "h100", "to": "cuda", "kind": "REQUIRES", '
     f'"min_required": {2**63}}}]}}', ["min_required", str(2**63)]),
    ("creationInfo as a string in SPDX", None, ["doc.spdx.json", "creationInfo"]),
]


@pytest.mark.parametrize("case, text, fragments", JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_strict_json_input_is_refused(loaded: Store, tmp_path: Path, case: str,
                                      text: str | None, fragments: list[str]) -> None:
    before = loaded.snapshot()
    reader = "tabular"
    if text is None:
        reader, text = "spdx", json.dumps({"spdxVersion": "SPDX-2.3", "SPDXID":
                                           "SPDXRef-DOCUMENT", "creationInfo": "yesterday",
                                           "packages": []})
    path = document(tmp_path, text, ".spdx.json" if reader == "spdx" else ".json")
    result = CliRunner().invoke(cli, ["--store", loaded.url, "ingest", reader, str(path),
                                      "--source", "hostile"])
    assert_refused(result, *fragments)
    assert loaded.snapshot() == before


# -- crashes and unbounded work -----------------------------------------------------------------
BOMB = "\n".join(["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
                 + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)])


def yaml_with_attribute(attribute: str, prelude: str = "") -> str:
    return (f"{prelude}\nnodes:\n  - {{id: h100, kind: chip, name: H100, payload: {attribute}}}\n"
            "edges: []\n")


BOUNDED_CASES = {
    "a YAML alias bomb in an attribute": (".yaml", yaml_with_attribute("*a9", BOMB),
                                          ["alias"]),
    "a self-referencing YAML alias": (".yaml", yaml_with_attribute("&loop [*loop]"),
                                      ["alias"]),
    "JSON nested 100,000 deep": (".json", '{"nodes": [{"id": "h100", "kind": "chip", "name": '
                                 '"H", "payload": ' + "[" * 100_000 + "]" * 100_000 + "}], "
                                 '"edges": []}', ["nested"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(BOUNDED_CASES))
def test_hostile_documents_are_refused_in_bounded_time_and_memory(tmp_path: Path,
                                                                  case: str) -> None:
    suffix, text, fragments = BOUNDED_CASES[case]
    path = document(tmp_path, text, suffix)
    run_bounded(tmp_path, "--store", str(tmp_path / "g.db"), "ingest", "tabular", str(path)
                ).assert_refused_in_bounds(str(path), *fragments)


@pytest.mark.slow
def test_a_cyclonedx_bom_nested_100000_deep_is_refused_in_bounds(tmp_path: Path) -> None:
    path = document(tmp_path, '{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": '
                    + "[" * 100_000 + "]" * 100_000 + "}", ".cdx.json")
    run_bounded(tmp_path, "--store", str(tmp_path / "g.db"), "ingest", "cyclonedx", str(path)
                ).assert_refused_in_bounds(str(path), "nested")


def xlsx_declaring(tmp_path: Path, dimension: str) -> Path:
    path = tmp_path / "big.xlsx"
    book = openpyxl.Workbook()
    nodes = book.active
    nodes.title = "nodes"
    nodes.append(["id", "kind", "name"])
    nodes.append(["h100", "chip", "H100"])
    book.create_sheet("edges").append(["from", "to", "kind"])
    book.save(path)
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w",
                                                          zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                start = text.index('<dimension ref="') + len('<dimension ref="')
                data = (text[:start] + dimension + text[text.index('"', start):]).encode()
            target.writestr(item, data)
    patched.replace(path)
    return path


@pytest.mark.slow
def test_an_xlsx_declaring_a_whole_sheet_is_refused_before_loading(tmp_path: Path) -> None:
    path = xlsx_declaring(tmp_path, "A1:XFD1048576")
    assert path.stat().st_size < 10_000
    run_bounded(tmp_path, "--store", str(tmp_path / "g.db"), "ingest", "tabular", str(path),
                timeout=60).assert_refused_in_bounds(str(path), "XFD1048576")


@pytest.mark.slow
def test_a_600_mb_scenario_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as out:
        out.write(b"name: x\ndescription: ")
        out.truncate(600 * 1024 * 1024)  # sparse: no disk used
    run_bounded(tmp_path, "--store", str(tmp_path / "g.db"), "scenario", "run", str(path),
                timeout=60).assert_refused_in_bounds(str(path), "limit")


def test_a_malformed_size_limit_setting_is_refused_with_its_name(tmp_path: Path) -> None:
    result = ingest(tmp_path / "g.db", folder(tmp_path, NODES),
                    CHOKEPOINT_MAX_INPUT_BYTES="lots")
    assert_refused(result, "CHOKEPOINT_MAX_INPUT_BYTES", "'lots'")


DOCUMENT_CASES = [
    ("a YAML key twice in one mapping", ".yaml",
     "nodes:\n  - {id: h100, kind: chip, name: H100, id: other}\nedges: []\n",
     ["doc.yaml:2", "'id' appears twice"]),
    ("a kind that is a number", ".json",
     '{"nodes": [{"id": "h100", "kind": 0, "name": "H100"}], "edges": []}',
     ["doc.json#nodes:1:kind", "unknown node kind"]),
    ("a YAML date that is no date", ".yaml", "2024-13-01\n", ["doc.yaml", "month"]),
    ("a lone surrogate escape", ".json",
     '{"nodes": [{"id": "h100", "kind": "chip", "name": "\\ud800"}], "edges": []}',
     ["doc.json", "surrogate", "nodes[0]"]),
]


@pytest.mark.parametrize("case, suffix, text, fragments", DOCUMENT_CASES,
                         ids=[c[0] for c in DOCUMENT_CASES])
def test_malformed_documents_found_by_fuzzing_are_refused(tmp_path: Path, case: str,
                                                           suffix: str, text: str,
                                                           fragments: list[str]) -> None:
    assert_refused(ingest(tmp_path / "g.db", document(tmp_path, text, suffix)), *fragments)


@pytest.mark.slow
def test_an_alias_bomb_served_to_a_job_fails_that_source_cleanly_and_in_bounds(
        tmp_path: Path) -> None:
    from bounded import CPU_SECONDS, MEMORY_BYTES

    bomb = document(tmp_path, yaml_with_attribute("*a9", BOMB), ".yaml")
    jobs = tmp_path / "jobs.toml"
    jobs.write_text(f'[[source]]\nname = "bomb"\nreader = "tabular"\nlocation = "{bomb}"\n',
                    encoding="utf-8")
    ran = run_bounded(tmp_path, "--store", str(tmp_path / "g.db"), "jobs", "run", "--config",
                      str(jobs), "--state-dir", str(tmp_path / "state"))
    assert ran.code == 1, (ran.code, ran.stderr[-2000:])  # the source failed, cleanly
    assert "Traceback" not in ran.stderr and "alias" in ran.stderr
    assert ran.cpu < CPU_SECONDS and ran.memory < MEMORY_BYTES
