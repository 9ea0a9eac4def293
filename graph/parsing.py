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
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from graph.errors import InputError, Problem

__all__ = ["MAX_NESTING", "MAX_INPUT_ENV", "DEFAULT_MAX_INPUT_BYTES", "max_input_bytes",
           "check_size", "parse_json", "parse_yaml", "compose_yaml"]

MAX_NESTING = 64
"""How deep lists and mappings may nest in an input document."""

MAX_INPUT_ENV = "CHOKEPOINT_MAX_INPUT_BYTES"
_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_A_CHARACTER = ("text holds a lone UTF-16 surrogate escape (such as \\ud800), which is not "
                    "a character; fix the escape")
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
# Only an escape can put a surrogate into text decoded from UTF-8; most documents have none,
# and then their strings need no look at all.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_INNERMOST = re.compile(r"\[[^\[\]{}]*\]|\{[^\[\]{}]*\}")


def _too_deep(text: str) -> bool:
    """Whether JSON ``text`` nests lists and objects deeper than :data:`MAX_NESTING`: strip
    the strings, then remove the innermost brackets level by level (each level one pass in
    the regular-expression engine, so a deep document costs as little as a flat one)."""
    rest = _JSON_STRING.sub("", text)
    for _ in range(MAX_NESTING):
        rest, found = _INNERMOST.subn("", rest)
        if not found:
            return False
    return bool(_INNERMOST.search(rest))


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number; write a number, or leave the field out")


def parse_json(text: str, source: str) -> Any:
    """Parse JSON ``text`` strictly; ``source`` names it in errors, and a key named twice is
    refused with where it is (``nodes[3]``)."""
    if _too_deep(text):
        raise InputError(Problem(f"lists or objects are nested too deeply (more than "
                                 f"{MAX_NESTING} levels)", source))
    repeated: dict[int, str] = {}  # id of an object that named a key twice -> that key

    def pairs_to_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) < len(pairs):
            repeated[id(obj)] = next(k for k, n in Counter(k for k, _ in pairs).items()
                                     if n > 1)
        return obj

    try:
        doc = json.loads(text, object_pairs_hook=pairs_to_object, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise InputError(Problem(f"malformed JSON: {exc.msg}; fix the document (a validator "
                                 "such as `python -m json.tool` shows the spot)", source,
                                 exc.lineno, f"col {exc.colno}")) from exc
    except ValueError as exc:
        raise InputError(Problem(str(exc), source)) from exc
    except RecursionError:
        raise InputError(Problem(f"lists or objects are nested too deeply (more than "
                                 f"{MAX_NESTING} levels)", source)) from None
    texts = bool(_SURROGATE_ESCAPE.search(text))
    if repeated or texts:
        _check_tree(doc, source, repeated, texts)
    return doc


def _check_tree(doc: Any, source: str, repeated: dict[int, str], texts: bool) -> None:
    """Find the object that named a key twice, or (when ``texts``) the string that is not
    text, and say where it is; without recursion (the nesting is bounded already)."""
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            if id(value) in repeated:
                raise InputError(Problem(
                    f"key {repeated[id(value)]!r} appears twice in one object"
                    f"{f' (at {where})' if where else ''}; keep one", source))
            if texts and any(isinstance(t, str) and _SURROGATE.search(t)
                             for item in value.items() for t in item):
                raise InputError(Problem(f"{_NOT_A_CHARACTER} (at {where or 'the top'})",
                                         source))
            stack.extend((v, f"{where}.{k}" if where else str(k))
                         for k, v in value.items() if isinstance(v, dict | list))
        elif isinstance(value, list):
            if texts and any(isinstance(t, str) and _SURROGATE.search(t) for t in value):
                raise InputError(Problem(f"{_NOT_A_CHARACTER} (at {where or 'the top'})",
                                         source))
            stack.extend((v, f"{where}[{i}]")
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
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        _check_node(node)
        return node


def _check_node(node: yaml.Node) -> None:
    """Refuse a scalar that is not text (a lone surrogate escape) and a mapping that names a
    key twice (the second would silently win)."""
    if isinstance(node, yaml.ScalarNode) and _SURROGATE.search(node.value):
        raise yaml.composer.ComposerError(None, None, _NOT_A_CHARACTER, node.start_mark)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    raise yaml.composer.ComposerError(
                        None, None, f"key {key.value!r} appears twice in one mapping; keep one",
                        key.start_mark)
                seen.add(key.value)


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
    except (ValueError, OverflowError) as exc:  # a date such as 2024-13-01
        raise InputError(Problem(f"not valid YAML: {exc}", source)) from exc
