"""One company, chip or country is one node whatever a source calls it."""

from __future__ import annotations

import csv

import pytest

from graph.errors import InputError
from graph.model import NodeKind
from ingest.aliases import ALIASES_FILE, Alias, AliasTable, default_aliases, name_key
from ingest.countries import country_code, country_name, pseudo_country_code


@pytest.mark.parametrize(("name", "key"), [
    pytest.param("NVIDIA", "nvidia", id="case is folded"),
    pytest.param("Nvidia", "nvidia", id="the other spelling meets it"),
    pytest.param("OpenAI Inc", "openai", id="a trailing Inc is dropped"),
    pytest.param("Shenzhen Naso Tech Co., Ltd.", "shenzhen-naso-tech",
                 id="stacked corporate suffixes are all dropped"),
    pytest.param("Hoya Corporation", "hoya", id="Corporation is a suffix"),
    pytest.param("Kulicke & Soffa", "kulicke-and-soffa", id="an ampersand reads as and"),
    pytest.param("Llama 3.1-405B", "llama-3.1-405b", id="a dot between digits is kept"),
    pytest.param("Z.ai (Zhipu AI)", "z-ai-zhipu-ai", id="other dots and brackets become hyphens"),
    pytest.param("Université de Montréal", "universite-de-montreal", id="accents are dropped"),
    pytest.param("Inc", "inc", id="a name that is only a suffix is kept"),
])
def test_name_key(name: str, key: str) -> None:
    assert name_key(name) == key


@pytest.mark.parametrize(("name", "kind", "canonical"), [
    pytest.param("Nvidia H100 80G", NodeKind.CHIP, "nvidia-h100", id="a chip spelling maps "
                 "to the seed chip"),
    pytest.param("NVIDIA H800 SXM5", NodeKind.CHIP, "nvidia-h800", id="Epoch's H800 is the "
                 "seeds' H800"),
    pytest.param("Meta AI", NodeKind.SUPPLIER, "meta", id="a lab name maps to its company"),
    pytest.param("eto:N20", NodeKind.COMPONENT, "euv-lithography-tools",
                 id="an ETO id maps across releases"),
    pytest.param("Meta AI", NodeKind.CHIP, None, id="an alias holds only for its kind"),
    pytest.param("Some Startup", NodeKind.SUPPLIER, None, id="an unknown name is not guessed"),
])
def test_alias_table_lookup(name: str, kind: NodeKind, canonical: str | None) -> None:
    assert default_aliases().lookup(name, kind) == canonical


def test_alias_table_refuses_one_name_with_two_ids() -> None:
    with pytest.raises(InputError, match="both 'a' and 'b'"):
        AliasTable([Alias("X", "a", NodeKind.SUPPLIER), Alias("x", "b", NodeKind.SUPPLIER)])


def test_every_bundled_alias_changes_something() -> None:
    text = ALIASES_FILE.read_text(encoding="utf-8")
    idle = [row["name"] for row in csv.DictReader(text.splitlines())
            if row["kind"] != "country" and name_key(row["name"]) == row["id"]]
    assert not idle, f"these aliases only repeat the name key; remove them: {idle}"


@pytest.mark.parametrize(("text", "code"), [
    pytest.param("CHN", "CN", id="an alpha-3 code"),
    pytest.param("cn", "CN", id="an alpha-2 code in any case"),
    pytest.param("United States of America", "US", id="an official name"),
    pytest.param("Taiwan", "TW", id="a common name"),
    pytest.param("Korea (Republic of)", "KR", id="Epoch's spelling, from the alias table"),
    pytest.param("MAL", "MY", id="ETO 2022's Malaysia code, from the alias table"),
    pytest.param("Various countries", None, id="a pseudo-country is no country"),
    pytest.param("Atlantis", None, id="an unknown name is not guessed"),
])
def test_country_code(text: str, code: str | None) -> None:
    assert country_code(text) == code


@pytest.mark.parametrize(("text", "code"), [
    pytest.param("Various countries", "ZZ", id="ETO's various countries"),
    pytest.param("EUR", "EU", id="ETO's Europe"),
    pytest.param("Multinational", "ZZ", id="Epoch's multinational"),
    pytest.param("Japan", None, id="a real country is no pseudo-country"),
])
def test_pseudo_country_code(text: str, code: str | None) -> None:
    assert pseudo_country_code(text) == code


def test_country_names_are_short_english_names() -> None:
    assert (country_name("TW"), country_name("KR"), country_name("ZZ")) == (
        "Taiwan", "South Korea", "Other countries (not attributed)")
