"""Bounded, strict parsing of the text formats input arrives in (JSON, YAML), and the input
size limit: shared by the readers and the scenario loader.

* JSON: ``NaN`` and ``Infinity`` are refused (the standard has no such values), so is a key
  named twice in one object, and nesting deeper than :data:`MAX_NESTING`.
* YAML: aliases (``*name``) are refused — an alias can expand a small file into gigabytes, or
  into itself — and so is nesting deeper than :data:`MAX_NESTING`.
* Every file is checked against :func:`max_input_bytes` *before* it is read.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from graph.errors import InputError, Problem

__all__ = ["MAX_NESTING", "MAX_INPUT_ENV", "DEFAULT_MAX_INPUT_BYTES", "max_input_bytes",
           "check_size", "parse_json", "parse_yaml", "compose_yaml", "DuplicateKeys"]

MAX_NESTING = 64
"""How deep lists and mappings may nest in an input document."""

MAX_INPUT_ENV = "CHOKEPOINT_MAX_INPUT_BYTES"
DEFAULT_MAX_INPUT_BYTES = 512 * 1024 * 1024


def max_input_bytes() -> int:
    """The size limit for one input file: ``$CHOKEPOINT_MAX_INPUT_BYTES`` or 512 MiB."""
    text = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_INPUT_BYTES
    if not text.isdigit() or int(text) < 1:
        raise InputError(Problem(f"{MAX_INPUT_ENV}={text!r} is not a positive whole number of "
                                 f"bytes; set it to e.g. {DEFAULT_MAX_INPUT_BYTES} (512 MiB) "
                                 "or unset it"))
    return int(text)


def check_size(path: Path) -> None:
    """Refuse a file above :func:`max_input_bytes` or with no bytes at all."""
    size, limit = path.stat().st_size, max_input_bytes()
    if size > limit:
        raise InputError(Problem(f"file is {size:,} bytes, above the limit of {limit:,}; split "
                                 f"it or raise {MAX_INPUT_ENV}", str(path)))
    if size == 0:
        raise InputError(Problem("file is empty", str(path)))


# -- JSON -------------------------------------------------------------------------------------
class DuplicateKeys(dict):  # type: ignore[type-arg]
    """A JSON object that named a key more than once (the last value is kept, as Python's
    ``json`` does); :attr:`duplicates` lists those keys so a reader can say where."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = DuplicateKeys(pairs)
    if len(obj) < len(pairs):
        obj.duplicates = tuple(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
    return obj


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number; write a number, or leave the field out")


def parse_json(text: str, source: str) -> Any:
    """Parse JSON ``text`` strictly; ``source`` names it in errors, and a key named twice is
    refused with where it is (``nodes[3]``)."""
    try:
        doc = json.loads(text, object_pairs_hook=_object, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise InputError(Problem(f"malformed JSON: {exc.msg}; fix the document (a validator "
                                 "such as `python -m json.tool` shows the spot)", source,
                                 exc.lineno, f"col {exc.colno}")) from exc
    except ValueError as exc:
        raise InputError(Problem(str(exc), source)) from exc
    except RecursionError:
        raise InputError(Problem(f"lists or objects are nested too deeply (more than "
                                 f"{MAX_NESTING} levels)", source)) from None
    _check_tree(doc, source)
    return doc


def _check_tree(doc: Any, source: str) -> None:
    """Refuse nesting deeper than :data:`MAX_NESTING` and keys named twice, without
    recursion."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 1)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_NESTING:
            raise InputError(Problem(f"lists or objects are nested too deeply (more than "
                                     f"{MAX_NESTING} levels)", source))
        if isinstance(value, dict):
            duplicates = getattr(value, "duplicates", ())
            if duplicates:
                raise InputError(Problem(
                    f"key {duplicates[0]!r} appears twice in one object"
                    f"{f' (at {where})' if where else ''}; keep one", source))
            stack.extend((v, f"{where}.{k}" if where else str(k), depth + 1)
                         for k, v in value.items() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend((v, f"{where}[{i}]", depth + 1)
                         for i, v in enumerate(value) if isinstance(v, dict | list))


# -- YAML -------------------------------------------------------------------------------------
class _BoundedLoader(yaml.SafeLoader):
    """The safe loader without aliases and with a nesting limit."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted; write the value out",
                event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise yaml.composer.ComposerError(
                    None, None, f"lists or mappings are nested too deeply (more than "
                    f"{MAX_NESTING} levels)", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _yaml_problem(exc: yaml.YAMLError, source: str, *, column: bool = True) -> InputError:
    mark = getattr(exc, "problem_mark", None)
    return InputError(Problem(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", source,
                              mark.line + 1 if mark else None,
                              str(mark.column + 1) if mark and column else None))


def compose_yaml(text: str, source: str) -> yaml.Node | None:
    """The YAML node tree of ``text`` (with line numbers), aliases refused; errors name the
    line (the caller names keys as columns)."""
    try:
        return yaml.compose(text, Loader=_BoundedLoader)
    except yaml.YAMLError as exc:
        raise _yaml_problem(exc, source, column=False) from exc


def parse_yaml(text: str, source: str) -> Any:
    """The value of YAML ``text``, aliases refused."""
    try:
        return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise _yaml_problem(exc, source) from exc
