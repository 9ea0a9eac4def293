"""Pre-joined CSV lines are written exactly as the CSV writer would write the same values,
and only values that need neither quoting nor escaping are let through as they are."""

from __future__ import annotations

import csv
import io
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ui.output import csv_plain, emit_csv, emit_csv_lines

VALUES = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                 max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(VALUES, st.integers(-5, 5), VALUES, st.booleans()), max_size=30))
def test_plain_values_give_the_writers_bytes(rows: list[tuple[str, int, str, bool]]) -> None:
    columns = ("target", "order", "nodes", "flag")
    out = io.StringIO()
    saved = sys.stdout
    sys.stdout = out
    try:
        emit_csv(columns, rows)
        written = out.getvalue()
        out.seek(0)
        out.truncate()
        plain = all(csv_plain((a, c)) for a, _, c, _ in rows)
        if plain:
            emit_csv_lines(columns, (f"{a},{b},{c},{d}\n" for a, b, c, d in rows))
            assert out.getvalue() == written
    finally:
        sys.stdout = saved
    if not plain:  # what was refused needs the writer: quoting, or escaping on a terminal
        assert any(ch in '",\r\n' or ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f
                   or 0x202a <= ord(ch) <= 0x202e or 0x2066 <= ord(ch) <= 0x2069
                   for a, _, c, _ in rows for ch in a + c)


@pytest.mark.parametrize("value", ["a,b", 'say "x"', "two\nlines", "cr\rhere", "esc\x1b[2J",
                                   "rtl\u202eevil"])
def test_values_that_need_quoting_or_escaping_are_not_plain(value: str) -> None:
    assert not csv_plain(["fine", value])
    # and the writer does change them (quotes) or they hold a control character
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow([value])
    assert line.getvalue() != value + "\n" or any(not ch.isprintable() for ch in value)


def test_ids_are_plain() -> None:
    assert csv_plain(["nvidia-h100", "TW", "eto:asml/euv", "a.b+c"])
