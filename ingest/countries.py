"""Countries by ISO 3166-1: what a source calls a country, turned into its alpha-2 node id.

Names are looked up in the alias table first (for spellings no standard holds, such as
Epoch's ``Korea (Republic of)`` or ETO's 2022 code ``MAL``), then in the ISO 3166-1 library
``pycountry`` (alpha-2, alpha-3, short, official and common names, any case).  Nothing is
guessed: a name neither knows is ``None``, and the reader reports it as unresolved.

Sources also name *pseudo-countries*, aggregates that are no jurisdiction: ETO's
``Various countries`` and ``EUR`` (Europe), Epoch's ``Multinational``.  They are recognised
by :func:`pseudo_country_code` and never by :func:`country_code`; a reader decides what to do
with them (ETO keeps them as location residuals ``ZZ`` and ``EU``, see ``docs/readers.md``).

>>> country_code("CHN"), country_code("Taiwan"), country_code("Korea (Republic of)")
('CN', 'TW', 'KR')
>>> country_code("Atlantis") is None
True
>>> pseudo_country_code("Various countries"), pseudo_country_code("EUR")
('ZZ', 'EU')
"""

from __future__ import annotations

import pycountry

from graph.model import NodeKind
from ingest.aliases import default_aliases, name_key

__all__ = ["country_code", "country_name", "pseudo_country_code", "PSEUDO_COUNTRIES"]

PSEUDO_COUNTRIES: dict[str, str] = {
    "ZZ": "Other countries (not attributed)",
    "EU": "Europe (not attributed to one country)",
}
"""Codes for aggregates: ``ZZ`` is ISO 3166's user-assigned "unknown", ``EU`` its
exceptionally reserved code for the European Union (used here for ETO's "Europe")."""

_PSEUDO_NAMES = {
    "various countries": "ZZ", "various": "ZZ", "multinational": "ZZ",
    "eur": "EU", "europe": "EU",
}


def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code (upper case) for ``text``, or ``None`` if unknown."""
    text = text.strip()
    if not text:
        return None
    alias = default_aliases().lookup(text, NodeKind.COUNTRY)
    if alias is not None:
        return alias
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return None


def pseudo_country_code(text: str) -> str | None:
    """``ZZ`` or ``EU`` when ``text`` names an aggregate of countries, else ``None``."""
    return _PSEUDO_NAMES.get(name_key(text).replace("-", " "))


def country_name(code: str) -> str:
    """A short English name for an alpha-2 code (``TW`` → ``Taiwan``)."""
    if code in PSEUDO_COUNTRIES:
        return PSEUDO_COUNTRIES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 code")
    return str(getattr(country, "common_name", None) or country.name)
