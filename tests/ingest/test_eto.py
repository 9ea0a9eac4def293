"""The ETO reader on both published formats, its two readings of is_type_of, the SPOF it must
reveal, and malformed folders (refused, nothing written)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from readers_support import node, relationship, run_cli, stored_counts, targets

from analysis.spof import single_points_of_failure
from graph.errors import InputError
from graph.sqlite_store import SQLiteStore
from ingest.eto import read_eto

ETO = "eto-advanced-semiconductor-supply-chain"
pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def current(shared_data: Path):
    return read_eto(shared_data / ETO / "current", source="eto")


@pytest.fixture(scope="module")
def release_2022(shared_data: Path):
    return read_eto(shared_data / ETO / "release-2022", source="eto-2022")


@pytest.mark.parametrize(("start", "end", "kind", "share", "as_of"), [
    pytest.param("euv-lithography-tools", "asml", "SUPPLIED_BY", 1.0, "2025",
                 id="ASML supplies all EUV lithography tools"),
    pytest.param("euv-lithography-tools", "NL", "LOCATED_IN", 1.0, "2025",
                 id="EUV capacity sits in the Netherlands"),
    pytest.param("duv-immersion-lithography-tools", "asml", "SUPPLIED_BY", 0.993, "2025",
                 id="ArF immersion merges into the seeds' node with ASML at 99.3 percent"),
    pytest.param("duv-immersion-lithography-tools",
                 "other-suppliers-of-duv-immersion-lithography-tools", "SUPPLIED_BY", 0.007,
                 "2025", id="the unnamed rest of a market goes to a residual supplier"),
    pytest.param("resist-processing-tools", "tokyo-electron", "SUPPLIED_BY", 0.926, "2025",
                 id="a percent becomes a fraction"),
    pytest.param("asml", "NL", "HEADQUARTERED_IN", None, "2025",
                 id="a firm is headquartered in its country"),
    pytest.param("design-stage", "US", "LOCATED_IN", 51 / 101, "2022",
                 id="a stage's country shares keep their year and are scaled from 101 percent"),
    pytest.param("fabrication-stage", "EU", "LOCATED_IN", 8 / 101, "2022",
                 id="ETO's Europe becomes the pseudo-country EU"),
    pytest.param("lithography-tools", "euv-lithography-tools", "REQUIRES", None, "2025",
                 id="a general input requires its subtype"),
    pytest.param("photolithography", "lithography-tools", "REQUIRES", None, "2025",
                 id="a process requires what goes into it"),
])
def test_current_format(current, start: str, end: str, kind: str, share: float | None,
                        as_of: str) -> None:
    rel = relationship(current, start, end, kind)
    assert rel is not None
    assert rel.share == pytest.approx(share, abs=1e-9) if share is not None else rel.share is None
    assert (rel.as_of, rel.group) == (as_of, None)
    assert rel.citation and rel.citation.startswith("Emerging Technology Observatory")


def test_inputs_become_components_and_the_output_a_chip(current) -> None:
    assert node(current, "euv-lithography-tools").kind.value == "component"
    assert node(current, "finished-logic-chip").kind.value == "chip"
    assert targets(current, "finished-logic-chip", "REQUIRES") >= {
        "design-stage", "fabrication-stage", "assembly-testing-and-packaging-atp-stage"}


def test_a_firm_listed_under_three_aliases_is_one_node(current) -> None:
    canon = node(current, "canon")
    assert sorted(canon.attributes["aliases"]) == ["Canon ANELVA", "Canon Machinery"]
    assert relationship(current, "krf-lithography-tools", "canon", "SUPPLIED_BY").share == \
        pytest.approx(0.31)


def test_country_shares_above_one_are_scaled_to_one(current) -> None:
    total = sum(r.share or 0 for r in current.relationships
                if r.from_id == "eda-software" and r.kind.value == "LOCATED_IN")
    assert total == pytest.approx(1.0)


def test_every_element_has_provenance(current) -> None:
    assert all(n.citation and n.as_of for n in current.nodes)
    assert all(r.citation and r.as_of for r in current.relationships)
    assert current.unresolved == []


@pytest.mark.parametrize(("start", "end", "kind", "share"), [
    pytest.param("euv-lithography-tools", "asml", "SUPPLIED_BY", 1.0,
                 id="the 2022 EUV scanners are the same node as today's EUV tools"),
    pytest.param("design-stage", "US", "LOCATED_IN", 0.61, id="a 61% string becomes 0.61"),
    pytest.param("fabrication-stage", "tsmc", "SUPPLIED_BY", None,
                 id="a known provider without a share has no share"),
    pytest.param("assembly-testing-and-packaging-atp-stage", "MY", "LOCATED_IN", 0.02,
                 id="the 2022 code MAL is Malaysia"),
])
def test_release_2022_format(release_2022, start: str, end: str, kind: str,
                             share: float | None) -> None:
    rel = relationship(release_2022, start, end, kind)
    assert rel is not None and rel.as_of == "2022"
    assert rel.share == pytest.approx(share) if share is not None else rel.share is None


def test_a_provider_with_a_negligible_share_supplies_nothing(release_2022) -> None:
    assert relationship(release_2022, "fabrication-stage", "renesas", "SUPPLIED_BY") is None
    assert any("Renesas" in note for note in release_2022.notes)


def test_subtypes_can_be_read_as_alternatives(shared_data: Path) -> None:
    batch = read_eto(shared_data / ETO / "current", source="eto", subtypes="any")
    rel = relationship(batch, "lithography-tools", "euv-lithography-tools", "REQUIRES")
    assert rel is not None and rel.group == "subtypes"


def test_the_subtype_mode_comes_from_the_environment(shared_data: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHOKEPOINT_ETO_SUBTYPES", "sometimes")
    with pytest.raises(InputError, match="set CHOKEPOINT_ETO_SUBTYPES to 'all' or 'any'"):
        read_eto(shared_data / ETO / "current", source="eto")


def test_asml_is_the_single_point_of_failure_of_euv_tools(current, tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "graph.db") as store:
        store.apply(current)
        spofs = single_points_of_failure(store.read_graph(), ["euv-lithography-tools"])
    assert "asml" in spofs["euv-lithography-tools"]


def _copy(shared_data: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "eto"
    shutil.copytree(shared_data / ETO / "current", folder)
    return folder


@pytest.mark.parametrize(("damage", "message"), [
    pytest.param(lambda f: (f / "sequence.csv").unlink(), "sequence.csv: no such file",
                 id="a missing table is refused"),
    pytest.param(lambda f: (f / "provision.csv").write_text(
        "provider_name,provider_id,provided_name,provided_id,share_provided,year,source\n"
        "ASML,P67,EUV lithography tools,N20,150,2025,x\n"), "'150' is not a percentage",
        id="a share above 100 percent is refused"),
    pytest.param(lambda f: (f / "provision.csv").write_text(
        "provider_name,provider_id,provided_name,provided_id,share_provided,year,source\n"
        "ASML,P67,Nothing,N999,50,2025,x\n"), "provided_id 'N999' is not in",
        id="a share of an unknown input is refused"),
    pytest.param(lambda f: (f / "inputs.csv").write_text("id,name\nN1,x\n"),
                 "missing column(s) input_id", id="a table without its columns is refused"),
])
def test_malformed_folders_are_refused_and_nothing_is_written(shared_data: Path,
                                                              tmp_path: Path, damage,
                                                              message: str) -> None:
    folder = _copy(shared_data, tmp_path)
    damage(folder)
    store = tmp_path / "graph.db"
    result = run_cli(store, "ingest", "eto", str(folder))
    assert result.exit_code == 2, result.output
    assert message in result.output and "nothing was written" in result.output
    assert sum(stored_counts(store).values()) == 0
