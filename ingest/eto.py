"""The CSET/ETO Advanced Semiconductor Supply Chain Dataset (chipexplorer.eto.tech) as records.

Reads a folder with ``inputs.csv``, ``providers.csv``, ``provision.csv``, ``sequence.csv`` and
``stages.csv``, in the current format (percent numbers, a ``year`` per share) or the 2022
release (``61%`` strings, a ``negligible_market_share`` flag).  The mapping:

- **inputs** become ``component`` nodes, the ``ultimate_output`` (``Finished logic chip``)
  a ``chip``; the three **stages** (design, fabrication, ATP) become ``component`` nodes that
  ``REQUIRES`` their processes, and the finished chip ``REQUIRES`` every stage;
- **firms** become ``supplier`` nodes ``HEADQUARTERED_IN`` their country; **company shares**
  become ``SUPPLIED_BY`` shares (percent → fraction); where the named firms' shares leave part
  of the market unnamed, or ETO lists ``Various companies`` or firms with a negligible share,
  a residual supplier ``Other suppliers of X`` holds that part;
- **country shares** become ``LOCATED_IN`` shares of the input or stage.  ETO attributes a
  share to the headquarters country of the firms, and rounds shares under 1 % up, so a
  country list may sum to 102 %: lists above 100 % are scaled to sum to 1.  ``Various
  countries`` and ``EUR`` become the pseudo-countries ``ZZ`` and ``EU``;
- ``goes_into`` becomes ``REQUIRES`` (the process requires its input) and ``is_type_of``
  becomes ``REQUIRES`` from the general input to its subtype, read by :class:`SubtypeMode`.

Node ids come from the alias table (``eto:N20`` or the input's name), else from the name key,
so the seeds' ``euv-lithography-tools`` and ``asml`` are the same nodes as ETO's.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from graph.errors import InputError, Problem
from graph.model import Batch, NodeKind, RelKind
from graph.validate import SHARE_TOLERANCE
from ingest.aliases import default_aliases, name_key
from ingest.builder import BatchBuilder
from ingest.countries import country_code, pseudo_country_code
from ingest.documents import Row, read_csv
from ingest.registry import register

__all__ = ["read_eto", "SubtypeMode", "SUBTYPES_ENV", "ETO_CITATION"]

ETO_CITATION = ("Emerging Technology Observatory Advanced Semiconductor Supply Chain Dataset "
                "(Georgetown CSET, CC BY-NC 4.0)")
SUBTYPES_ENV = "CHOKEPOINT_ETO_SUBTYPES"
RELEASE_2022_AS_OF = "2022"
_RESIDUAL_MIN = 0.005  # an unnamed remainder below half a percent is rounding, not a supplier
_TABLES = {
    "inputs": ("input_id", "input_name", "type"),
    "providers": ("provider_name", "provider_id", "provider_type", "country"),
    "provision": ("provider_id", "provided_id", "share_provided"),
    "sequence": ("input_id", "goes_into_id", "is_type_of_id"),
    "stages": ("stage_id", "stage_name"),
}


class SubtypeMode(StrEnum):
    """How ``A is_type_of B`` is read.

    ``all`` (default): B requires every one of its subtypes.  This fits advanced logic chips:
    a leading-edge fab needs EUV *and* ArF immersion *and* KrF lithography, each for its own
    layers, and no subtype stands in for another; it may over-require niche subtypes (imprint
    lithography).  ``any``: the subtypes are alternatives (one ``REQUIRES`` group) and B is
    available while any one is; this fits categories of interchangeable products but would
    hide the EUV chokepoint behind i-line tools.
    """

    ALL = "all"
    ANY = "any"


@dataclass
class _Provider:
    name: str
    type: str
    country: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class _Shares:
    """The provision rows of one item, split into firms and countries."""

    firms: dict[str, tuple[float | None, Row]] = field(default_factory=dict)
    countries: dict[str, tuple[float | None, Row]] = field(default_factory=dict)
    residual: float = 0.0
    residual_names: list[str] = field(default_factory=list)


@register("eto", "CSET/ETO advanced-semiconductor supply chain tables (a folder; current or "
          "2022 format)", priority=15)
def read_eto(path: Path, *, source: str, subtypes: SubtypeMode | str | None = None) -> Batch:
    """Read an ETO folder; ``subtypes`` defaults to ``$CHOKEPOINT_ETO_SUBTYPES`` or ``all``."""
    path = Path(path)
    mode = _subtype_mode(subtypes)
    tables = {name: read_csv(path / f"{name}.csv", columns) for name, columns in _TABLES.items()}
    release_2022 = any("negligible_market_share" in r.values for r in tables["provision"])
    years = [r.get("year") for r in tables["provision"] if r.get("year").isdigit()]
    as_of = RELEASE_2022_AS_OF if release_2022 else max(years, default=None)
    builder = BatchBuilder(source, ETO_CITATION, as_of=as_of, origin=str(path))
    builder.note(f"ETO {'2022 release' if release_2022 else 'current'} format; is_type_of read "
                 f"as '{mode.value}'")
    problems: list[Problem] = []
    items = _add_items(builder, tables["inputs"], tables["stages"])
    providers = _providers(tables["providers"])
    shares = _collect_shares(builder, tables["provision"], items, providers, problems)
    for item, item_shares in shares.items():
        _add_firm_shares(builder, item, item_shares, providers)
        _add_country_shares(builder, item, item_shares)
    _add_sequence(builder, tables["sequence"], items, mode, problems)
    if problems:
        raise InputError(problems)
    return builder.build()


def _subtype_mode(value: SubtypeMode | str | None) -> SubtypeMode:
    text = value if value is not None else os.environ.get(SUBTYPES_ENV, SubtypeMode.ALL)
    try:
        return SubtypeMode(str(text).strip().lower())
    except ValueError:
        raise InputError(f"ETO subtype mode {text!r} is unknown; set {SUBTYPES_ENV} to 'all' "
                         "or 'any'") from None


# -- inputs and stages -----------------------------------------------------------------------
def _item_id(eto_id: str, name: str, kind: NodeKind) -> str:
    aliases = default_aliases()
    return aliases.lookup(f"eto:{eto_id}", kind) or aliases.canonical_id(name, kind)


def _add_items(builder: BatchBuilder, inputs: list[Row], stages: list[Row]
               ) -> dict[str, str]:
    """Add inputs and stages; return ETO id → node id."""
    items: dict[str, str] = {}
    for row in stages:
        name = row.get("stage_name")
        items[row.get("stage_id")] = builder.node(
            _item_id(row.get("stage_id"), f"{name} stage", NodeKind.COMPONENT),
            NodeKind.COMPONENT, f"{name} (stage)", description=row.get("description"),
            attributes=_item_attributes(row, row.get("stage_id"), "stage"), origin=row.origin)
    outputs = []
    for row in inputs:
        kind = NodeKind.CHIP if row.get("type") == "ultimate_output" else NodeKind.COMPONENT
        eto_id = row.get("input_id")
        items[eto_id] = builder.node(
            _item_id(eto_id, row.get("input_name"), kind), kind, row.get("input_name"),
            description=row.get("description"), as_of=row.get("year") or None,
            attributes=_item_attributes(row, eto_id, row.get("type")), origin=row.origin)
        if row.get("stage_id") in items:
            builder.relate(items[row.get("stage_id")], items[eto_id], RelKind.REQUIRES,
                           role="stage_process", origin=row.origin)
        if kind is NodeKind.CHIP:
            outputs.append(items[eto_id])
    for output in outputs:
        for row in stages:
            builder.relate(output, items[row.get("stage_id")], RelKind.REQUIRES, role="stage")
    return items


def _item_attributes(row: Row, eto_id: str, eto_type: str) -> dict[str, str]:
    attributes = {"eto_id": eto_id, "eto_type": eto_type}
    if row.get("market_share_chart_global_market_size_info"):
        attributes["market_size"] = row.get("market_share_chart_global_market_size_info")
    return attributes


# -- providers and shares --------------------------------------------------------------------
def _providers(rows: list[Row]) -> dict[str, _Provider]:
    """ETO lists a firm once per alias under one provider id; fold those rows together."""
    providers: dict[str, _Provider] = {}
    for row in rows:
        provider = providers.setdefault(row.get("provider_id"), _Provider(
            row.get("provider_name"), row.get("provider_type"), row.get("country")))
        if row.get("alias"):
            provider.aliases.append(row.get("alias"))
    return providers


def _firm_id(provider: _Provider) -> str:
    aliases = default_aliases()
    for name in (provider.name, *provider.aliases):
        found = aliases.lookup(name, NodeKind.SUPPLIER)
        if found:
            return found
    return name_key(provider.name)


def _is_catch_all(provider: _Provider) -> bool:
    return name_key(provider.name) == "various-companies"


def _parse_share(row: Row, problems: list[Problem]) -> float | None:
    text = row.get("share_provided").rstrip("%").strip()
    if not text:
        return None
    try:
        share = float(text)
    except ValueError:
        share = -1.0
    if not 0.0 <= share <= 100.0:
        problems.append(Problem(f"{row.get('share_provided')!r} is not a percentage 0–100",
                                row.file, row.line, "share_provided"))
        return None
    return share / 100.0


def _collect_shares(builder: BatchBuilder, rows: list[Row], items: dict[str, str],
                    providers: dict[str, _Provider], problems: list[Problem]
                    ) -> dict[str, _Shares]:
    shares: dict[str, _Shares] = defaultdict(_Shares)
    for row in rows:
        item, provider = items.get(row.get("provided_id")), providers.get(row.get("provider_id"))
        if item is None or provider is None:
            column, table = (("provided_id", "inputs.csv or stages.csv") if item is None
                             else ("provider_id", "providers.csv"))
            problems.append(Problem(f"{column} {row.get(column)!r} is not in {table}", row.file,
                                    row.line, column))
            continue
        share, entry = _parse_share(row, problems), shares[item]
        if provider.type == "country":
            code = country_code(provider.name) or pseudo_country_code(provider.name)
            if code is None:
                builder.unresolved_name(provider.name)
            else:
                entry.countries.setdefault(code, (share, row))
        elif _is_catch_all(provider) or row.get("negligible_market_share"):
            entry.residual += share or 0.0
            entry.residual_names.append(provider.name)
        else:
            entry.firms.setdefault(row.get("provider_id"), (share, row))
    return shares


def _row_citation(row: Row) -> str | None:
    return f"{ETO_CITATION}; {row.get('source')}" if row.get("source") else None


def _add_firm(builder: BatchBuilder, provider: _Provider) -> str:
    firm = builder.node(_firm_id(provider), NodeKind.SUPPLIER, provider.name,
                        attributes={"aliases": provider.aliases} if provider.aliases else None)
    code = country_code(provider.country) if provider.country else None
    if code:
        builder.relate(firm, builder.country(code), RelKind.HEADQUARTERED_IN)
    elif provider.country:
        builder.note(f"{provider.name}: headquarters {provider.country!r} is no single country; "
                     "no HEADQUARTERED_IN")
    return firm


def _add_firm_shares(builder: BatchBuilder, item: str, shares: _Shares,
                     providers: dict[str, _Provider]) -> None:
    firms: dict[str, tuple[float | None, Row]] = {}
    for provider_id, (share, row) in shares.firms.items():
        firms.setdefault(_add_firm(builder, providers[provider_id]), (share, row))
    listed = sum(s for s, _ in firms.values() if s is not None)
    scale = 1.0 / listed if listed > 1.0 + SHARE_TOLERANCE else 1.0
    if scale < 1.0:
        builder.note(f"company shares of {item} sum to {listed:.3f}; scaled to 1")
    for firm, (share, row) in firms.items():
        if share == 0.0:
            continue
        builder.relate(item, firm, RelKind.SUPPLIED_BY,
                       share=None if share is None else min(1.0, share * scale),
                       citation=_row_citation(row), as_of=row.get("year") or None,
                       origin=row.origin)
    listed = min(1.0, listed * scale)
    if all(s is not None for s, _ in firms.values()):
        unnamed = 1.0 - listed  # the named firms' shares are complete: the rest is unnamed
    else:
        unnamed = min(shares.residual, 1.0 - listed)  # unlisted firms split the rest
    if (firms or shares.residual_names) and unnamed >= _RESIDUAL_MIN:
        _add_residual(builder, item, unnamed, shares.residual_names)
    elif shares.residual_names:
        builder.note(f"{item}: {', '.join(shares.residual_names)} left out (negligible or "
                     "unnamed share, no market left unnamed)")


def _add_residual(builder: BatchBuilder, item: str, share: float, names: list[str]) -> None:
    item_name = builder.nodes[item].name
    attributes = {"residual": True, "includes": sorted(set(names))} if names else {
        "residual": True}
    residual = builder.node(f"other-suppliers-of-{item}", NodeKind.SUPPLIER,
                            f"Other suppliers of {item_name}", attributes=attributes,
                            description="The part of the market ETO does not attribute to a "
                                        "named firm.")
    builder.relate(item, residual, RelKind.SUPPLIED_BY, share=round(share, 6))


def _add_country_shares(builder: BatchBuilder, item: str, shares: _Shares) -> None:
    listed = sum(s for s, _ in shares.countries.values() if s is not None)
    scale = 1.0 / listed if listed > 1.0 else 1.0
    for code, (share, row) in shares.countries.items():
        if share == 0.0:
            continue  # a zero share holds no capacity; as an edge it would count as a source
        builder.relate(item, builder.country(code), RelKind.LOCATED_IN,
                       share=None if share is None else share * scale,
                       attributes={"basis": "headquarters of the providing firms"},
                       citation=_row_citation(row), as_of=row.get("year") or None,
                       origin=row.origin)


# -- the production graph --------------------------------------------------------------------
def _add_sequence(builder: BatchBuilder, rows: list[Row], items: dict[str, str],
                  mode: SubtypeMode, problems: list[Problem]) -> None:
    for row in rows:
        specific = items.get(row.get("input_id"))
        if specific is None:
            problems.append(Problem(f"input_id {row.get('input_id')!r} is not in inputs.csv",
                                    row.file, row.line, "input_id"))
            continue
        for column, role in (("goes_into_id", "uses"), ("is_type_of_id", "subtype")):
            target = row.get(column)
            if not target:
                continue
            if target not in items:
                problems.append(Problem(f"{column} {target!r} is not in inputs.csv", row.file,
                                        row.line, column))
                continue
            group = "subtypes" if role == "subtype" and mode is SubtypeMode.ANY else None
            builder.relate(items[target], specific, RelKind.REQUIRES, role=role, group=group,
                           origin=row.origin)
