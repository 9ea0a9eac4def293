"""Epoch AI's data on notable AI models, ML hardware and GPU clusters as graph records.

Reads a folder holding any of ``ml_hardware.csv``, ``notable_ai_models.csv`` and
``gpu_clusters.csv`` (or one of those files, recognised by its columns).  Read the folder: a
model's training hardware and a cluster's chips resolve only against chips in the same batch.

- **hardware**: each accelerator becomes a ``chip`` ``SUPPLIED_BY`` its manufacturer (role
  ``designer``) and ``REQUIRES`` its foundry (role ``fabricated_with``; two foundries, as for
  ``SMIC,TSMC``, are alternatives in group ``foundry``), the process node as an attribute;
- **models**: each model becomes a ``model`` ``SUPPLIED_BY`` its organisations (role
  ``developer``), each organisation ``HEADQUARTERED_IN`` its country (the country Epoch gives
  it most often); a model ``REQUIRES`` its training hardware (role ``trained_on``; several
  chips are alternatives in group ``training-hardware``) and each of its base models (role
  ``fine_tuned_from``).  Open-weights models are not blockable (weights in hand stay in hand);
- **clusters**: each cluster that is not decommissioned becomes a ``component`` (compute
  capacity) ``SUPPLIED_BY`` its owners (role ``owner``), ``LOCATED_IN`` its country (share 1)
  and ``REQUIRES`` its chips (role ``runs_on``; primary and secondary chips are alternatives).

A chip, base model or country that matches nothing is listed as unresolved, never invented.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from graph.errors import InputError, Problem
from graph.model import Batch, NodeKind, RelKind
from ingest.aliases import default_aliases, name_key
from ingest.builder import BatchBuilder
from ingest.countries import country_code, pseudo_country_code
from ingest.documents import Row, read_csv
from ingest.registry import register

__all__ = ["read_epoch", "EPOCH_CITATIONS", "EPOCH_FILES"]

_LICENCE = "published online at epoch.ai (CC BY 4.0)"
EPOCH_CITATIONS = {
    "hardware": f"Epoch AI, 'Data on Machine Learning Hardware', {_LICENCE}",
    "models": f"Epoch AI, 'Data on Notable AI Models', {_LICENCE}",
    "clusters": f"Epoch AI, 'Data on GPU Clusters', {_LICENCE}",
}
EPOCH_FILES = {
    "hardware": ("ml_hardware.csv", ("Hardware name", "Manufacturer", "Foundry")),
    "models": ("notable_ai_models.csv", ("Model", "Organization", "Training hardware")),
    "clusters": ("gpu_clusters.csv", ("Name", "Owner", "Country", "Chip type (primary)")),
}
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@register("epoch", "Epoch AI notable models, ML hardware and GPU clusters (a folder of their "
          "CSV downloads, or one of them)", priority=12)
def read_epoch(path: Path, *, source: str) -> Batch:
    """Read Epoch AI CSVs, or raise :class:`InputError` naming what is wrong."""
    path = Path(path)
    tables = _tables(path)
    builder = BatchBuilder(source, "Epoch AI data (CC BY 4.0)", origin=str(path))
    chips: dict[str, str] = {}
    if "hardware" in tables:
        _read_hardware(builder, tables["hardware"], chips)
    if "models" in tables:
        _read_models(builder, tables["models"], chips)
    if "clusters" in tables:
        _read_clusters(builder, tables["clusters"], chips)
    return builder.build()


def _tables(path: Path) -> dict[str, list[Row]]:
    if path.is_dir():
        found = {part: read_csv(path / file, columns)
                 for part, (file, columns) in EPOCH_FILES.items() if (path / file).is_file()}
        if not found:
            names = ", ".join(file for file, _ in EPOCH_FILES.values())
            raise InputError(Problem(f"no Epoch AI file here; expected one of {names}",
                                     str(path)))
        return found
    if not path.exists():
        raise InputError(Problem("no such file or folder", str(path)))
    header = set(next(iter(read_csv(path, ())), Row("", 0, {})).values)
    for part, (_, columns) in EPOCH_FILES.items():
        if set(columns) <= header:
            return {part: read_csv(path, columns)}
    raise InputError(Problem("not an Epoch AI models, hardware or clusters table (its columns "
                             "match none of them)", str(path), 1))


# -- shared helpers --------------------------------------------------------------------------
def _date(text: str) -> str | None:
    """ISO date from ``2024-12-24``, ``2026-03-11 17:54:05+00:00`` or ``7/22/2025``."""
    text = text.strip()
    if _ISO_DATE.match(text):
        return text[:10]
    match = _US_DATE.match(text)
    if match:
        month, day, year = (int(g) for g in match.groups())
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _supplier(builder: BatchBuilder, name: str, citation: str, as_of: str | None) -> str:
    return builder.node(default_aliases().canonical_id(name, NodeKind.SUPPLIER),
                        NodeKind.SUPPLIER, name, citation=citation, as_of=as_of)


def _snapshot(rows: list[Row], column: str) -> str | None:
    """The newest date in ``column``: the as-of of rows that carry no date of their own."""
    return max((d for d in (_date(r.get(column)) for r in rows) if d), default=None)


def _resolver(builder: BatchBuilder, index: dict[str, str], kind: NodeKind
              ) -> Callable[[str], str | None]:
    """Look a name up among this batch's nodes of ``kind``; record it as unresolved if absent."""

    def resolve(name: str) -> str | None:
        found = index.get(name_key(name)) or default_aliases().lookup(name, kind)
        if found in builder.nodes and builder.nodes[found].kind is kind:
            return found
        builder.unresolved_name(name)
        return None

    return resolve


def _require_all(builder: BatchBuilder, item: str, targets: list[str], role: str,
                 group: str, citation: str, as_of: str | None) -> None:
    """One target is a hard requirement; several are alternatives in ``group``."""
    targets = list(dict.fromkeys(targets))
    for target in targets:
        builder.relate(item, target, RelKind.REQUIRES, role=role,
                       group=group if len(targets) > 1 else None, citation=citation,
                       as_of=as_of)


# -- hardware --------------------------------------------------------------------------------
def _read_hardware(builder: BatchBuilder, rows: list[Row], chips: dict[str, str]) -> None:
    citation, snapshot = EPOCH_CITATIONS["hardware"], _snapshot(rows, "Last modified")
    for row in rows:
        name = row.get("Hardware name")
        if not name:
            continue
        as_of = _date(row.get("Last modified")) or _date(row.get("Release date")) or snapshot
        attributes = {k: row.get(c) for k, c in (
            ("type", "Type"), ("release_date", "Release date"), ("process_nm", "Process size (nm)"),
            ("foundry", "Foundry"), ("epoch_name", "Hardware name")) if row.get(c)}
        chip = builder.node(default_aliases().canonical_id(name, NodeKind.CHIP), NodeKind.CHIP,
                            name, citation=citation, as_of=as_of, attributes=attributes,
                            origin=row.origin)
        chips.setdefault(name_key(name), chip)
        if row.get("Manufacturer"):
            maker = _supplier(builder, row.get("Manufacturer"), citation, as_of)
            builder.relate(chip, maker, RelKind.SUPPLIED_BY, role="designer", citation=citation,
                           as_of=as_of, origin=row.origin)
        foundries = [_supplier(builder, f, citation, as_of) for f in _split(row.get("Foundry"))]
        _require_all(builder, chip, foundries, "fabricated_with", "foundry", citation, as_of)


# -- models ----------------------------------------------------------------------------------
def _read_models(builder: BatchBuilder, rows: list[Row], chips: dict[str, str]) -> None:
    citation, snapshot = EPOCH_CITATIONS["models"], _snapshot(rows, "Publication date")
    models: dict[str, str] = {}
    for row in rows:
        if row.get("Model"):
            models.setdefault(name_key(row.get("Model")), _model_node(builder, row, snapshot))
    chip_of = _resolver(builder, chips, NodeKind.CHIP)
    model_of = _resolver(builder, models, NodeKind.MODEL)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        model = models.get(name_key(row.get("Model"))) if row.get("Model") else None
        if model is None:
            continue
        as_of = builder.nodes[model].as_of
        for org, country in _organisations(builder, row):
            supplier = _supplier(builder, org, citation, as_of)
            builder.relate(model, supplier, RelKind.SUPPLIED_BY, role="developer",
                           citation=citation, as_of=as_of, origin=row.origin)
            if country:
                votes[supplier][country] += 1
        hardware = [c for c in map(chip_of, _split(row.get("Training hardware"))) if c]
        _require_all(builder, model, hardware, "trained_on", "training-hardware", citation,
                     as_of)
        for base in filter(None, map(model_of, _split(row.get("Base model")))):
            builder.relate(model, base, RelKind.REQUIRES, role="fine_tuned_from",
                           citation=citation, as_of=as_of, origin=row.origin)
    _add_headquarters(builder, votes, citation, snapshot)


def _model_node(builder: BatchBuilder, row: Row, snapshot: str | None) -> str:
    name = row.get("Model")
    attributes = {k: row.get(c) for k, c in (
        ("domain", "Domain"), ("task", "Task"), ("parameters", "Parameters"),
        ("training_compute_flop", "Training compute (FLOP)"),
        ("training_dataset", "Training dataset"), ("accessibility", "Model accessibility"),
        ("hardware_quantity", "Hardware quantity"), ("link", "Link")) if row.get(c)}
    return builder.node(
        default_aliases().canonical_id(name, NodeKind.MODEL), NodeKind.MODEL, name,
        citation=EPOCH_CITATIONS["models"],
        as_of=_date(row.get("Publication date")) or snapshot, attributes=attributes,
        blockable=not row.get("Model accessibility").startswith("Open weights"),
        origin=row.origin)


def _organisations(builder: BatchBuilder, row: Row) -> list[tuple[str, str | None]]:
    """Each organisation with its country code, when the row pairs them unambiguously."""
    orgs, countries = _split(row.get("Organization")), _split(row.get("Country (of organization)"))
    if len(countries) == 1:
        countries = countries * len(orgs)
    if len(countries) != len(orgs):
        builder.note(f"{row.origin}: {len(orgs)} organisations but {len(countries)} countries; "
                     "countries not paired")
        return [(org, None) for org in orgs]
    return [(org, _country(builder, text)) for org, text in zip(orgs, countries, strict=True)]


def _country(builder: BatchBuilder, text: str) -> str | None:
    code = country_code(text)
    if code is None and pseudo_country_code(text) is None:
        builder.unresolved_name(text)
    return code


def _add_headquarters(builder: BatchBuilder, votes: dict[str, Counter[str]], citation: str,
                      as_of: str | None) -> None:
    split = 0
    for supplier, counter in votes.items():
        (country, count), *rest = counter.most_common()
        if rest and rest[0][1] == count:
            split += 1
            continue
        builder.relate(supplier, builder.country(country, as_of=as_of),
                       RelKind.HEADQUARTERED_IN, citation=citation, as_of=as_of)
    if split:
        builder.note(f"{split} organisation(s) named with two countries equally often; no "
                     "HEADQUARTERED_IN for them")


# -- clusters --------------------------------------------------------------------------------
def _read_clusters(builder: BatchBuilder, rows: list[Row], chips: dict[str, str]) -> None:
    citation, snapshot = EPOCH_CITATIONS["clusters"], _snapshot(rows, "First Operational Date")
    chip_of = _resolver(builder, chips, NodeKind.CHIP)
    names = Counter(name_key(r.get("Name")) for r in rows)
    skipped = 0
    for row in rows:
        if not row.get("Name") or row.get("Status") == "Decommissioned" or row.get("Exclude"):
            skipped += 1
            continue
        as_of = _date(row.get("First Operational Date")) or snapshot
        cluster = builder.node(_cluster_id(row, names), NodeKind.COMPONENT, row.get("Name"),
                               citation=citation, as_of=as_of, attributes=_cluster_attributes(row),
                               origin=row.origin)
        for owner in _split(row.get("Owner")):
            builder.relate(cluster, _supplier(builder, owner, citation, as_of),
                           RelKind.SUPPLIED_BY, role="owner", citation=citation, as_of=as_of)
        code = _country(builder, row.get("Country")) if row.get("Country") else None
        if code:
            builder.relate(cluster, builder.country(code, as_of=as_of), RelKind.LOCATED_IN,
                           share=1.0, citation=citation, as_of=as_of)
        used = [chip_of(row.get(c)) for c in ("Chip type (primary)", "Chip type (secondary)")
                if row.get(c)]
        _require_all(builder, cluster, [c for c in used if c], "runs_on", "chips", citation,
                     as_of)
    if skipped:
        builder.note(f"{skipped} decommissioned, excluded or unnamed cluster row(s) skipped")


def _cluster_id(row: Row, names: Counter[str]) -> str:
    """The name key; Epoch repeats names (``Anonymized Chinese System``), so a repeated name
    gets a suffix from the row's own facts, stable while the row is unchanged."""
    key = name_key(row.get("Name"))
    if names[key] == 1:
        return key
    facts = "|".join(row.get(c) for c in ("Status", "Country", "Owner", "Chip type (primary)",
                                          "Chip quantity (primary)", "First Operational Date",
                                          "H100 equivalents", "Power Capacity (MW)"))
    return f"{key}-{hashlib.sha1(facts.encode()).hexdigest()[:8]}"


def _cluster_attributes(row: Row) -> dict[str, str]:
    return {k: row.get(c) for k, c in (
        ("status", "Status"), ("certainty", "Certainty"), ("h100_equivalents", "H100 equivalents"),
        ("chip_quantity", "Chip quantity (primary)"), ("power_mw", "Power Capacity (MW)"),
        ("sector", "Sector"), ("location", "Location"), ("users", "Users"),
        ("gpu_supplier", "GPU Supplier (primary)")) if row.get(c)}
