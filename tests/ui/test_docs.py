"""The README cannot drift from the command line: every command is documented there."""

from __future__ import annotations

from pathlib import Path

import click

from ui.cli import cli

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "chokepoint") -> list[str]:
    paths = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths += command_paths(command, path)
        else:
            paths.append(path)
    return paths


def test_every_command_is_listed_in_the_readme() -> None:
    missing = [p for p in command_paths(cli) if f"`{p}" not in README]
    assert not missing, f"document these commands in README.md: {missing}"


def test_every_command_has_help_text() -> None:
    def walk(group: click.Group):
        for command in group.commands.values():
            yield command
            if isinstance(command, click.Group):
                yield from walk(command)

    undocumented = [c.name for c in walk(cli) if not (c.help or "").strip()]
    assert not undocumented
