"""Reading a call and text history file (contracts/call_history.md): the good rows and, by
line, why each other row was refused. Bad rows never stop the good ones; a header without
the required columns stops the file, as nothing in it could be read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from domain.history.records import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    HistoryRecord,
    InvalidHistoryRow,
    history_record,
)
from service_layer.import_files import InvalidImport, records


@dataclass
class HistoryFile:
    records: list[tuple[int, HistoryRecord]] = field(default_factory=list)  # (line, record)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def read_history_csv(text: str) -> HistoryFile:
    """Every row of the file checked; columns in any order, unknown columns ignored."""
    lines = csv.reader(io.StringIO(text, newline=""), strict=True)
    found = HistoryFile()
    try:
        columns = _columns(next(lines, None))
        seen: dict[str, int] = {}
        for line, values in _cells(lines, columns, found):
            try:
                record = history_record(values)
            except InvalidHistoryRow as exc:
                found.problems.append((line, str(exc)))
                continue
            if record.external_id in seen:
                found.problems.append((line, f"external_id {record.external_id!r} is also on "
                                             f"line {seen[record.external_id]}"))
                continue
            seen[record.external_id] = line
            found.records.append((line, record))
    except csv.Error as exc:  # unbalanced quotes: what follows cannot be trusted
        found.problems.append((lines.line_num, f"not readable as CSV from here: {exc}"))
    return found


def _columns(header: list[str] | None) -> list[str]:
    names = [h.strip().lower() for h in header or []]
    wrong = [f"column {n!r} is missing" for n in REQUIRED_COLUMNS if n not in names]
    wrong += [f"column {n!r} appears twice" for n in sorted(set(names))
              if n and names.count(n) > 1 and n in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    if wrong:
        known = ", ".join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))
        raise InvalidImport([(1, f"{w} (the first line names the columns: {known})")
                                 for w in wrong])
    return names


def _cells(lines, columns: list[str], found: HistoryFile
           ) -> Iterator[tuple[int, dict[str, str]]]:
    for line, cells in records(lines):
        if len(cells) != len(columns):
            found.problems.append((line, f"{len(cells)} fields where the header has "
                                         f"{len(columns)}"))
            continue
        if any("\x00" in c for c in cells):
            found.problems.append((line, "a field holds a NUL character"))
            continue
        yield line, dict(zip(columns, cells, strict=True))
