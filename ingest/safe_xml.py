"""Bounded, safe XML parsing into a small element tree whose elements know their line.

Documents with a DOCTYPE are refused outright, so no entity (internal or external) is ever
declared or expanded; the file size is bounded by :func:`ingest.documents.read_text` and
the nesting depth by :data:`MAX_DEPTH`.  Every failure is an :class:`InputError` naming
file:line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from graph.errors import InputError, Problem
from ingest.documents import read_text

__all__ = ["Element", "parse_xml", "MAX_DEPTH"]

MAX_DEPTH = 200


@dataclass
class Element:
    """One XML element: tag, attributes, children, text, and where it starts."""

    tag: str
    attributes: dict[str, str]
    file: str
    line: int
    children: list[Element] = field(default_factory=list)
    text: str = ""

    @property
    def origin(self) -> str:
        return f"{self.file}:{self.line}"

    def problem(self, message: str) -> Problem:
        return Problem(message, self.file, self.line)


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_xml(path: Path) -> Element:
    """The root element of the XML file at ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.xml"
    >>> _ = f.write_text("<a>\\n  <b x='1'/>\\n</a>\\n")
    >>> root = parse_xml(f)
    >>> root.tag, root.children[0].attributes, root.children[0].line
    ('a', {'x': '1'}, 2)
    """
    text = read_text(path)
    file = str(path)
    parser = expat.ParserCreate()
    stack: list[Element] = []
    roots: list[Element] = []

    def refuse_doctype(*_: object) -> None:
        raise _Refused("DOCTYPE declarations are refused (no entities are expanded); remove "
                       "the <!DOCTYPE ...> line")

    def refuse_entity(*_: object) -> int:
        refuse_doctype()
        return 0

    def start(tag: str, attributes: dict[str, str]) -> None:
        if len(stack) >= MAX_DEPTH:
            raise _Refused(f"elements are nested more than {MAX_DEPTH} deep")
        element = Element(tag, attributes, file, parser.CurrentLineNumber)
        (stack[-1].children if stack else roots).append(element)
        stack.append(element)

    def end(_: str) -> None:
        stack.pop()

    def characters(data: str) -> None:
        if stack:
            stack[-1].text += data

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.ExternalEntityRefHandler = refuse_entity
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(text, True)
    except _Refused as exc:
        raise InputError(Problem(exc.message, file, parser.CurrentLineNumber)) from None
    except expat.ExpatError as exc:
        raise InputError(Problem(f"malformed XML: {expat.ErrorString(exc.code)}", file,
                                 exc.lineno, f"col {exc.offset + 1}")) from None
    return roots[0]
