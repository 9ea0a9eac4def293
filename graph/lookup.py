"""Finding nodes by what a person types: search by id or name, and "did you mean" for ids.

Matching folds case and accents (``Å`` matches ``a``, ``STRASSE`` matches ``straße``), so
people need not remember how a name is spelt in the data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

__all__ = ["fold", "search_nodes", "nearest_ids", "did_you_mean"]


def fold(text: str) -> str:
    """``text`` without case or accents, for comparing.

    >>> fold("Ångström STRASSE") == fold("angstrom straße")
    True
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_nodes(names: Mapping[str, str], text: str, limit: int | None = None) -> list[str]:
    """Ids whose id or name contains every word of ``text``, best matches first: an exact id
    or name, then one that starts with the text, then the rest; ties by id.

    >>> search_nodes({"tsmc": "TSMC", "tsmc-n4": "TSMC N4 process", "asml": "ASML"}, "tsmc")
    ['tsmc', 'tsmc-n4']
    """
    wanted = fold(text).strip()
    words = wanted.split()
    if not words:
        return []
    ranked = []
    for node_id, name in names.items():
        folded_id, folded_name = fold(node_id), fold(name or "")
        haystack = f"{folded_id} {folded_name}"
        if not all(word in haystack for word in words):
            continue
        if wanted in (folded_id, folded_name):
            rank = 0
        elif folded_id.startswith(wanted) or folded_name.startswith(wanted):
            rank = 1
        else:
            rank = 2
        ranked.append((rank, node_id))
    found = [node_id for _, node_id in sorted(ranked)]
    return found if limit is None else found[:limit]


def nearest_ids(names: Mapping[str, str], unknown: str, count: int = 3) -> list[str]:
    """The ids closest to ``unknown``, by id or by name (spelling slips, a name typed for an
    id, other case or accents); none when nothing is close.

    >>> nearest_ids({"nvidia-h100": "NVIDIA H100", "asml": "ASML"}, "nvida-h100")
    ['nvidia-h100']
    >>> nearest_ids({"nvidia-h100": "NVIDIA H100", "asml": "ASML"}, "NVIDIA H100")
    ['nvidia-h100']
    """
    wanted = fold(unknown).strip()
    keys: dict[str, str] = {}
    words: dict[str, str] = {}
    for node_id, name in sorted(names.items()):
        for text in (node_id, name or ""):
            keys.setdefault(fold(text), node_id)
            for word in re.split(r"[^\w]+", fold(text)):
                if len(word) >= 3:
                    words.setdefault(word, node_id)
    found: list[str] = []
    from difflib import get_close_matches  # only when an id is not found

    for table in (keys, words):
        for key in get_close_matches(wanted, list(table), n=count * 2, cutoff=0.75):
            if table[key] not in found:
                found.append(table[key])
    if not found and len(wanted) >= 3:
        found = search_nodes(names, unknown, limit=count)
    return found[:count]


def did_you_mean(names: Mapping[str, str], unknown: Iterable[str]) -> str:
    """`` (did you mean x (Name)?)`` for the first unknown id that has near ids, else ``""``.

    >>> did_you_mean({"tsmc": "TSMC"}, ["tsmcc"])
    " (did you mean 'tsmc' (TSMC)?)"
    """
    for item in unknown:
        near = nearest_ids(names, item)
        if near:
            shown = " or ".join(f"{n!r} ({names[n]})" if names.get(n) and names[n] != n
                                else repr(n) for n in near)
            return f" (did you mean {shown}?)"
    return ""
