"""What the CSV importers share."""

from __future__ import annotations


class InvalidImport(ValueError):
    """A file that cannot be imported; ``problems`` are (line, reason), every one found."""

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__("; ".join(f"line {line}: {reason}" for line, reason in problems))
        self.problems = problems
