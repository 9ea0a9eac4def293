"""Entity resolution: one company, chip, model or country is one node whatever a source calls it.

Two steps, in this order, and nothing else (no fuzzy matching, no guessing):

1. the **alias table** ``ingest/aliases.csv`` (columns ``name, id, kind, note``), maintained by
   hand, maps names seen in sources to the canonical node ids used by the bundled seeds
   (``Nvidia`` → ``nvidia``, ``NVIDIA H800 SXM5`` → ``nvidia-h800``, ``eto:N20`` →
   ``euv-lithography-tools``);
2. the **name key**, a documented normalisation: accents dropped, case folded, ``&`` read as
   "and", punctuation turned into hyphens (a dot between digits is kept, ``3.1``), and trailing
   corporate suffixes (Inc., Corp., Co., Ltd., LLC, GmbH, AG, ...) removed.  A node a reader
   creates gets the key as its id, so ``OpenAI Inc`` and ``OpenAI`` meet at ``openai``.

>>> name_key("OpenAI Inc"), name_key("Kulicke & Soffa"), name_key("Llama 3.1-405B")
('openai', 'kulicke-and-soffa', 'llama-3.1-405b')
>>> name_key("Shenzhen Naso Tech Co., Ltd.")
'shenzhen-naso-tech'
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from graph.errors import InputError, Problem
from graph.model import Node, NodeKind, is_valid_id, parse_node_kind

__all__ = ["Alias", "AliasTable", "name_key", "default_aliases", "CORPORATE_SUFFIXES",
           "ALIASES_FILE", "possible_duplicates"]

ALIASES_FILE = Path(__file__).with_name("aliases.csv")

CORPORATE_SUFFIXES = frozenset({
    "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc",
    "plc", "gmbh", "ag", "nv", "bv", "kk", "oy", "spa", "pte", "pty",
})
_NOT_KEPT = re.compile(r"[^a-z0-9.]+")
_LONE_DOT = re.compile(r"(?<![0-9])\.|\.(?![0-9])")


def name_key(text: str) -> str:
    """The normalised form of a name, also used as the id of nodes readers create."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _LONE_DOT.sub(" ", text.replace("&", " and "))
    tokens = _NOT_KEPT.sub(" ", text).split()
    while len(tokens) > 1 and tokens[-1] in CORPORATE_SUFFIXES:
        tokens.pop()
    return "-".join(tokens)


@dataclass(frozen=True)
class Alias:
    """``name`` (as a source writes it) means the node ``id`` of ``kind``."""

    name: str
    id: str
    kind: NodeKind
    note: str = ""


class AliasTable:
    """Names mapped to canonical ids, looked up by name key and kind."""

    def __init__(self, aliases: Iterable[Alias]) -> None:
        self._ids: dict[tuple[str, NodeKind], str] = {}
        for alias in aliases:
            key = (name_key(alias.name), alias.kind)
            known = self._ids.setdefault(key, alias.id)
            if known != alias.id:
                raise InputError(f"alias table maps {alias.name!r} ({alias.kind.value}) to both "
                                 f"{known!r} and {alias.id!r}; keep one")

    def lookup(self, name: str, kind: NodeKind) -> str | None:
        """The canonical id the table gives ``name`` as a ``kind``, or ``None``."""
        return self._ids.get((name_key(name), kind))

    def canonical_id(self, name: str, kind: NodeKind) -> str:
        """The id for a node a reader creates: the table's, else the name key."""
        return self.lookup(name, kind) or name_key(name)

    @classmethod
    def from_csv(cls, text: str, file: str = "aliases.csv") -> AliasTable:
        rows = csv.DictReader(io.StringIO(text))
        aliases, problems = [], []
        for number, row in enumerate(rows, start=2):
            try:
                kind = parse_node_kind(row.get("kind") or "")
            except ValueError as exc:
                problems.append(Problem(str(exc), file, number, "kind"))
                continue
            name, node_id = (row.get("name") or "").strip(), (row.get("id") or "").strip()
            if not name or not is_valid_id(node_id, kind):
                problems.append(Problem(f"needs a name and a valid {kind.value} id", file, number))
                continue
            aliases.append(Alias(name, node_id, kind, (row.get("note") or "").strip()))
        if problems:
            raise InputError(problems)
        return cls(aliases)


@functools.cache
def default_aliases() -> AliasTable:
    """The bundled alias table (``ingest/aliases.csv``)."""
    return AliasTable.from_csv(ALIASES_FILE.read_text(encoding="utf-8"), str(ALIASES_FILE))


def possible_duplicates(nodes: Iterable[Node]) -> list[list[Node]]:
    """Nodes of one kind, from different sources, whose names may denote one entity: the same
    name key under different ids, or one supplier's key the first words of another's
    (``Sumitomo`` and ``Sumitomo Chemical``).  A check for people to review, never applied:
    each finding is either an alias to add or a note on why the two differ.  Countries are
    left out (their ids are their codes).  Groups are sorted by their first id.

    >>> from graph.model import Node
    >>> found = possible_duplicates([
    ...     Node("jd", NodeKind.SUPPLIER, "JD.com", sources=("seeds",)),
    ...     Node("jd-com", NodeKind.SUPPLIER, "JD.com", sources=("epoch",)),
    ...     Node("intel", NodeKind.SUPPLIER, "Intel", sources=("eto",))])
    >>> [[n.id for n in group] for group in found]
    [['jd', 'jd-com']]
    """
    by_key: dict[tuple[NodeKind, str], list[Node]] = {}
    for node in nodes:
        if node.kind is not NodeKind.COUNTRY:
            by_key.setdefault((node.kind, name_key(node.name)), []).append(node)
    groups = [group for group in by_key.values() if len({n.id for n in group}) > 1]
    suppliers = sorted((key, group) for (kind, key), group in by_key.items()
                       if kind is NodeKind.SUPPLIER)
    for short, group in suppliers:
        for longer, other in suppliers:
            if longer.startswith(short + "-"):
                groups.append([*group, *other])
    found = [sorted(g, key=lambda n: n.id) for g in groups
             if len({s for n in g for s in n.sources}) > 1
             and not any(set(a.sources) == set(b.sources) for a in g for b in g if a is not b)]
    return sorted(found, key=lambda g: [n.id for n in g])
