"""What the CSV importers share."""

from __future__ import annotations

from collections.abc import Iterator


class InvalidImport(ValueError):
    """A file that cannot be imported; ``problems`` are (line, reason), every one found."""

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__("; ".join(f"line {line}: {reason}" for line, reason in problems))
        self.problems = problems


def records(lines) -> Iterator[tuple[int, list[str]]]:
    """A csv.reader's records that hold anything, each with the line it starts on (a quoted
    field may span lines)."""
    while True:
        line = lines.line_num + 1
        cells = next(lines, None)
        if cells is None:
            return
        if any(c.strip() for c in cells):
            yield line, cells
